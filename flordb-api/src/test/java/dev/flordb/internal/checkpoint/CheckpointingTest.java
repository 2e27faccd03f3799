package dev.flordb.internal.checkpoint;

import dev.flordb.internal.run.Session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.Table;
import dev.flordb.TestProjects;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointingTest {
  @TempDir Path tmp;
  Path repo;

  @BeforeEach
  void repo() {
    repo = TestProjects.emptyRepo(tmp);
  }

  /** A tiny "model": weights moved by random steps drawn from its own generator. */
  static final class Model implements Serializable {
    private static final long serialVersionUID = 1L;
    final double[] weights = new double[16];
    final List<Double> history = new ArrayList<>();

    void epoch(Random rng) {
      for (int i = 0; i < weights.length; i++) weights[i] += rng.nextGaussian() * 0.1 - weights[i] * 0.01;
      history.add(weights[0]);
    }
  }

  private String train(Session s, Model model, Random rng, int epochs) throws Exception {
    try (AutoCloseable c = s.checkpointing(Map.of("model", model, "rng", rng))) {
      for (int e : s.loop("epoch", 0, epochs)) {
        model.epoch(rng);
        s.log("w0", model.weights[0]);
      }
    }
    return s.runId();
  }

  private List<Long> checkpointedEpochs() {
    Table t = TestProjects.query(repo, "SELECT c.idx FROM logs l JOIN ctx c ON c.id = l.ctx"
        + " WHERE l.kind = 'ckpt' AND l.name = 'ckpt::epoch' ORDER BY c.idx");
    List<Long> out = new ArrayList<>();
    for (Table.Row r : t) out.add(r.getLong("idx"));
    return out;
  }

  @Test
  void cheapStateIsCheckpointedAtTheEndOfEveryOuterIteration() throws Exception {
    String run;
    try (Session s = TestProjects.session(repo).checkpointPolicy(1.0, 0).start()) {
      run = train(s, new Model(), new Random(1), 5);
    }
    assertThat(checkpointedEpochs()).containsExactly(0L, 1L, 2L, 3L, 4L);
    for (int e = 0; e < 5; e++) {
      assertThat(repo.resolve(".flor/checkpoints/" + run + "/epoch/" + e + ".ckpt")).isRegularFile();
    }
  }

  @Test
  void restoringACheckpointAndGoingOnReproducesTheRunExactly() throws Exception {
    Model model = new Model();
    Random rng = new Random(7);
    String run;
    try (Session s = TestProjects.session(repo).checkpointPolicy(1.0, 0).start()) {
      run = train(s, model, rng, 5);
    }
    double[] finalWeights = model.weights.clone();

    // A new program: fresh objects, restored in place from the end of epoch 2, then epochs 3 and 4.
    Model again = new Model();
    Random rng2 = new Random(12345);
    Checkpoints cks = new Checkpoints(repo.resolve(".flor"), "replay", new CheckpointPolicy(1, 0),
        (f, n, v) -> { }, w -> { });
    cks.enrol(Map.of("model", again, "rng", rng2));
    double[] weightsBefore = again.weights;
    assertThat(cks.restore(repo.resolve(".flor/checkpoints/" + run + "/epoch/2.ckpt"))).isEmpty();
    assertThat(again.weights).isSameAs(weightsBefore);
    again.epoch(rng2);
    again.epoch(rng2);
    assertThat(again.weights).containsExactly(finalWeights);
    assertThat(again.history).isEqualTo(model.history);
  }

  @Test
  void aCheckpointFileCutShortOrForeignIsReportedNotRestored() throws Exception {
    String run;
    try (Session s = TestProjects.session(repo).checkpointPolicy(1.0, 0).start()) {
      run = train(s, new Model(), new Random(7), 1);
    }
    Path file = repo.resolve(".flor/checkpoints/" + run + "/epoch/0.ckpt");
    byte[] bytes = java.nio.file.Files.readAllBytes(file);
    assertThat(Checkpoints.read(file)).containsOnlyKeys("model", "rng");
    Path cut = tmp.resolve("cut.ckpt");
    for (int length : new int[] {bytes.length - 1, 20, 3}) {
      java.nio.file.Files.write(cut, java.util.Arrays.copyOf(bytes, length));
      assertThatThrownBy(() -> Checkpoints.read(cut)).as("cut to %s bytes", length)
          .satisfiesAnyOf(
              e -> assertThat(e).isInstanceOf(java.io.IOException.class).hasMessageContaining(cut + " is cut short"),
              e -> assertThat(e).isInstanceOf(java.io.IOException.class).hasMessageContaining(cut + " is damaged"),
              e -> assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt checkpoint"));
    }
    java.nio.file.Files.writeString(cut, "not a checkpoint at all");
    assertThatThrownBy(() -> Checkpoints.read(cut)).isInstanceOf(java.io.IOException.class)
        .hasMessage(cut + " is not a FlorDB checkpoint");
  }

  @Test
  void aCheckpointWithAFlippedByteIsFoundByItsChecksum() throws Exception {
    String run;
    try (Session s = TestProjects.session(repo).checkpointPolicy(1.0, 0).start()) {
      run = train(s, new Model(), new Random(7), 1);
    }
    Path file = repo.resolve(".flor/checkpoints/" + run + "/epoch/0.ckpt");
    byte[] bytes = java.nio.file.Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    java.nio.file.Files.write(file, bytes);
    assertThatThrownBy(() -> Checkpoints.read(file)).isInstanceOf(java.io.IOException.class)
        .hasMessage(file + " is damaged: its checksum does not match its content");
  }

  @Test
  void temporaryFilesOfKilledProgramsAreRemovedAndThoseOfLiveOnesKept() throws Exception {
    Path tmpDir = repo.resolve(".flor/checkpoints/.tmp");
    java.nio.file.Files.createDirectories(tmpDir);
    Path dead = tmpDir.resolve("999999999-run-1-3.tmp");
    Path live = tmpDir.resolve(ProcessHandle.current().pid() + "-run-1-4.tmp");
    java.nio.file.Files.write(dead, new byte[1000]);
    java.nio.file.Files.write(live, new byte[10]);
    try (Session s = TestProjects.session(repo).start()) {
      s.log("x", 1);
    }
    assertThat(dead).doesNotExist();
    assertThat(live).exists();
  }

  @Test
  void aLongIntervalSkipsIterationsButAlwaysKeepsTheLastOne() throws Exception {
    try (Session s = TestProjects.session(repo).checkpointPolicy(1.0, 3600).start()) {
      train(s, new Model(), new Random(1), 5);
    }
    assertThat(checkpointedEpochs()).containsExactly(4L);
  }

  @Test
  void checkpointRecordsStayOutOfTheDataframe() throws Exception {
    try (Session s = TestProjects.session(repo).checkpointPolicy(1.0, 0).start()) {
      train(s, new Model(), new Random(1), 2);
    }
    assertThat(TestProjects.dataframe(repo, "w0").columns())
        .containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "w0");
    assertThat(TestProjects.dataframe(repo).columns()).doesNotContain("ckpt::epoch");
  }

  @Test
  void anObjectThatCannotBeCheckpointedIsRejectedWhenEnrolledAndTheRunGoesOn() throws Exception {
    try (Session s = TestProjects.session(repo).start()) {
      s.log("before", 1);
      assertThatThrownBy(() -> s.checkpointing(Map.of("worker", new Thread())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"worker\"")
          .hasMessageContaining("Checkpointable");
      assertThatThrownBy(() -> s.checkpointing(Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Map.of(\"model\", model");
      s.log("after", 2);
    }
    assertThat(TestProjects.dataframe(repo, "before", "after").row(0).toMap())
        .containsEntry("before", 1L).containsEntry("after", 2L);
    assertThat(Files.exists(repo.resolve(".flor/checkpoints"))).isFalse();
  }

  @Test
  void thePolicySpacesCheckpointsByTheirCostAndNeverWaitsForABusyWriter() {
    CheckpointPolicy p = new CheckpointPolicy(0.1, 0);
    assertThat(p.shouldTake(10, -1, 0)).as("nothing measured yet").isTrue();
    assertThat(p.shouldTake(10, 1.0, 0)).as("1 s of cost in 10 s").isTrue();
    assertThat(p.shouldTake(5, 1.0, 0)).as("1 s of cost in 5 s").isFalse();
    assertThat(p.shouldTake(100, 0.0, 2)).as("two still being written").isFalse();
    CheckpointPolicy every = new CheckpointPolicy(1, 60);
    assertThat(every.shouldTake(30, 0, 0)).isFalse();
    assertThat(every.shouldTake(60, 0, 0)).isTrue();
    assertThat(every.shouldTake(60, 1000, 5)).as("fraction 1: whatever it costs").isTrue();
    assertThatThrownBy(() -> new CheckpointPolicy(0, 0)).hasMessageContaining("FLOR_CKPT_FRACTION");
    assertThatThrownBy(() -> new CheckpointPolicy(0.1, -1)).hasMessageContaining("FLOR_CKPT_INTERVAL_S");
  }
}
