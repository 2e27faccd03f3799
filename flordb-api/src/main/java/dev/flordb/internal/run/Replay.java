package dev.flordb.internal.run;

import static dev.flordb.internal.Failures.failure;
import dev.flordb.internal.checkpoint.Checkpoints;
import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.records.Values;
import dev.flordb.internal.replay.RecordedRun;
import dev.flordb.internal.replay.ReplayCheck;
import dev.flordb.internal.replay.ReplayHost;
import dev.flordb.internal.replay.ReplayLevels;
import dev.flordb.internal.replay.ReplayOptions;
import dev.flordb.internal.replay.ReplayOuterLoop;
import dev.flordb.internal.replay.SkippedLoop;
import dev.flordb.internal.source.Sites;
import dev.flordb.internal.source.SourceAnalyzer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A session's replay side, when the program runs again with {@code --replay}: what it stores (the
 * statements asked for, once, where the recorded run has no value), what it checks (every other
 * value the strategy reproduces, and the state at the end of each executed outermost iteration,
 * against the recorded run), its divergence and its verdict (in its record file, the driver's
 * verdict file and on the console), its segments in other JVMs, and what the replay engine's loops
 * ({@link ReplayOuterLoop}, {@link SkippedLoop}) need of the run, as their {@link ReplayHost}.
 */
final class Replay implements ReplayHost {
  private final ReplayOptions options;
  private final RecordedRun recorded;
  private final ReplayOptions.Level level;
  /** Whether every outermost iteration runs in order from the first. */
  private final boolean fromStart;
  /** Why the analysis chose the strategy (for the replay's summary). */
  private final List<String> strategyReasons;
  /** The program's source analysis, or null (no source, no analyser: every statement is checked). */
  private final CompletableFuture<SourceAnalyzer.Analysis> analysis;
  /** Exit the JVM with {@link #DIVERGED_EXIT} when the replay diverges (a program's own session). */
  private final boolean exitOnDivergence;
  private final Path verdictFile;

  private final Path workTree;
  private final Path florDir;
  private final Launch launch;
  private final Console console;
  private final RecordWriter writer;
  private final RunRepository repository;
  private final Checkpoints checkpoints;
  private final Loops loops;

  /** The names whose values the replay's strategy reproduces; null until known (or when everything is checked). */
  private Set<String> reproduced;
  private final List<Object[]> uncheckedYet = new ArrayList<>();
  private volatile ReplayCheck.Divergence firstDivergence;
  private long storedInReplay;
  /** True while replay re-executes iterations only to rebuild state: nothing is recorded. */
  private volatile boolean suppressed;
  /** True once the session is closing: a divergence then no longer exits the JVM (the end does). */
  private volatile boolean closing;
  private final Set<String> warnedArgs = ConcurrentHashMap.newKeySet();
  private final Set<String> loggedInReplay = ConcurrentHashMap.newKeySet();
  private final List<Map<?, ?>> segmentVerdicts = new ArrayList<>();
  /** The replay's outermost loop under way, or the last one. */
  private volatile ReplayOuterLoop<?> replayLoop;

  Replay(ReplayPlan plan, boolean exitOnDivergence, Path verdictFile, Path workTree, Path florDir, Launch launch,
      Console console, RecordWriter writer, RunRepository repository, Checkpoints checkpoints, Loops loops) {
    this.options = plan.options();
    this.recorded = plan.recorded();
    this.level = plan.level();
    this.fromStart = plan.fromStart();
    this.strategyReasons = plan.reasons();
    this.analysis = plan.analysis();
    this.exitOnDivergence = exitOnDivergence;
    this.verdictFile = verdictFile;
    this.workTree = workTree;
    this.florDir = florDir;
    this.launch = launch;
    this.console = console;
    this.writer = writer;
    this.repository = repository;
    this.checkpoints = checkpoints;
    this.loops = loops;
    analysis.thenAccept(a -> {
      if (a != null) loops.useSites(new Sites(a.sites(), a.outermostLoops()));
    });
  }

  private String runId() {
    return options.run;
  }

  // ---------------------------------------------------------------- what is stored, what is checked

  /** Whether a log of {@code name} here is stored: only what is asked for, once, where the run has no value. */
  boolean records(String name) {
    if (!options.apply.contains(name)) return false;
    noticeLeftLoop(name);
    if (suppressed) return false;
    loggedInReplay.add(name);
    if (recorded.isFilled(name, loops.placeOf(name).positionKey())) return false; // already there
    storedInReplay++;
    return true;
  }

