package dev.flordb.internal.run;

import dev.flordb.internal.checkpoint.CheckpointPolicy;
import dev.flordb.internal.checkpoint.Checkpoints;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.git.WorkTree;
import dev.flordb.internal.records.CoarseClock;
import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.records.Values;
import dev.flordb.internal.replay.ReplayCheck;
import dev.flordb.internal.replay.ReplayHost;
import dev.flordb.internal.replay.ReplayLevels;
import dev.flordb.internal.replay.ReplayOptions;
import dev.flordb.internal.source.Sites;
import dev.flordb.internal.source.SourceAnalyzer;
import dev.flordb.internal.store.SharedStore;
import dev.flordb.internal.store.Store;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.eclipse.jgit.lib.ObjectId;

/**
 * One run of a program: what {@link dev.flordb.Flor}'s static methods delegate to. Tests and
 * embedders build one directly with {@link #builder(Path)}.
 *
 * <p>Starting a session starts the run: it opens the run's record file under {@code .flor/records},
 * writes the run's header and captures the working tree (the first snapshot commit is written in
 * the background). {@link #commit()} makes everything durable and points the run's snapshot
 * commit at the records so far; {@link #close()} (also run at JVM exit for the default session)
 * ends the run.
 *
 * <p>The session is the front of a run's parts, each in a class of its own: {@link RunStart} (the
 * record file, the header, the tstamp), {@link RunRepository} (snapshot commits and the store),
 * {@link Loops} (loops and contexts), {@link Args}, {@link Timings} ({@code prof::} records),
 * {@link Restore} ({@code Flor.restore}) and, in a replay, {@link ReplayPlan} and {@link Replay}
 * (what is stored and checked, the verdict). All read one {@link Ticker}. The session keeps the
 * logging call itself, which every value passes through.
 */
public final class Session implements AutoCloseable {
  /** The exit code of a replayed program whose replay diverged from the recorded run. */
  public static final int DIVERGED_EXIT = ReplayHost.DIVERGED_EXIT;

  /** The clocks every part of the run reads. */
  private final Ticker ticker;
  private final Path workTree;
  private final Path florDir;
  private final String runId;
  private final Launch launch;
  private final RecordWriter writer;
  /** Ships the record file to the shared store (FLOR_STORE), or null. */
  private final Shipper shipper;
  private final Console console;
  private final OutputCapture capture;
  /** The names of logged values; loops, args and the rest have their own, so that a loop's name does not displace a log's as the last one checked. */
  private final Names logNames = new Names();
  private final Names names = new Names();
  private final Args args;
  private final RunRepository repository;
  private final Checkpoints checkpoints;
  private final Timings timings;
  private final Loops loops;
  /** Null in a forward run. */
  private final Replay replay;
  /** "forward", or "replay" for values hindsight logging fills in. */
  private final String source;
  private final Set<Class<?>> toldRepr = ConcurrentHashMap.newKeySet();
  private volatile String failure;
  private volatile boolean closed;
  /** False once the record file is being closed: captured output can no longer be recorded. */
  private volatile boolean recording = true;

