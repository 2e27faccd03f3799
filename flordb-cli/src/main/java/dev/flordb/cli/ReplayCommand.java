package dev.flordb.cli;

import dev.flordb.replay.ReplayDriver;
import dev.flordb.replay.ReplaySummary;

import dev.flordb.replay.PastRun;
import dev.flordb.replay.ReplaySchedule;

import dev.flordb.Table;
import dev.flordb.internal.replay.ReplayOptions.Level;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.run.Settings;
import dev.flordb.internal.store.SharedStore;
import dev.flordb.internal.store.Store;
import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flordb replay}: fill in today's new log statements for every past run, each in its own code version. */
@Command(name = "replay", sortOptions = false,
    header = "Fill in new log statements for past runs, each in its own code version.",
    description = "Fills in the values of log statements added to today's code for the recorded runs"
        + " that lack them: each statement is carried into each run's own code version, which is"
        + " run again in replay mode from its checkpoints (old versions are built in a temporary"
        + " directory; the working tree is never touched). Shows the schedule with estimates, then"
        + " asks.")
public final class ReplayCommand implements Callable<Integer> {
  private static final int HEAD_ROWS = 20;

  @Spec CommandSpec spec;

  @Option(names = "-C", paramLabel = "DIR", description = "Run as if started in DIR.")
  Path dir;

  @Parameters(paramLabel = "NAME", arity = "0..*",
      description = "Logged names to fill in, or @LINE for the log statement on that line of today's program.")
  List<String> names = new ArrayList<>();

  @Option(names = "--apply", split = ",", paramLabel = "NAME", description = "More names (comma-separated).")
  List<String> apply = new ArrayList<>();

  @Option(names = "--where", paramLabel = "COND", description = "Only runs whose values satisfy this, e.g. \"lr > 0.001 and epochs >= 5\".")
  String where;

  @Option(names = "--iter", paramLabel = "LOOP=SPEC", description = "Which outer iterations to run: all, last, none or 0,2,5.")
  List<String> iter = new ArrayList<>();

  @Option(names = "--override", paramLabel = "NAME=VALUE", description = "An arg to take from here, not from the run (a setting that does not change numbers).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--jobs", paramLabel = "N", description = "Processes at once (default: the number of cores).")
  Integer jobs;

  @Option(names = "--level", paramLabel = "LEVEL", description = {"How much of each run's loops to execute, instead of what"
      + " the analysis of the statements finds: outside (no iteration: the final state restored), outer (the outermost"
      + " loop's iterations, nested loops skipped) or nested (every selected iteration in full)."})
  String level;

  @Option(names = "--from-start", description = "Execute each run from its start rather than from checkpoints.")
  boolean fromStart;

  @Option(names = "--file", paramLabel = "PATH", description = "The file @LINE refers to, relative to the repository (default: the runs' program).")
  String file;

  @Option(names = "--dry-run", description = "Show the schedule only.")
  boolean dryRun;

  @Option(names = {"-y", "--yes"}, description = "Do not ask.")
  boolean yes;