  /** A value that is not stored is compared with the one the run recorded there. */
  void verify(String name, Object value) {
    if (firstDivergence != null) return;
    Frame ctx = loops.context();
    synchronized (uncheckedYet) {
      if (!analysis.isDone()) { // compared once the analysis says which statements this strategy reproduces
        uncheckedYet.add(new Object[] {name, ctx, value});
        return;
      }
    }
    checkPending();
    if (isReproduced(name)) compare(name, ctx, value);
  }

  private boolean isReproduced(String name) {
    synchronized (uncheckedYet) {
      if (reproduced == null) {
        SourceAnalyzer.Analysis a = analysis.join();
        reproduced = a == null ? null : ReplayLevels.reproducedBy(a, level, fromStart);
        if (reproduced == null) return true;
      }
      return reproduced.contains(name);
    }
  }

  private void compare(String name, Frame ctx, Object value) {
    if (firstDivergence != null) return;
    Sites known = loops.sites();
    ReplayCheck.Divergence d = recorded.check.value(name, known == null ? ctx : known.place(name, ctx), value);
    if (d != null) diverged(d);
  }

  /** Compares the values logged before the analysis was ready. */
  private void checkPending() {
    List<Object[]> pending;
    synchronized (uncheckedYet) {
      if (uncheckedYet.isEmpty()) return;
      pending = new ArrayList<>(uncheckedYet);
      uncheckedYet.clear();
    }
    for (Object[] p : pending) if (isReproduced((String) p[0])) compare((String) p[0], (Frame) p[1], p[2]);
  }

  /**
   * The replay is not the recorded run: nothing more is stored, the verdict says so, and a
   * program's own session exits with {@link #DIVERGED_EXIT} (so that flordb replay tries the safer strategy).
   */
  private void diverged(ReplayCheck.Divergence d) {
    synchronized (this) {
      if (firstDivergence != null) return;
      if (d.kind().equals("value")) d = recorded.check.explain(d, recorded.recordedText(d.name(), d.position()));
      firstDivergence = d;
    }
    setSuppressed(true);
    // the end-of-run hook writes the verdict; at the end of the run (in that hook) it halts the JVM itself
    if (exitOnDivergence && !closing) System.exit(DIVERGED_EXIT);
  }

  @Override
  public void checkState(Frame iteration) {
    if (firstDivergence != null || !recorded.check.hasState(iteration.loop, iteration.index)) return;
    Long hash = checkpoints.liveStateHash();
    if (hash == null) return;
    ReplayCheck.Divergence d = recorded.check.state(iteration.loop, iteration.index, hash);
    if (d != null) diverged(d);
  }

  /** The replay's first divergence from the recorded run, or null. */
  ReplayCheck.Divergence divergence() {
    return firstDivergence;
  }

  /** An arg is the value the recorded run used (or the one {@code --kwargs} overrides it with). */
  @SuppressWarnings("unchecked")
  <T> T arg(String name, T defaultValue) {
    if (options.overrides.containsKey(name)) return Kwargs.cast(name, options.overrides.get(name), defaultValue);
    if (recorded.args.containsKey(name)) return (T) RecordedRun.asTypeOf(recorded.args.get(name), defaultValue);
    if (defaultValue == null) {
      throw new IllegalArgumentException("Flor.arg(\"" + name + "\", null): the recorded run " + runId()
          + " has no value for it and there is no default; give the arg a default");
    }
    if (warnedArgs.add(name)) {
      console.warn("the recorded run " + runId() + " had no arg \"" + name + "\"; replaying with its default, "
          + defaultValue);
    }
    return defaultValue;
  }

  // ---------------------------------------------------------------- loops

  /** A loop of the replayed program: the outermost one the replay engine runs; a nested one it may skip. */
  <T> Iterator<T> iterator(String name, Iterator<T> items, long size, boolean indexIsValue) {
    Frame parent = loops.loopParent(name);
    if (parent == Frame.ROOT) return new ReplayOuterLoop<>(this, name, items, indexIsValue);
    if (level != ReplayOptions.Level.NESTED) {
      // Nothing applied inside reads it: skip the nested loop and restore the state its end had.
      Frame outer = parent.outermost();
      Path ckpt = checkpointFile(outer.loop, outer.index);
      if (ckpt != null) return new SkippedLoop<>(this, ckpt);
    }
    return loops.iterate(name, items, size, indexIsValue);
  }

  @Override
  public void replayLoopStarted(ReplayOuterLoop<?> loop) {
    ReplayOuterLoop<?> previous = replayLoop;
    if (previous != null && !previous.finished()) leftReplayLoop(previous);
    replayLoop = loop;
  }

