package dev.flordb.internal.store;

import static dev.flordb.TestProjects.rows;
import static dev.flordb.internal.store.RunFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.internal.records.Frame;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of a dataframe's rows: by run (start time, runs without one first, then run id),
 * then by loop positions, whatever order the records were read in; the runs here are read in
 * the order of their ids, which is not that of their start times, so that rows must be sorted
 * (the merge path of the sort), not only found in order.
 */
class DataframeOrderTest {
  // ids in one order, start times in another
  private static final String A = "20260101-000000-000-aaaaaa";
  private static final String B = "20260101-000000-000-bbbbbb";
  private static final String C = "20260101-000000-000-cccccc";
  private static final String D = "20260101-000000-000-dddddd";
  private static final String E = "20260101-000000-000-eeeeee";

  @TempDir Path tmp;
  RunFiles files;

  @BeforeEach
  void project() {
    files = new RunFiles(tmp);
  }

  /** A finished run that logs lr once and loss at each of {@code epochs} x {@code steps}. */
  private void run(String id, String tstamp, double lr, int epochs, int steps) {
    try (RunFiles.Writer w = files.run(id, tstamp)) {
      w.arg("lr", lr);
      for (int e = 0; e < epochs; e++) {
        Frame epoch = at("epoch", e);
        for (int s = 0; s < steps; s++) w.log(at(epoch, "step", s), "loss", lr * 100 + e * 10 + s);
      }
    }
  }

  @Test
  void runsAreOrderedByStartTimeThenByIdWithRunsWithoutAStartTimeFirst() {
    run(A, "2026-01-03T00:00:00Z", 0.3, 1, 2);
    run(B, "2026-01-02T00:00:00Z", 0.2, 1, 2);
    run(C, null, 0.4, 1, 2);
    run(D, "2026-01-01T00:00:00Z", 0.1, 1, 2);
    run(E, "2026-01-02T00:00:00Z", 0.25, 1, 2); // the same start as B: after it, by id
    List<List<Object>> expected = new ArrayList<>();
    for (Object[] r : new Object[][] {{C, 0.4}, {D, 0.1}, {B, 0.2}, {E, 0.25}, {A, 0.3}}) {
      for (long s = 0; s < 2; s++) expected.add(List.of(r[0], 0L, s, r[1]));
    }
    Table t = files.dataframe("lr", "loss");
    assertThat(rows(t, "run_id", "epoch", "step", "lr")).isEqualTo(expected);
    assertThat(rows(files.dataframe(), "run_id", "lr")).containsExactly(
        List.of(C, 0.4), List.of(D, 0.1), List.of(B, 0.2), List.of(E, 0.25), List.of(A, 0.3));
  }