  private Session(Builder b) {
    this.ticker = b.ticker;
    long startNanos = ticker.nanos();
    long startMillis = b.startMillis != null ? b.startMillis : ticker.millis();
    long jvmToSessionNanos = Math.max(0, (ticker.millis() - startMillis) * 1_000_000L);
    // each record's t from the JVM's coarse clock, unless a test set the time; one class at the
    // writer's clock read either way, so that it stays monomorphic
    LongSupplier wallClock = ticker == Ticker.SYSTEM ? CoarseClock.SYSTEM : ticker::millis;
    this.workTree = WorkTree.find(b.dir);
    this.console = new Console(b.out, b.err, b.quiet, b.interactive, ticker);
    this.launch = b.launch.inWorkTree(workTree); // filename: the path from the repository's root
    Kwargs kwargs = Kwargs.parse(b.launch.programArgs);
    this.args = new Args(kwargs);
    ReplayOptions replayOptions = ReplayOptions.parse(b.launch.programArgs);
    boolean forward = replayOptions == null;
    this.source = forward ? "forward" : "replay";
    this.florDir = workTree.resolve(".flor");
    String tstamp = RunStart.tstamp(florDir, startMillis, !forward);
    boolean excluded = RunStart.prepare(workTree, florDir);
    ReplayPlan plan = null;
    if (!forward) {
      plan = ReplayPlan.of(replayOptions, florDir, workTree, launch, b.replaySource, b.analysis, console);
      this.runId = replayOptions.run;
      this.writer = RunStart.createForReplay(florDir, runId, ticker.millis(), b.flushMillis, console::warn, wallClock);
      writer.append(Frame.ROOT, "replay", "replay", Values.JSON, plan.header(launch, ticker.millis()), "replay");
      this.repository = RunRepository.withoutSnapshot(florDir, runId, writer, console);
    } else {
      RunStart.RecordFile file = RunStart.create(florDir, startMillis, b.flushMillis, console::warn, wallClock);
      this.runId = file.runId();
      this.writer = file.writer();
      Path outside = RunStart.sourceOutsideWorkTree(launch);
      writer.append(Frame.ROOT, "run", "run", Values.JSON, RunStart.header(workTree.getFileName().toString(), tstamp,
          launch.filename, startMillis, kwargs.all(), launch), "forward");
      writer.flush(); // the header at once: from now on the run is visible, and shows as running
      if (outside != null) {
        console.warn(outside + " is not in " + workTree + ", the repository of the working directory, where this run"
            + " is recorded: its snapshot does not hold the program, so it cannot be replayed. Run the program from"
            + " its own repository (cd there, or java -cp ... " + outside.getFileName() + " from inside it).");
      }
      this.repository = RunRepository.capture(workTree, excluded, florDir, runId, launch.filename, tstamp, writer,
          console, args);
    }
    String storeUrl = b.settings.storeUrl(workTree);
    repository.shareReadsWith(storeUrl);
    this.shipper = forward ? Shipper.start(storeUrl, workTree, writer.file(), runId, console) : null;
    this.timings = new Timings(ticker, writer, forward, startNanos, jvmToSessionNanos);
    // A replay keeps every checkpoint it rebuilds (it writes only missing ones), whatever they cost.
    this.checkpoints = new Checkpoints(florDir, runId, forward ? b.checkpointPolicy : new CheckpointPolicy(1, 0),
        (iteration, name, value) -> writer.append(iteration, "ckpt", name, Values.JSON, value, source),
        console::warn, !forward, b.checkpointsEnabled, ticker::nanos);
    this.loops = new Loops(console, checkpoints, timings, ticker, forward);
    if (!forward) {
      this.replay = new Replay(plan, b.exitOnDivergence, b.verdictFile, workTree, florDir, launch, console, writer,
          repository, checkpoints, loops);
      // the analysis may still be on its way: a program that leaves a loop by break cannot wait for it
      if (!plan.analysis().isDone()) loops.findSites(ReplayLevels.sourceOf(launch.details, workTree, b.replaySource), florDir, true);
    } else {
      this.replay = null;
      if (b.analysis != null) {
        loops.useSites(new Sites(b.analysis.sites(), b.analysis.outermostLoops()));
      } else {
        loops.findSites(launch, workTree, florDir);
      }
    }
    this.capture = new OutputCapture(b.out, b.err);
    if (b.captureOutput && forward) capture.install(this::capturedLine, b.captureLimitChars);
  }

  /** A run id (or a replay's stamp): the time, then random digits, so two never collide by chance. */
  public static String newId(long millis) {
    return RunStart.newId(millis);
  }

  // ---------------------------------------------------------------- the logging API

  public <T> T log(String name, T value) {
    if (records(name)) {
      recordLog(name, value);
    } else if (replay != null) {
      replay.verify(name, value);
    }
    return value;
  }

  /** {@link #log(String, Object)} of a double, without boxing it: the common value of a training loop. */
  public double logDouble(String name, double value) {
    if (records(name)) {
      recordDouble(name, value);
    } else if (replay != null) {
      replay.verify(name, value);
    }
    return value;
  }

  /** {@link #log(String, Object)} of an integer (long, int, short or byte: all stored as {@code int}), without boxing it. */
  public long logLong(String name, long value) {
    if (records(name)) {
      Frame ctx = loops.placeOf(name);
      writer.appendLong(ctx, name, value, source);
      if (!console.quiet()) console.echo(ctx, name, value);
    } else if (replay != null) {
      replay.verify(name, value);
    }
    return value;
  }

  /** {@link #log} of a value computed only when it will be stored: a replay skips the others. */
  public void logLazily(String name, Supplier<?> value) {
    if (records(name)) record("log", name, value == null ? null : supplied(value), true);
  }

  /** The supplier's value; timed in a forward run, since that time is what a replay that skips it saves. */
  private Object supplied(Supplier<?> value) {
    return replay != null ? value.get() : timings.supplied(value, loops.context().depth);
  }