  private void leftReplayLoop(ReplayOuterLoop<?> loop) {
    String shape = loop.leftEarly();
    if (shape != null && firstDivergence == null) diverged(recorded.check.shape(null, shape));
  }

  /**
   * Whether an applied statement about to log runs after the replay's outermost loop, which the
   * program left without finishing (by {@code break}): then that loop is over, whatever the
   * context still says. Known from the statement's place in the source.
   */
  private void noticeLeftLoop(String name) {
    ReplayOuterLoop<?> loop = replayLoop;
    if (loop == null || loop.finished()) return;
    Set<List<String>> paths = replaySites().get(name);
    if (paths == null || paths.isEmpty()) return;
    String outer = loops.context().outermost().loop;
    for (List<String> p : paths) if (!p.isEmpty() && p.get(0).equals(outer)) return;
    leftReplayLoop(loop);
  }

  /** Where each of the program's statements runs, from its source; empty when it cannot be read. */
  private Map<String, Set<List<String>>> replaySites() {
    analysis.join();
    Sites known = loops.sites();
    return known == null ? Map.of() : known.paths;
  }

  @Override
  public void enter(Frame f) {
    loops.setContext(f);
  }

  @Override
  public void setSuppressed(boolean s) {
    suppressed = s || firstDivergence != null; // after a divergence nothing more is stored
  }

  @Override
  public Path checkpointFile(String loop, long index) {
    return checkpoints.usable(loop, index);
  }

  @Override
  public void restore(Path checkpoint) {
    try {
      for (String w : checkpoints.restore(checkpoint)) console.warn(w);
    } catch (IOException e) {
      throw failure("cannot restore the checkpoint " + checkpoint + ": " + e.getMessage()
          + ". Delete it and replay again: replay recomputes missing checkpoints.", e);
    }
  }

  @Override
  public void checkpointIfMissing(Frame iteration) {
    if (firstDivergence == null) checkpoints.iterationEnded(iteration, true);
  }

  @Override
  public RecordedRun recorded() {
    return recorded;
  }

  @Override
  public ReplayOptions replayOptions() {
    return options;
  }

  @Override
  public ReplayOptions.Level replayLevel() {
    return level;
  }

  @Override
  public boolean replayFromStart() {
    return fromStart;
  }

  // ---------------------------------------------------------------- segments

  @Override
  public int replayJobs() {
    if (fromStart) return 1; // each iteration needs the one before it
    if (options.jobs != null) return options.jobs;
    return level == ReplayOptions.Level.NESTED ? Runtime.getRuntime().availableProcessors() : 1;
  }