  @Test
  void manyRowsOfRunsReadInTheReverseOfTheirOrderComeOutSortedByRunThenLoops() {
    // seven runs, read in id order, started in the reverse order, of 3 x 5 rows each: 105 rows to sort
    String[] ids = new String[7];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "20260101-000000-000-" + String.format("%06x", 0xa00000 + i);
      run(ids[i], "2026-01-0" + (9 - i) + "T00:00:00Z", i + 1, 3, 5);
    }
    List<List<Object>> expected = new ArrayList<>();
    for (int i = ids.length - 1; i >= 0; i--) {
      for (long e = 0; e < 3; e++) {
        for (long s = 0; s < 5; s++) expected.add(List.of(ids[i], e, s, (i + 1) * 100.0 + e * 10 + s));
      }
    }
    assertThat(rows(files.dataframe("loss"), "run_id", "epoch", "step", "loss")).isEqualTo(expected);
  }

  @Test
  void positionsLoggedOutOfTheirOrderComeOutInTheOrderOfTheirIndexes() {
    int[] order = {4, 1, 3, 0, 2, 6, 5};
    try (RunFiles.Writer w = files.run(A, "2026-01-01T00:00:00Z")) {
      for (int i : order) w.log(at("epoch", i), "acc", (double) i);
    }
    List<List<Object>> expected = new ArrayList<>();
    for (long i = 0; i < order.length; i++) expected.add(List.of(i, (double) i));
    assertThat(rows(files.dataframe("acc"), "epoch", "acc")).isEqualTo(expected);
  }

  @Test
  void anEpochWithoutStepsIsARowOfItsOwnBetweenTheEpochsAroundIt() {
    try (RunFiles.Writer w = files.run(A, "2026-01-01T00:00:00Z")) {
      Frame e0 = at("epoch", 0);
      w.log(at(e0, "step", 1), "loss", 0.1);
      w.log(at(e0, "step", 0), "loss", 0.0);
      w.log(at("epoch", 1), "acc", 0.5); // epoch 1 has no steps
      Frame e2 = at("epoch", 2);
      w.log(at(e2, "step", 0), "loss", 2.0);
    }
    assertThat(rows(files.dataframe("loss", "acc"), "epoch", "step", "loss", "acc")).containsExactly(
        Arrays.asList(0L, 0L, 0.0, null),
        Arrays.asList(0L, 1L, 0.1, null),
        Arrays.asList(1L, null, null, 0.5),
        Arrays.asList(2L, 0L, 2.0, null));
  }

  @Test
  void loopColumnsAreOrderedByDepthThenByFirstAppearanceAcrossRuns() {
    try (RunFiles.Writer w = files.run(A, "2026-01-01T00:00:00Z")) {
      w.log(at(at("fold", 0), "step", 0), "loss", 1.0); // fold, then step inside it
    }
    try (RunFiles.Writer w = files.run(B, "2026-01-02T00:00:00Z")) {
      w.log(at(at("epoch", 0), "step", 0), "loss", 2.0); // epoch, first seen after step
    }
    Table t = files.dataframe("loss");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "fold", "epoch", "step", "loss");
    assertThat(rows(t, "fold", "epoch", "step", "loss"))
        .containsExactly(Arrays.asList(0L, null, 0L, 1.0), Arrays.asList(null, 0L, 0L, 2.0));
  }

  @Test
  void valuesThreeLoopsDeepHaveEveryEnclosingLoopsIndex() {
    try (RunFiles.Writer w = files.run(A, "2026-01-01T00:00:00Z")) {
      for (int e = 0; e < 2; e++) {
        Frame epoch = at("epoch", e);
        for (int s = 0; s < 2; s++) {
          Frame step = at(epoch, "step", s);
          w.log(at(step, "micro", 0), "g", e * 10.0 + s);
        }
      }
    }
    Table t = files.dataframe("g");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "step", "micro", "g");
    assertThat(rows(t, "epoch", "step", "micro", "g")).containsExactly(
        List.of(0L, 0L, 0L, 0.0), List.of(0L, 1L, 0L, 1.0), List.of(1L, 0L, 0L, 10.0), List.of(1L, 1L, 0L, 11.0));
  }

  @Test
  void aLoopIndexBeyondSixtyFiveThousandIsShownAsItIs() {
    try (RunFiles.Writer w = files.run(A, "2026-01-01T00:00:00Z")) {
      w.log(at("step", 65_535), "loss", 1.0).log(at("step", 65_536), "loss", 2.0).log(at("step", 1_000_000), "loss", 3.0);
    }
    assertThat(rows(files.dataframe("loss"), "step", "loss"))
        .containsExactly(List.of(65_535L, 1.0), List.of(65_536L, 2.0), List.of(1_000_000L, 3.0));
  }

  @Test
  void loopColumnsFollowTheLoopsFirstAppearanceNotTheOrderOfTheNamesAskedFor() {
    try (RunFiles.Writer w = files.run(A, "2026-01-01T00:00:00Z")) {
      w.log(at("alpha", 0), "a_val", 1.0); // alpha appears first
      w.log(at("beta", 0), "b_val", 2.0);
    }
    Table t = files.dataframe("b_val", "a_val");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "alpha", "beta", "b_val", "a_val");
  }

  @Test
  void aLoopOutermostInOneRunIsAnOutermostColumn() {
    try (RunFiles.Writer w = files.run(A, "2026-01-01T00:00:00Z")) {
      w.log(at("step", 0), "loss", 1.0); // step outside every other loop
    }
    try (RunFiles.Writer w = files.run(B, "2026-01-02T00:00:00Z")) {
      w.log(at(at("epoch", 0), "step", 0), "loss", 2.0); // step inside epoch
    }
    Table t = files.dataframe("loss");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "step", "epoch", "loss");
    assertThat(rows(t, "run_id", "step", "epoch", "loss"))
        .containsExactly(Arrays.asList(A, 0L, null, 1.0), Arrays.asList(B, 0L, 0L, 2.0));
  }

  @Test
  void runsStartedAtOnceAreOrderedByIdWhicheverWasReadFirst() {
    run(E, "2026-01-02T00:00:00Z", 0.5, 1, 1);
    assertThat(files.dataframe("lr").size()).isEqualTo(1); // E is read (and numbered) first
    run(B, "2026-01-02T00:00:00Z", 0.2, 1, 1);
    assertThat(rows(files.dataframe("lr", "loss"), "run_id", "lr")).containsExactly(List.of(B, 0.2), List.of(E, 0.5));
    assertThat(rows(files.dataframe(), "run_id", "lr")).containsExactly(List.of(B, 0.2), List.of(E, 0.5));
  }
}