  /** Whether a log of {@code name} here is stored: always forward; in a replay only what is asked for, once. */
  private boolean records(String name) {
    logNames.check("Flor.log", name);
    return replay == null || replay.records(name);
  }

  /** A logged value, at its place ({@link Loops#placeOf}); a double, the common case, straight to the writer. */
  private void recordLog(String name, Object value) {
    if (value instanceof Double) {
      recordDouble(name, (Double) value);
    } else {
      record("log", name, value, true);
    }
  }

  private void recordDouble(String name, double value) {
    Frame ctx = loops.placeOf(name);
    writer.appendDouble(ctx, name, value, source);
    if (!console.quiet()) console.echo(ctx, name, value);
  }

  private void record(String kind, String name, Object value, boolean echo) {
    Frame ctx = kind.equals("log") ? loops.placeOf(name) : loops.context();
    Values type = Values.classify(value);
    if (type == Values.REPR && value instanceof Number) {
      console.warn("'" + name + "' is " + value + ", beyond the range of a double: it is stored exactly, as text");
    } else if (type == Values.REPR && toldRepr.add(value.getClass())) {
      console.warn("'" + name + "' is a " + value.getClass().getName() + ", which FlorDB stores as its"
          + " string form (numbers, strings, booleans, and arrays, lists and maps of those keep"
          + " their type). Log the numbers you need, or a Map of them.");
    }
    writer.append(ctx, kind, name, type, value, source);
    if (echo && !console.quiet()) console.echo(ctx, name, value);
  }

  public <T> T arg(String name, T defaultValue) {
    names.check("Flor.arg", name);
    Object seen = args.seen(name);
    if (seen != Args.NONE) {
      @SuppressWarnings("unchecked")
      T value = (T) seen;
      return value;
    }
    Kwargs.checkDefaultType(name, defaultValue);
    if (replay != null) return args.keep(name, replay.arg(name, defaultValue));
    T value = args.given(name, defaultValue);
    record("arg", name, value, true);
    return value;
  }

  public <T> Iterable<T> loop(String name, Iterable<T> items) {
    names.check("Flor.loop", name);
    if (items == null) throw new IllegalArgumentException("Flor.loop(\"" + name + "\", null): items is null");
    long size = items instanceof Collection ? ((Collection<?>) items).size() : -1;
    return new Loop<>(name, items, size, false);
  }

  public Iterable<Integer> loop(String name, int start, int end) {
    names.check("Flor.loop", name);
    if (end < start) {
      throw new IllegalArgumentException("Flor.loop(\"" + name + "\", " + start + ", " + end
          + "): end is before start; a range counts up from start to end (exclusive)");
    }
    // The position of range(0, n) is its value: only other ranges keep a value column.
    return new Loop<>(name, Loops.range(start, end), (long) end - start, start == 0);
  }

  /**
   * A loop as the program iterates it: each {@code iterator()} runs it once more. A class, not a
   * lambda: the first lambda of a call site is linked when it is first made, which costs a
   * millisecond or two inside the program's loop.
   */
  private final class Loop<T> implements Iterable<T> {
    private final String name;
    private final Iterable<T> items;
    private final long size;
    private final boolean indexIsValue;

    Loop(String name, Iterable<T> items, long size, boolean indexIsValue) {
      this.name = name;
      this.items = items;
      this.size = size;
      this.indexIsValue = indexIsValue;
    }

    @Override
    public Iterator<T> iterator() {
      return Session.this.iterator(name, items.iterator(), size, indexIsValue);
    }
  }

  private <T> Iterator<T> iterator(String name, Iterator<T> items, long size, boolean indexIsValue) {
    return replay == null ? loops.iterate(name, items, size, indexIsValue) : replay.iterator(name, items, size, indexIsValue);
  }

  public Closing iteration(String name, long index, String value) {
    names.check("Flor.iteration", name);
    return loops.iteration(name, index, value);
  }

  /**
   * Enrols named objects whose state replay needs; they are checkpointed at the end of
   * outermost-loop iterations (and of outermost {@code iteration} blocks) until the returned
   * handle is closed. Each is checked now: one that cannot be checkpointed is rejected with what
   * to do.
   */
  public Closing checkpointing(Map<String, ?> namedObjects) {
    if (namedObjects == null || namedObjects.isEmpty()) {
      throw new IllegalArgumentException("Flor.checkpointing needs the objects to keep, by name, for example"
          + " Flor.checkpointing(Map.of(\"model\", model, \"rng\", rng))");
    }
    for (String name : namedObjects.keySet()) names.check("Flor.checkpointing", name);
    Map<String, Object> copy = new LinkedHashMap<>(namedObjects);
    checkpoints.enrol(copy);
    return () -> checkpoints.unenrol(copy);
  }

