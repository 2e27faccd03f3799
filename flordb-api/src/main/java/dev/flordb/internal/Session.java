package dev.flordb.internal;

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
public final class Session implements AutoCloseable {
  static final DateTimeFormatter RUN_ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
  /**
   * A run's {@code tstamp}: ISO 8601 in UTC, always with milliseconds, so that tstamps sort as
   * times do ({@link Instant#toString()} drops a zero fraction: "...:00Z" would sort after "...:00.250Z").
   */
  static final DateTimeFormatter TSTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final Path workTree;
  private final Path florDir;
  private final String runId;
  private final String projid;
  private final String filename;
  private final long startMillis;
  private final String tstamp;
  private final Launch launch;
  private final Kwargs kwargs;
  private final RecordWriter writer;
  private final Console console;
  private final OutputCapture capture;
  private final Names names = new Names();
  /** The repository and the code captured at the start; completes when the first commit is written. */
  private final CompletableFuture<Start> start;
  private final Checkpoints checkpoints;
  /** Null in a forward run; in a replay, what to fill in and the run it belongs to. */
  private final ReplayOptions replay;
  private final RecordedRun recorded;
  private final ReplayOptions.Level replayLevel;
  /** "forward", or "replay" for values hindsight logging fills in. */
  private final String source;
  /** True while replay re-executes iterations only to rebuild state: nothing is recorded. */
  private volatile boolean suppressed;
  private final Set<String> warnedArgs = ConcurrentHashMap.newKeySet();
  private final Set<String> loggedInReplay = ConcurrentHashMap.newKeySet();

  private final Map<String, Object> argValues = new LinkedHashMap<>();
  private final Set<Class<?>> toldRepr = ConcurrentHashMap.newKeySet();
  private final ThreadLocal<Frame> context = new ThreadLocal<>();
  /** The context of the thread that runs loops, for threads that run none (helpers, pools). */
  private volatile Frame loopingThreadTop = Frame.ROOT;

  private final long startNanos = System.nanoTime();
  private final long jvmToSessionNanos;
  private long firstOuterLoopNanos = -1;
  /** Time spent computing values logged through a supplier, by where the log was: see {@link #logLazily}. */
  private final LongAdder suppliedOutsideLoopsNanos = new LongAdder();
  private final LongAdder suppliedInOuterBodyNanos = new LongAdder();
  private final LongAdder suppliedInNestedLoopsNanos = new LongAdder();
  private long lastOuterLoopEndNanos = -1;
  private volatile String failure;
  private volatile boolean closed;
  /** False once the record file is being closed: captured output can no longer be recorded. */
  private volatile boolean recording = true;
  private Store store;
  private ObjectId lastCommit;

