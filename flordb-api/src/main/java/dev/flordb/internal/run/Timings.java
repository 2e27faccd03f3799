package dev.flordb.internal.run;

import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.records.Values;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The run's timings, recorded as {@code prof::} records: once per loop when it ends (its
 * iterations, the mean and deviation of an iteration, the loop's time) and once per run at its end
 * (set-up before the first outermost loop, the JVM's launch, tear-down after the last outermost
 * loop, the whole run, and the time spent computing values logged through a supplier). Never once
 * per iteration. A replay records none: the run's own timings stay as recorded.
 *
 * <p>An iteration's mean time is exact: the time from the first iteration's start to the last's
 * end, over their number. Its deviation is exact for the outermost loop and for loops of up to 64
 * iterations; beyond, it is estimated from the first 64 and a random eighth of the rest, since
 * timing every step of an inner loop costs a clock read a step, about what the rest of the step
 * costs. A random sample, not every eighth step: a loop whose steps alternate between kinds (an
 * optimizer step every fourth batch) would be sampled on one kind only.
 */
final class Timings {
  private final Ticker ticker;
  private final RecordWriter writer;
  private final boolean forward;
  /** When the session started, on the monotonic clock. */
  private final long startNanos;
  /** From the JVM's start (or the start the builder was given) to the session's. */
  private final long jvmToSessionNanos;
  // guarded by this
  private long firstOuterLoopNanos = -1;
  private long lastOuterLoopEndNanos = -1;
  /** Time spent computing values logged through a supplier, by where the log was: see {@link Session#logLazily}. */
  private final LongAdder suppliedOutsideLoopsNanos = new LongAdder();
  private final LongAdder suppliedInOuterBodyNanos = new LongAdder();
  private final LongAdder suppliedInNestedLoopsNanos = new LongAdder();

  Timings(Ticker ticker, RecordWriter writer, boolean forward, long startNanos, long jvmToSessionNanos) {
    this.ticker = ticker;
    this.writer = writer;
    this.forward = forward;
    this.startNanos = startNanos;
    this.jvmToSessionNanos = jvmToSessionNanos;
  }

  /** The supplier's value, timed: that time is what a replay that skips it saves. {@code depth} is the loop depth of the log. */
  Object supplied(Supplier<?> value, int depth) {
    long start = ticker.nanos();
    Object v = value.get();
    LongAdder where = depth < 0 ? suppliedOutsideLoopsNanos : depth == 0 ? suppliedInOuterBodyNanos : suppliedInNestedLoopsNanos;
    where.add(ticker.nanos() - start);
    return v;
  }

  /** An outermost loop starts: set-up ends at the first. */
  synchronized void outerLoopStarted(long nanos) {
    if (firstOuterLoopNanos < 0) firstOuterLoopNanos = nanos;
  }

  /**
   * A loop under {@code parent} ended at {@code now} after {@code count} iterations: its profile,
   * from the mean and standard deviation of its iteration times, in seconds.
   */
  void loopEnded(Frame parent, String name, long count, double mean, double std, long loopNanos, long now) {
    recordProf(parent, "prof::" + name + "::iterations", count);
    recordProf(parent, "prof::" + name + "::iter_mean_s", mean);
    recordProf(parent, "prof::" + name + "::iter_std_s", std);
    recordProf(parent, "prof::" + name + "::loop_s", loopNanos / 1e9);
    if (parent == Frame.ROOT) {
      synchronized (this) {
        lastOuterLoopEndNanos = now; // tear-down starts after the last
      }
    }
  }

  private void recordProf(Frame where, String name, Object value) {
    if (!forward) return; // the run's own timings stay as recorded
    writer.append(where, "prof", name, Values.classify(value), value, "forward");
  }

  /** At the end of a forward run: the run's own timings. */
  void runEnded() {
    long now = ticker.nanos();
    long first;
    long lastEnd;
    synchronized (this) {
      first = firstOuterLoopNanos;
      lastEnd = lastOuterLoopEndNanos;
    }
    double setup = ((first >= 0 ? first : now) - startNanos + jvmToSessionNanos) / 1e9;
    Frame root = Frame.ROOT;
    writer.append(root, "prof", "prof::setup_s", Values.FLOAT, setup, "forward");
    // The part of set-up before FlorDB's first call: the JVM's start and, from source, the compilation.
    writer.append(root, "prof", "prof::launch_s", Values.FLOAT, jvmToSessionNanos / 1e9, "forward");
    if (lastEnd >= 0) {
      writer.append(root, "prof", "prof::teardown_s", Values.FLOAT, (now - lastEnd) / 1e9, "forward");
    }
    writer.append(root, "prof", "prof::run_s", Values.FLOAT, (now - startNanos + jvmToSessionNanos) / 1e9, "forward");
    recordSeconds("prof::supplied_outside_loops_s", suppliedOutsideLoopsNanos);
    recordSeconds("prof::supplied_outer_body_s", suppliedInOuterBodyNanos);
    recordSeconds("prof::supplied_nested_loops_s", suppliedInNestedLoopsNanos);
  }

  /** A run-level timing, when there is one to record. */
  private void recordSeconds(String name, LongAdder nanos) {
    long n = nanos.sum();
    if (n > 0) writer.append(Frame.ROOT, "prof", name, Values.FLOAT, n / 1e9, "forward");
  }
}
