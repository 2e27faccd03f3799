package dev.flordb.internal.run;

import dev.flordb.internal.replay.ReplayHost;

import dev.flordb.internal.source.Sites;

import dev.flordb.internal.records.Liveness;

import dev.flordb.internal.checkpoint.CheckpointPolicy;
import dev.flordb.internal.checkpoint.StateCodec;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.RecordFormat;
import dev.flordb.internal.records.Values;
import dev.flordb.internal.replay.ReplayLevels;
import dev.flordb.internal.replay.ReplayOuterLoop;
import dev.flordb.internal.replay.SkippedLoop;
import dev.flordb.internal.source.SiteCache;

import dev.flordb.internal.checkpoint.Checkpoints;
import dev.flordb.internal.git.WorkTree;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.replay.RecordedRun;
import dev.flordb.internal.replay.ReplayCheck;
import dev.flordb.internal.replay.ReplayOptions;
import dev.flordb.internal.store.Store;

import dev.flordb.FlorException;
import dev.flordb.Scope;
import dev.flordb.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import dev.flordb.internal.source.SourceAnalyzer;
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
 */
public final class Session implements AutoCloseable, ReplayHost {
  private final Path workTree;
  private final Path florDir;
  private final String runId;
  private final Launch launch;
  private final Kwargs kwargs;
  private final RecordWriter writer;
  private final Console console;
  private final OutputCapture capture;
  private final Names names = new Names();
  private final RunRepository repository;
  private final Checkpoints checkpoints;
  /** Null in a forward run; in a replay, what to fill in and the run it belongs to. */
  private final ReplayOptions replay;
  private final RecordedRun recorded;
  private final ReplayOptions.Level replayLevel;
  /** In a replay: whether every outermost iteration runs in order from the first. */
  private final boolean replayFromStart;
  /** In a replay: why the analysis chose the strategy (for the replay's summary). */
  private final List<String> strategyReasons;
  /** In a replay: exit the JVM with {@link #DIVERGED_EXIT} when the replay diverges (a program's own session). */
  private final boolean exitOnDivergence;
  private final Path verdictFile;
  /** In a replay: the program's source analysis, or null (no source, no analyser: every statement is checked). */
  private final CompletableFuture<SourceAnalyzer.Analysis> analysis;
  /** The names whose values the replay's strategy reproduces; null until known (or when everything is checked). */
  private Set<String> reproduced;
  private final List<Object[]> uncheckedYet = new ArrayList<>();
  private volatile ReplayCheck.Divergence firstDivergence;
  private long storedInReplay;
  /** The exit code of a replayed program whose replay diverged from the recorded run. */
  public static final int DIVERGED_EXIT = ReplayHost.DIVERGED_EXIT;
  /** "forward", or "replay" for values hindsight logging fills in. */
  private final String source;
  /** True while replay re-executes iterations only to rebuild state: nothing is recorded. */
  private volatile boolean suppressed;
  private final Set<String> warnedArgs = ConcurrentHashMap.newKeySet();
  private final Set<String> loggedInReplay = ConcurrentHashMap.newKeySet();

  private final Args args;
  private final Set<Class<?>> toldRepr = ConcurrentHashMap.newKeySet();
  private final ThreadLocal<Place> context = new ThreadLocal<>();
  /** The place of the thread that last entered a loop position; see {@link Place}. */
  private volatile Place loopingPlace = new Place(null);

  private final Timings timings;
  private volatile String failure;
  private volatile boolean closed;
  /** False once the record file is being closed: captured output can no longer be recorded. */
  private volatile boolean recording = true;

