package dev.flordb;

import static dev.flordb.TestProjects.dataframe;
import static dev.flordb.TestProjects.query;
import static dev.flordb.TestProjects.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import dev.flordb.internal.run.Ticker;
import dev.flordb.testing.FakeClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Timings are recorded as aggregates: once per loop and once per run, never once per iteration. */
class ProfilingTest {
  private static final int EPOCHS = 3;
  private static final int STEPS = 4;

  @TempDir Path tmp;
  Path repo;

  @BeforeEach
  void oneRunWithNestedLoops() {
    repo = TestProjects.emptyRepo(tmp);
    TestProjects.train(repo, 0.1, EPOCHS, STEPS);
  }

  private List<List<Object>> prof(String name) {
    return rows(query(repo, "SELECT loop, iteration, type, value FROM records WHERE name = '" + name + "' ORDER BY seq"));
  }

  @Test
  void theOuterLoopRecordsItsIterationCountOnceOutsideEveryLoop() {
    assertThat(prof("prof::epoch::iterations")).containsExactly(Arrays.asList(null, null, "int", (long) EPOCHS));
  }

  @Test
  void theInnerLoopRecordsItsIterationCountOncePerOuterIteration() {
    List<List<Object>> rows = prof("prof::step::iterations");
    assertThat(rows).containsExactly(
        List.of("epoch", 0L, "int", (long) STEPS),
        List.of("epoch", 1L, "int", (long) STEPS),
        List.of("epoch", 2L, "int", (long) STEPS));
  }

  @Test
  void eachLoopRecordsMeanDeviationAndTotalTimeAsNonNegativeSeconds() {
    for (String loop : List.of("epoch", "step")) {
      int expected = loop.equals("epoch") ? 1 : EPOCHS;
      for (String stat : List.of("iter_mean_s", "iter_std_s", "loop_s")) {
        List<List<Object>> rows = prof("prof::" + loop + "::" + stat);
        assertThat(rows).as("prof::%s::%s", loop, stat).hasSize(expected);
        for (List<Object> r : rows) {
          assertThat(r.get(2)).isEqualTo("float");
          assertThat((Double) r.get(3)).isGreaterThanOrEqualTo(0.0);
        }
      }
    }
  }

  @Test
  void theRunRecordsSetupLaunchTeardownAndTotalTimeOnce() {
    for (String name : List.of("prof::setup_s", "prof::launch_s", "prof::teardown_s", "prof::run_s")) {
      List<List<Object>> rows = prof(name);
      assertThat(rows).as(name).hasSize(1);
      assertThat(rows.get(0).subList(0, 3)).containsExactly(null, null, "float");
      assertThat((Double) rows.get(0).get(3)).isGreaterThanOrEqualTo(0.0);
    }
  }

  @Test
  void thereIsNoTimingRecordPerIteration() {
    long count = query(repo, "SELECT count(*) AS n FROM logs WHERE kind = 'prof'").row(0).getLong("n");
    // 4 per loop run (1 epoch loop + 3 step loops), plus setup, launch, teardown and run time
    assertThat(count).isEqualTo(4 * (1 + EPOCHS) + 4);
  }