  /** Restores named objects in place from the last checkpoint a recorded run wrote; see {@link dev.flordb.Flor#restore(String, Map)}. */
  public void restore(String runId, Map<String, ?> namedObjects) {
    restore(runId, null, -1, namedObjects);
  }

  /**
   * Restores named objects in place from the checkpoint a recorded run took at the end of
   * iteration {@code index} of its outermost loop {@code loop}; see {@link
   * dev.flordb.Flor#restore(String, String, long, Map)}.
   */
  public void restoreAt(String runId, String loop, long index, Map<String, ?> namedObjects) {
    Restore.requireLoop(loop);
    restore(runId, loop, index, namedObjects);
  }

  /** From the checkpoint at the end of {@code loop}'s iteration {@code index}, or with {@code loop} null the last one. */
  private void restore(String runId, String loop, long index, Map<String, ?> namedObjects) {
    Restore.check(runId, loop, index, namedObjects);
    writer.flush();
    Restore.into(repository.store(), florDir, workTree, console, runId, loop, index, namedObjects);
  }

  /** Makes everything logged so far durable and points the run's snapshot at it. */
  public void commit() {
    writer.sync();
    repository.snapshotNow();
    if (shipper != null) shipper.poke();
  }

  /**
   * Reads the store of the repository around {@code dir} without starting a run (a program that
   * only reads, or a command).
   */
  public static <T> T read(Path dir, Function<Store, T> reading) {
    Path workTree = WorkTree.find(dir);
    Path florDir = workTree.resolve(".flor");
    try (Snapshots git = Snapshots.open(workTree); Store store = Store.open(florDir, git, w -> System.err.println("flordb: " + w))) {
      String storeUrl = Settings.fromEnvironment().storeUrl(workTree);
      if (storeUrl != null) store.share(SharedStore.open(storeUrl, git));
      return reading.apply(store);
    }
  }

  /**
   * Reads the store: the running session's, with everything logged so far in it, or with {@code
   * running} null the store of the repository around {@code dir}, without starting a run (reading
   * is not a run).
   */
  public static <T> T read(Session running, Path dir, Function<Store, T> reading) {
    return running == null ? read(dir, reading) : running.read(reading);
  }

  /** Reads this run's store, with everything logged so far in it. */
  public <T> T read(Function<Store, T> reading) {
    writer.flush();
    return reading.apply(repository.store());
  }

  public void quiet(boolean quiet) {
    console.quiet(quiet);
  }

  public String runId() {
    return runId;
  }

  public Path recordFile() {
    return writer.file();
  }

  /** The run's snapshot commit so far (null until the first snapshot is written). */
  public ObjectId snapshotCommit() {
    return repository.snapshotCommit();
  }

  /** Marks the run as failed (an uncaught exception in the main thread). */
  public void failed(Throwable t) {
    failure = t.toString();
  }

  /** The replay's first divergence from the recorded run, or null (for tests and embedders). */
  public ReplayCheck.Divergence replayDivergence() {
    return replay == null ? null : replay.divergence();
  }

  private void capturedLine(String stream, String text) {
    if (!recording) return;
    writer.append(loops.context(), "io", stream, Values.STR, text, "forward");
  }

  // ---------------------------------------------------------------- the end of the run

  /** Ends the run: timings, status, durable records and the final snapshot commit; in a replay, its verdict. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
      if (replay != null) replay.closing();
    }
    capture.uninstall();
    checkpoints.close();
    if (replay != null) {
      recording = false; // (a replay captures no output)
      replay.end(failure);
      return;
    }
    loops.end();
    timings.runEnded();
    reportUnusedKwargs();
    Map<String, Object> end = new LinkedHashMap<>();
    end.put("status", failure == null ? "finished" : "failed");
    if (failure != null) end.put("error", failure);
    end.put("end_ms", ticker.millis());
    writer.append(Frame.ROOT, "end", "end", Values.JSON, end, "forward");
    recording = false;
    try {
      writer.close();
    } finally {
      // the records ship first (on few cores, before the last snapshot commit and the local store)
      if (shipper != null) {
        repository.stopStoring();
        shipper.recordsClosed(recordBytes());
      }
      repository.close();
      if (shipper != null) shipper.finish(repository.snapshotCommit());
    }
  }

  private long recordBytes() {
    try {
      return java.nio.file.Files.size(writer.file());
    } catch (java.io.IOException e) {
      return 0; // nothing to wait for: the shipper says what is wrong with the file
    }
  }

  private void reportUnusedKwargs() {
    String msg = args.unusedKwargs();
    if (msg == null) return;
    writer.append(Frame.ROOT, "warn", "warn", Values.STR, msg, "forward");
    console.warn(msg);
  }

  // ---------------------------------------------------------------- building

  /** A session of the program in the repository around {@code dir}, with the settings of this process's environment. */
  public static Builder builder(Path dir) {
    return new Builder(dir, Settings.fromEnvironment());
  }

