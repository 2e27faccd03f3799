package dev.flordb.internal.replay;

import dev.flordb.internal.records.Json;

import dev.flordb.internal.run.Session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.TestProjects;
import dev.flordb.internal.source.SourceAnalyzer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay checks itself against the run it replays: a strategy that skips state the new
 * statement needs shows up as a divergence (the program's own statements log other values, or an
 * iteration ends in another state than its checkpoint), and a diverged replay's values never reach
 * the store.
 */
class ReplayVerificationTest {
  @TempDir Path tmp;
  Path repo;
  Path truthRepo;
  String run;
  /** Set by a test that wants the nested loop to read the clock: not replayable. */
  boolean readTheClock;
  int steps;

  /**
   * Today's program: {@code total} is a local summed in the nested loop, {@code decay} a local
   * carried across epochs, {@code w} and {@code rng} are enrolled; {@code hindsight} names the
   * statements added later.
   */
  void program(Session s, Set<String> hindsight) throws Exception {
    Random rng = new Random(s.arg("seed", 5L));
    double[] w = new double[3];
    double decay = 1.0;
    try (AutoCloseable c = s.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int e : s.loop("epoch", 0, 4)) {
        double total = 0;
        for (int st : s.loop("step", 0, 3)) {
          steps++;
          for (int i = 0; i < w.length; i++) w[i] += rng.nextGaussian() * 0.1 * decay;
          total += w[0] * w[0] + (readTheClock ? (System.nanoTime() % 7) : 0);
        }
        s.log("epoch_loss", total); // the program's own statement: checked in every replay
        if (hindsight.contains("sum_loss")) s.log("sum_loss", total);
        if (hindsight.contains("decay_now")) s.log("decay_now", decay);
        if (hindsight.contains("w0")) s.log("w0", w[0]);
        decay *= 0.7;
      }
    }
  }

  @BeforeEach
  void recordRunAndGroundTruth() throws Exception {
    repo = TestProjects.emptyRepo(tmp, "proj");
    truthRepo = TestProjects.emptyRepo(tmp, "truth");
  }

  private void record() throws Exception {
    try (Session s = TestProjects.session(repo).checkpointPolicy(1, 0).start()) {
      program(s, Set.of());
      run = s.runId();
    }
    try (Session s = TestProjects.session(truthRepo).start()) {
      program(s, Set.of("sum_loss", "decay_now", "w0"));
    }
  }

  private Session replay(Set<String> hindsight, String... flags) throws Exception {
    return replay(null, hindsight, flags);
  }

  /** A replay of the recorded run with today's program; with {@code analysis} null, every statement is checked. */
  private Session replay(SourceAnalyzer.Analysis analysis, Set<String> hindsight, String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of("--replay", run));
    args.addAll(List.of(flags));
    Session s = TestProjects.session(repo, args.toArray(new String[0])).verdictFile(tmp.resolve("verdict.json"))
        .analysis(analysis).start();
    try (s) {
      program(s, hindsight);
    }
    return s;
  }

  private List<List<Object>> values(Path r, String name) {
    List<List<Object>> out = new ArrayList<>();
    for (Table.Row row : TestProjects.dataframe(r, name)) {
      List<Object> cells = new ArrayList<>(row.toMap().values());
      out.add(cells.subList(4, 6)); // epoch, value
    }
    return out;
  }

  private long replayValues() {
    return TestProjects.query(repo, "SELECT count(*) AS n FROM logs WHERE source = 'replay'").row(0).getLong("n");
  }

  private Map<?, ?> verdict() throws Exception {
    return (Map<?, ?>) Json.parse(Files.readString(tmp.resolve("verdict.json")));
  }

  @Test
  void skippingTheNestedLoopThatSumsALocalIsCaughtByTheProgramsOwnStatementAndNothingIsStored() throws Exception {
    record();
    Session s = replay(Set.of("sum_loss"), "--apply", "sum_loss", "--level", "outer");
    assertThat(s.replayDivergence()).isNotNull();
    assertThat(s.replayDivergence().name()).isEqualTo("epoch_loss");
    assertThat(s.replayDivergence().position()).isEqualTo("epoch=0");
    assertThat(s.replayDivergence().message()).contains("epoch_loss at epoch=0 was ").contains(" in the replay");
    assertThat(replayValues()).as("a diverged replay shows nothing").isZero();
    assertThat(verdict().get("status")).isEqualTo("diverged");
    assertThat((List<?>) verdict().get("divergences")).hasSize(1);
  }

  @Test
  void runningTheNestedLoopsGivesExactValuesCheckedAgainstTheRecordedOnes() throws Exception {
    record();
    Session s = replay(Set.of("sum_loss"), "--apply", "sum_loss", "--level", "nested");
    assertThat(s.replayDivergence()).isNull();
    assertThat(values(repo, "sum_loss")).isEqualTo(values(truthRepo, "sum_loss")).hasSize(4);
    Map<?, ?> v = verdict();
    assertThat(v.get("status")).isEqualTo("verified");
    assertThat(((Number) v.get("stored")).longValue()).isEqualTo(4);
    assertThat(((Number) v.get("checked")).longValue()).as("epoch_loss, once per epoch").isEqualTo(4);
    assertThat(((Number) v.get("states_checked")).longValue()).as("every epoch ends in its checkpoint's state").isEqualTo(4);
  }

  @Test
  void aCarriedLocalStartedFromACheckpointDivergesAndFromTheFirstIterationIsExact() throws Exception {
    record();
    Session cheap = replay(Set.of("decay_now"), "--apply", "decay_now", "--level", "nested", "--iter", "epoch=last");
    assertThat(cheap.replayDivergence()).as("epoch 3 started with decay 1.0, not 0.343").isNotNull();
    assertThat(replayValues()).isZero();

    Session exact = replay(Set.of("decay_now"), "--apply", "decay_now", "--level", "nested", "--from-start", "--iter", "epoch=last");
    assertThat(exact.replayDivergence()).isNull();
    assertThat(values(repo, "decay_now")).containsExactly(values(truthRepo, "decay_now").get(3));
  }

  @Test
  void aPartialReplayIsCompletedByALaterOne() throws Exception {
    record();
    replay(analysis(), Set.of("w0"), "--apply", "w0", "--level", "outer", "--iter", "epoch=last");
    assertThat(values(repo, "w0")).hasSize(1);
    replay(analysis(), Set.of("w0"), "--apply", "w0", "--level", "outer", "--iter", "epoch=all");
    assertThat(values(repo, "w0")).isEqualTo(values(truthRepo, "w0")).hasSize(4);
  }

  /** The program's analysis, as the source analyser gives it. */
  static SourceAnalyzer.Analysis analysis() {
    List<String> epoch = List.of("epoch");
    return new SourceAnalyzer.Analysis(List.of(
        new SourceAnalyzer.Statement("epoch_loss", 10, epoch, SourceAnalyzer.Placement.OUTER, true, false, List.of()),
        new SourceAnalyzer.Statement("sum_loss", 11, epoch, SourceAnalyzer.Placement.OUTER, true, false, List.of()),
        new SourceAnalyzer.Statement("decay_now", 12, epoch, SourceAnalyzer.Placement.OUTER, false, true, List.of()),
        new SourceAnalyzer.Statement("w0", 13, epoch, SourceAnalyzer.Placement.OUTER, false, false, List.of())),
        Map.of("epoch_loss", Set.of(epoch), "sum_loss", Set.of(epoch), "decay_now", Set.of(epoch), "w0", Set.of(epoch)),
        List.of("epoch"));
  }

  @Test
  void aStatementThatReadsOnlyEnrolledStateStillSkipsTheNestedLoopsAndIsCheckedAgainstTheCheckpoints() throws Exception {
    record();
    steps = 0;
    Session s = replay(analysis(), Set.of("w0"), "--apply", "w0", "--level", "outer");
    assertThat(s.replayDivergence()).isNull();
    assertThat(steps).as("every nested loop was skipped").isZero();
    assertThat(values(repo, "w0")).isEqualTo(values(truthRepo, "w0")).hasSize(4);
    Map<?, ?> v = verdict();
    assertThat(((Number) v.get("checked")).longValue()).as("epoch_loss needs the skipped loop: not compared").isZero();
    assertThat(((Number) v.get("states_checked")).longValue()).isEqualTo(4);
  }

  @Test
  void withTheAnalysisTheStrategyIsTheOneTheNewStatementNeeds() throws Exception {
    record();
    Session s = replay(analysis(), Set.of("sum_loss"), "--apply", "sum_loss");
    assertThat(s.replayDivergence()).isNull();
    assertThat(verdict().get("level")).isEqualTo("nested");
    assertThat(values(repo, "sum_loss")).isEqualTo(values(truthRepo, "sum_loss"));
  }

  @Test
  void aDamagedCheckpointIsNamedAndSetAsideAndTheReplayGoesOnWithoutIt() throws Exception {
    record();
    Path ckpt = repo.resolve(".flor/checkpoints/" + run + "/epoch/1.ckpt");
    byte[] bytes = Files.readAllBytes(ckpt);
    bytes[bytes.length - 12] ^= 0x01;
    Files.write(ckpt, bytes);
    TestProjects.Output output = new TestProjects.Output();
    Session s = TestProjects.session(repo, output, "--replay", run, "--apply", "w0", "--level", "outer", "--iter", "epoch=2")
        .analysis(analysis()).start();
    try (s) {
      program(s, Set.of("w0"));
    }
    assertThat(output.err()).contains("the checkpoint " + ckpt + " cannot be used").contains("is damaged");
    assertThat(ckpt.resolveSibling("1.ckpt.damaged")).exists();
    // epoch 1 was rebuilt from epoch 0's checkpoint, but decay is carried and not enrolled: caught, not stored
    assertThat(s.replayDivergence()).isNotNull();
    assertThat(s.replayDivergence().position()).isEqualTo("epoch=1");
    assertThat(replayValues()).isZero();

    Session exact = replay(analysis(), Set.of("w0"), "--apply", "w0", "--level", "outer", "--from-start", "--iter", "epoch=2");
    assertThat(exact.replayDivergence()).isNull();
    assertThat(values(repo, "w0")).containsExactly(values(truthRepo, "w0").get(2));
  }

  @Test
  void aProgramThatReadsTheClockDivergesEvenWhenEverythingRunsAndShowsNoValue() throws Exception {
    readTheClock = true;
    record();
    Session s = replay(Set.of("sum_loss"), "--apply", "sum_loss", "--level", "nested", "--from-start");
    assertThat(s.replayDivergence()).isNotNull();
    assertThat(replayValues()).isZero();
    assertThat(verdict().get("status")).isEqualTo("diverged");
  }

  @Test
  void aStatementTheReplayNeverExecutesIsADivergence() throws Exception {
    record();
    Session s = replay(Set.of(), "--apply", "w0", "--level", "nested");
    assertThat(s.replayDivergence()).isNotNull();
    assertThat(s.replayDivergence().kind()).isEqualTo("shape");
    assertThat(s.replayDivergence().message()).contains("never executed w0");
  }
}
