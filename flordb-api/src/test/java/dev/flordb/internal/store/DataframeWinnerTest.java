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
 * Which value a cell shows when a name has several at one position: a forward value over a
 * replayed one (a replay never rewrites what the run logged), else the later one; and the
 * {@code source} column that says which cells a replay filled in.
 */
class DataframeWinnerTest {
  private static final String RUN = "20260101-000000-000-aaaaaa";
  private static final String REPLAY = "20260102-000000-000-bbbbbb";
  private static final String LATER_REPLAY = "20260103-000000-000-cccccc";

  @TempDir Path tmp;
  RunFiles files;

  @BeforeEach
  void project() {
    files = new RunFiles(tmp);
  }

  @Test
  void aForwardValueWinsOverAReplayedOneAndAReplayFillsInWhatTheRunDidNotLog() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      for (int e = 0; e < 3; e++) {
        Frame epoch = at("epoch", e);
        if (e != 1) w.log(epoch, "loss", 10.0 + e);
      }
    }
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      for (int e = 0; e < 3; e++) r.log(at("epoch", e), "loss", 20.0 + e); // what the run logged, and epoch 1
    }
    Table t = files.dataframe("loss");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "loss", "source");
    assertThat(rows(t, "epoch", "loss", "source")).containsExactly(
        Arrays.asList(0L, 10.0, "forward"),
        Arrays.asList(1L, 21.0, "replay"),
        Arrays.asList(2L, 12.0, "forward"));
  }

  @Test
  void outsideEveryLoopAForwardValueWinsOverAReplayedOneToo() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.arg("lr", 0.1).log("acc", 0.5);
    }
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      r.log("acc", 0.9).log("norm", 3.0);
    }
    assertThat(rows(files.dataframe("lr", "acc", "norm"), "lr", "acc", "norm", "source"))
        .containsExactly(Arrays.asList(0.1, 0.5, 3.0, "replay"));
    Table all = files.dataframe();
    assertThat(all.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "lr", "acc", "norm", "source");
    assertThat(rows(all, "lr", "acc", "norm", "source")).containsExactly(Arrays.asList(0.1, 0.5, 3.0, "replay"));
  }

  @Test
  void aRunWithoutReplayedValuesHasNoSourceColumn() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log("acc", 0.5).log(at("epoch", 0), "loss", 1.0);
    }
    assertThat(files.dataframe("acc", "loss").columns()).doesNotContain("source");
    assertThat(files.dataframe().columns()).containsExactly("projid", "tstamp", "filename", "run_id", "acc");
  }

  @Test
  void ofTwoForwardValuesAtOnePositionTheLaterWinsWhereverTheyWereLogged() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log("acc", 0.1).log("acc", 0.2);
      Frame e0 = at("epoch", 0);
      Frame e1 = at("epoch", 1);
      w.log(e0, "loss", 1.0).log(e1, "loss", 2.0).log(e0, "loss", 3.0); // epoch 0 again, out of order
      w.log(e1, "loss", 4.0);
    }
    assertThat(rows(files.dataframe("loss"), "epoch", "loss")).containsExactly(List.of(0L, 3.0), List.of(1L, 4.0));
    assertThat(rows(files.dataframe("acc"), "acc")).containsExactly(List.of(0.2));
    assertThat(rows(files.dataframe(), "acc")).containsExactly(List.of(0.2));
    assertThat(files.warnings).anySatisfy(w -> assertThat(w).startsWith("'loss' was logged more than once at 2 positions"
        + " (the first: run " + RUN + " at epoch=0)"));
  }

  @Test
  void ofTwoReplayedValuesAtOnePositionTheLaterWins() {
    files.run(RUN, "2026-01-01T00:00:00Z").close();
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      Frame e0 = at("epoch", 0);
      r.log(e0, "loss", 1.0).log(at("epoch", 1), "loss", 2.0).log(e0, "loss", 3.0);
    }
    assertThat(rows(files.dataframe("loss"), "epoch", "loss", "source"))
        .containsExactly(List.of(0L, 3.0, "replay"), List.of(1L, 2.0, "replay"));
  }

  @Test
  void aLaterVerifiedReplayOfTheSameStatementsWinsOverAnEarlierOne() {
    files.run(RUN, "2026-01-01T00:00:00Z").close();
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      r.log(at("epoch", 0), "norm", 1.0);
    }
    try (RunFiles.Writer r = files.replay(RUN, LATER_REPLAY)) {
      r.log(at("epoch", 0), "norm", 2.0); // the same record, read after the first replay's
    }
    assertThat(rows(files.dataframe("norm"), "epoch", "norm")).containsExactly(List.of(0L, 2.0));
  }

  @Test
  void aReplayThatWasNotVerifiedShowsNothing() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log(at("epoch", 0), "loss", 1.0);
    }
    RunFiles.Writer r = files.replay(RUN, REPLAY);
    r.verdict = "diverged";
    r.log(at("epoch", 0), "norm", 5.0).close();
    assertThat(rows(files.dataframe("loss", "norm"), "epoch", "loss", "norm")).containsExactly(Arrays.asList(0L, 1.0, null));
  }

  @Test
  void aLoopsPlainElementsAreAColumnBesideItsIndex() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      for (int i = 0; i < 3; i++) w.log(new Frame(Frame.ROOT, "layer", i, "conv" + i), "size", (long) (i * 8));
    }
    Table t = files.dataframe("size");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "layer", "layer_value", "size");
    assertThat(rows(t, "layer", "layer_value", "size"))
        .containsExactly(List.of(0L, "conv0", 0L), List.of(1L, "conv1", 8L), List.of(2L, "conv2", 16L));
  }

  @Test
  void replayedValuesOfTheRunsReadOnTheSecondThreadAreMarkedAsReplayed() {
    String first = "20251231-000000-000-dddddd";
    try (RunFiles.Writer w = files.run(first, "2025-12-31T00:00:00Z")) {
      w.log(at("epoch", 0), "loss", 1.0);
    }
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log(at("epoch", 0), "loss", 2.0);
    }
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      r.log(at("epoch", 0), "norm", 3.0);
    }
    assertThat(rows(files.dataframe("loss", "norm"), "run_id", "loss", "norm", "source")).containsExactly(
        Arrays.asList(first, 1.0, null, "forward"), Arrays.asList(RUN, 2.0, 3.0, "replay"));
  }

  /** A run whose {@code acc} is late in its file, and a replay that logged {@code acc} too, early in its own. */
  private void aReplayedValueUnderAForwardOne() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.arg("lr", 0.1).arg("epochs", 3L).log("acc", 0.5);
    }
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      r.log("acc", 0.9);
    }
  }

  /** A replay that logged {@code norm} twice outside every loop. */
  private void aReplayedValueLoggedTwice() {
    files.run(RUN, "2026-01-01T00:00:00Z").close();
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      r.log("norm", 1.0).log("norm", 2.0);
    }
  }

  @Test
  void aRunWhoseReplayedValuesAllLostToForwardOnesShowsNoReplayedSource() {
    aReplayedValueUnderAForwardOne();
    Table t = files.dataframe("lr", "acc");
    assertThat(rows(t, "lr", "acc")).containsExactly(List.of(0.1, 0.5));
    assertThat(t.columns()).doesNotContain("source");
  }

  @Test
  void withoutNamesARunWhoseReplayedValuesAllLostToForwardOnesShowsNoReplayedSource() {
    aReplayedValueUnderAForwardOne();
    Table all = files.dataframe();
    assertThat(rows(all, "lr", "acc")).containsExactly(List.of(0.1, 0.5));
    assertThat(all.columns()).doesNotContain("source");
  }

  @Test
  void outsideEveryLoopTheLaterOfTwoReplayedValuesWins() {
    aReplayedValueLoggedTwice();
    assertThat(rows(files.dataframe("norm"), "norm")).containsExactly(List.of(2.0));
  }

  @Test
  void withoutNamesTheLaterOfTwoReplayedValuesWins() {
    aReplayedValueLoggedTwice();
    assertThat(rows(files.dataframe(), "norm")).containsExactly(List.of(2.0));
  }
}
