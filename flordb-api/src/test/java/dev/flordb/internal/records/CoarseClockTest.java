package dev.flordb.internal.records;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CoarseClockTest {
  @Test
  void whileItIsReadItFollowsTheWallClockAndNeverGoesBack() throws InterruptedException {
    CoarseClock clock = new CoarseClock();
    long first = clock.getAsLong();
    long last = first;
    long end = System.currentTimeMillis() + 300;
    while (System.currentTimeMillis() < end) {
      long before = System.currentTimeMillis();
      long t = clock.getAsLong();
      long after = System.currentTimeMillis();
      assertThat(t).isLessThanOrEqualTo(after).isGreaterThan(before - 1000).isGreaterThanOrEqualTo(last);
      last = t;
      Thread.sleep(0, 200_000);
    }
    assertThat(last).as("it ticks").isGreaterThan(first);
  }

  @Test
  void aClockNobodyReadsSleepsAndTheNextReadIsTheRealTime() throws InterruptedException {
    CoarseClock clock = new CoarseClock();
    clock.getAsLong(); // starts the ticking thread
    long deadline = System.currentTimeMillis() + 20_000;
    while (!clock.asleep() && System.currentTimeMillis() < deadline) Thread.sleep(10);
    assertThat(clock.asleep()).as("asleep after " + CoarseClock.IDLE_TICKS + " ticks without a read").isTrue();
    Thread.sleep(300);
    long before = System.currentTimeMillis();
    // the real time, or (if the thread woke on its own) a tick's: never the time it fell asleep at
    assertThat(clock.getAsLong()).isGreaterThan(before - 150);
    long deadlineAwake = System.currentTimeMillis() + 20_000;
    while (clock.asleep() && System.currentTimeMillis() < deadlineAwake) Thread.sleep(1);
    assertThat(clock.asleep()).as("woken by the read").isFalse();
  }

  @Test
  void whenNoThreadCanBeStartedEveryReadIsTheRealTimeAndNoneThrows() {
    CoarseClock clock = new CoarseClock() {
      @Override
      void startThread(Thread t) {
        throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
      }
    };
    for (int i = 0; i < 1000; i++) {
      long before = System.currentTimeMillis();
      long t = clock.getAsLong();
      assertThat(t).isBetween(before, System.currentTimeMillis());
    }
    assertThat(clock.asleep()).isTrue();
  }
}