  private Session(Builder b) {
    this.workTree = WorkTree.find(b.dir);
    this.console = new Console(b.out, b.err, b.quiet, b.interactive);
    this.launch = b.launch;
    this.kwargs = Kwargs.parse(b.launch.programArgs);
    this.replay = ReplayOptions.parse(b.launch.programArgs);
    this.source = replay == null ? "forward" : "replay";
    this.filename = b.launch.filename;
    this.projid = workTree.getFileName().toString();
    this.startMillis = b.startMillis;
    this.jvmToSessionNanos = Math.max(0, (System.currentTimeMillis() - b.startMillis) * 1_000_000L);
    this.tstamp = TSTAMP.format(Instant.ofEpochMilli(startMillis));
    this.florDir = workTree.resolve(".flor");
    boolean excluded;
    try {
      excluded = WorkTree.excludeFlorDirIn(workTree);
      Files.createDirectories(florDir.resolve("records"));
    } catch (IOException e) {
      throw new FlorException("cannot create FlorDB's store in " + florDir + ": " + e.getMessage()
          + ". Check that the directory is writable.", e);
    }
    if (replay != null) {
      this.recorded = RecordedRun.load(florDir, replay.run, replay.apply);
      this.replayLevel = replay.level != null ? replay.level : ReplayLevels.find(launch, replay.apply);
      this.runId = replay.run;
      String stamp = newId(System.currentTimeMillis());
      try {
        this.writer = new RecordWriter(florDir.resolve("records").resolve(runId + ".replay-" + stamp + RecordFormat.SUFFIX),
            runId, b.flushMillis, console::warn);
      } catch (IOException e) {
        throw new FlorException("cannot create the replay's record file in " + florDir + ": " + e.getMessage(), e);
      }
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("format", RecordFormat.VERSION);
      h.put("apply", new ArrayList<>(replay.apply));
      h.put("level", replayLevel.name().toLowerCase(java.util.Locale.ROOT));
      h.put("start_ms", System.currentTimeMillis());
      h.put("launch", launch.details);
      writer.append(Frame.ROOT, "replay", "replay", Values.JSON, h, "replay");
      this.start = CompletableFuture.failedFuture(new FlorException("a replay writes no snapshot"));
    } else {
      this.recorded = null;
      this.replayLevel = null;
      RecordWriter w = null;
      String id = null;
      for (int attempt = 0; w == null; attempt++) {
        id = newId(startMillis);
        try {
          w = new RecordWriter(florDir.resolve("records").resolve(id + RecordFormat.SUFFIX), id,
              b.flushMillis, console::warn);
        } catch (FileAlreadyExistsException e) {
          if (attempt > 100) throw new FlorException("cannot find a free run id in " + florDir, e);
        } catch (IOException e) {
          throw new FlorException("cannot create the run's record file in " + florDir + ": " + e.getMessage(), e);
        }
      }
      this.runId = id;
      this.writer = w;
      writer.append(Frame.ROOT, "run", "run", Values.JSON, header(b), "forward");
      writer.flush(); // the header at once: from now on the run is visible, and shows as running
      this.start = openAndCapture(excluded);
    }
    // A replay keeps every checkpoint it rebuilds (it writes only missing ones), whatever they cost.
    this.checkpoints = new Checkpoints(florDir, runId, replay == null ? b.checkpointPolicy : new CheckpointPolicy(1, 0),
        (iteration, name, value) -> writer.append(iteration, "ckpt", name, Values.JSON, value, source),
        console::warn, replay != null, b.checkpointsEnabled);
    this.capture = new OutputCapture(b.out, b.err);
    if (b.captureOutput && replay == null) capture.install(this::capturedLine, b.captureLimitChars);
  }

  /** A run id (or a replay's stamp): the time, then random digits, so two never collide by chance. */
  public static String newId(long millis) {
    return RUN_ID_TIME.format(Instant.ofEpochMilli(millis)) + "-"
        + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  }

  private Map<String, Object> header(Builder b) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("format", RecordFormat.VERSION);
    h.put("projid", projid);
    h.put("tstamp", tstamp);
    h.put("filename", filename);
    h.put("start_ms", startMillis);
    h.put("pid", ProcessHandle.current().pid());
    h.put("pid_start_ms", ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    h.put("host", hostName());
    h.put("user", System.getProperty("user.name"));
    h.put("kwargs", kwargs.all());
    h.put("launch", launch.details);
    return h;
  }

  /** This machine's name, looked up once (a run's liveness is only judged on its own host). */
  static String hostName() {
    return HostName.VALUE;
  }

  private static final class HostName {
    static final String VALUE = lookUp();

