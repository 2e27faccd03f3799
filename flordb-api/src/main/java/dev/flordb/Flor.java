package dev.flordb;

import dev.flordb.internal.Launch;
import dev.flordb.internal.Session;
import java.nio.file.Path;

/**
 * FlorDB's logging API: record what a program computes, with its code version, and query it
 * later as one table. Nothing to configure: the first call starts a run of this program in the
 * git repository that contains the working directory; the run ends when the program exits.
 *
 * <h2>A training program</h2>
 *
 * <pre>{@code
 * double lr = Flor.arg("lr", 0.01);                 // --kwargs lr=0.001 overrides it
 * int epochs = Flor.arg("epochs", 5);
 * for (int epoch : Flor.loop("epoch", 0, epochs)) {
 *   for (Batch b : Flor.loop("step", batches)) {
 *     Flor.log("loss", model.train(b, lr));
 *   }
 *   Flor.log("acc", model.accuracy(test));
 * }
 * }</pre>
 *
 * Then {@code Flor.dataframe("lr", "loss", "acc")} (or {@code flordb dataframe lr loss acc})
 * gives one row per run, epoch and step, with {@code lr} repeated on every row of its run.
 *
 * <h2>What is kept, and where</h2>
 *
 * Everything lives under {@code .flor/} at the repository's root, which git is told to ignore
 * (through {@code .git/info/exclude}; your files are not edited). Each run streams its records
 * to its own file while it runs, so a crash loses at most the last fraction of a second. At the
 * end of the run (and at {@link #commit()}), the code as it was when the run started and the
 * run's records are committed to {@code refs/flor/runs/<run>}: your branch, index and working
 * tree are never touched.
 *
 * <h2>Printing</h2>
 *
 * {@code log} and {@code arg} echo {@code name: value} with the enclosing loop positions; loops
 * show a progress bar on an interactive terminal. {@code FLOR_QUIET=1} in the environment, or
 * {@link #quiet(boolean)}, turns both off. What the program prints is also captured as records
 * ({@code io::stdout}, {@code io::stderr}), which {@code dataframe} shows only when asked by name.
 */
public final class Flor {
  private Flor() {}

  private static final Object LOCK = new Object();
  private static volatile Session session;
  private static String[] mainArgs;

