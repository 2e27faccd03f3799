package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example workload of issue 3, {@code examples/mnist/TrainMnist.java}, run as a user runs it
 * (Java's source launcher, {@code --kwargs}) from a copy of its directory in a fresh repository,
 * with settings small enough for a test: what it stores must be a real training run.
 */
class MnistExampleTest {

  static final String[] SMALL = {"--kwargs", "epochs=2", "max_steps=60", "hidden=64", "seed=7"};

  @Test
  void theMnistExampleRunsFromACopyOfItsDirectoryAndStoresArgsLossAndHeldOutAccuracy(@TempDir Path tmp) {
    Project project = Project.init(tmp.resolve("proj"));
    copyExample(project.dir.resolve("mnist"));

    // Run from the repository's root: the program finds its data next to itself, not in the working directory.
    ChildJvm.Finished first = ChildJvm.source(project.dir, "mnist/TrainMnist.java", SMALL).run();
    assertThat(first.assertSucceeded().err()).as("nothing to warn about").isEmpty();

    // The arguments: one row for the run, the command line's values and the defaults, with their types.
    Table runs = dataframe(project);
    assertThat(runs.size()).isEqualTo(1);
    Table.Row run = runs.row(0);
    assertThat(run.getString("filename")).as("the program's path in the repository").isEqualTo("mnist/TrainMnist.java");
    assertThat(run.toMap()).containsAllEntriesOf(Map.of(
        "seed", 7L, "hidden", 64L, "epochs", 2L, "batch_size", 32L, "max_steps", 60L));
    assertThat(run.getDouble("lr")).isEqualTo(0.05);
    assertThat(run.getDouble("momentum")).isEqualTo(0.9);

    // The held-out accuracy, once per epoch: far above chance (0.1) after 60 steps of 32 digits.
    Table acc = dataframe(project, "acc");
    assertThat(acc.size()).isEqualTo(2);
    for (int e = 0; e < 2; e++) {
      assertThat(acc.row(e).getLong("epoch")).isEqualTo(e);
      assertThat(acc.row(e).getDouble("acc")).as("held-out accuracy after epoch %d", e).isBetween(0.7, 1.0);
    }

    // The loss every 25 steps: finite and positive, starting near ln(10) and going down.
    Table loss = dataframe(project, "loss");
    assertThat(loss.size()).as(loss.toString()).isEqualTo(2 * 3);
    for (Table.Row r : loss) {
      assertThat(r.getLong("step") % 25).isZero();
      assertThat(r.getDouble("loss")).isFinite().isPositive();
    }
    assertThat(loss.row(0).getDouble("loss")).as("first loss, before any step").isBetween(1.8, 2.8);
    assertThat(loss.row(loss.size() - 1).getDouble("loss")).isLessThan(loss.row(0).getDouble("loss"));

    // Deterministic given the seed: a second run with the same arguments logs the same numbers, bit for bit.
    ChildJvm.source(project.dir, "mnist/TrainMnist.java", SMALL).run().assertSucceeded();
    Table both = dataframe(project, "loss", "acc");
    assertThat(both.size()).isEqualTo(2 * loss.size());
    List<String> tstamps = new ArrayList<>();
    for (Table.Row r : both) if (!tstamps.contains(r.getString("tstamp"))) tstamps.add(r.getString("tstamp"));
    assertThat(tstamps).hasSize(2);
    assertThat(values(both, tstamps.get(1))).isEqualTo(values(both, tstamps.get(0)));
  }

  /** (epoch, step, loss bits, acc bits) of one run's rows, in table order. */
  private static List<List<Long>> values(Table t, String tstamp) {
    List<List<Long>> out = new ArrayList<>();
    for (Table.Row r : t) {
      if (!r.getString("tstamp").equals(tstamp)) continue;
      out.add(List.of(r.getLong("epoch"), r.getLong("step"),
          Double.doubleToRawLongBits(r.getDouble("loss")), Double.doubleToRawLongBits(r.getDouble("acc"))));
    }
    return out;
  }

  static Table dataframe(Project project, String... names) {
    try (Snapshots git = Snapshots.open(project.dir); Store store = Store.open(project.florDir(), git)) {
      return store.dataframe(names);
    }
  }

  /** examples/mnist of this source tree (program, data, notes) into {@code target}. */
  static void copyExample(Path target) {
    Path source = exampleDir();
    try {
      Files.createDirectories(target);
      for (String f : List.of("TrainMnist.java", "digits.bin.gz", "README.md", "LICENSE-mnist.txt")) {
        Files.copy(source.resolve(f), target.resolve(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** examples/mnist, found from the working directory of the test (the module's directory under Maven) upwards. */
  static Path exampleDir() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("examples").resolve("mnist");
      if (Files.isRegularFile(candidate.resolve("TrainMnist.java"))) return candidate;
    }
    throw new IllegalStateException("examples/mnist not found above " + Path.of("").toAbsolutePath());
  }
}
