package dev.flordb.internal.records;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The wall clock in milliseconds for each record's {@code t}, read in a nanosecond rather than the
 * twenty a {@code System.currentTimeMillis()} takes on the logging thread: one thread per JVM
 * reads the real clock every millisecond and publishes it, while records come. After {@value
 * #IDLE_TICKS} ticks without a read it sleeps, and the next read takes the real clock itself and
 * wakes it, so an idle program pays nothing and a read never returns a time from before a sleep.
 * A time read while it ticks is behind the real one by at most a tick and however long the
 * operating system made the thread wait (a millisecond or two on a busy machine).
 */
public class CoarseClock implements LongSupplier {
  /** The JVM's one coarse clock; its thread starts at the first read. */
  public static final CoarseClock SYSTEM = new CoarseClock();

  static final int IDLE_TICKS = 200;
  private static final long TICK_NANOS = 1_000_000;

  private volatile long millis;
  /** True while the ticking thread sleeps (or before it started): a read takes the real clock. */
  private volatile boolean asleep = true;
  /**
   * Set by every read, cleared by every tick: whether the clock is still read. A plain field on
   * purpose (a volatile write costs what the clock read does): the ticking thread reads it after
   * each park, which the compiler cannot move it across, and a late look only delays its sleep.
   */
  private boolean read;
  private Thread thread;

  CoarseClock() {}

  /** Whether the ticking thread sleeps: for tests. */
  boolean asleep() {
    return asleep;
  }

  @Override
  public long getAsLong() {
    if (asleep) return wake();
    read = true;
    return millis;
  }

  private long wake() {
    long now = System.currentTimeMillis();
    Thread t = thread;
    if (t == null) t = start();
    LockSupport.unpark(t);
    return now;
  }

  private synchronized Thread start() {
    if (thread == null) {
      // a class, not a method reference: this runs at a program's first log, inside its loop,
      // where linking a lambda's call site costs a millisecond
      Thread t = new Thread("flordb-clock") {
        @Override
        public void run() {
          tick();
        }
      };
      t.setDaemon(true);
      try {
        startThread(t);
      } catch (RuntimeException | Error e) {
        // no thread to be had (the JVM's limit): every read takes the real clock, as asleep, and
        // the thread kept is the one never started, which an unpark leaves alone
      }
      thread = t;
    }
    return thread;
  }

  /** Starts the ticking thread; a seam for the test of a JVM that cannot start one. */
  void startThread(Thread t) {
    t.start();
  }

  private void tick() {
    int idle = 0;
    while (true) {
      millis = System.currentTimeMillis();
      asleep = false; // after the time it publishes
      read = false;
      LockSupport.parkNanos(TICK_NANOS);
      if (read) {
        idle = 0;
      } else if (++idle >= IDLE_TICKS) {
        asleep = true; // a read from now on takes the real clock, and its unpark ends the park below
        LockSupport.park();
        idle = 0;
      }
    }
  }
}