    private static String lookUp() {
      String h = System.getenv("HOSTNAME");
      if (h != null) return h;
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "unknown";
      }
    }
  }

  private static java.util.concurrent.Executor daemonExecutor() {
    return r -> {
      Thread t = new Thread(r, "flordb-snapshot");
      t.setDaemon(true);
      t.start();
    };
  }

  /** The repository, the code as it was when the run started, and the user's HEAD then. */
  private record Start(Snapshots git, Snapshots.Tree tree, ObjectId head, String branch) {}

  /**
   * Opens the repository and captures the working tree on the calling thread, so that the
   * snapshot holds the code as it was when the run started even if a file is saved while the run
   * goes on; the first commit is written in the background.
   */
  private CompletableFuture<Start> openAndCapture(boolean excluded) {
    Start s;
    Snapshots git = null;
    try {
      git = Snapshots.open(workTree);
      if (!excluded) git.excludeFlorDir();
      Snapshots.Tree tree = git.captureWorkTree();
      if (!tree.skipped.isEmpty()) {
        console.warn("left out of this run's code snapshot (larger than "
            + (Snapshots.MAX_FILE_BYTES >> 20) + " MiB; add them to .gitignore): " + tree.skipped);
      }
      s = new Start(git, tree, git.head(), git.branch());
    } catch (IOException | RuntimeException e) {
      if (git != null) git.close();
      console.warn("could not snapshot the working tree in git (" + e + "); the run's records are"
          + " kept in " + writer.file());
      return CompletableFuture.failedFuture(new FlorException("snapshot failed: " + e.getMessage(), e));
    }
    return CompletableFuture.supplyAsync(() -> firstCommit(s), daemonExecutor());
  }

  /** A first commit right away: a run that crashes still has its code version. */
  private Start firstCommit(Start s) {
    try {
      synchronized (this) {
        if (lastCommit == null) lastCommit = commitSnapshot(s);
      }
    } catch (IOException | RuntimeException e) {
      console.warn("could not write the run's snapshot commit (" + e + "); its records are kept in "
          + writer.file() + " and the end of the run tries again");
    }
    return s;
  }

  private ObjectId commitSnapshot(Start s) throws IOException {
    long recordBytes = writer.flushedSize();
    StringBuilder msg = new StringBuilder();
    msg.append("flordb run ").append(runId).append(": ").append(filename).append("\n\n");
    msg.append("program: ").append(filename).append('\n');
    msg.append("started: ").append(tstamp).append('\n');
    msg.append("branch: ").append(s.branch).append(s.head == null ? " (no commits yet)" : " at " + s.head.name()).append('\n');
    synchronized (argValues) {
      if (!argValues.isEmpty()) {
        msg.append("args:");
        argValues.forEach((k, v) -> msg.append(' ').append(k).append('=').append(v));
        msg.append('\n');
      }
      msg.append("\nFlor-Run: ").append(runId).append('\n');
      msg.append("Flor-Args: ").append(Json.write(argValues)).append('\n');
    }
    return s.git.commitRun(s.tree, runId, writer.file(), recordBytes, s.head, msg.toString());
  }

  // ---------------------------------------------------------------- the logging API

  public <T> T log(String name, T value) {
    if (records(name)) record("log", name, value, true);
    return value;
  }

  /** {@link #log} of a value computed only when it will be stored: a replay skips the others. */
  public void logLazily(String name, Supplier<?> value) {
    if (records(name)) record("log", name, value == null ? null : supplied(value), true);
  }

  /** The supplier's value; timed in a forward run, since that time is what a replay that skips it saves. */
  private Object supplied(Supplier<?> value) {
    if (replay != null) return value.get();
    int depth = context().depth;
    long start = System.nanoTime();
    Object v = value.get();
    LongAdder where = depth < 0 ? suppliedOutsideLoopsNanos : depth == 0 ? suppliedInOuterBodyNanos : suppliedInNestedLoopsNanos;
    where.add(System.nanoTime() - start);
    return v;
  }

  /** Whether a log of {@code name} here is stored: always forward; in a replay only what is asked for, once. */
  private boolean records(String name) {
    names.check("Flor.log", name);
    if (replay == null) return true;
    if (suppressed || !replay.apply.contains(name)) return false;
    loggedInReplay.add(name);
    return !recorded.isFilled(name, context().positionKey()); // already there
  }

  private void record(String kind, String name, Object value, boolean echo) {
    Frame ctx = context();
    Values type = Values.classify(value);
    if (type == Values.REPR && toldRepr.add(value.getClass())) {
      console.warn("'" + name + "' is a " + value.getClass().getName() + ", which FlorDB stores as its"
          + " string form (numbers, strings, booleans, and arrays, lists and maps of those keep"
          + " their type). Log the numbers you need, or a Map of them.");
    }
    writer.append(ctx, kind, name, type, value, source);
    if (echo && !console.quiet()) console.echo(ctx, name, value);
  }

  public <T> T arg(String name, T defaultValue) {
    names.check("Flor.arg", name);
    synchronized (argValues) {
      if (argValues.containsKey(name)) {
        @SuppressWarnings("unchecked")
        T seen = (T) argValues.get(name);
        return seen;
      }
    }
    Kwargs.checkDefaultType(name, defaultValue);
    if (replay != null) return replayedArg(name, defaultValue);
    T value;
    var given = kwargs.get(name);
    if (given.isPresent()) {
      value = Kwargs.cast(name, given.get(), defaultValue);
    } else if (defaultValue == null) {
      throw new IllegalArgumentException("Flor.arg(\"" + name + "\", null) has no default and no value"
          + " on the command line: pass one with --kwargs " + name + "=VALUE, or give a default.");
    } else {
      value = defaultValue;
    }
    synchronized (argValues) {
      argValues.put(name, value);
    }
    record("arg", name, value, true);
    return value;
  }

  /** In a replay, an arg is the value the recorded run used. */
  @SuppressWarnings("unchecked")
  private <T> T replayedArg(String name, T defaultValue) {
    T value;
    if (replay.overrides.containsKey(name)) {
      value = Kwargs.cast(name, replay.overrides.get(name), defaultValue);
    } else if (recorded.args.containsKey(name)) {
      value = (T) RecordedRun.asTypeOf(recorded.args.get(name), defaultValue);
    } else {
      if (defaultValue == null) {
        throw new IllegalArgumentException("Flor.arg(\"" + name + "\", null): the recorded run " + runId
            + " has no value for it and there is no default; give the arg a default");
      }
      if (warnedArgs.add(name)) {
        console.warn("the recorded run " + runId + " had no arg \"" + name + "\"; replaying with its default, "
            + defaultValue);
      }
      value = defaultValue;
    }
    synchronized (argValues) {
      argValues.put(name, value);
    }
    return value;
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
    Frame f = new Frame(parent, name, index, value);
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
    if (loop == null || loop.isBlank()) {
      throw new IllegalArgumentException("Flor.restore needs the name of the run's outermost loop, for example"
          + " \"epoch\", but got " + (loop == null ? "null" : "\"" + loop + "\"")
          + "; Flor.restore(run, objects) takes the run's last checkpoint");
    }
    restore(runId, loop, index, namedObjects);
  }

  /** From the checkpoint at the end of {@code loop}'s iteration {@code index}, or with {@code loop} null the last one. */
  private void restore(String runId, String loop, long index, Map<String, ?> namedObjects) {
    if (runId == null || runId.isBlank()) {
      throw new IllegalArgumentException("Flor.restore needs the id of a recorded run, but got " + (runId == null
          ? "null" : "\"" + runId + "\"") + "; Flor.query(\"SELECT run_id, filename, tstamp FROM runs\") lists them");
    }
    if (loop != null && index < 0) {
      throw new IllegalArgumentException("Flor.restore: iteration " + index + " of \"" + loop + "\" is negative;"
          + " iterations count from 0");
    }
    if (namedObjects == null || namedObjects.isEmpty()) {
      throw new IllegalArgumentException("Flor.restore needs the objects to restore into, by the names the run gave"
          + " Flor.checkpointing, for example Flor.restore(run, Map.of(\"weights\", weights))");
    }
    namedObjects.forEach((name, live) -> {
      if (live == null) {
        throw new IllegalArgumentException("Flor.restore: \"" + name + "\" is null; pass an object built the way the"
            + " run built it, which is restored in place");
      }
    });
    writer.flush();
    List<Store.CheckpointEntry> written = store().checkpointsOf(runId);
    if (written == null) {
      throw new IllegalArgumentException("Flor.restore: there is no run \"" + runId + "\" in " + workTree
          + "; 'flordb runs' lists the runs, and Flor.query(\"SELECT run_id, filename, tstamp FROM runs\") finds one");
    }
    Store.CheckpointEntry at = loop == null && !written.isEmpty() ? written.get(0) : new Store.CheckpointEntry(loop, index);
    if (!written.contains(at)) {
      throw new FlorException("run " + runId + " has no checkpoint" + (loop == null ? "" : " at " + at) + ": "
          + (written.isEmpty() ? "it wrote none (it enrolled nothing with Flor.checkpointing, ran with"
              + " FLOR_CHECKPOINTS=0, or ended before the end of an outermost iteration)"
              : "it has checkpoints at " + describe(written) + " (FLOR_CKPT_FRACTION=1 checkpoints every iteration)"));
    }
    Path file = Checkpoints.file(florDir, runId, at.loop(), at.index());
    Map<String, StateCodec.Snapshot> state;
    try {
      state = Checkpoints.read(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new FlorException("run " + runId + " wrote a checkpoint at " + at + ", but " + file + " is gone:"
          + " checkpoints are kept only under .flor/checkpoints of the machine that ran the run, not in git."
          + " Replaying the run rebuilds missing checkpoints.", e);
    } catch (IOException | IllegalArgumentException e) {
      throw new FlorException("cannot read the checkpoint " + file + ": " + e.getMessage(), e);
    }
    List<String> absent = new ArrayList<>(namedObjects.keySet());
    absent.removeAll(state.keySet());
    if (!absent.isEmpty()) {
      throw new IllegalArgumentException("Flor.restore: the checkpoint of run " + runId + " at " + at + " holds "
          + state.keySet() + ", not " + absent + "; use the names the run gave Flor.checkpointing");
    }
    for (Map.Entry<String, ?> e : namedObjects.entrySet()) {
      List<String> warnings;
      try {
        warnings = state.get(e.getKey()).restoreInto(e.getValue());
      } catch (IllegalStateException | IllegalArgumentException bad) {
        throw new IllegalArgumentException("Flor.restore: \"" + e.getKey() + "\" cannot hold the checkpoint of run "
            + runId + " at " + at + " (" + bad.getMessage() + "); build it the way the run did: the same"
            + " class, the same array lengths", bad);
      }
      for (String w : warnings) console.warn("Flor.restore \"" + e.getKey() + "\": " + w);
    }
  }

  /** "epoch 0, 1, 4": the iterations with a checkpoint, by loop. */
  private static String describe(List<Store.CheckpointEntry> checkpoints) {
    Map<String, java.util.TreeSet<Long>> byLoop = new LinkedHashMap<>();
    for (Store.CheckpointEntry c : checkpoints) byLoop.computeIfAbsent(c.loop(), k -> new java.util.TreeSet<>()).add(c.index());
    StringBuilder sb = new StringBuilder();
    byLoop.forEach((loop, indices) -> {
      if (sb.length() > 0) sb.append("; ");
      sb.append(loop).append(' ');
      int shown = 0;
      for (long i : indices) {
        if (shown++ == 20) {
          sb.append(", ... (").append(indices.size()).append(" in all)");
          break;
        }
        sb.append(shown > 1 ? ", " : "").append(i);
      }
    });
    return sb.toString();
  }

  /** Makes everything logged so far durable and points the run's snapshot at it. */
  public void commit() {
    writer.sync();
    snapshotNow();
  }

  private void snapshotNow() {
    Start s;
    try {
      s = start.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (ExecutionException e) {
      return; // already reported; the records are safe on disk
    }
    try {
      synchronized (this) {
        lastCommit = commitSnapshot(s);
      }
    } catch (IOException | RuntimeException e) {
      console.warn("could not update the run's snapshot commit (" + e.getMessage() + "); its records"
          + " are safe in " + writer.file());
    }
  }

  public Table dataframe(String... names) {
    writer.flush();
    return store().dataframe(names);
  }

  public Table query(String sql) {
    writer.flush();
    return store().query(sql);
  }

  private Store store() {
    // Wait for the background start outside the lock: its first commit takes the same lock.
    Snapshots git = git();
    synchronized (this) {
      if (store == null) store = Store.open(florDir, git);
      return store;
    }
  }

  /** The repository, once the first snapshot commit is written; null if opening it failed. */
  private Snapshots git() {
    try {
      return start.get().git;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      return null;
    }
  }

  private Snapshots gitIfOpened() {
    return start.isDone() && !start.isCompletedExceptionally() ? start.join().git : null;
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
  public synchronized ObjectId snapshotCommit() {
    return lastCommit;
  }

  /** Marks the run as failed (an uncaught exception in the main thread). */
  public void failed(Throwable t) {
    failure = t.toString();
  }

  // ---------------------------------------------------------------- context and loops

  Frame context() {
    Frame f = context.get();
    return f != null ? f : loopingThreadTop;
  }

  private void setContext(Frame f) {
    context.set(f);
    loopingThreadTop = f;
  }

  private <T> Iterator<T> iterator(String name, Iterator<T> items, long size, boolean indexIsValue) {
    if (replay == null) return new LoopIterator<>(name, items, size, indexIsValue);
    Frame parent = loopParent(name);
    if (parent == Frame.ROOT) return new ReplayOuterLoop<>(this, name, items, indexIsValue);
    if (replayLevel != ReplayOptions.Level.NESTED && !suppressed) {
      // Nothing applied inside: skip the nested loop and restore the state its end had.
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
    return stale != null ? stale.parent : top;
  }

  /** The checkpoint at the end of an outermost iteration, if the run (or a replay) wrote one. */
  Path checkpointFile(String loop, long index) {
    Path file = checkpoints.fileFor(loop, index);
    return Files.isRegularFile(file) ? file : null;
  }

  void restore(Path checkpoint) {
    try {
      for (String w : checkpoints.restore(checkpoint)) console.warn(w);
    } catch (IOException e) {
      throw new FlorException("cannot restore the checkpoint " + checkpoint + ": " + e.getMessage()
          + ". Delete it and replay again: replay recomputes missing checkpoints.", e);
    }
  }

  /** How many JVMs to split the replay's outermost loop across. */
  int replayJobs() {
    if (replay.jobs != null) return replay.jobs;
    return replayLevel == ReplayOptions.Level.NESTED ? Runtime.getRuntime().availableProcessors() : 1;
  }

  /**
   * Starts one JVM per segment (the program again, with {@code --iter} naming the segment), or
   * returns null when this program cannot be relaunched (then the caller runs them itself).
   */
  List<Process> startSegments(String loop, List<List<Long>> segments) {
    List<Process> started = new ArrayList<>();
    for (List<Long> segment : segments) {
      List<String> cmd = launch.relaunch(ReplayOptions.segmentArgs(launch.programArgs, loop, segment, replayLevel));
      if (cmd == null) {
        if (started.isEmpty()) return null;
        throw new IllegalStateException("a replay segment could not be relaunched");
      }
      try {
        started.add(new ProcessBuilder(cmd).directory(new java.io.File(launch.workingDirectory())).inheritIO().start());
      } catch (IOException e) {
        for (Process p : started) p.destroy();
        throw new FlorException("cannot start a replay segment (" + String.join(" ", cmd) + "): " + e.getMessage()
            + "; replay with --jobs 1", e);
      }
    }
    return started;
  }

  void setSuppressed(boolean s) {
    suppressed = s;
  }

  void checkpointIfMissing(Frame iteration) {
    checkpoints.iterationEnded(iteration, true);
  }

  RecordedRun recorded() {
    return recorded;
  }

  ReplayOptions replayOptions() {
    return replay;
  }

  ReplayOptions.Level replayLevel() {
    return replayLevel;
  }

  void enter(Frame f) {
    setContext(f);
  }

  private final class LoopIterator<T> implements Iterator<T> {
    private final String name;
    private final Iterator<T> items;
    private final long size;
    private final boolean indexIsValue;
    private final Frame parent;
    /** The JSON of this loop's context up to the index, the same for every iteration. */
    private final byte[] ctxPrefix;
    /** The frame of the iteration under way. */
    private Frame current;
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
      this.ctxPrefix = Frame.prefix(parent, name);
      this.loopStart = System.nanoTime();
      if (parent == Frame.ROOT) {
        synchronized (Session.this) {
          if (firstOuterLoopNanos < 0) firstOuterLoopNanos = loopStart;
        }
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
        endIteration(now);
        if (parent == Frame.ROOT) checkpoints.iterationEnded(current, false);
      }
      T item = items.next();
      index++;
      Object value = indexIsValue ? null : item;
      current = new Frame(parent, name, index, value, ctxPrefix);
      setContext(current);
      iterStart = System.nanoTime();
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

    private void finish() {
      finished = true;
      long now = System.nanoTime();
      if (index >= 0) {
        endIteration(now);
        // the last iteration always: replay restores it to skip the whole loop
        if (parent == Frame.ROOT) checkpoints.iterationEnded(current, true);
      }
      console.endProgress();
      setContext(parent);
      long count = index + 1;
      recordProf("prof::" + name + "::iterations", count);
      recordProf("prof::" + name + "::iter_mean_s", mean);
      recordProf("prof::" + name + "::iter_std_s", count > 1 ? Math.sqrt(m2 / (count - 1)) : 0.0);
      recordProf("prof::" + name + "::loop_s", (now - loopStart) / 1e9);
      if (parent == Frame.ROOT) {
        synchronized (Session.this) {
          lastOuterLoopEndNanos = now;
        }
      }
    }
  }

  /** A run-level timing, when there is one to record. */
  private void recordSeconds(String name, LongAdder nanos) {
    long n = nanos.sum();
    if (n > 0) writer.append(Frame.ROOT, "prof", name, Values.FLOAT, n / 1e9, "forward");
  }

  private void recordProf(String name, Object value) {
    if (replay != null) return; // the run's own timings stay as recorded
    writer.append(context(), "prof", name, Values.classify(value), value, "forward");
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
      List<String> never = new ArrayList<>(replay.apply);
      never.removeAll(loggedInReplay);
      if (!never.isEmpty() && failure == null) {
        console.warn("replay of " + runId + ": the program never logged " + never + ", so nothing was filled in"
            + " for " + (never.size() == 1 ? "it" : "them") + "; check the names given to --apply");
      }
      recording = false;
      writer.close();
      synchronized (this) {
        if (store != null) store.close();
      }
      return;
    }
    long now = System.nanoTime();
    double setup = ((firstOuterLoopNanos >= 0 ? firstOuterLoopNanos : now) - startNanos + jvmToSessionNanos) / 1e9;
    Frame root = Frame.ROOT;
    writer.append(root, "prof", "prof::setup_s", Values.FLOAT, setup, "forward");
    // The part of set-up before FlorDB's first call: the JVM's start and, from source, the compilation.
    writer.append(root, "prof", "prof::launch_s", Values.FLOAT, jvmToSessionNanos / 1e9, "forward");
    if (lastOuterLoopEndNanos >= 0) {
      writer.append(root, "prof", "prof::teardown_s", Values.FLOAT, (now - lastOuterLoopEndNanos) / 1e9, "forward");
    }
    writer.append(root, "prof", "prof::run_s", Values.FLOAT, (now - startNanos + jvmToSessionNanos) / 1e9, "forward");
    recordSeconds("prof::supplied_outside_loops_s", suppliedOutsideLoopsNanos);
    recordSeconds("prof::supplied_outer_body_s", suppliedInOuterBodyNanos);
    recordSeconds("prof::supplied_nested_loops_s", suppliedInNestedLoopsNanos);
    reportUnusedKwargs();
    Map<String, Object> end = new LinkedHashMap<>();
    end.put("status", failure == null ? "finished" : "failed");
    if (failure != null) end.put("error", failure);
    end.put("end_ms", System.currentTimeMillis());
    writer.append(root, "end", "end", Values.JSON, end, "forward");
    recording = false;
    try {
      writer.close();
    } finally {
      snapshotNow();
      synchronized (this) {
        if (store != null) store.close();
      }
      Snapshots git = gitIfOpened();
      if (git != null) git.close();
    }
  }

  private void reportUnusedKwargs() {
    List<String> unknown = new ArrayList<>();
    synchronized (argValues) {
      for (String k : kwargs.all().keySet()) if (!argValues.containsKey(k)) unknown.add(k);
      if (unknown.isEmpty()) return;
      String msg = "--kwargs named " + unknown + ", which the program never read with Flor.arg"
          + (argValues.isEmpty() ? "" : " (it read " + argValues.keySet() + ")")
          + ": check the spelling; those values were not used.";
      writer.append(Frame.ROOT, "warn", "warn", Values.STR, msg, "forward");
      console.warn(msg);
    }
  }

  // ---------------------------------------------------------------- building

  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** How to start a session; the defaults are those of a program's own run. */
  public static final class Builder {
    final Path dir;
    Launch launch;
    boolean quiet = "1".equals(System.getenv("FLOR_QUIET")) || "true".equalsIgnoreCase(System.getenv("FLOR_QUIET"));
    boolean interactive = false;
    boolean captureOutput = false;
    long captureLimitChars = 1 << 20;
    CheckpointPolicy checkpointPolicy = CheckpointPolicy.fromEnvironment();
    /** FLOR_CHECKPOINTS=0 turns checkpointing off (objects are still checked when enrolled). */
    boolean checkpointsEnabled = !"0".equals(System.getenv("FLOR_CHECKPOINTS"));
    long flushMillis = 100;
    long startMillis = System.currentTimeMillis();
    PrintStream out = System.out;
    PrintStream err = System.err;

    Builder(Path dir) {
      this.dir = dir;
      this.launch = Launch.of("session", List.of());
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