  private Session(Builder b) {
    long startNanos = System.nanoTime();
    this.workTree = WorkTree.find(b.dir);
    this.console = new Console(b.out, b.err, b.quiet, b.interactive);
    this.launch = b.launch.inWorkTree(workTree); // filename: the path from the repository's root
    this.kwargs = Kwargs.parse(b.launch.programArgs);
    this.args = new Args(kwargs);
    this.replay = ReplayOptions.parse(b.launch.programArgs);
    this.source = replay == null ? "forward" : "replay";
    long startMillis = b.startMillis;
    long jvmToSessionNanos = Math.max(0, (System.currentTimeMillis() - b.startMillis) * 1_000_000L);
    this.florDir = workTree.resolve(".flor");
    String tstamp = RunStart.tstamp(florDir, startMillis, replay != null);
    boolean excluded = RunStart.prepare(workTree, florDir);
    if (replay != null) {
      this.recorded = RecordedRun.load(florDir, replay.run, replay.apply);
      Path source = ReplayLevels.sourceOf(launch.details, workTree, b.replaySource);
      if (b.analysis != null) {
        this.analysis = CompletableFuture.completedFuture(b.analysis);
      } else if (replay.level == null) {
        SourceAnalyzer.Analysis found = ReplayLevels.analyzeAll(source, replay.apply); // the strategy needs it now
        if (found == null) throw ReplayLevels.noAnalysis(source, replay.apply);
        this.analysis = CompletableFuture.completedFuture(found);
      } else {
        // The strategy was given: the analysis only says which statements to check, while the program sets up.
        this.analysis = CompletableFuture.supplyAsync(() -> {
          try {
            return ReplayLevels.analyzeAll(source, replay.apply);
          } catch (RuntimeException e) {
            console.warn("could not analyse the program's source (" + e.getMessage() + "); the replay checks every"
                + " statement of the program it executes again");
            return null;
          }
        }, RunStart.daemonThreads("flordb-analysis"));
      }
      this.analysis.thenAccept(a -> {
        if (a != null) sites = new Sites(a.sites(), a.outermostLoops());
      });
      ReplayLevels.Strategy strategy = replay.level != null
          ? new ReplayLevels.Strategy(replay.level, replay.fromStart, List.of("chosen with --level"))
          : ReplayLevels.strategy(analysis.join(), replay.apply);
      this.replayLevel = strategy.level();
      this.replayFromStart = strategy.fromStart() || replay.fromStart;
      this.strategyReasons = strategy.reasons();
      this.exitOnDivergence = b.exitOnDivergence;
      this.verdictFile = b.verdictFile;
      this.runId = replay.run;
      this.writer = RunStart.createForReplay(florDir, runId, System.currentTimeMillis(), b.flushMillis, console::warn);
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("format", RecordFormat.VERSION);
      h.put("apply", new ArrayList<>(replay.apply));
      h.put("level", replayLevel.name().toLowerCase(java.util.Locale.ROOT));
      h.put("from_start", replayFromStart);
      // the store shows this file's values only once a verdict record at its end says they were verified
      h.put("verdict", "at_end");
      h.put("start_ms", System.currentTimeMillis());
      h.put("launch", launch.details);
      writer.append(Frame.ROOT, "replay", "replay", Values.JSON, h, "replay");
      this.repository = RunRepository.withoutSnapshot(florDir, runId, writer, console);
    } else {
      this.recorded = null;
      this.replayLevel = null;
      this.replayFromStart = false;
      this.strategyReasons = List.of();
      this.exitOnDivergence = false;
      this.verdictFile = null;
      this.analysis = null;
      RunStart.RecordFile file = RunStart.create(florDir, startMillis, b.flushMillis, console::warn);
      this.runId = file.runId();
      this.writer = file.writer();
      Path outside = RunStart.sourceOutsideWorkTree(launch, workTree);
      writer.append(Frame.ROOT, "run", "run", Values.JSON, RunStart.header(workTree.getFileName().toString(), tstamp,
          launch.filename, startMillis, kwargs.all(), launch, outside), "forward");
      writer.flush(); // the header at once: from now on the run is visible, and shows as running
      if (outside != null) {
        console.warn(outside + " is not in " + workTree + ", the repository of the working directory, where this run"
            + " is recorded: its snapshot does not hold the program, so it cannot be replayed. Run the program from"
            + " its own repository (cd there, or java -cp ... " + outside.getFileName() + " from inside it).");
      }
      this.repository = RunRepository.capture(workTree, excluded, florDir, runId, launch.filename, tstamp, writer,
          console, args);
    }
    this.timings = new Timings(writer, replay == null, startNanos, jvmToSessionNanos);
    // A replay keeps every checkpoint it rebuilds (it writes only missing ones), whatever they cost.
    this.checkpoints = new Checkpoints(florDir, runId, replay == null ? b.checkpointPolicy : new CheckpointPolicy(1, 0),
        (iteration, name, value) -> writer.append(iteration, "ckpt", name, Values.JSON, value, source),
        console::warn, replay != null, b.checkpointsEnabled);
    if (replay == null && b.analysis != null) {
      sites = new Sites(b.analysis.sites(), b.analysis.outermostLoops());
    } else if (replay == null) {
      findSites();
    }
    this.capture = new OutputCapture(b.out, b.err);
    if (b.captureOutput && replay == null) capture.install(this::capturedLine, b.captureLimitChars);
  }

