package dev.flordb.web;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.store.Store;
import dev.flordb.replay.PastRun;
import dev.flordb.replay.ReplayDriver;
import dev.flordb.replay.ReplaySchedule;
import dev.flordb.replay.ReplaySummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replays started from the page: the engine of {@code flordb replay} ({@link ReplaySchedule},
 * {@link ReplayDriver}), planned and run as {@code flordb replay NAMES --where COND --yes} would,
 * on a thread of its own. One at a time per project: a lock file in {@code .flor/} is held while a
 * replay runs, so a second server on the same project refuses to start one too.
 */
final class Replays {
  private static final Pattern NAME = Pattern.compile("@?[\\p{L}\\p{N}_.:/-]{1,200}");

  private final Snapshots git;
  private final Store store;
  private final Path florDir;
  private final String programClassPath;
  private Job job;

  Replays(Snapshots git, Store store, Path florDir, String programClassPath) {
    this.git = git;
    this.store = store;
    this.florDir = florDir;
    this.programClassPath = programClassPath;
  }

  /** One replay: its schedule, what it printed, and each run's outcome as it came. */
  static final class Job {
    final String stamp;
    final List<String> names;
    final String where;
    volatile String state = "planning";
    volatile String message;
    final StringWriter log = new StringWriter();
    final List<Map<String, Object>> schedule = new ArrayList<>();
    final List<Map<String, Object>> outcomes = new ArrayList<>();
    volatile int total;

    Job(String stamp, List<String> names, String where) {
      this.stamp = stamp;
      this.names = names;
      this.where = where;
    }

    synchronized Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("stamp", stamp);
      m.put("names", names);
      m.put("where", where);
      m.put("state", state);
      m.put("message", message);
      m.put("total", total);
      m.put("done", outcomes.size());
      m.put("schedule", new ArrayList<>(schedule));
      m.put("outcomes", new ArrayList<>(outcomes));
      synchronized (log) {
        m.put("log", log.toString());
      }
      return m;
    }
  }

  static List<String> checkNames(List<String> names) {
    if (names.isEmpty()) throw ApiError.badRequest("name what to fill in: names=grad_norm (comma-separated), or @LINE");
    for (String n : names) {
      if (!NAME.matcher(n).matches()) throw ApiError.badRequest("names: '" + n + "' is not a logged name nor @LINE");
    }
    return names;
  }

  private ReplaySchedule.Request request(List<String> names, String where, boolean dryRun) {
    int jobs = Runtime.getRuntime().availableProcessors();
    return new ReplaySchedule.Request(names, null, where == null || where.isBlank() ? null : where, List.of(),
        List.of(), jobs, null, false, dryRun);
  }

  /** The schedule {@code flordb replay --dry-run} shows, as text and as rows; writes nothing. */
  Map<String, Object> plan(List<String> names, String where) throws IOException {
    checkNames(names);
    ReplaySchedule plan;
    try {
      plan = ReplaySchedule.plan(git, store, request(names, where, true), Session.newId(System.currentTimeMillis()));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
    StringWriter text = new StringWriter();
    plan.print(new PrintWriter(text));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("names", plan.names);
    m.put("text", text.toString());
    m.put("rows", plan.rows());
    double[] t = plan.totals();
    m.put("estimate_s", t[0]);
    m.put("estimate_parallel_s", t[1]);
    return m;
  }

  synchronized Map<String, Object> status() {
    if (job == null) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("state", "none");
      return m;
    }
    return job.json();
  }

  /** Starts a replay; refused (409) while one runs. */
  synchronized Map<String, Object> start(List<String> names, String where) throws IOException {
    checkNames(names);
    if (job != null && (job.state.equals("planning") || job.state.equals("running"))) {
      throw new ApiError(409, "a replay is already running (" + String.join(", ", job.names) + ", started as "
          + job.stamp + "); wait for it to end: GET /api/replay shows its progress");
    }
    FileChannel lockFile = FileChannel.open(florDir.resolve("serve-replay.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockFile.tryLock();
    } catch (IOException | RuntimeException e) {
      lockFile.close();
      throw e;
    }
    if (lock == null) {
      lockFile.close();
      throw new ApiError(409, "another flordb serve of this project is running a replay; wait for it to end");
    }
    Job j = new Job(Session.newId(System.currentTimeMillis()), List.copyOf(names), where);
    ReplaySchedule plan;
    try {
      plan = ReplaySchedule.plan(git, store, request(names, where, false), j.stamp);
    } catch (IllegalArgumentException e) {
      lockFile.close();
      throw ApiError.badRequest(e.getMessage());
    } catch (IOException | RuntimeException e) {
      lockFile.close();
      throw e;
    }
    job = j;
    PrintWriter out = new PrintWriter(new Locked(j.log), true);
    plan.print(out);
    synchronized (j) {
      j.schedule.addAll(plan.rows());
      j.total = plan.runs().size();
    }
    Thread t = new Thread(() -> {
      try (lockFile) {
        run(j, plan, out);
      } catch (Throwable e) {
        j.message = "the replay failed: " + e;
        j.state = "failed";
      }
    }, "flordb-serve-replay");
    t.setDaemon(true);
    t.start();
    return j.json();
  }

  private void run(Job j, ReplaySchedule plan, PrintWriter out) throws IOException, InterruptedException {
    List<PastRun> runs = plan.runs();
    if (runs.isEmpty()) {
      j.message = "nothing to replay: " + ReplaySummary.replayed(plan, List.of(), Double.NaN, Double.NaN);
      j.state = "done";
      return;
    }
    j.state = "running";
    long start = System.nanoTime();
    ReplayDriver driver = new ReplayDriver(git, florDir, plan, programClassPath, out);
    driver.onOutcome(o -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("run", o.run().runId());
      m.put("tstamp", o.run().tstamp());
      m.put("version", o.version().label());
      m.put("status", o.status());
      m.put("seconds", o.seconds());
      m.put("message", o.message());
      m.put("missing", o.missing());
      synchronized (j) {
        j.outcomes.add(m);
      }
    });
    List<ReplayDriver.Outcome> outcomes = driver.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    double[] estimate = plan.totals();
    new ReplaySummary(plan, outcomes, driver).print(out, seconds, estimate[1]);
    boolean failed = outcomes.stream().anyMatch(o -> !o.ok());
    j.message = ReplaySummary.replayed(plan, outcomes, seconds, estimate[1]);
    j.state = failed ? "failed" : "done";
  }

  /** A writer the page reads while the replay writes it. */
  private static final class Locked extends Writer {
    private final StringWriter to;

    Locked(StringWriter to) {
      this.to = to;
    }

    @Override
    public void write(char[] b, int off, int len) {
      synchronized (to) {
        to.write(b, off, len);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
