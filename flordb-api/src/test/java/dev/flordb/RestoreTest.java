package dev.flordb;

import static dev.flordb.TestProjects.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.internal.run.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Flor.restore}: another program (a model selector, an inference job) takes a recorded
 * run's checkpointed state by run id, without knowing where the store keeps it.
 */
class RestoreTest {
  @TempDir Path tmp;
  Path repo;

  @BeforeEach
  void repo() {
    repo = TestProjects.emptyRepo(tmp);
  }

  /** What a training run left: its id and the weights at the end of each epoch. */
  record Trained(String runId, List<double[][]> weightsAfterEpoch) {}

  /** Three epochs of random steps on a 2 x 3 weight matrix, checkpointing weights and rng. */
  private Trained train(Session.Builder builder) throws Exception {
    double[][] weights = new double[2][3];
    Random rng = new Random(11);
    List<double[][]> after = new ArrayList<>();
    try (Session s = builder.start(); var c = s.checkpointing(Map.of("weights", weights, "rng", rng))) {
      for (int epoch : s.loop("epoch", 0, 3)) {
        for (double[] row : weights) for (int j = 0; j < row.length; j++) row[j] += rng.nextGaussian();
        after.add(new double[][] {weights[0].clone(), weights[1].clone()});
        s.log("acc", 0.5 + epoch * 0.1);
      }
      return new Trained(s.runId(), after);
    }
  }

  private Trained trainCheckpointingEveryEpoch() throws Exception {
    return train(session(repo).checkpointPolicy(1.0, 0));
  }

  @Test
  void restoreFillsFreshObjectsInPlaceFromTheRunsLastCheckpoint() throws Exception {
    Trained trained = trainCheckpointingEveryEpoch();

    try (Session selector = session(repo).start()) {
      double[][] weights = new double[2][]; // rows are made from the checkpoint
      Random rng = new Random(0);
      selector.restore(trained.runId(), Map.of("weights", weights, "rng", rng));

      assertThat(weights).isDeepEqualTo(trained.weightsAfterEpoch().get(2));
      Random continued = new Random(11);
      for (int i = 0; i < 2 * 3 * 3; i++) continued.nextGaussian();
      assertThat(rng.nextLong()).as("the generator goes on where the run left it").isEqualTo(continued.nextLong());
    }
  }

  @Test
  void restoreAtAnIterationTakesThatIterationsStateAndOnlyTheNamesAskedFor() throws Exception {
    Trained trained = trainCheckpointingEveryEpoch();

    try (Session selector = session(repo).start()) {
      double[][] weights = {new double[3], new double[3]};
      double[] firstRow = weights[0];
      selector.restoreAt(trained.runId(), "epoch", 1, Map.of("weights", weights));

      assertThat(weights).isDeepEqualTo(trained.weightsAfterEpoch().get(1));
      assertThat(weights[0]).as("restored in place").isSameAs(firstRow);
    }
  }

  @Test
  void theRunIdAndTheIterationsWithACheckpointCanBeFoundByQuery() throws Exception {
    Trained trained = trainCheckpointingEveryEpoch();

    try (Session selector = session(repo).start()) {
      Table best = selector.read(st -> st.query("SELECT m.run_id, m.iteration AS epoch, m.value AS acc"
          + " FROM records m JOIN records c ON c.ctx = m.ctx AND c.name = 'ckpt::epoch'"
          + " WHERE m.filename = 'Train.java' AND m.name = 'acc' ORDER BY acc DESC, m.tstamp DESC LIMIT 1"));
      assertThat(best.row(0).getString("run_id")).isEqualTo(trained.runId());
      assertThat(best.row(0).getLong("epoch")).isEqualTo(2);
    }
  }

  @Test
  void anUnknownRunIsRefusedWithHowToFindOne() throws Exception {
    trainCheckpointingEveryEpoch();

    try (Session selector = session(repo).start()) {
      assertThatThrownBy(() -> selector.restore("20260101-000000-000-abcdef", Map.of("weights", new double[2][])))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("there is no run \"20260101-000000-000-abcdef\" in ")
          .hasMessageContaining("flordb runs")
          .hasMessageContaining("SELECT run_id, filename, tstamp FROM runs");
    }
  }

