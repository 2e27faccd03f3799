package dev.flordb;

import dev.flordb.internal.run.Launch;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.run.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

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
    return s != null ? s : start(); // a few bytecodes: every log pays for this, interpreted too
  }

  private static Session start() {
    synchronized (LOCK) {
      if (session == null) {
        Launch launch = Launch.ofThisJvm();
        if (mainArgs != null) launch = launch.withProgramArgs(mainArgs);
        Settings settings = Settings.fromEnvironment();
        Session started = Session.builder(Path.of(System.getProperty("user.dir")), settings)
            .launch(launch)
            .startMillis(Launch.jvmStartMillis())
            .interactive(Launch.interactiveTerminal())
            .captureOutput(settings.capture)
            .exitOnDivergence(true)
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
   * {@link #log(String, Object)} of a {@code double}, without boxing it: the common value of a
   * training loop, {@code loss = Flor.log("loss", criterion.apply(out, y))}. Java picks this
   * overload (and those of the other primitive types) for a primitive argument, so that a log in
   * a loop allocates nothing; a boxed {@code Double} is logged by {@link #log(String, Object)},
   * with the same record.
   */
  public static double log(String name, double value) {
    return session().logDouble(name, value);
  }

  /** {@link #log(String, double)} of a {@code float}, kept as the float's own digits ({@code 0.1f} is 0.1). */
  public static float log(String name, float value) {
    return session().log(name, Float.valueOf(value));
  }

  /** {@link #log(String, double)} of a {@code long}, without boxing it; stored as an integer. */
  public static long log(String name, long value) {
    return session().logLong(name, value);
  }

  /** {@link #log(String, double)} of an {@code int}, without boxing it; stored as an integer. */
  public static int log(String name, int value) {
    session().logLong(name, value);
    return value;
  }

  /** {@link #log(String, double)} of a {@code short}; stored as an integer. */
  public static short log(String name, short value) {
    session().logLong(name, value);
    return value;
  }

  /** {@link #log(String, double)} of a {@code byte}; stored as an integer. */
  public static byte log(String name, byte value) {
    session().logLong(name, value);
    return value;
  }

  /** {@link #log(String, double)} of a {@code char}, stored as a one-character string as a {@code Character} is. */
  public static char log(String name, char value) {
    return session().log(name, Character.valueOf(value));
  }

  /**
   * {@link #log(String, Object)} for a value that is expensive to compute, such as a held-out
   * evaluation: {@code Flor.logLazily("acc", () -> model.accuracy(test))}. A forward run calls the
   * supplier at once and records its value, exactly as {@code log} would. A replay calls it only
   * when it fills in {@code name}, so replaying another statement does not pay for this one.
   *
   * <p>It has a name of its own, not an overload of {@code log}, so that {@code Flor.log(name,
   * null)} and {@code Flor.log(name, value)} always record the value given and return it. Unlike
   * {@code log} it returns nothing: in a replay that skips it there is no value to return.
   *
   * <p>The supplier should compute the value and nothing else: a replay that skips it must leave
   * the program in the state the original run had.
   *
   * @throws IllegalArgumentException for the names {@link #log(String, Object)} refuses, whether
   *     or not the value is computed
   */
  public static void logLazily(String name, Supplier<?> value) {
    session().logLazily(name, value);
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
   * "this request"): values logged on this thread until the scope is closed carry it, as they
   * would carry a loop's position. {@code value} is kept as the iteration's element, like a
   * loop's {@code <loop>_value} column. An iteration is its thread's alone: requests served at
   * once, each on a thread of a pool, each log in their own.
   *
   * <pre>{@code
   * try (Scope doc = Flor.iteration("document", docId, docName)) {
   *   Flor.log("label", label);
   * }
   * }</pre>
   *
   * @return the scope of the iteration; its {@code close()} throws nothing
   */
  public static Scope iteration(String name, long index, String value) {
    return session().iteration(name, index, value)::close;
  }

  /**
   * {@link #iteration(String, long, String)} of an iteration that is known by its index alone.
   *
   * @return the scope of the iteration; its {@code close()} throws nothing
   */
  public static Scope iteration(String name, long index) {
    return session().iteration(name, index, null)::close;
  }

  /**
   * Enrols the objects whose state a replay needs, by name: their state is saved at the end of
   * outermost-loop iterations (spaced out when saving costs more than a small fraction of the
   * training time; {@code FLOR_CKPT_FRACTION}, default 0.1, and {@code FLOR_CKPT_INTERVAL_S},
   * default 0) and restored in place during replay, so the program keeps its references.
   *
   * <pre>{@code
   * try (Scope c = Flor.checkpointing(Map.of("model", net, "optimizer", sgd, "rng", rng))) {
   *   for (int epoch : Flor.loop("epoch", 0, epochs)) { ... }
   * }
   * }</pre>
   *
   * Arrays of primitives, collections, maps, {@link java.util.Random}, records and your own
   * {@code Serializable} classes built from these are supported; for anything else implement
   * {@link Checkpointable}. An object that cannot be checkpointed is rejected here, naming the
   * field at fault.
   *
   * @return the scope of the enrolment: closing it stops checkpointing these objects; its {@code
   *     close()} throws nothing
   */
  public static Scope checkpointing(Map<String, ?> namedObjects) {
    return session().checkpointing(namedObjects)::close;
  }

  /**
   * Restores named objects, in place, from the last checkpoint of a recorded run (normally the
   * end of its outermost loop's last iteration): the way another program (model selection,
   * inference, an app) picks up what a training run produced, without knowing where FlorDB keeps
   * it. Each object must be built the way the run built the one it enrolled under that name (the
   * same class; arrays of the same length, or {@code null} rows, which are filled in); the
   * checkpoint may hold more names than are asked for. Plain arrays ({@code double[][]}) can be
   * restored by any program; an object of a class of the training program only by a program that
   * has that class.
   *
   * <h4>Finding the run</h4>
   *
   * Run ids are in the store's {@code runs} table (with {@code filename}, {@code tstamp}, {@code
   * status}, {@code args}), in the {@code records} view (one row per logged value, with {@code
   * loop}, {@code iteration} and {@code ctx}, its loop position) and in the dataframe's {@code
   * run_id} column. For example, the newest finished training run:
   *
   * <pre>{@code
   * String run = Flor.query("SELECT run_id FROM runs WHERE filename = 'Train.java'"
   *     + " AND status = 'finished' ORDER BY tstamp DESC LIMIT 1").row(0).getString("run_id");
   * double[][] weights = new double[10][];
   * Flor.restore(run, Map.of("weights", weights));
   * }</pre>
   *
   * To pick a checkpoint by a metric, see {@link #restore(String, String, long, Map)}.
   *
   * @throws IllegalArgumentException if there is no such run, the checkpoint holds no object of
   *     one of the names, or an object cannot take the checkpointed state in place
   * @throws FlorException if the run wrote no checkpoint, or its file is gone (checkpoints stay in
   *     {@code .flor/checkpoints} of the machine that ran the run; they are not in git)
   */
  public static void restore(String runId, Map<String, ?> namedObjects) {
    session().restore(runId, namedObjects);
  }

  /**
   * Restores named objects, in place, from the checkpoint a recorded run took at the end of
   * iteration {@code iteration} of its outermost loop {@code loop}; otherwise as {@link
   * #restore(String, Map)}. This is a model registry's "load the best model": each checkpoint is
   * recorded as a {@code ckpt} record named {@code ckpt::<loop>} in the context of its iteration,
   * so one query joins a metric with the iterations that have a checkpoint (not every iteration
   * has one unless {@code FLOR_CKPT_FRACTION=1}):
   *
   * <pre>{@code
   * Table.Row best = Flor.query("SELECT m.run_id, m.iteration AS epoch, m.value AS acc"
   *     + " FROM records m JOIN records c ON c.ctx = m.ctx AND c.name = 'ckpt::epoch'"
   *     + " WHERE m.filename = 'Train.java' AND m.name = 'acc'"
   *     + " ORDER BY acc DESC, m.tstamp DESC LIMIT 1").row(0);
   * Flor.restore(best.getString("run_id"), "epoch", best.getLong("epoch"), Map.of("weights", weights));
   * }</pre>
   *
   * @throws IllegalArgumentException as {@link #restore(String, Map)}, and if {@code loop} is
   *     empty or {@code iteration} negative
   * @throws FlorException if the run has no checkpoint at that iteration (the message lists the
   *     iterations that have one), or its file is gone
   */
  public static void restore(String runId, String loop, long iteration, Map<String, ?> namedObjects) {
    session().restoreAt(runId, loop, iteration, namedObjects);
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
    return Session.read(session, Path.of(System.getProperty("user.dir")), store -> store.dataframe(names));
  }

  /**
   * Any SQL over the store, read-only: table {@code runs} (one row per run: {@code run_id},
   * {@code filename}, {@code tstamp}, {@code status}, {@code args}, ...), tables {@code logs} and
   * {@code ctx}, and the view {@code records} (one row per record: its run's {@code run_id},
   * {@code tstamp} and {@code filename}, its innermost {@code loop} and {@code iteration}, its
   * whole {@code position} such as {@code "epoch=1 step=3"}, its {@code kind}, {@code name} and
   * {@code value}). Run ids are what {@link #restore} takes.
   *
   * <p>A query is one statement, and it only reads: SQLite refuses one that would change the
   * store, write any file ({@code VACUUM INTO}) or attach a database.
   *
   * @throws FlorException if the query would write or attach, holds a second statement, or fails
   */
  public static Table query(String sql) {
    return Session.read(session, Path.of(System.getProperty("user.dir")), store -> store.query(sql));
  }

  /** Turns the echo of logged values and progress bars off (or on again). */
  public static void quiet(boolean quiet) {
    session().quiet(quiet);
  }
}
