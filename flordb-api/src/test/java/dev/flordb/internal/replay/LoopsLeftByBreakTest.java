package dev.flordb.internal.replay;

import dev.flordb.internal.run.Session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.TestProjects;
import dev.flordb.internal.source.SourceAnalyzer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Convergence loops end with {@code break}, which Java does not tell the loop's iterator: values
 * logged after such a loop carry the context they were logged in (the program's source says where
 * each statement is), the loop's profile is still recorded, and the run can be replayed.
 */
class LoopsLeftByBreakTest {
  @TempDir Path tmp;
  Path repo;
  Path truthRepo;
  String run;

  /** A k-means-like program: the epoch loop stops when it converges, and the step loop stops early too. */
  void program(Session s, Set<String> hindsight) throws Exception {
    double[] c = {10, -4};
    try (AutoCloseable ckpt = s.checkpointing(Map.of("c", c))) {
      for (int e : s.loop("epoch", 0, 100)) {
        for (int st : s.loop("step", 0, 10)) {
          c[0] = c[0] * 0.5 + st;
          if (st == 2) break;
        }
        s.log("after_steps", c[0]); // in the epoch body, after a step loop left by break
        if (hindsight.contains("shift")) s.log("shift", c[0] - c[1]);
        c[1] += 1;
        if (e == 3) break; // converged
      }
    }
    s.log("sse", c[0] * c[0]);
    if (hindsight.contains("final_c")) s.log("final_c", c[0] + c[1]);
  }

  static SourceAnalyzer.Analysis analysis() {
    List<String> epoch = List.of("epoch");
    List<String> none = List.of();
    return new SourceAnalyzer.Analysis(List.of(
        new SourceAnalyzer.Statement("after_steps", 1, epoch, SourceAnalyzer.Placement.OUTER, false, false, List.of()),
        new SourceAnalyzer.Statement("shift", 2, epoch, SourceAnalyzer.Placement.OUTER, false, false, List.of()),
        new SourceAnalyzer.Statement("sse", 3, none, SourceAnalyzer.Placement.OUTSIDE, false, false, List.of()),
        new SourceAnalyzer.Statement("final_c", 4, none, SourceAnalyzer.Placement.OUTSIDE, false, false, List.of())),
        Map.of("after_steps", Set.of(epoch), "shift", Set.of(epoch), "sse", Set.of(none), "final_c", Set.of(none)),
        List.of("epoch"));
  }

  @BeforeEach
  void record() throws Exception {
    repo = TestProjects.emptyRepo(tmp, "proj");
    truthRepo = TestProjects.emptyRepo(tmp, "truth");
    try (Session s = TestProjects.session(repo).checkpointPolicy(1, 0).analysis(analysis()).start()) {
      program(s, Set.of());
      run = s.runId();
    }
    try (Session s = TestProjects.session(truthRepo).analysis(analysis()).start()) {
      program(s, Set.of("shift", "final_c"));
    }
  }

  private List<List<Object>> rows(Path r, String... names) {
    List<List<Object>> out = new ArrayList<>();
    for (Table.Row row : TestProjects.dataframe(r, names)) {
      List<Object> cells = new ArrayList<>(row.toMap().values());
      out.add(cells.subList(4, cells.size())); // without projid, tstamp, filename, run_id
    }
    return out;
  }

  @Test
  void aValueLoggedAfterALoopLeftByBreakIsOutsideIt() {
    Table t = TestProjects.dataframe(repo, "sse");
    assertThat(t.columns()).doesNotContain("epoch");
    assertThat(t.size()).isEqualTo(1);
  }

  @Test
  void aValueLoggedAfterANestedLoopLeftByBreakIsInTheOuterIteration() {
    Table t = TestProjects.dataframe(repo, "after_steps");
    assertThat(t.columns()).contains("epoch").doesNotContain("step");
    assertThat(t.size()).isEqualTo(4);
  }

  @Test
  void theProfileOfALoopLeftByBreakIsRecorded() {
    Table t = TestProjects.query(repo, "SELECT name, value FROM logs WHERE name IN ('prof::epoch::iterations',"
        + " 'prof::step::iterations') AND kind = 'prof' ORDER BY name, seq");
    assertThat(TestProjects.rows(t)).containsExactly(
        List.of("prof::epoch::iterations", 4L),
        List.of("prof::step::iterations", 3L), List.of("prof::step::iterations", 3L),
        List.of("prof::step::iterations", 3L), List.of("prof::step::iterations", 3L));
  }

  private Session replay(String name, String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of("--replay", run, "--apply", name));
    args.addAll(List.of(flags));
    Session s = TestProjects.session(repo, args.toArray(new String[0])).analysis(analysis()).start();
    try (s) {
      program(s, Set.of(name));
    }
    return s;
  }

  private List<List<Object>> truth(String name) {
    List<List<Object>> out = new ArrayList<>();
    for (List<Object> r : rows(truthRepo, name)) {
      List<Object> withSource = new ArrayList<>(r);
      withSource.add("replay");
      out.add(withSource);
    }
    return out;
  }

  @Test
  void aStatementAfterALoopLeftByBreakIsReplayedExactlyOutsideIt() throws Exception {
    Session s = replay("final_c");
    assertThat(s.replayDivergence()).isNull();
    assertThat(rows(repo, "final_c")).isEqualTo(truth("final_c")).hasSize(1);
  }

  @Test
  void aStatementInALoopLeftByBreakIsReplayedExactlyInEveryIteration() throws Exception {
    Session s = replay("shift", "--level", "nested");
    assertThat(s.replayDivergence()).isNull();
    assertThat(rows(repo, "shift")).isEqualTo(truth("shift")).hasSize(4);
  }

  @Test
  void skippingANestedLoopWhenTheCodeAfterItChangesEnrolledStateIsCaughtByTheStateCheck() throws Exception {
    // c[1] += 1 after the step loop runs again on the end-of-epoch state that skipping the loop restores
    Session s = replay("shift", "--level", "outer");
    assertThat(s.replayDivergence()).isNotNull();
    assertThat(s.replayDivergence().kind()).isEqualTo("state");
    assertThat(s.replayDivergence().position()).isEqualTo("epoch=0");
    assertThat(TestProjects.query(repo, "SELECT count(*) AS n FROM logs WHERE source = 'replay'").row(0).getLong("n")).isZero();
  }
}