  @Test
  void aRunThatWroteNoCheckpointIsReportedAsSuch() throws Exception {
    String run;
    try (Session s = session(repo).start()) {
      for (int epoch : s.loop("epoch", 0, 2)) s.log("acc", 0.5);
      run = s.runId();
    }

    try (Session selector = session(repo).start()) {
      assertThatThrownBy(() -> selector.restore(run, Map.of("weights", new double[2][])))
          .isInstanceOf(FlorException.class)
          .hasMessage("run " + run + " has no checkpoint: it wrote none (it enrolled nothing with Flor.checkpointing,"
              + " ran with FLOR_CHECKPOINTS=0, or ended before the end of an outermost iteration)");
    }
  }

  @Test
  void anIterationWithoutACheckpointIsReportedWithTheIterationsThatHaveOne() throws Exception {
    Trained trained = train(session(repo).checkpointPolicy(1.0, 3600)); // only the last epoch

    try (Session selector = session(repo).start()) {
      assertThatThrownBy(() -> selector.restoreAt(trained.runId(), "epoch", 1, Map.of("weights", new double[2][])))
          .isInstanceOf(FlorException.class)
          .hasMessage("run " + trained.runId() + " has no checkpoint at epoch=1: it has checkpoints at epoch 2"
              + " (FLOR_CKPT_FRACTION=1 checkpoints every iteration)");
      assertThatThrownBy(() -> selector.restoreAt(trained.runId(), "step", 0, Map.of("weights", new double[2][])))
          .isInstanceOf(FlorException.class)
          .hasMessageContaining("no checkpoint at step=0");
    }
  }

  @Test
  void aNameTheCheckpointDoesNotHoldIsRefusedBeforeAnythingIsRestored() throws Exception {
    Trained trained = trainCheckpointingEveryEpoch();

    try (Session selector = session(repo).start()) {
      double[][] weights = {new double[3], new double[3]};
      assertThatThrownBy(() -> selector.restore(trained.runId(), Map.of("weights", weights, "model", new double[1])))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageMatching("Flor.restore: the checkpoint of run " + trained.runId() + " at epoch=2 holds"
              + " \\[(rng, weights|weights, rng)\\], not \\[model\\]; use the names the run gave Flor.checkpointing");
      assertThat(weights).isDeepEqualTo(new double[2][3]);
    }
  }

  @Test
  void anObjectOfAnotherShapeIsRefusedWithWhatToBuild() throws Exception {
    Trained trained = trainCheckpointingEveryEpoch();

    try (Session selector = session(repo).start()) {
      assertThatThrownBy(() -> selector.restore(trained.runId(), Map.of("weights", new int[6])))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"weights\" cannot hold the checkpoint of run " + trained.runId() + " at epoch=2")
          .hasMessageContaining("the same class, the same array lengths");
    }
  }

  @Test
  void aCheckpointFileThatIsGoneIsReportedAsGoneWithWhy() throws Exception {
    Trained trained = trainCheckpointingEveryEpoch();
    Path file = repo.resolve(".flor/checkpoints/" + trained.runId() + "/epoch/2.ckpt");
    Files.delete(file);

    try (Session selector = session(repo).start()) {
      assertThatThrownBy(() -> selector.restore(trained.runId(), Map.of("weights", new double[2][])))
          .isInstanceOf(FlorException.class)
          .hasMessageContaining("wrote a checkpoint at epoch=2, but " + file + " is gone")
          .hasMessageContaining("not in git");
    }
  }

  @Test
  void badArgumentsAreRefusedNamingTheValue() throws Exception {
    try (Session s = session(repo).start()) {
      Map<String, Object> weights = Map.of("weights", new double[2][]);
      assertThatThrownBy(() -> s.restore(" ", weights))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Flor.restore needs the id of a recorded run, but got \" \"");
      assertThatThrownBy(() -> s.restore("run", Map.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Flor.restore needs the objects to restore into");
      assertThatThrownBy(() -> s.restoreAt("run", null, 0, weights))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but got null");
      assertThatThrownBy(() -> s.restoreAt("run", "epoch", -1, weights))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("iteration -1 of \"epoch\" is negative");
      Map<String, Object> withNull = new java.util.HashMap<>();
      withNull.put("weights", null);
      assertThatThrownBy(() -> s.restore("run", withNull))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"weights\" is null");
    }
  }
}