  /** The shared store (--store, FLOR_STORE, store.url), or null. */
  private static SharedStore sharedStore(String url, Snapshots git) {
    if (url == null) url = Settings.fromEnvironment().storeUrl(git.workTree());
    return url == null ? null : SharedStore.open(url, git);
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<String> selectors = new ArrayList<>(names);
    selectors.addAll(apply);
    if (selectors.isEmpty()) throw new IllegalArgumentException("name what to fill in, for example: flordb replay grad_norm");
    for (String i : iter) if (!i.contains("=")) throw new IllegalArgumentException("--iter takes LOOP=SPEC, e.g. epoch=last, not '" + i + "'");
    int n = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
    if (n < 1) throw new IllegalArgumentException("--jobs must be at least 1, not " + n);
    Level chosenLevel = level == null ? null : parseLevel(level);

    Path where = dir;
    if (where == null && spec.parent() != null && spec.parent().userObject() instanceof dev.flordb.cli.FlorCli) {
      where = ((dev.flordb.cli.FlorCli) spec.parent().userObject()).directory();
    }
    if (where == null) where = Path.of("").toAbsolutePath();
    String storeUrl = spec.parent() != null && spec.parent().userObject() instanceof dev.flordb.cli.FlorCli
        ? ((dev.flordb.cli.FlorCli) spec.parent().userObject()).store : null;
    try (Snapshots git = Snapshots.open(where); Store store = Store.open(git.workTree().resolve(".flor"), git);
        SharedStore shared = sharedStore(storeUrl, git)) {
      if (shared != null) {
        // Replay runs what this clone has the snapshots of; the shared store may know of more.
        java.util.Set<String> elsewhere = shared.runIds();
        for (Table.Row r : store.query("SELECT run_id FROM runs")) elsewhere.remove(r.getString("run_id"));
        elsewhere.removeAll(git.runRefs().keySet());
        if (!elsewhere.isEmpty()) {
          out.println(elsewhere.size() + (elsewhere.size() == 1 ? " run" : " runs") + " of other clones in the shared store"
              + " cannot be replayed here without their snapshots: 'flordb pull' brings them (then replay again).");
        }
      }
      String stamp = Session.newId(System.currentTimeMillis());
      ReplaySchedule plan = ReplaySchedule.plan(git, store, new ReplaySchedule.Request(selectors, file, this.where,
          iter, overrides, n, chosenLevel, fromStart, dryRun), stamp);
      plan.print(out);
      List<PastRun> runs = plan.runs();
      // A version that could not take every statement leaves its runs without some values.
      boolean unplaced = plan.versions.stream().anyMatch(v -> !v.runnable() || !v.problems.isEmpty());
      if (dryRun) return 0;
      if (runs.isEmpty()) {
        if (!unplaced) return 0;
        out.println();
        out.println(ReplaySummary.replayed(plan, List.of(), Double.NaN, Double.NaN) + ".");
        out.flush();
        return 1;
      }
      if (!yes && !confirm(out, runs.size())) return 1;

      long start = System.nanoTime();
      ReplayDriver driver = new ReplayDriver(git, git.workTree().resolve(".flor"), plan, programClassPath(), out);
      List<ReplayDriver.Outcome> outcomes = driver.run();
      double seconds = (System.nanoTime() - start) / 1e9;
      boolean failed = outcomes.stream().anyMatch(o -> !o.ok());

      out.println();
      if (shared != null) store.share(shared); // the replayed values are shipped there, and the table read from there
      printHead(store.dataframe(plan.names.toArray(new String[0])), plan.names, out);
      out.println();
      double[] estimate = plan.totals();
      new ReplaySummary(plan, outcomes, driver).print(out, seconds, n > 1 ? estimate[1] : estimate[0]);
      out.println("What ran: git diff refs/flor/runs/RUN " + Snapshots.REPLAY_REF_PREFIX + stamp + "/RUN -- . ':!.flor'"
          + " (the replayed values are in that commit's .flor/records/)");
      out.flush();
      return failed || unplaced ? 1 : 0;
    }
  }

  private static Level parseLevel(String s) {
    for (Level l : Level.values()) if (l.name().equalsIgnoreCase(s.trim())) return l;
    throw new IllegalArgumentException("--level takes outside, outer or nested, not '" + s + "'");
  }

  /** The table, or its first rows and how to see the rest when it is long. */
  private static void printHead(Table t, List<String> names, PrintWriter out) {
    if (t.size() <= HEAD_ROWS) {
      t.print(out);
      return;
    }
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < HEAD_ROWS; i++) rows.add(t.row(i).toMap().values().toArray());
    Table.of(t.columns(), rows).print(out);
    out.println("... and " + (t.size() - HEAD_ROWS) + " more rows: flordb dataframe " + String.join(" ", names));
  }

  private boolean confirm(PrintWriter out, int runs) {
    Console console = System.console();
    if (console == null) {
      throw new IllegalArgumentException("not replaying without a yes: there is no terminal to ask on; pass --yes"
          + " to replay, or --dry-run to see the schedule only");
    }
    out.flush();
    String answer = console.readLine("Replay %d run%s? [y/N] ", runs, runs == 1 ? "" : "s");
    return answer != null && answer.trim().toLowerCase(Locale.ROOT).startsWith("y");
  }

  /** The jar that programs put on their class path, for runs whose recorded FlorDB jar has moved. */
  private static String programClassPath() {
    return dev.flordb.cli.FlorCli.programClassPath();
  }
}
