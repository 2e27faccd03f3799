package dev.flordb.internal.replay;

import dev.flordb.internal.run.Session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.FlorException;
import dev.flordb.Table;
import dev.flordb.TestProjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The strict test of a replay: for a deterministic program, the values it fills in equal those
 * a forward run would have logged had the statement been there from the start (ground truth,
 * from a forward run of the same program with the statements, in another repository).
 */
class ReplayTest {
  static final Set<String> ALL = Set.of("start_norm", "end_norm", "grad", "final");

  @TempDir Path tmp;
  Path repo;
  Path truthRepo;
  String run;
  final AtomicInteger stepsExecuted = new AtomicInteger();
  final AtomicInteger accEvaluations = new AtomicInteger();
  final AtomicInteger endNormEvaluations = new AtomicInteger();

  /** Today's program; {@code hindsight} says which of the later-added statements it has. */
  void program(Session s, Set<String> hindsight) throws Exception {
    long seed = s.arg("seed", 3L);
    int epochs = s.arg("epochs", 4);
    int steps = s.arg("steps", 5);
    Random rng = new Random(seed);
    double[] w = new double[4];
    try (AutoCloseable c = s.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int e : s.loop("epoch", 0, epochs)) {
        if (hindsight.contains("start_norm")) s.log("start_norm", norm(w));
        for (int st : s.loop("step", 0, steps)) {
          stepsExecuted.incrementAndGet();
          for (int i = 0; i < w.length; i++) w[i] += rng.nextGaussian() * 0.1 - 0.05 * w[i];
          s.log("loss", norm(w));
          if (hindsight.contains("grad")) s.log("grad", w[0] * st);
        }
        if (hindsight.contains("end_norm")) s.logLazily("end_norm", () -> {
          endNormEvaluations.incrementAndGet();
          return norm(w);
        });
        s.logLazily("acc", () -> {
          accEvaluations.incrementAndGet();
          return w[1];
        });
      }
    }
    if (hindsight.contains("final")) s.log("final", norm(w));
  }

  static double norm(double[] w) {
    double n = 0;
    for (double x : w) n += x * x;
    return Math.sqrt(n);
  }

  @BeforeEach
  void recordRunAndGroundTruth() throws Exception {
    repo = TestProjects.emptyRepo(tmp, "proj");
    truthRepo = TestProjects.emptyRepo(tmp, "truth");
    try (Session s = TestProjects.session(repo, "--kwargs", "seed=11", "epochs=5").checkpointPolicy(1, 0).start()) {
      program(s, Set.of());
      run = s.runId();
    }
    try (Session s = TestProjects.session(truthRepo, "--kwargs", "seed=11", "epochs=5").start()) {
      program(s, ALL);
    }
  }

  private void replay(String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of("--replay", run));
    args.addAll(List.of(flags));
    stepsExecuted.set(0);
    accEvaluations.set(0);
    endNormEvaluations.set(0);
    try (Session s = TestProjects.session(repo, args.toArray(new String[0])).start()) {
      program(s, ALL);
    }
  }

  private List<List<Object>> values(Path r, String name) {
    Table t = TestProjects.dataframe(r, name);
    List<List<Object>> out = new ArrayList<>();
    for (Table.Row row : t) {
      List<Object> cells = new ArrayList<>(row.toMap().values());
      out.add(cells.subList(4, cells.size())); // without projid, tstamp, filename, run_id
    }
    return out;
  }

  private List<List<Object>> truth(String name) {
    List<List<Object>> out = new ArrayList<>();
    for (List<Object> row : values(truthRepo, name)) {
      List<Object> withSource = new ArrayList<>(row);
      withSource.add("replay");
      out.add(withSource);
    }
    return out;
  }

  @Test
  void aStatementInTheOuterBodyAfterTheNestedLoopGetsExactValuesWithoutRunningTheNestedLoop() throws Exception {
    replay("--apply", "end_norm", "--level", "outer");
    assertThat(values(repo, "end_norm")).isEqualTo(truth("end_norm")).hasSize(5);
    assertThat(stepsExecuted).as("every nested loop was skipped").hasValue(0);
    assertThat(accEvaluations).as("acc, logged through a supplier and not asked for, was not computed").hasValue(0);
  }

  @Test
  void aValueLoggedThroughASupplierIsComputedInAReplayOnlyWhereItIsFilledIn() throws Exception {
    replay("--apply", "end_norm", "--level", "outer", "--iter", "epoch=1,3");
    assertThat(endNormEvaluations).hasValue(2);
    assertThat(accEvaluations).as("acc is in the run already and not asked for").hasValue(0);
    List<List<Object>> expected = new ArrayList<>();
    for (List<Object> row : truth("end_norm")) if (row.get(0).equals(1L) || row.get(0).equals(3L)) expected.add(row);
    assertThat(values(repo, "end_norm")).isEqualTo(expected);

    replay("--apply", "end_norm", "--level", "outer");
    assertThat(endNormEvaluations).as("only the three epochs still missing").hasValue(3);
    assertThat(values(repo, "end_norm")).isEqualTo(truth("end_norm"));
  }

  @Test
  void aBadNameLoggedThroughASupplierIsRefusedEvenWhenTheReplaySkipsIt() throws Exception {
    try (Session s = TestProjects.session(repo, "--replay", run, "--apply", "end_norm", "--level", "outer").start()) {
      assertThatThrownBy(() -> s.logLazily("", () -> 1.0)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aStatementInTheOuterBodyBeforeTheNestedLoopSeesTheStateOfThePreviousIteration() throws Exception {
    replay("--apply", "start_norm", "--level", "outer");
    assertThat(values(repo, "start_norm")).isEqualTo(truth("start_norm"));
  }

  @Test
  void aStatementInANestedLoopReRunsOnlyTheSelectedIterationsFromTheirCheckpoints() throws Exception {
    replay("--apply", "grad", "--level", "nested", "--iter", "epoch=1,3");
    List<List<Object>> expected = new ArrayList<>();
    for (List<Object> row : truth("grad")) if (row.get(0).equals(1L) || row.get(0).equals(3L)) expected.add(row);
    assertThat(values(repo, "grad")).isEqualTo(expected).hasSize(10);
    assertThat(stepsExecuted).hasValue(10);
  }

  @Test
  void aStatementAfterAllLoopsRestoresTheFinalStateAndRunsNoIteration() throws Exception {
    replay("--apply", "final", "--level", "outside");
    assertThat(values(repo, "final")).isEqualTo(truth("final")).hasSize(1);
    assertThat(stepsExecuted).hasValue(0);
  }

  @Test
  void missingCheckpointsAreRebuiltFromTheNearestEarlierOneAndKeptWithoutReplacingTheRunsOwn() throws Exception {
    Path dir = repo.resolve(".flor/checkpoints/" + run + "/epoch");
    Files.delete(dir.resolve("1.ckpt"));
    Files.delete(dir.resolve("2.ckpt"));
    FileTime kept = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(dir.resolve("0.ckpt"), kept);

    replay("--apply", "end_norm", "--level", "outer", "--iter", "epoch=3");

    assertThat(values(repo, "end_norm")).isEqualTo(truth("end_norm").subList(3, 4));
    assertThat(stepsExecuted).as("epochs 1 and 2 re-executed from epoch 0's checkpoint").hasValue(10);
    assertThat(dir.resolve("1.ckpt")).isRegularFile();
    assertThat(dir.resolve("2.ckpt")).isRegularFile();
    assertThat(Files.getLastModifiedTime(dir.resolve("0.ckpt"))).isEqualTo(kept);
    assertThat(values(repo, "loss")).as("the run's own values are untouched").hasSize(25)
        .allSatisfy(row -> assertThat(row).hasSize(3));
  }

  @Test
  void withEveryCheckpointGoneReplayRecomputesFromTheStart() throws Exception {
    try (var files = Files.list(repo.resolve(".flor/checkpoints/" + run + "/epoch"))) {
      for (Path f : (Iterable<Path>) files::iterator) Files.delete(f);
    }
    replay("--apply", "final", "--level", "outside");
    assertThat(values(repo, "final")).isEqualTo(truth("final"));
    assertThat(stepsExecuted).hasValue(25);
  }

  @Test
  void argsComeFromTheRecordedRunAndOnlyAppliedNamesAreStored() throws Exception {
    replay("--apply", "end_norm", "--level", "outer", "--kwargs", "seed=99");
    assertThat(values(repo, "end_norm")).isEqualTo(truth("end_norm"));
    Table t = TestProjects.query(repo, "SELECT name, count(*) AS n FROM logs WHERE source = 'replay'"
        + " AND kind = 'log' GROUP BY name");
    assertThat(t.column("name")).containsExactly("end_norm");
    Table runs = TestProjects.query(repo, "SELECT status, args FROM runs");
    assertThat(runs.size()).isEqualTo(1);
    assertThat(runs.row(0).toMap()).containsEntry("status", "finished");
  }

  @Test
  void replayingTwiceStoresNothingTwice() throws Exception {
    replay("--apply", "end_norm", "--level", "outer");
    replay("--apply", "end_norm", "--level", "outer");
    assertThat(TestProjects.query(repo, "SELECT count(*) AS n FROM logs WHERE name = 'end_norm'").row(0).getLong("n"))
        .isEqualTo(5L);
    assertThat(values(repo, "end_norm")).isEqualTo(truth("end_norm"));
  }

  @Test
  void aNameTheProgramNeverLogsIsReportedAndNothingIsStored() throws Exception {
    TestProjects.Output output = new TestProjects.Output();
    try (Session s = TestProjects.session(repo, output, "--replay", run, "--apply", "grad_norm", "--level", "outer").start()) {
      program(s, ALL);
    }
    assertThat(output.err()).contains("the replay never executed grad_norm (the statement to fill in)");
    assertThat(TestProjects.query(repo, "SELECT count(*) AS n FROM logs WHERE source = 'replay'").row(0).getLong("n"))
        .isZero();
  }

  @Test
  void aRunStillBeingRecordedCannotBeReplayed() throws Exception {
    try (Session live = TestProjects.session(repo).start()) {
      live.log("x", 1);
      assertThatThrownBy(() -> TestProjects.session(repo, "--replay", live.runId(), "--apply", "x", "--level", "outside").start())
          .isInstanceOf(FlorException.class)
          .hasMessageContaining("is still being recorded");
    }
  }

  @Test
  void aStatementInsideAnIterationBlockIsFilledInExactly() throws Exception {
    Path appRepo = TestProjects.emptyRepo(tmp, "app");
    Path appTruth = TestProjects.emptyRepo(tmp, "apptruth");
    String appRun;
    try (Session s = TestProjects.session(appRepo).start()) {
      app(s, false);
      appRun = s.runId();
    }
    try (Session s = TestProjects.session(appTruth).start()) {
      app(s, true);
    }
    try (Session s = TestProjects.session(appRepo, "--replay", appRun, "--apply", "chars", "--level", "outer").start()) {
      app(s, true);
    }
    List<List<Object>> expected = new ArrayList<>();
    for (List<Object> row : values(appTruth, "chars")) {
      List<Object> r = new ArrayList<>(row);
      r.add("replay");
      expected.add(r);
    }
    assertThat(values(appRepo, "chars")).hasSize(3).isEqualTo(expected);
  }

  /** A server-like program: one iteration block per request. */
  static void app(Session s, boolean hindsight) throws Exception {
    String[] docs = {"a.pdf", "bb.pdf", "ccc.pdf"};
    for (int i = 0; i < docs.length; i++) {
      try (AutoCloseable it = s.iteration("doc", i, docs[i])) {
        s.log("label", docs[i].toUpperCase());
        if (hindsight) s.log("chars", docs[i].length());
      }
    }
  }

  @Test
  void anOverriddenArgIsTakenFromTheReplaysCommandLineAndTheOthersFromTheRun() throws Exception {
    Path appRepo = TestProjects.emptyRepo(tmp, "paths");
    String appRun;
    try (Session s = TestProjects.session(appRepo, "--kwargs", "data=/old/place", "scale=3").start()) {
      s.arg("data", "data/");
      s.arg("scale", 1);
      appRun = s.runId();
    }
    try (Session s = TestProjects.session(appRepo, "--replay", appRun, "--apply", "where",
        "--level", "outside", "--override", "data=/new/place").start()) {
      String data = s.arg("data", "data/");
      int scale = s.arg("scale", 1);
      s.log("where", data + "*" + scale);
    }
    assertThat(TestProjects.dataframe(appRepo, "where").column("where")).containsExactly("/new/place*3");
  }

  @Test
  void replayingARunThatDoesNotExistSaysWhereToLook() {
    run = "20000101-000000-000-000000";
    assertThatThrownBy(() -> replay("--apply", "final", "--level", "outside"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("no recorded run 20000101-000000-000-000000")
        .hasMessageContaining("flordb runs");
  }

  @Test
  void anIterationTheRunDidNotHaveIsRejected() {
    assertThatThrownBy(() -> replay("--apply", "grad", "--level", "nested", "--iter", "epoch=7"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[7] not iterations of the recorded run, which has epoch 0 to 4");
  }
}