  /** A run id (or a replay's stamp): the time, then random digits, so two never collide by chance. */
  public static String newId(long millis) {
    return RunStart.newId(millis);
  }

  // ---------------------------------------------------------------- the logging API

  public <T> T log(String name, T value) {
    if (records(name)) {
      record("log", name, value, true);
    } else if (replay != null) {
      verify(name, value);
    }
    return value;
  }

  /** In a replay, a value that is not stored is compared with the one the run recorded there. */
  private void verify(String name, Object value) {
    if (firstDivergence != null) return;
    Frame ctx = context();
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
        reproduced = a == null ? null : ReplayLevels.reproducedBy(a, replayLevel, replayFromStart);
        if (reproduced == null) return true;
      }
      return reproduced.contains(name);
    }
  }

  private void compare(String name, Frame ctx, Object value) {
    if (firstDivergence != null) return;
    Sites known = sites;
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
  void diverged(ReplayCheck.Divergence d) {
    synchronized (this) {
      if (firstDivergence != null) return;
      if (d.kind().equals("value")) d = recorded.check.explain(d, recorded.recordedText(d.name(), d.position()));
      firstDivergence = d;
    }
    setSuppressed(true);
    // the end-of-run hook writes the verdict; at the end of the run (in that hook) it halts the JVM itself
    if (exitOnDivergence && !closed) System.exit(DIVERGED_EXIT);
  }

  /** The end of an outermost iteration a replay executed: its state must be the recorded checkpoint's. */
  public void checkState(Frame iteration) {
    if (firstDivergence != null || !recorded.check.hasState(iteration.loop, iteration.index)) return;
    Long hash = checkpoints.liveStateHash();
    if (hash == null) return;
    ReplayCheck.Divergence d = recorded.check.state(iteration.loop, iteration.index, hash);
    if (d != null) diverged(d);
  }

  /** {@link #log} of a value computed only when it will be stored: a replay skips the others. */
  public void logLazily(String name, Supplier<?> value) {
    if (records(name)) record("log", name, value == null ? null : supplied(value), true);
  }

  /** The supplier's value; timed in a forward run, since that time is what a replay that skips it saves. */
  private Object supplied(Supplier<?> value) {
    return replay != null ? value.get() : timings.supplied(value, context().depth);
  }

  /** Whether a log of {@code name} here is stored: always forward; in a replay only what is asked for, once. */
  private boolean records(String name) {
    names.check("Flor.log", name);
    if (replay == null) return true;
    if (!replay.apply.contains(name)) return false;
    noticeLeftLoop(name);
    if (suppressed) return false;
    loggedInReplay.add(name);
    if (recorded.isFilled(name, placeOf(name).positionKey())) return false; // already there
    storedInReplay++;
    return true;
  }

  private void record(String kind, String name, Object value, boolean echo) {
    Frame ctx = kind.equals("log") ? placeOf(name) : context();
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
    if (replay != null) return args.keep(name, replayedArg(name, defaultValue));
    T value = args.given(name, defaultValue);
    record("arg", name, value, true);
    return value;
  }

  /** In a replay, an arg is the value the recorded run used. */
  @SuppressWarnings("unchecked")
  private <T> T replayedArg(String name, T defaultValue) {
    if (replay.overrides.containsKey(name)) return Kwargs.cast(name, replay.overrides.get(name), defaultValue);
    if (recorded.args.containsKey(name)) return (T) RecordedRun.asTypeOf(recorded.args.get(name), defaultValue);
    if (defaultValue == null) {
      throw new IllegalArgumentException("Flor.arg(\"" + name + "\", null): the recorded run " + runId
          + " has no value for it and there is no default; give the arg a default");
    }
    if (warnedArgs.add(name)) {
      console.warn("the recorded run " + runId + " had no arg \"" + name + "\"; replaying with its default, "
          + defaultValue);
    }
    return defaultValue;
  }

  public <T> Iterable<T> loop(String name, Iterable<T> items) {
    names.check("Flor.loop", name);
    if (items == null) throw new IllegalArgumentException("Flor.loop(\"" + name + "\", null): items is null");
    long size = items instanceof Collection ? ((Collection<?>) items).size() : -1;
    return () -> iterator(name, items.iterator(), size, false);
  }

  public Iterable<Integer> loop(String name, int start, int end) {
    names.check("Flor.loop", name);
    if (end < start) {
      throw new IllegalArgumentException("Flor.loop(\"" + name + "\", " + start + ", " + end
          + "): end is before start; a range counts up from start to end (exclusive)");
    }
    Iterable<Integer> range = () -> new Iterator<>() {
      int next = start;

      @Override
      public boolean hasNext() {
        return next < end;
      }

      @Override
      public Integer next() {
        if (next >= end) throw new NoSuchElementException();
        return next++;
      }
    };
    // The position of range(0, n) is its value: only other ranges keep a value column.
    return () -> iterator(name, range.iterator(), (long) end - start, start == 0);
  }

  public Scope iteration(String name, long index, String value) {
    names.check("Flor.iteration", name);
    Thread me = Thread.currentThread();
    Frame parent = context();
    Frame f = Frame.iteration(parent, name, index, value);
    setContext(f);
    return new Scope() {
      boolean done;

      @Override
      public void close() {
        if (done) return;
        done = true;
        if (parent == Frame.ROOT && replay == null) checkpoints.iterationEnded(f, false);
        if (Thread.currentThread() == me) setContext(parent);
      }
    };
  }

  /**
   * Enrols named objects whose state replay needs; they are checkpointed at the end of
   * outermost-loop iterations (and of outermost {@code iteration} blocks) until the returned
   * handle is closed. Each is checked now: one that cannot be checkpointed is rejected with what
   * to do.
   */
  public Scope checkpointing(Map<String, ?> namedObjects) {
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
  }

  /**
   * Reads the store of the repository around {@code dir} without starting a run (a program that
   * only reads, or a command).
   */
  public static Table read(Path dir, java.util.function.Function<Store, Table> reading) {
    Path workTree = WorkTree.find(dir);
    Path florDir = workTree.resolve(".flor");
    try (Snapshots git = Snapshots.open(workTree); Store store = Store.open(florDir, git, w -> System.err.println("flordb: " + w))) {
      return reading.apply(store);
    }
  }

  public Table dataframe(String... names) {
    writer.flush();
    return repository.store().dataframe(names);
  }

  public Table query(String sql) {
    writer.flush();
    return repository.store().query(sql);
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

  // ---------------------------------------------------------------- context and loops

  Frame context() {
    // the thread that last entered a loop position reads its own, without a ThreadLocal look-up
    Place looping = loopingPlace;
    if (Thread.currentThread() == looping.thread) return looping.top;
    Place mine = context.get();
    return mine != null ? mine.top : looping.top;
  }

  private void setContext(Frame f) {
    Place looping = loopingPlace;
    Thread me = Thread.currentThread();
    if (me == looping.thread) {
      looping.top = f; // a field write a step
      return;
    }
    Place mine = context.get();
    if (mine == null) {
      mine = new Place(me);
      context.set(mine);
    }
    mine.top = f;
    loopingPlace = mine;
  }

  /**
   * A thread's context. The place of the thread that last entered a loop position is also the
   * context of threads that run no loop (helpers, pools); they read its {@code top} without a
   * lock, and since a Frame is immutable they read a whole frame, if a moment late.
   */
  private static final class Place {
    final Thread thread;
    Frame top = Frame.ROOT;

    Place(Thread thread) {
      this.thread = thread;
    }
  }

  private <T> Iterator<T> iterator(String name, Iterator<T> items, long size, boolean indexIsValue) {
    if (replay == null) return new LoopIterator<>(name, items, size, indexIsValue);
    Frame parent = loopParent(name);
    if (parent == Frame.ROOT) return new ReplayOuterLoop<>(this, name, items, indexIsValue);
    if (replayLevel != ReplayOptions.Level.NESTED) {
      // Nothing applied inside reads it: skip the nested loop and restore the state its end had.
      Frame outer = parent.outermost();
      Path ckpt = checkpointFile(outer.loop, outer.index);
      if (ckpt != null) return new SkippedLoop<>(this, ckpt);
    }
    return new LoopIterator<>(name, items, size, indexIsValue);
  }

  /** The context a loop starting now sits in. */
  private Frame loopParent(String name) {
    Frame top = context();
    // A loop started again while an earlier run of it was left by 'break' replaces that one.
    Frame stale = top.find(name);
    Frame parent = stale != null ? stale.parent : top;
    // A loop the source shows outside every loop starts there, whatever loop was left by 'break' before it.
    Sites known = sites;
    if (known != null && known.outermost.contains(name)) parent = Frame.ROOT;
    return parent;
  }

  // ---------------------------------------------------------------- loops left by break

  /**
   * Where the program's statements and loops are, from its source: a value logged after a loop
   * that the program left by {@code break} (Java tells the iterator nothing) carries the context
   * it was logged in, not the loop's last iteration. Read in the background when the run starts
   * (kept in {@code .flor/cache/} by the source's hash, so a second run of the same code has it at
   * once); null until then, or when the source or the analyser is not at hand.
   */
  private volatile Sites sites;
  /** True once a value was logged inside a loop before {@link #sites} were known. */
  private volatile boolean loggedBeforeSites;
  /** The loops under way, outermost first (the loops of the looping thread). */
  private final List<LoopIterator<?>> openLoops = new ArrayList<>();
  private final List<String> leftByBreak = new ArrayList<>();

  /** The context a value of {@code name} logged now belongs to. */
  private Frame placeOf(String name) {
    Frame ctx = context();
    Sites known = sites;
    if (known != null) return known.place(name, ctx);
    if (ctx != Frame.ROOT && !loggedBeforeSites) loggedBeforeSites = true;
    return ctx;
  }

  /** Starts reading the program's sites: from the cache, else by analysing the source in the background. */
  private void findSites() {
    Path source = ReplayLevels.sourceOf(launch.details, workTree, null);
    if (source == null) return;
    SiteCache cache = SiteCache.of(florDir, source);
    if (cache == null) return;
    sites = cache.cached();
    if (sites != null) return;
    CompletableFuture.runAsync(() -> {
      try {
        sites = cache.analyze();
      } catch (RuntimeException e) {
        // a program that does not parse, or an analyser that failed: no sites, said at the end if it mattered
      }
    }, RunStart.daemonThreads("flordb-sites"));
  }

  /** The loop {@code loop} and the loops it started are left: a break, or an exception caught outside. */
  private void leaveLoopsFrom(int index) {
    synchronized (openLoops) {
      while (openLoops.size() > index) openLoops.get(openLoops.size() - 1).left();
    }
  }

  /** Loops not around {@code parent} were left before it: their profiles are recorded now. */
  private void leaveLoopsNotAround(Frame parent) {
    synchronized (openLoops) {
      for (int i = 0; i < openLoops.size(); i++) {
        LoopIterator<?> l = openLoops.get(i);
        if (l.current == null || !isWithin(parent, l.current)) {
          leaveLoopsFrom(i);
          return;
        }
      }
    }
  }

  private static boolean isWithin(Frame f, Frame ancestor) {
    for (; f != null; f = f.parent) if (f == ancestor) return true;
    return false;
  }

  /** The checkpoint at the end of an outermost iteration, if the run (or a replay) wrote one. */
  public Path checkpointFile(String loop, long index) {
    return checkpoints.usable(loop, index);
  }

  public void restore(Path checkpoint) {
    try {
      for (String w : checkpoints.restore(checkpoint)) console.warn(w);
    } catch (IOException e) {
      throw new FlorException("cannot restore the checkpoint " + checkpoint + ": " + e.getMessage()
          + ". Delete it and replay again: replay recomputes missing checkpoints.", e);
    }
  }

  /** How many JVMs to split the replay's outermost loop across. */
  public int replayJobs() {
    if (replayFromStart) return 1; // each iteration needs the one before it
    if (replay.jobs != null) return replay.jobs;
    return replayLevel == ReplayOptions.Level.NESTED ? Runtime.getRuntime().availableProcessors() : 1;
  }

  /**
   * Starts one JVM per segment (the program again, with {@code --iter} naming the segment), or
   * returns null when this program cannot be relaunched (then the caller runs them itself).
   */
  public List<Process> startSegments(String loop, List<List<Long>> segments) {
    List<Process> started = new ArrayList<>();
    for (List<Long> segment : segments) {
      List<String> cmd = launch.relaunch(ReplayOptions.segmentArgs(launch.programArgs, loop, segment, replayLevel));
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
        throw new FlorException("cannot start a replay segment (" + String.join(" ", cmd) + "): " + e.getMessage()
            + "; replay with --jobs 1", e);
      }
    }
    return started;
  }

  private Path segmentVerdictFile(int i) {
    Path base = verdictFile != null ? verdictFile.toAbsolutePath()
        : florDir.resolve("replays").resolve("segments").resolve(runId + ".verdict.json").toAbsolutePath();
    return base.resolveSibling(base.getFileName() + ".segment" + (i + 1));
  }

  private final List<Map<?, ?>> segmentVerdicts = new ArrayList<>();

  /** After the other segments ended: their verdicts count in this one's. */
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

  public void setSuppressed(boolean s) {
    suppressed = s || firstDivergence != null; // after a divergence nothing more is stored
  }

  public void checkpointIfMissing(Frame iteration) {
    if (firstDivergence == null) checkpoints.iterationEnded(iteration, true);
  }

  public RecordedRun recorded() {
    return recorded;
  }

  public ReplayOptions replayOptions() {
    return replay;
  }

  public ReplayOptions.Level replayLevel() {
    return replayLevel;
  }

  public boolean replayFromStart() {
    return replayFromStart;
  }

  /** The replay's outermost loop under way, or the last one. */
  private volatile ReplayOuterLoop<?> replayLoop;

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
    String outer = context().outermost().loop;
    for (List<String> p : paths) if (!p.isEmpty() && p.get(0).equals(outer)) return;
    leftReplayLoop(loop);
  }


  /** Where each of the program's statements runs, from its source; empty when it cannot be read. */
  private Map<String, Set<List<String>>> replaySites() {
    analysis.join();
    Sites known = sites;
    return known == null ? Map.of() : known.paths;
  }

  public void enter(Frame f) {
    setContext(f);
  }

  private final class LoopIterator<T> implements Iterator<T> {
    private final String name;
    private final Iterator<T> items;
    private final long size;
    private final boolean indexIsValue;
    private final Frame parent;
    /** The JSON of this loop's context up to the index, the same for every iteration. */
    private final Frame.Prefix ctxPrefix;
    /** The frame of the iteration under way. */
    Frame current;
    /** Where this loop was put in {@link #openLoops}. */
    private int openIndex;
    private long index = -1;
    private long iterStart;
    private final long loopStart;
    private boolean finished;
    // Welford's running mean and variance of iteration times
    private double mean;
    private double m2;

    LoopIterator(String name, Iterator<T> items, long size, boolean indexIsValue) {
      this.name = name;
      this.items = items;
      this.size = size;
      this.indexIsValue = indexIsValue;
      this.parent = loopParent(name);
      this.ctxPrefix = new Frame.Prefix(parent, name);
      this.loopStart = System.nanoTime();
      leaveLoopsNotAround(parent);
      synchronized (openLoops) {
        openIndex = openLoops.size();
        openLoops.add(this);
      }
      if (parent == Frame.ROOT) {
        timings.outerLoopStarted(loopStart);
        checkpoints.loopStarted(loopStart);
      }
    }

    @Override
    public boolean hasNext() {
      if (finished) return false;
      if (items.hasNext()) return true;
      finish();
      return false;
    }

    @Override
    public T next() {
      if (finished) throw new NoSuchElementException();
      long now = System.nanoTime();
      if (index >= 0) {
        leaveLoopsInside();
        endIteration(now);
        if (parent == Frame.ROOT) checkpoints.iterationEnded(current, false);
      }
      T item = items.next();
      index++;
      Object value = indexIsValue ? null : item;
      current = new Frame(parent, name, index, value, ctxPrefix);
      setContext(current);
      iterStart = now; // the step's own bookkeeping counts in the iteration: one clock read a step
      return item;
    }

    private void endIteration(long now) {
      double secs = (now - iterStart) / 1e9;
      long n = index + 1;
      double delta = secs - mean;
      mean += delta / n;
      m2 += delta * (secs - mean);
      console.progress(name, n, size, mean);
    }

    /** Loops this iteration started and left by break: their profiles, before this loop goes on. */
    private void leaveLoopsInside() {
      if (openLoops.size() <= openIndex + 1) return; // a racy read: only a hint, checked again under the lock
      synchronized (openLoops) {
        int me = openLoops.indexOf(this);
        if (me >= 0 && openLoops.size() > me + 1) leaveLoopsFrom(me + 1);
      }
    }

    /** The program went on without finishing the loop: its profile as far as it went; no end checkpoint. */
    void left() {
      if (finished) return;
      leftByBreak.add(name + (index >= 0 ? " (after " + name + " " + index + ")" : ""));
      end(false);
    }

    private void finish() {
      end(true);
    }

    private void end(boolean completed) {
      finished = true;
      synchronized (openLoops) {
        openLoops.remove(this);
      }
      long now = System.nanoTime();
      if (index >= 0) {
        endIteration(now);
        // the last iteration always: replay restores it to skip the whole loop (a loop left by break
        // may have changed the state since; replay recomputes that iteration instead)
        if (parent == Frame.ROOT && completed) checkpoints.iterationEnded(current, true);
      }
      console.endProgress();
      if (completed || context() == current) setContext(parent);
      timings.loopEnded(parent, name, index + 1, mean, m2, now - loopStart, now);
    }
  }

  private void capturedLine(String stream, String text) {
    if (!recording) return;
    writer.append(context(), "io", stream, Values.STR, text, "forward");
  }

  // ---------------------------------------------------------------- the end of the run

  /** Ends the run: timings, status, durable records and the final snapshot commit. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    capture.uninstall();
    checkpoints.close();
    if (replay != null) {
      endReplay();
      return;
    }
    leaveLoopsFrom(0);
    if (!leftByBreak.isEmpty() && loggedBeforeSites) {
      String why = sites == null ? "FlorDB could not read where the program's statements are (the source file is not"
          + " known to it, or did not parse)" : "FlorDB was still reading the program's source when they were logged";
      console.warn("the program left " + String.join(", ", leftByBreak) + " by break or an exception; values it logged"
          + " after such a loop may be recorded in the loop's last iteration, because " + why);
    }
    timings.runEnded(System.nanoTime());
    reportUnusedKwargs();
    Frame root = Frame.ROOT;
    Map<String, Object> end = new LinkedHashMap<>();
    end.put("status", failure == null ? "finished" : "failed");
    if (failure != null) end.put("error", failure);
    end.put("end_ms", System.currentTimeMillis());
    writer.append(root, "end", "end", Values.JSON, end, "forward");
    recording = false;
    try {
      writer.close();
    } finally {
      repository.close();
    }
  }

  /** The end of a replay: its verdict, in its record file, in the driver's verdict file and on the console. */
  private void endReplay() {
    checkPending();
    ReplayOuterLoop<?> loop = replayLoop;
    if (loop != null && !loop.finished() && failure == null) leftReplayLoop(loop);
    List<String> never = new ArrayList<>(replay.apply);
    never.removeAll(loggedInReplay);
    if (!never.isEmpty() && failure == null && firstDivergence == null) {
      diverged(recorded.check.shape(never.get(0), "the replay never executed " + String.join(", ", never)
          + " (the statement" + (never.size() == 1 ? "" : "s") + " to fill in), where the analysis said "
          + (never.size() == 1 ? "it" : "they") + " would run"));
    }
    ReplayCheck.Divergence d = firstDivergence;
    // the checkpoints it rebuilt hold a state that is not the run's: no later replay may start from them
    if (d != null) checkpoints.removeWrittenHere();
    String status = failure != null ? "failed" : d != null ? "diverged" : "verified";
    Map<String, Object> verdict = new LinkedHashMap<>();
    verdict.put("run", runId);
    verdict.put("status", status);
    verdict.put("level", replayLevel.name().toLowerCase(java.util.Locale.ROOT));
    verdict.put("from_start", replayFromStart);
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
    writer.append(Frame.ROOT, "verdict", "verdict", Values.JSON, verdict, "replay");
    recording = false;
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
      console.warn("replay of " + runId + " diverged from the recorded run: " + d.message() + ". Its values are not"
          + " stored" + (replayLevel == ReplayOptions.Level.NESTED && replayFromStart
              ? "; the program does not replay deterministically (it reads the clock, an unseeded generator, or"
                  + " state from outside the program?)"
              : "; replay with --level nested --from-start (flordb replay does so by itself)"));
      if (exitOnDivergence) Runtime.getRuntime().halt(DIVERGED_EXIT);
    } else if (failure == null) {
      console.info("replay of " + runId + ": stored " + storedInReplay + " value" + (storedInReplay == 1 ? "" : "s")
          + "; checked " + recorded.check.checked() + " recorded value" + (recorded.check.checked() == 1 ? "" : "s")
          + " and " + recorded.check.statesChecked() + " checkpointed state" + (recorded.check.statesChecked() == 1 ? "" : "s")
          + ": all equal");
    }
  }

  /** The replay's first divergence from the recorded run, or null (for tests and embedders). */
  public ReplayCheck.Divergence replayDivergence() {
    return firstDivergence;
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
    long startMillis = System.currentTimeMillis();
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

    public Builder startMillis(long ms) {
      this.startMillis = ms;
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