  /** The same with the given settings. */
  public static Builder builder(Path dir, Settings settings) {
    return new Builder(dir, settings);
  }

  /** How to start a session; the defaults are those of a program's own run. */
  public static final class Builder {
    final Path dir;
    Launch launch;
    final Settings settings;
    boolean quiet;
    boolean interactive = false;
    boolean captureOutput = false;
    long captureLimitChars = 1 << 20;
    CheckpointPolicy checkpointPolicy;
    /** FLOR_CHECKPOINTS=0 turns checkpointing off (objects are still checked when enrolled). */
    boolean checkpointsEnabled;
    long flushMillis = 100;
    boolean exitOnDivergence = false;
    SourceAnalyzer.Analysis analysis;
    /** A compiled program's patched main source file, which flordb replay names (FLOR_REPLAY_SOURCE). */
    String replaySource;
    Path verdictFile;
    /** Null: the ticker's time when the session starts. */
    Long startMillis;
    Ticker ticker = Ticker.SYSTEM;
    PrintStream out = System.out;
    PrintStream err = System.err;

    Builder(Path dir, Settings settings) {
      this.dir = dir;
      this.launch = Launch.of("session", List.of());
      this.settings = settings;
      this.quiet = settings.quiet;
      this.checkpointPolicy = new CheckpointPolicy(settings.checkpointFraction, settings.checkpointIntervalSeconds);
      this.checkpointsEnabled = settings.checkpoints;
      this.replaySource = settings.replaySource;
      this.verdictFile = settings.replayVerdict;
    }

    public Builder launch(Launch l) {
      this.launch = l;
      return this;
    }

    /** For tests: a program name and its arguments, as if it had been launched with them. */
    public Builder program(String filename, String... args) {
      this.launch = Launch.of(filename, List.of(args));
      return this;
    }

    public Builder quiet(boolean q) {
      this.quiet = q;
      return this;
    }

    public Builder interactive(boolean i) {
      this.interactive = i;
      return this;
    }

    public Builder captureOutput(boolean c) {
      this.captureOutput = c;
      return this;
    }

    public Builder captureLimitChars(long limit) {
      this.captureLimitChars = limit;
      return this;
    }

    /** Checkpoint when it costs at most {@code fraction} of the time since the last one, and at most every {@code intervalSeconds}. */
    public Builder checkpointPolicy(double fraction, double intervalSeconds) {
      this.checkpointPolicy = new CheckpointPolicy(fraction, intervalSeconds);
      return this;
    }

    /** A program's own session: a replay that diverges ends the JVM with {@link #DIVERGED_EXIT}. */
    public Builder exitOnDivergence(boolean exit) {
      this.exitOnDivergence = exit;
      return this;
    }

    /** For tests: the program's source analysis, as the analyser would give it (else it is read from the source, when known). */
    public Builder analysis(SourceAnalyzer.Analysis a) {
      this.analysis = a;
      return this;
    }

    /** Where a replay writes its verdict as JSON (default: {@code FLOR_REPLAY_VERDICT}). */
    public Builder verdictFile(Path file) {
      this.verdictFile = file;
      return this;
    }

    public Builder flushMillis(long ms) {
      this.flushMillis = ms;
      return this;
    }

    /** When the run started (milliseconds since the epoch): its id and tstamp; by default, when the session starts. */
    public Builder startMillis(long ms) {
      this.startMillis = ms;
      return this;
    }

    /** For tests: the clocks the run reads (run ids, tstamps, records' times, timings), instead of the JVM's. */
    public Builder ticker(Ticker t) {
      this.ticker = java.util.Objects.requireNonNull(t, "ticker");
      return this;
    }

    public Builder streams(PrintStream out, PrintStream err) {
      this.out = out;
      this.err = err;
      return this;
    }

    public Session start() {
      return new Session(this);
    }
  }
}
