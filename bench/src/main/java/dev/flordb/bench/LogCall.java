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
 * The cost of one {@code log} call with echo off, as a training loop makes it.
 *
 * <p>{@link #logInLoop}: one call per iteration of an inner {@code step} loop (1,000 steps per
 * invocation) inside an outer {@code epoch} loop, so the figure includes the loop's own
 * bookkeeping per iteration. {@link #logCall}: the bare call, its context fixed at
 * {@code epoch=0 step=0}. Each measurement iteration gets a fresh run (closed at its end), so that
 * record files stay a manageable size.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LogCall {
  static final int STEPS = 1000;

  /** A fresh run per measurement iteration, inside iteration 0 of an outer {@code epoch} loop. */
  @State(Scope.Thread)
  public static class Run {
    Path repo;
    Session session;
    double loss = 0.5;

    @Setup(Level.Iteration)
    public void start() {
      repo = Repos.create("flordb-bench-log");
      session = Session.builder(repo).program("Bench.java").quiet(true).start();
      session.commit(); // waits for the run's start in the background (JGit), which would overlap
      enterLoops();
    }

    void enterLoops() {
      session.loop("epoch", 0, Integer.MAX_VALUE).iterator().next();
    }

    @TearDown(Level.Iteration)
    public void end() {
      session.close();
      Repos.delete(repo);
    }
  }

  /** As {@link Run}, and inside iteration 0 of an inner {@code step} loop as well. */
  @State(Scope.Thread)
  public static class InStep extends Run {
    @Override
    void enterLoops() {
      super.enterLoops();
      session.loop("step", 0, Integer.MAX_VALUE).iterator().next();
    }
  }

  @Benchmark
  @OperationsPerInvocation(STEPS)
  public void logInLoop(Run r, Blackhole bh) {
    Session s = r.session;
    for (int step : s.loop("step", 0, STEPS)) {
      bh.consume(s.log("loss", r.loss + step));
    }
  }

  @Benchmark
  public Object logCall(InStep r) {
    return r.session.log("loss", r.loss);
  }
}
