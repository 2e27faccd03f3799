package dev.flordb;

import static dev.flordb.TestProjects.acc;
import static dev.flordb.TestProjects.dataframe;
import static dev.flordb.TestProjects.loss;
import static dev.flordb.TestProjects.rows;
import static dev.flordb.TestProjects.session;
import static dev.flordb.TestProjects.train;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataframe as FLORDB.md describes it, over two runs of the training program. */
class DataframeTest {
  private static final int EPOCHS = 3;
  private static final int STEPS = 2;
  private static final double LR1 = 0.1;
  private static final double LR2 = 0.02;

  @TempDir Path tmp;
  Path repo;

  @BeforeEach
  void twoRuns() {
    repo = TestProjects.emptyRepo(tmp);
    train(repo, LR1, EPOCHS, STEPS);
    train(repo, LR2, EPOCHS, STEPS);
  }

  @Test
  void namedValuesPivotIntoOneColumnEachAfterTheRunAndLoopColumns() {
    Table t = dataframe(repo, "lr", "loss", "acc");
    assertThat(t.columns())
        .containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "step", "lr", "loss", "acc");
  }

  @Test
  void thereIsOneRowPerRunEpochAndStepCountedFromZero() {
    Table t = dataframe(repo, "lr", "loss", "acc");
    List<List<Object>> expected = new ArrayList<>();
    for (double lr : new double[] {LR1, LR2}) {
      for (int e = 0; e < EPOCHS; e++) {
        for (int s = 0; s < STEPS; s++) {
          expected.add(List.of((long) e, (long) s, lr, loss(lr, e, s), acc(lr, e)));
        }
      }
    }
    List<List<Object>> actual = rows(t).stream().map(r -> r.subList(4, 9)).collect(Collectors.toList());
    assertThat(actual).containsExactlyElementsOf(expected);
  }

  @Test
  void runLevelValueIsRepeatedOnEveryRowOfItsRun() {
    Table t = dataframe(repo, "lr", "loss", "acc");
    List<String> stamps = t.column("tstamp").stream().map(String.class::cast).distinct().collect(Collectors.toList());
    assertThat(stamps).hasSize(2);
    for (Table.Row r : t) {
      double expected = r.getString("tstamp").equals(stamps.get(0)) ? LR1 : LR2;
      assertThat(r.getDouble("lr")).isEqualTo(expected);
    }
  }

  @Test
  void perEpochValueIsOnEveryStepRowOfItsEpoch() {
    Table t = dataframe(repo, "lr", "loss", "acc");
    for (Table.Row r : t) {
      assertThat(r.getDouble("acc")).isEqualTo(acc(r.getDouble("lr"), r.getLong("epoch").intValue()));
    }
  }

  @Test
  void runColumnsNameTheProjectTheStartTimeAndTheProgram() {
    Table t = dataframe(repo, "lr", "loss", "acc");
    assertThat(t.column("projid")).containsOnly("proj");
    assertThat(t.column("filename")).containsOnly("Train.java");
    for (Object stamp : t.column("tstamp")) {
      assertThat((String) stamp).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    }
  }

  @Test
  void aPerEpochValueAloneHasOnlyTheEpochColumn() {
    Table t = dataframe(repo, "acc");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "acc");
    List<List<Object>> actual = rows(t).stream().map(r -> r.subList(4, 6)).collect(Collectors.toList());
    List<List<Object>> expected = new ArrayList<>();
    for (double lr : new double[] {LR1, LR2}) {
      for (int e = 0; e < EPOCHS; e++) expected.add(List.of((long) e, acc(lr, e)));
    }
    assertThat(actual).containsExactlyElementsOf(expected);
  }

  @Test
  void noNamesGivesOneRowPerRunWithItsRunLevelValues() {
    Table t = dataframe(repo);
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "lr");
    assertThat(t.column("lr")).containsExactly(LR1, LR2);
  }

  @Test
  void valuesRequestedInAnotherOrderFollowThatOrder() {
    Table t = dataframe(repo, "acc", "lr");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "acc", "lr");
    assertThat(t.size()).isEqualTo(2 * EPOCHS);
  }

  @Test
  void aNameNeverLoggedGivesAnEmptyTable() {
    Table t = dataframe(repo, "never_logged");
    assertThat(t.isEmpty()).isTrue();
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "never_logged");
  }

  @Test
  void aLoopOverStringsGetsAValueColumnBesideItsIndex(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    try (Session s = session(r).start()) {
      for (String fold : s.loop("fold", List.of("train", "test"))) {
        s.log("size", fold.length());
      }
    }
    Table t = dataframe(r, "size");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "fold", "fold_value", "size");
    assertThat(rows(t).stream().map(x -> x.subList(4, 7)).collect(Collectors.toList()))
        .containsExactly(List.of(0L, "train", 5L), List.of(1L, "test", 4L));
  }

  @Test
  void aRangeThatDoesNotStartAtZeroKeepsItsValues(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    try (Session s = session(r).start()) {
      for (int year : s.loop("year", 2020, 2022)) s.log("n", year % 100);
    }
    Table t = dataframe(r, "n");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "year", "year_value", "n");
    assertThat(rows(t).stream().map(x -> x.subList(4, 7)).collect(Collectors.toList()))
        .containsExactly(List.of(0L, 2020L, 20L), List.of(1L, 2021L, 21L));
  }

  @Test
  void iterationGivesItsValuesANamedContextWithIndexAndValue(@TempDir Path dir) throws Exception {
    Path r = TestProjects.emptyRepo(dir);
    try (Session s = session(r).start()) {
      try (var doc = s.iteration("doc", 7, "a.pdf")) {
        s.log("label", "invoice");
      }
      s.log("model", "v1");
    }
    Table t = dataframe(r, "label");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "doc", "doc_value", "label");
    assertThat(rows(t).get(0).subList(4, 7)).containsExactly(7L, "a.pdf", "invoice");
    // after close(), values are run-level again
    assertThat(dataframe(r).column("model")).containsExactly("v1");
  }

  @Test
  void ownValuesAreHiddenFromNoNameDataframeButReturnedWhenAskedByName() {
    Table all = dataframe(repo);
    assertThat(all.columns()).noneMatch(c -> c.startsWith("prof::") || c.startsWith("io::"));
    Table prof = dataframe(repo, "prof::run_s");
    assertThat(prof.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "prof::run_s");
    assertThat(prof.size()).isEqualTo(2);
    assertThat(prof.column("prof::run_s")).allSatisfy(v -> assertThat(v).isInstanceOf(Double.class));
  }

  @Test
  void capturedOutputIsHiddenFromNoNameDataframeButReturnedWhenAskedByName(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    java.io.PrintStream before = System.out;
    try {
      try (Session s = session(r).captureOutput(true).start()) {
        s.log("x", 1);
        System.out.println("hello from the program");
      }
    } finally {
      System.setOut(before);
    }
    assertThat(dataframe(r).columns()).containsExactly("projid", "tstamp", "filename", "run_id", "x");
    assertThat(dataframe(r, "io::stdout").column("io::stdout")).containsExactly("hello from the program");
  }

  @Test
  void theDataframeCanBeReadRightAfterTheRunStarts(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    try (Session s = session(r).start()) {
      s.log("x", 1);
      assertThat(s.read(st -> st.dataframe()).column("x")).containsExactly(1L);
      assertThat(s.read(st -> st.query("SELECT status FROM runs")).column("status")).containsExactly("running");
    }
  }

  @Test
  void theDataframeWhileARunIsGoingShowsWhatItLoggedSoFar(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    try (Session s = session(r).start()) {
      for (int e : s.loop("epoch", 0, 3)) {
        s.log("acc", (double) e);
        if (e == 1) {
          Table t = s.read(st -> st.dataframe("acc"));
          assertThat(t.column("acc")).containsExactly(0.0, 1.0);
        }
      }
    }
    assertThat(dataframe(r, "acc").column("acc")).containsExactly(0.0, 1.0, 2.0);
  }
  @Test
  void twoRunsStartedInTheSameMillisecondKeepTheirOwnValues(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    long start = System.currentTimeMillis();
    Session a = Session.builder(r).program("Train.java", "--kwargs", "lr=0.1").quiet(true).startMillis(start).start();
    Session b = Session.builder(r).program("Train.java", "--kwargs", "lr=0.2").quiet(true).startMillis(start).start();
    try (a; b) {
      assertThat(a.runId()).isNotEqualTo(b.runId());
      double lrA = a.arg("lr", 0.0);
      double lrB = b.arg("lr", 0.0);
      Iterable<Integer> epochsA = a.loop("epoch", 0, 2);
      Iterable<Integer> epochsB = b.loop("epoch", 0, 2);
      var ia = epochsA.iterator();
      var ib = epochsB.iterator();
      while (ia.hasNext() & ib.hasNext()) { // interleaved, as two processes would be
        int ea = ia.next();
        int eb = ib.next();
        a.log("acc", acc(lrA, ea));
        b.log("acc", acc(lrB, eb));
      }
    }
    Table t = dataframe(r, "lr", "acc");
    assertThat(t.size()).isEqualTo(4);
    for (Table.Row row : t) {
      assertThat(row.getDouble("acc")).isEqualTo(acc(row.getDouble("lr"), row.getLong("epoch").intValue()));
    }
    assertThat(t.column("lr")).containsOnly(0.1, 0.2);
  }

  @Test
  void aValueLoggedFromAnotherThreadTakesTheContextOfTheLoopingThread(@TempDir Path dir) throws Exception {
    Path r = TestProjects.emptyRepo(dir);
    try (Session s = session(r).start()) {
      for (int e : s.loop("epoch", 0, 2)) {
        Thread worker = new Thread(() -> s.log("grad_norm", 10.0 + e));
        worker.start();
        worker.join();
      }
    }
    Table t = dataframe(r, "grad_norm");
    assertThat(rows(t).stream().map(x -> x.subList(4, 6)).collect(Collectors.toList()))
        .containsExactly(List.of(0L, 10.0), List.of(1L, 11.0));
  }

  @Test
  void theSameNameLoggedTwiceInOneContextShowsTheLastValue(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    try (Session s = session(r).start()) {
      for (int e : s.loop("epoch", 0, 1)) {
        s.log("acc", 0.1);
        s.log("acc", 0.2);
      }
    }
    assertThat(dataframe(r, "acc").column("acc")).containsExactly(0.2);
  }
}
