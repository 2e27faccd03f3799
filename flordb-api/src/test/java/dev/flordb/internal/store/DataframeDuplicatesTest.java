package dev.flordb.internal.store;

import static dev.flordb.TestProjects.rows;
import static dev.flordb.internal.store.RunFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.internal.records.Frame;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A name logged more than once at one position: the cell shows the later value (a forward one
 * over a replayed one), whatever order the positions came in, and the read says at how many
 * positions that happened and where the first was; every run counts, also those the dataframe
 * reads on its second thread.
 */
class DataframeDuplicatesTest {
  private static final String RUN = "20260101-000000-000-aaaaaa";
  private static final String RUN2 = "20260102-000000-000-bbbbbb";
  private static final String REPLAY = "20260103-000000-000-cccccc";

  @TempDir Path tmp;
  RunFiles files;

  @BeforeEach
  void project() {
    files = new RunFiles(tmp);
  }

  private static String note(String name, int positions, String run, String where) {
    return "'" + name + "' was logged more than once at " + positions + (positions == 1 ? " position" : " positions")
        + " (the first: run " + run + " " + where + "); the dataframe shows the last value logged at each (a forward"
        + " value before a replayed one), and the records view has every value: SELECT run_id, position, seq, value"
        + " FROM records WHERE name = '" + name + "'";
  }

