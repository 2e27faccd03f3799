package dev.flordb.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * A clock the test sets: a wall clock ({@link #instant()}, {@link #millis()}) and a monotonic
 * nanosecond count ({@link #nanos()}) that stand still until {@link #advance} moves both by the
 * same amount, so that timings computed from it are exact. It is a JDK {@link InstantSource},
 * since this module depends on no FlorDB module; a test hands it to FlorDB's clock seam with an
 * adapter ({@code millis()} and {@code nanos()} are the two reads it needs). Safe to read from any
 * thread.
 */
public final class FakeClock implements InstantSource {
  /** The monotonic count's origin: arbitrary, as {@link System#nanoTime()}'s is, and not 0. */
  static final long NANOS_ORIGIN = 1_000_000_000_000L;

  private Instant now;
  private long nanos = NANOS_ORIGIN;

  public FakeClock(Instant start) {
    this.now = start;
  }

  @Override
  public synchronized Instant instant() {
    return now;
  }

  @Override
  public synchronized long millis() {
    return now.toEpochMilli();
  }

  /** Monotonic nanoseconds, as {@link System#nanoTime()}: meaningful only as a difference. */
  public synchronized long nanos() {
    return nanos;
  }

  /** Moves both clocks forward by {@code d}. */
  public synchronized FakeClock advance(Duration d) {
    if (d.isNegative()) throw new IllegalArgumentException("a clock moves forward, not by " + d);
    now = now.plus(d);
    nanos += d.toNanos();
    return this;
  }

  /** Moves both clocks forward by {@code millis} milliseconds. */
  public FakeClock advanceMillis(long millis) {
    return advance(Duration.ofMillis(millis));
  }

  @Override
  public String toString() {
    return "FakeClock at " + instant();
  }
}