  @Test
  void timingsAreLeftOutOfTheRunTableButCanBeAskedForByName() {
    assertThat(dataframe(repo).columns()).containsExactly("projid", "tstamp", "filename", "run_id", "lr");
    Table t = dataframe(repo, "prof::step::iterations");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "prof::step::iterations");
    assertThat(t.column("prof::step::iterations")).containsExactly((long) STEPS, (long) STEPS, (long) STEPS);
  }

  @Test
  void aRunWithoutLoopsRecordsSetupLaunchAndRunTimeButNoTeardown(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    try (var s = TestProjects.session(r).start()) {
      s.log("x", 1);
    }
    Table t = query(r, "SELECT name FROM logs WHERE kind = 'prof' ORDER BY seq");
    assertThat(t.column("name")).containsExactly("prof::setup_s", "prof::launch_s", "prof::run_s");
  }

  @Test
  void timeSpentOnValuesLoggedThroughASupplierIsRecordedByWhereTheyWereLogged(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    try (var s = TestProjects.session(r).start()) {
      for (int e : s.loop("epoch", 0, 2)) {
        for (int st : s.loop("step", 0, 2)) s.logLazily("probe", () -> sleep(10));
        s.logLazily("acc", () -> sleep(30));
      }
      s.logLazily("test_acc", () -> sleep(20));
    }
    Table t = query(r, "SELECT name, value FROM logs WHERE name LIKE 'prof::supplied%' ORDER BY name");
    assertThat(t.column("name")).containsExactly(
        "prof::supplied_nested_loops_s", "prof::supplied_outer_body_s", "prof::supplied_outside_loops_s");
    // At least what was slept (4 x 10 ms, 2 x 30 ms, 20 ms): lower bounds, which no slow machine breaks.
    assertThat(t.row(0).getDouble("value")).isGreaterThanOrEqualTo(0.040);
    assertThat(t.row(1).getDouble("value")).isGreaterThanOrEqualTo(0.060);
    assertThat(t.row(2).getDouble("value")).isGreaterThanOrEqualTo(0.020);
    assertThat(query(r, "SELECT count(*) AS n FROM logs WHERE name = 'probe'").row(0).getLong("n")).isEqualTo(4L);
  }

  @Test
  void withAClockTheTestSetsTimingsRunIdTstampAndRecordTimesAreExact(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    Instant sessionStart = Instant.parse("2026-03-04T05:06:07.890Z");
    FakeClock clock = new FakeClock(sessionStart);
    Session s = TestProjects.session(r)
        .startMillis(sessionStart.toEpochMilli() - 2_000) // the JVM started 2 s before FlorDB's first call
        .ticker(TestProjects.ticker(clock))
        .start();
    try (s) {
      clock.advanceMillis(500); // set-up
      for (int e : s.loop("epoch", 0, 2)) {
        clock.advanceMillis(e == 0 ? 125 : 625);
        s.logLazily("acc", () -> {
          clock.advanceMillis(125); // computing the value
          return e;
        });
      }
      clock.advanceMillis(250); // tear-down
    }

    assertThat(s.runId()).startsWith("20260304-050605-890-");
    Table run = query(r, "SELECT tstamp, start_ms, end_ms, status FROM runs");
    assertThat(rows(run)).containsExactly(List.of("2026-03-04T05:06:05.890000Z", sessionStart.toEpochMilli() - 2_000,
        sessionStart.toEpochMilli() + 1_750, "finished"));
    // each record's time is when it was logged: after its value was computed
    assertThat(query(r, "SELECT t FROM logs WHERE name = 'acc' ORDER BY seq").column("t"))
        .containsExactly(sessionStart.toEpochMilli() + 750, sessionStart.toEpochMilli() + 1_500);

    Table prof = query(r, "SELECT name, value FROM logs WHERE kind = 'prof' ORDER BY seq");
    assertThat(rows(prof)).containsExactly(
        List.of("prof::epoch::iterations", 2L),
        // iterations of 0.25 s and 0.75 s
        List.of("prof::epoch::iter_mean_s", 0.5),
        List.of("prof::epoch::iter_std_s", Math.sqrt(0.125)),
        List.of("prof::epoch::loop_s", 1.0),
        List.of("prof::setup_s", 2.5),
        List.of("prof::launch_s", 2.0),
        List.of("prof::teardown_s", 0.25),
        List.of("prof::run_s", 3.75),
        List.of("prof::supplied_outer_body_s", 0.25));
  }

  @Test
  void aLongInnerLoopHasAnExactMeanAndADeviationFromARandomSampleOfItsSteps(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    FakeClock clock = new FakeClock(Instant.parse("2026-03-04T05:06:07.890Z"));
    long[] reads = {0};
    Ticker counting = new Ticker() {
      @Override
      public long millis() {
        return clock.millis();
      }

      @Override
      public long nanos() {
        reads[0]++;
        return clock.nanos();
      }
    };
    long stepReads = 0;
    try (Session s = TestProjects.session(r).ticker(counting).start()) {
      for (int e : s.loop("epoch", 0, 1)) {
        long before = reads[0];
        // steps of 1 ms and 3 ms in turn: a sample of every other (or every eighth) step would see one kind only
        for (int step : s.loop("step", 0, 2_000)) clock.advanceMillis(step % 2 == 0 ? 1 : 3);
        stepReads = reads[0] - before;
      }
    }
    Table prof = query(r, "SELECT name, value FROM logs WHERE name LIKE 'prof::step::%' ORDER BY name");
    assertThat(prof.column("name")).containsExactly(
        "prof::step::iter_mean_s", "prof::step::iter_std_s", "prof::step::iterations", "prof::step::loop_s");
    assertThat(prof.row(0).getDouble("value")).isEqualTo(0.002);
    assertThat(prof.row(1).getDouble("value")).isCloseTo(0.001, org.assertj.core.data.Percentage.withPercentage(10));
    assertThat(prof.row(2).getLong("value")).isEqualTo(2_000L);
    // the first 64 steps and about a quarter of the rest (a sampled step's start and end)
    assertThat(stepReads).isBetween(64L + 300, 64L + 700);
  }

  private static long sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return millis;
  }
}
