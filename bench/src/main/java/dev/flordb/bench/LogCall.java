package dev.flordb.bench;

import dev.flordb.internal.run.Session;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of one {@code log} call with echo off, warm, as a training loop makes it.
 *
 * <p>{@link #nestedLoops}: what a training program pays per log once the JIT has warmed up. Each
 * invocation is a whole outermost {@code epoch} loop of {@value #EPOCHS} epochs of {@value #STEPS}
 * {@code step}s, one log per step of a double that differs at every step ({@code 1 / (k + 1)}, k
 * counting all logs of the run, the values whose digits take longest to write), so the figure
 * includes each step's and each epoch's bookkeeping (timings, the end-of-epoch checkpoint check).
 * {@link #logCall}: the bare call, its context fixed at {@code epoch=0 step=0}.
 *
 * <p>Each measurement iteration gets a fresh run, closed at its end. The record writer encodes on
 * its own thread; when it falls behind by {@code MAX_WAITING_RECORDS} the logging thread encodes
 * itself, so iterations of a second or more show a writer that cannot keep up in the figure.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LogCall {
  static final int EPOCHS = 10;
  static final int STEPS = 1000;

  /** A fresh run per measurement iteration. */
  @State(Scope.Thread)
  public static class Run {
    Path repo;
    Session session;
    /** Logs so far in this run: the next value is {@code 1 / (k + 1)}. */
    long k;

    @Setup(Level.Iteration)
    public void start() {
      repo = Repos.create("flordb-bench-log");
      session = Session.builder(repo).program("Bench.java").quiet(true).start();
      session.commit(); // waits for the run's start in the background (JGit), which would overlap
      enterLoops();
    }

    void enterLoops() {}

    @TearDown(Level.Iteration)
    public void end() {
      session.close();
      Repos.delete(repo);
    }
  }

  /** As {@link Run}, inside iteration 0 of an {@code epoch} loop and of a {@code step} loop in it. */
  @State(Scope.Thread)
  public static class InStep extends Run {
    @Override
    void enterLoops() {
      session.loop("epoch", 0, Integer.MAX_VALUE).iterator().next();
      session.loop("step", 0, Integer.MAX_VALUE).iterator().next();
    }
  }

  @Benchmark
  @OperationsPerInvocation(EPOCHS * STEPS)
  public void nestedLoops(Run r, Blackhole bh) {
    Session s = r.session;
    long k = r.k;
    for (int e : s.loop("epoch", 0, EPOCHS)) {
      for (int step : s.loop("step", 0, STEPS)) {
        bh.consume(s.logDouble("loss", 1.0 / (k + (long) e * STEPS + step + 1)));
      }
    }
    r.k = k + EPOCHS * STEPS;
  }

  @Benchmark
  public double logCall(InStep r) {
    return r.session.logDouble("loss", 1.0 / (++r.k));
  }
}
