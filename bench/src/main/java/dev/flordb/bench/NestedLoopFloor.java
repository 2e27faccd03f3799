package dev.flordb.bench;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * What {@link NestedLoopLogs} would measure for a logging API that does nothing: the same loops,
 * from JVM start, through calls of the same shape as {@code Flor.loop} and {@code Flor.log} (a
 * static log of a double that returns it, an {@code Iterable<Integer>} range),
 * which keep a count and the last value. The difference to the plain loop is what the JVM itself
 * costs for such a loop while its interpreter and compilers warm up: the floor under the all-told
 * figure of the log call, which no library can go below. Its {@code main} has the shape of
 * {@code NestedLoopLogs.main} on purpose, the plain loop included (its back-edges count towards
 * when the JIT compiles {@code main}), so that the two differ only in the calls.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.flordb.bench.NestedLoopFloor [epochs] [steps]}.
 */
public final class NestedLoopFloor {
  private NestedLoopFloor() {}

  /** A log call that keeps what it is given and nothing else. */
  static final class NoOp {
    static long count;
    static double last;

    static <T> T log(String name, T value) {
      count++;
      if (value instanceof Double) last = (Double) value;
      return value;
    }

    /** The overload a double takes, as {@code Flor.log(String, double)}: nothing boxed. */
    static double log(String name, double value) {
      count++;
      last = value;
      return value;
    }

    static Iterable<Integer> loop(String name, int start, int end) {
      return new Iterable<>() {
        @Override
        public Iterator<Integer> iterator() {
          return new Iterator<>() {
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
        }
      };
    }
  }

  public static void main(String[] args) {
    int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    long n = (long) epochs * steps;

    double sink = 0;
    long p0 = System.nanoTime();
    for (int e = 0; e < epochs; e++) {
      for (int s = 0; s < steps; s++) sink += 1.0 / ((long) e * steps + s + 1);
    }
    long plain = System.nanoTime() - p0;

    long f0 = System.nanoTime();
    for (int e : NoOp.loop("epoch", 0, epochs)) {
      for (int s : NoOp.loop("step", 0, steps)) {
        sink += NoOp.log("loss", 1.0 / ((long) e * steps + s + 1));
      }
    }
    long loops = System.nanoTime() - f0;
    System.out.printf("RESULT floor_ns_per_log %.1f%n", (loops - plain) / (double) n);
    if (sink == 42 + NoOp.count + NoOp.last) System.out.println(); // keeps the arithmetic
  }
}