  @Test
  void positionsThatComeBackInAnyOrderShowTheirLaterValueAndAreCountedOnceEach() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log(at("epoch", 0), "acc", 0.0).log(at("epoch", 1), "acc", 1.0); // positions made in epoch order
      w.log(at("epoch", 1), "loss", 1.0).log(at("epoch", 1), "loss", 1.1); // twice in a row
      w.log(at("epoch", 0), "loss", 0.0).log(at("epoch", 1), "loss", 1.2).log(at("epoch", 0), "loss", 0.1);
      w.log(at("epoch", 2), "loss", 2.0).log(at("epoch", 2), "loss", 2.1).log(at("epoch", 2), "loss", 2.2);
    }
    assertThat(rows(files.dataframe("loss"), "epoch", "loss"))
        .containsExactly(List.of(0L, 0.1), List.of(1L, 1.2), List.of(2L, 2.2));
    assertThat(files.warnings).containsExactly(note("loss", 3, RUN, "at epoch=1"));
  }

  @Test
  void aValueLoggedThreeTimesOutsideEveryLoopIsOnePosition() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log("acc", 0.1).log(at("epoch", 0), "loss", 1.0).log("acc", 0.2).log("acc", 0.3);
    }
    try (RunFiles.Writer w = files.run(RUN2, "2026-01-02T00:00:00Z")) {
      w.log("acc", 0.9);
    }
    assertThat(rows(files.dataframe("acc"), "run_id", "acc")).containsExactly(List.of(RUN, 0.3), List.of(RUN2, 0.9));
    assertThat(files.warnings).containsExactly(note("acc", 1, RUN, "outside every loop"));
  }

  @Test
  void aForwardAndAReplayedValueAtOnePositionAreNotADuplicateButTwoReplayedOnesAre() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      for (int e = 0; e < 2; e++) w.log(at("epoch", e), "loss", (double) e);
    }
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      r.log(at("epoch", 0), "loss", 10.0); // under the forward value
      r.log(at("epoch", 1), "norm", 1.0).log(at("epoch", 1), "norm", 1.5);
    }
    assertThat(rows(files.dataframe("loss"), "epoch", "loss")).containsExactly(List.of(0L, 0.0), List.of(1L, 1.0));
    assertThat(files.warnings).isEmpty();
    assertThat(rows(files.dataframe("norm"), "epoch", "norm")).containsExactly(List.of(1L, 1.5));
    assertThat(files.warnings).containsExactly(note("norm", 1, RUN, "at epoch=1"));
  }

  @Test
  void aForwardValueWinsOverAReplayedOneAlsoAtAPositionFirstSeenOutOfOrder() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log(at("epoch", 0), "acc", 0.0).log(at("epoch", 1), "acc", 1.0);
      w.log(at("epoch", 1), "loss", 1.0).log(at("epoch", 0), "loss", 0.0); // epoch 0 after epoch 1
      w.log(at("epoch", 2), "loss", 2.0); // a new position after one out of order
    }
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      for (int e = 0; e < 3; e++) r.log(at("epoch", e), "loss", 10.0 + e);
    }
    Table t = files.dataframe("loss");
    assertThat(rows(t, "epoch", "loss")).containsExactly(List.of(0L, 0.0), List.of(1L, 1.0), List.of(2L, 2.0));
    assertThat(t.columns()).as("no cell shows a replayed value").doesNotContain("source");
  }

  @Test
  void duplicatesInTheRunsReadOnTheSecondThreadAreCountedAndNamed() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      for (int e = 0; e < 2; e++) w.log(at("epoch", e), "loss", (double) e);
    }
    try (RunFiles.Writer w = files.run(RUN2, "2026-01-02T00:00:00Z")) {
      w.log(at("epoch", 0), "loss", 5.0).log(at("epoch", 1), "loss", 6.0).log(at("epoch", 1), "loss", 6.5);
    }
    assertThat(rows(files.dataframe("loss"), "run_id", "epoch", "loss")).containsExactly(
        List.of(RUN, 0L, 0.0), List.of(RUN, 1L, 1.0), List.of(RUN2, 0L, 5.0), List.of(RUN2, 1L, 6.5));
    assertThat(files.warnings).containsExactly(note("loss", 1, RUN2, "at epoch=1"));
  }

  @Test
  void duplicatesInBothHalvesOfTheRunsAddUpAndTheFirstIsNamed() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log(at("epoch", 0), "loss", 0.0).log(at("epoch", 0), "loss", 0.5);
    }
    try (RunFiles.Writer w = files.run(RUN2, "2026-01-02T00:00:00Z")) {
      w.log(at("epoch", 0), "loss", 5.0).log(at("epoch", 0), "loss", 5.5).log(at("epoch", 1), "loss", 6.0)
          .log(at("epoch", 1), "loss", 6.5);
    }
    assertThat(rows(files.dataframe("loss"), "run_id", "epoch", "loss")).containsExactly(
        List.of(RUN, 0L, 0.5), List.of(RUN2, 0L, 5.5), List.of(RUN2, 1L, 6.5));
    assertThat(files.warnings).containsExactly(note("loss", 3, RUN, "at epoch=0"));
  }

  @Test
  void aLoopsElementsInTheRunsReadOnTheSecondThreadAreKept() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log(at("layer", 0), "size", 1L);
    }
    try (RunFiles.Writer w = files.run(RUN2, "2026-01-02T00:00:00Z")) {
      w.log(new Frame(Frame.ROOT, "layer", 0, "conv"), "size", 2L);
    }
    assertThat(rows(files.dataframe("size"), "run_id", "layer", "layer_value", "size"))
        .containsExactly(Arrays.asList(RUN, 0L, null, 1L), Arrays.asList(RUN2, 0L, "conv", 2L));
  }

  @Test
  void manyPositionsAndThenSomeAgainAreEachFoundAgain() {
    int n = 1100; // beyond what the first table of positions holds, twice
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      for (int e = 0; e < n; e++) w.log(at("epoch", e), "loss", (double) e);
      for (int e = 0; e < n; e += 100) w.log(at("epoch", e), "loss", e + 0.5); // again, from the start
    }
    Table t = files.dataframe("loss");
    assertThat(t.size()).isEqualTo(n);
    for (int e = 0; e < n; e++) {
      assertThat(t.row(e).getDouble("loss")).as("epoch " + e).isEqualTo(e % 100 == 0 ? e + 0.5 : e);
    }
    assertThat(files.warnings).containsExactly(note("loss", 11, RUN, "at epoch=0"));
  }
}
