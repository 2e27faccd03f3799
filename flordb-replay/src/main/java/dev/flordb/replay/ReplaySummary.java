package dev.flordb.replay;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The last words of {@code flordb replay}: how many of the runs that lack the values were filled
 * in, and why each of the others was not (a version that could not take the statement, a replay
 * that diverged, a statement that never ran, a failure, a run that did not finish); how many
 * values were stored and how many recorded ones they were checked against; every divergence.
 */
public final class ReplaySummary {
  private final ReplaySchedule plan;
  private final List<ReplayDriver.Outcome> outcomes;
  private final ReplayDriver driver;

  public ReplaySummary(ReplaySchedule plan, List<ReplayDriver.Outcome> outcomes, ReplayDriver driver) {
    this.plan = plan;
    this.outcomes = outcomes;
    this.driver = driver;
  }

  public void print(PrintWriter out, double seconds, double estimate) {
    out.println(replayed(plan, outcomes, seconds, estimate) + ".");
    out.println(values());
    List<String> divergences = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (ReplayDriver.Outcome o : outcomes) {
      List<String> d = driver.attemptLines(o);
      if (o.attempts().stream().anyMatch(a -> a.exit() == ReplayDriver.DIVERGED_EXIT)) {
        divergences.add("  run " + o.run().runId() + " (" + o.version().label + ", started " + o.run().tstamp() + ")");
        for (String line : d) divergences.add("    " + line);
      }
      for (String line : driver.missingLines(o)) missing.add("  run " + o.run().runId() + ": " + line);
    }
    if (!divergences.isEmpty()) {
      out.println("Divergences (what replay computed against what the run recorded):");
      divergences.forEach(out::println);
    }
    if (!missing.isEmpty()) {
      out.println("Not filled in:");
      missing.forEach(out::println);
    }
  }

  /**
   * "Replayed 3 of 4 runs in 5.1 s (estimated 4.0 s); 1 run's version could not take the
   * statement (v2: ...)": every run that lacks the values counts, replayed or not.
   */
  public static String replayed(ReplaySchedule plan, List<ReplayDriver.Outcome> outcomes, double seconds, double estimate) {
    int unplacedRuns = 0;
    int partlyPlacedRuns = 0;
    List<String> reasons = new ArrayList<>();
    List<String> partly = new ArrayList<>();
    for (ReplaySchedule.Version v : plan.versions) {
      if (v.runnable()) {
        if (v.problems.isEmpty()) continue;
        partlyPlacedRuns += v.runs.size();
        partly.add(v.label + ": " + String.join("; ", v.problems));
        continue;
      }
      unplacedRuns += v.runs.size();
      reasons.add(v.label + ": " + (v.problems.isEmpty() ? "no statement to place" : String.join("; ", v.problems)));
    }
    long ok = outcomes.stream().filter(ReplayDriver.Outcome::ok).count();
    int all = outcomes.size() + unplacedRuns;
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "Replayed %d of %d %s", ok, all, all == 1 ? "run" : "runs"));
    if (!Double.isNaN(seconds)) {
      s.append(" in ").append(ReplaySchedule.seconds(seconds)).append(" (estimated ")
          .append(ReplaySchedule.seconds(estimate)).append(')');
    }
    List<String> clauses = new ArrayList<>();
    if (unplacedRuns > 0) {
      clauses.add(unplacedRuns + (unplacedRuns == 1 ? " run's version" : " runs' versions") + " could not take the"
          + (plan.names.size() == 1 ? " statement" : " statements") + " (" + String.join("; ", reasons) + ")");
    }
    if (partlyPlacedRuns > 0) {
      clauses.add(partlyPlacedRuns + (partlyPlacedRuns == 1 ? " run's version" : " runs' versions")
          + " took only some of the statements (" + String.join("; ", partly) + ")");
    }
    count(clauses, outcomes, ReplayDriver.Result.DIVERGED, "diverged from what it recorded and was not stored (below)",
        "diverged from what they recorded and were not stored (below)");
    count(clauses, outcomes, ReplayDriver.Result.MISSING, "never ran a statement (below)", "never ran a statement (below)");
    count(clauses, outcomes, ReplayDriver.Result.FAILED, "failed (above)", "failed (above)");
    if (plan.unfinished > 0) {
      clauses.add(plan.unfinished + (plan.unfinished == 1 ? " run that lacks the values did not finish and is"
          : " runs that lack the values did not finish and are") + " not replayed");
    }
    for (String c : clauses) s.append("; ").append(c);
    return s.toString();
  }

  private static void count(List<String> clauses, List<ReplayDriver.Outcome> outcomes, ReplayDriver.Result result,
      String one, String many) {
    long n = outcomes.stream().filter(o -> o.result() == result).count();
    if (n > 0) clauses.add(n + " " + (n == 1 ? one : many));
  }

  /** How many values were stored, and what they were checked against, as far as the programs said. */
  private String values() {
    long stored = 0;
    long checked = 0;
    long states = 0;
    int verified = 0;
    int unknown = 0;
    for (ReplayDriver.Outcome o : outcomes) {
      for (ReplayDriver.Attempt a : o.attempts()) {
        if (a.exit() != 0) continue;
        stored += a.storedTotal();
        Verdict v = a.verdict();
        if (v == null || v.checked() == null) {
          unknown++;
          continue;
        }
        verified++;
        checked += v.checked();
        if (v.statesChecked() != null) states += v.statesChecked();
      }
    }
    String s = "Stored " + stored + (stored == 1 ? " value" : " values");
    if (verified == 0 && unknown == 0) return s + ".";
    if (verified == 0) {
      return s + "; what they were checked against is unknown: the replayed programs wrote no verdict"
          + " (FLOR_REPLAY_VERDICT).";
    }
    s += ", checked against " + checked + " recorded value" + (checked == 1 ? "" : "s") + " and " + states
        + " checkpointed state" + (states == 1 ? "" : "s");
    if (unknown > 0) s += " (" + unknown + " replay" + (unknown == 1 ? "'s program" : "s' programs") + " wrote no verdict)";
    return s + ".";
  }
}
