package dev.flordb.internal.run;

/**
 * The time a run reads, in one seam, so that a test can set it ({@link Session.Builder#ticker})
 * and a run's ids, tstamp and timings come out exact: the wall clock, in milliseconds since the
 * epoch (run ids, the tstamp, the header's and the end's times, each record's {@code t}), and a
 * monotonic clock, in nanoseconds from an arbitrary origin (loop and run timings, checkpoint
 * costs, progress bars). With the JVM's clocks, records take their {@code t} from {@link
 * dev.flordb.internal.records.CoarseClock}, which reads the same wall clock a thousand times a
 * second instead of once per record.
 *
 * <p>The packages below the run take the one clock they need as a {@link
 * java.util.function.LongSupplier} ({@code ticker::millis} for the record writer, {@code
 * ticker::nanos} for the checkpoints), so that they do not depend on this package.
 */
public interface Ticker {
  /** Wall-clock time: milliseconds since the epoch. */
  long millis();

  /** Monotonic time: nanoseconds, meaningful only as the difference of two reads. */
  long nanos();

  /** The JVM's clocks: the only place a run reads them. */
  Ticker SYSTEM = new Ticker() {
    @Override
    public long millis() {
      return System.currentTimeMillis();
    }

    @Override
    public long nanos() {
      return System.nanoTime();
    }

    @Override
    public String toString() {
      return "Ticker.SYSTEM";
    }
  };
}