  /**
   * Starts one JVM per segment (the program again, with {@code --iter} naming the segment), or
   * returns null when this program cannot be relaunched (then the caller runs them itself).
   */
  @Override
  public List<Process> startSegments(String loop, List<List<Long>> segments) {
    List<Process> started = new ArrayList<>();
    for (List<Long> segment : segments) {
      List<String> cmd = launch.relaunch(ReplayOptions.segmentArgs(launch.programArgs, loop, segment, level));
      if (cmd == null) {
        if (started.isEmpty()) return null;
        throw new IllegalStateException("a replay segment could not be relaunched");
      }
      try {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new java.io.File(launch.workingDirectory())).inheritIO();
        // each segment has a verdict of its own, which this JVM's verdict takes in (segmentVerdicts)
        Path segmentVerdict = segmentVerdictFile(started.size());
        pb.environment().put("FLOR_REPLAY_VERDICT", segmentVerdict.toString());
        started.add(pb.start());
      } catch (IOException e) {
        for (Process p : started) p.destroy();
        throw failure("cannot start a replay segment (" + String.join(" ", cmd) + "): " + e.getMessage()
            + "; replay with --jobs 1", e);
      }
    }
    return started;
  }

  private Path segmentVerdictFile(int i) {
    Path base = verdictFile != null ? verdictFile.toAbsolutePath()
        : florDir.resolve("replays").resolve("segments").resolve(runId() + ".verdict.json").toAbsolutePath();
    return base.resolveSibling(base.getFileName() + ".segment" + (i + 1));
  }

  @Override
  public void segmentsEnded(int count) {
    for (int i = 0; i < count; i++) {
      Path f = segmentVerdictFile(i);
      try {
        Map<?, ?> v = (Map<?, ?>) Json.parse(Files.readString(f));
        segmentVerdicts.add(v);
        Files.deleteIfExists(f);
        if ("diverged".equals(v.get("status")) && firstDivergence == null) {
          List<?> ds = (List<?>) v.get("divergences");
          Map<?, ?> d = ds == null || ds.isEmpty() ? Map.of() : (Map<?, ?>) ds.get(0);
          diverged(recorded.check.shape((String) d.get("name"), "segment " + (i + 2) + " of the replay diverged: "
              + (d.get("message") == null ? "see its output" : d.get("message"))));
        }
      } catch (IOException | RuntimeException e) {
        // a segment that failed says so by its exit code, which the loop reports
      }
    }
  }

  // ---------------------------------------------------------------- the end

  /** The session is closing: from now on a divergence is said by the verdict, not by exiting. */
  void closing() {
    closing = true;
  }

  /**
   * The end of the replay, with {@code failure} the program's uncaught exception or null: its
   * verdict, in its record file (then closed), in the driver's verdict file and on the console.
   */
  void end(String failure) {
    checkPending();
    ReplayOuterLoop<?> loop = replayLoop;
    if (loop != null && !loop.finished() && failure == null) leftReplayLoop(loop);
    List<String> never = new ArrayList<>(options.apply);
    never.removeAll(loggedInReplay);
    if (!never.isEmpty() && failure == null && firstDivergence == null) {
      diverged(recorded.check.shape(never.get(0), "the replay never executed " + String.join(", ", never)
          + " (the statement" + (never.size() == 1 ? "" : "s") + " to fill in), where the analysis said "
          + (never.size() == 1 ? "it" : "they") + " would run"));
    }
    ReplayCheck.Divergence d = firstDivergence;
    // the checkpoints it rebuilt hold a state that is not the run's: no later replay may start from them
    if (d != null) checkpoints.removeWrittenHere();
    Map<String, Object> verdict = verdict(failure, d, never);
    writer.append(Frame.ROOT, "verdict", "verdict", Values.JSON, verdict, "replay");
    writer.close();
    repository.close();
    if (verdictFile != null) {
      try {
        Files.createDirectories(verdictFile.toAbsolutePath().getParent());
        Files.writeString(verdictFile, Json.write(verdict) + "\n");
      } catch (IOException e) {
        console.warn("could not write the replay's verdict to " + verdictFile + ": " + e.getMessage());
      }
    }
    if (d != null) {
      console.warn("replay of " + runId() + " diverged from the recorded run: " + d.message() + ". Its values are not"
          + " stored" + (level == ReplayOptions.Level.NESTED && fromStart
              ? "; the program does not replay deterministically (it reads the clock, an unseeded generator, or"
                  + " state from outside the program?)"
              : "; replay with --level nested --from-start (flordb replay does so by itself)"));
      if (exitOnDivergence) Runtime.getRuntime().halt(DIVERGED_EXIT);
    } else if (failure == null) {
      console.info("replay of " + runId() + ": stored " + storedInReplay + " value" + (storedInReplay == 1 ? "" : "s")
          + "; checked " + recorded.check.checked() + " recorded value" + (recorded.check.checked() == 1 ? "" : "s")
          + " and " + recorded.check.statesChecked() + " checkpointed state" + (recorded.check.statesChecked() == 1 ? "" : "s")
          + ": all equal");
    }
  }

  /** The verdict: this JVM's counts and those of the segments it started. */
  private Map<String, Object> verdict(String failure, ReplayCheck.Divergence d, List<String> never) {
    String status = failure != null ? "failed" : d != null ? "diverged" : "verified";
    Map<String, Object> verdict = new LinkedHashMap<>();
    verdict.put("run", runId());
    verdict.put("status", status);
    verdict.put("level", level.name().toLowerCase(Locale.ROOT));
    verdict.put("from_start", fromStart);
    long stored = storedInReplay;
    long checked = recorded.check.checked();
    long states = recorded.check.statesChecked();
    for (Map<?, ?> s : segmentVerdicts) {
      stored += s.get("stored") instanceof Number ? ((Number) s.get("stored")).longValue() : 0;
      checked += s.get("checked") instanceof Number ? ((Number) s.get("checked")).longValue() : 0;
      states += s.get("states_checked") instanceof Number ? ((Number) s.get("states_checked")).longValue() : 0;
    }
    verdict.put("stored", d != null ? 0 : stored);
    verdict.put("checked", checked);
    verdict.put("states_checked", states);
    verdict.put("record_file", workTree.relativize(writer.file()).toString());
    List<Object> ds = new ArrayList<>();
    for (ReplayCheck.Divergence x : recorded.check.divergences()) ds.add(x.toMap());
    verdict.put("divergences", ds);
    verdict.put("never_logged", never);
    verdict.put("reasons", strategyReasons);
    if (failure != null) verdict.put("error", failure);
    return verdict;
  }
}