  private static Session session() {
    Session s = session;
    if (s != null) return s;
    synchronized (LOCK) {
      if (session == null) {
        Launch launch = Launch.ofThisJvm();
        if (mainArgs != null) launch = launch.withProgramArgs(mainArgs);
        Session started = Session.builder(Path.of(System.getProperty("user.dir")))
            .launch(launch)
            .startMillis(Launch.jvmStartMillis())
            .interactive(Launch.interactiveTerminal())
            .captureOutput(!"0".equals(System.getenv("FLOR_CAPTURE")))
            .start();
        Thread main = Thread.currentThread();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
          if (t == main || "main".equals(t.getName())) started.failed(e);
          if (previous != null) {
            previous.uncaughtException(t, e);
          } else {
            System.err.print("Exception in thread \"" + t.getName() + "\" ");
            e.printStackTrace();
          }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(started::close, "flordb-end-of-run"));
        session = started;
      }
      return session;
    }
  }

  /**
   * Hands the program's {@code main} arguments to FlorDB, where {@code --kwargs name=value ...}
   * sets {@link #arg} values. Optional: without it FlorDB reads them from the process. Call it
   * first thing in {@code main}.
   */
  public static void init(String[] args) {
    synchronized (LOCK) {
      if (session != null) {
        throw new IllegalStateException("Flor.init(args) must come before any other Flor call;"
            + " move it to the start of main");
      }
      mainArgs = args.clone();
    }
  }

  /**
   * Records {@code value} under {@code name} in the current loop context and returns it, so it
   * can wrap an expression: {@code loss = Flor.log("loss", model.step(batch))}. Numbers,
   * strings and booleans keep their type; arrays, lists and maps of those are stored as JSON;
   * anything else as its string form.
   *
   * @throws IllegalArgumentException if the name is empty, longer than 200 characters, contains
   *     control characters or {@code ::}, or is a column every dataframe has
   */
  public static <T> T log(String name, T value) {
    return session().log(name, value);
  }

  /**
   * A hyper-parameter: the value of {@code --kwargs name=value} on the command line, cast to the
   * type of {@code defaultValue} ({@code Integer}, {@code Long}, {@code Double}, {@code Float},
   * {@code Boolean} or {@code String}), else {@code defaultValue}. The value used is logged.
   *
   * @throws IllegalArgumentException if the command-line value cannot be cast, or the default is
   *     null and the command line gives no value
   */
  public static <T> T arg(String name, T defaultValue) {
    return session().arg(name, defaultValue);
  }

  /**
   * Iterates {@code items}, recording the position (iteration index from 0 and, for plain
   * values, the element) as context of every {@code log} inside. The outermost loop is where
   * checkpoints are taken and where replay skips work.
   *
   * <p>Java cannot tell when a for-each loop is left by {@code break}: the loop's last position
   * then stays the context of later calls on this thread until the enclosing loop moves on or
   * the same loop starts again. Prefer loops that run to the end, or filter the items first.
   */
  public static <T> Iterable<T> loop(String name, Iterable<T> items) {
    return session().loop(name, items);
  }

  /** {@link #loop(String, Iterable)} over {@code start, start+1, ..., end-1}. */
  public static Iterable<Integer> loop(String name, int start, int end) {
    return session().loop(name, start, end);
  }

  /**
   * One iteration of a named context without a loop, for servers and apps ("this document",
   * "this request"): values logged on this thread until {@code close()} carry it.
   *
   * <pre>{@code
   * try (var it = Flor.iteration("document", docId, docName)) {
   *   Flor.log("label", label);
   * }
   * }</pre>
   */
  public static AutoCloseable iteration(String name, long index, String value) {
    return session().iteration(name, index, value);
  }

  /**
   * Enrols the objects whose state a replay needs, by name: their state is saved at the end of
   * outermost-loop iterations (spaced out when saving costs more than a small fraction of the
   * training time; {@code FLOR_CKPT_FRACTION}, default 0.1, and {@code FLOR_CKPT_INTERVAL_S},
   * default 0) and restored in place during replay, so the program keeps its references.
   *
   * <pre>{@code
   * try (var c = Flor.checkpointing(Map.of("model", net, "optimizer", sgd, "rng", rng))) {
   *   for (int epoch : Flor.loop("epoch", 0, epochs)) { ... }
   * }
   * }</pre>
   *
   * Arrays of primitives, collections, maps, {@link java.util.Random}, records and your own
   * {@code Serializable} classes built from these are supported; for anything else implement
   * {@link Checkpointable}. An object that cannot be checkpointed is rejected here, naming the
   * field at fault.
   */
  public static AutoCloseable checkpointing(java.util.Map<String, ?> namedObjects) {
    return session().checkpointing(namedObjects);
  }

  /**
   * Makes everything logged so far durable and snapshots the code version with it. Runs at
   * exit anyway; call it in long-lived programs (servers, apps) after each unit of work.
   */
  public static void commit() {
    session().commit();
  }

  /**
   * The named values of every run of this project as one table; see {@link Table}. With no
   * names, one row per run with all its run-level values.
   */
  public static Table dataframe(String... names) {
    return session().dataframe(names);
  }

  /** Any SQL over the store (tables {@code runs}, {@code logs}, {@code ctx}, view {@code records}). */
  public static Table query(String sql) {
    return session().query(sql);
  }

  /** Turns the echo of logged values and progress bars off (or on again). */
  public static void quiet(boolean quiet) {
    session().quiet(quiet);
  }
}
