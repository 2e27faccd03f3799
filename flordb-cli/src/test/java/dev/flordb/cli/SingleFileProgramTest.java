package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The headline check of issue 2: a single-file program in a fresh {@code git init} repository
 * (no commits), run twice by Java's source launcher with different {@code --kwargs}, then queried
 * with the {@code flordb} command.
 */
class SingleFileProgramTest {

  /**
   * Logs {@code lr} once, {@code loss} per step and {@code acc} per epoch. The arithmetic is
   * exact in binary for the learning rates used here, so the golden below is exact.
   */
  static final String TRAIN = """
      import dev.flordb.Flor;

      public class Train {
        public static void main(String[] args) {
          double lr = Flor.arg("lr", 0.5);
          int epochs = Flor.arg("epochs", 2);
          for (int epoch : Flor.loop("epoch", 0, epochs)) {
            for (int step : Flor.loop("step", 0, 3)) {
              Flor.log("loss", lr * (8 - (3 * epoch + step)) / 8);
            }
            Flor.log("acc", 0.5 + epoch / 8.0);
          }
        }
      }
      """;

  /** The same program, edited between the two runs (a comment and a blank line). */
  static final String TRAIN_EDITED = TRAIN.replace("public class Train {",
      "// second version: the learning rate comes from --kwargs\n\npublic class Train {");

  @Test
  void twoRunsOfASingleFileProgramGiveOneRowPerRunEpochAndStepAndKeepTheirOwnCodeVersions(@TempDir Path tmp) {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("Train.java", TRAIN);
    Project.GitState before = project.gitState();
    assertThat(before.headCommit()).as("a repository without commits").isNull();
    assertThat(before.indexSha256()).as("a fresh repository has no index file").isNull();
    assertThat(before.status()).containsExactly("?? Train.java");

    ChildJvm.Finished first = ChildJvm.source(project.dir, "Train.java", "--kwargs", "lr=0.5", "epochs=2").run();
    assertThat(first.assertSucceeded().err()).as("nothing to warn about").isEmpty();
    project.write("Train.java", TRAIN_EDITED);
    Project.GitState between = project.gitState();
    ChildJvm.Finished second = ChildJvm.source(project.dir, "Train.java", "--kwargs", "lr=0.25", "epochs=3").run();
    assertThat(second.assertSucceeded().err()).as("nothing to warn about").isEmpty();

    // The user's repository: same HEAD, same (absent) index, same status, same refs.
    assertThat(between).isEqualTo(before);
    assertThat(project.gitState()).isEqualTo(before);

    List<Table.Row> runs = project.runs();
    assertThat(runs).hasSize(2);
    String run1 = runs.get(0).getString("run_id");
    String run2 = runs.get(1).getString("run_id");
    String t1 = runs.get(0).getString("tstamp");
    String t2 = runs.get(1).getString("tstamp");

    Project.Cli df = Project.flordb("-C", project.dir.toString(), "dataframe", "lr", "loss", "acc");
    assertThat(df.exit()).as(df.toString()).isZero();
    assertThat(df.err()).isEmpty();
    assertThat(df.out()).isEqualTo("""
        projid  tstamp                       filename    run_id                      epoch  step    lr     loss    acc
        proj    %1$s  Train.java  %3$s      0     0   0.5      0.5    0.5
        proj    %1$s  Train.java  %3$s      0     1   0.5   0.4375    0.5
        proj    %1$s  Train.java  %3$s      0     2   0.5    0.375    0.5
        proj    %1$s  Train.java  %3$s      1     0   0.5   0.3125  0.625
        proj    %1$s  Train.java  %3$s      1     1   0.5     0.25  0.625
        proj    %1$s  Train.java  %3$s      1     2   0.5   0.1875  0.625
        proj    %2$s  Train.java  %4$s      0     0  0.25     0.25    0.5
        proj    %2$s  Train.java  %4$s      0     1  0.25  0.21875    0.5
        proj    %2$s  Train.java  %4$s      0     2  0.25   0.1875    0.5
        proj    %2$s  Train.java  %4$s      1     0  0.25  0.15625  0.625
        proj    %2$s  Train.java  %4$s      1     1  0.25    0.125  0.625
        proj    %2$s  Train.java  %4$s      1     2  0.25  0.09375  0.625
        proj    %2$s  Train.java  %4$s      2     0  0.25   0.0625   0.75
        proj    %2$s  Train.java  %4$s      2     1  0.25  0.03125   0.75
        proj    %2$s  Train.java  %4$s      2     2  0.25      0.0   0.75
        """.formatted(t1, t2, run1, run2));

    ObjectId v1 = project.runRef(run1);
    ObjectId v2 = project.runRef(run2);
    assertThat(v1).isNotNull();
    assertThat(v2).isNotNull().isNotEqualTo(v1);
    Project.Cli ls = project.cli("runs");
    assertThat(ls.exit()).as(ls.toString()).isZero();
    assertThat(ls.err()).isEmpty();
    // the code version: the snapshot without the record files (the code changed between the runs)
    ObjectId code1 = project.codeTree(run1);
    ObjectId code2 = project.codeTree(run2);
    assertThat(code2).isNotEqualTo(code1);
    assertThat(ls.out()).isEqualTo("""
        when                         program     version     status    args              run
        %s  Train.java  %s  finished  lr=0.5 epochs=2   %s
        %s  Train.java  %s  finished  lr=0.25 epochs=3  %s
        """.formatted(t1, code1.abbreviate(10).name(), run1, t2, code2.abbreviate(10).name(), run2));

    // Each run's snapshot holds the program as it was when that run started, plus its own records.
    assertThat(project.fileInCommit(v1, "Train.java")).isEqualTo(TRAIN);
    assertThat(project.fileInCommit(v2, "Train.java")).isEqualTo(TRAIN_EDITED);
    assertThat(project.fileInCommit(v1, ".flor/records/" + run1 + ".jsonl")).contains("\"name\":\"loss\"");
    assertThat(project.fileInCommit(v1, ".flor/records/" + run2 + ".jsonl")).isNull();
    RevCommit c1 = project.commit(v1);
    RevCommit c2 = project.commit(v2);
    assertThat(c1.getParentCount()).as("no commit of the user's to descend from").isZero();
    assertThat(c2.getParentCount()).isZero();
    assertThat(c1.getFullMessage()).contains("lr=0.5 epochs=2");
    assertThat(c2.getFullMessage()).contains("lr=0.25 epochs=3");
  }

  /**
   * {@code Flor.checkpointing} and {@code Flor.iteration} return {@link dev.flordb.Scope},
   * whose {@code close()} throws nothing, so a {@code main} without a {@code throws} clause can use
   * them in try-with-resources. The source launcher compiles the program or the run fails.
   */
  @Test
  void aMainWithoutThrowsUsesCheckpointingAndIterationInTryWithResources(@TempDir Path tmp) {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("Scoped.java", """
        import dev.flordb.Flor;
        import dev.flordb.Scope;
        import java.util.Map;

        public class Scoped {
          public static void main(String[] args) {
            double[] w = {1.0};
            try (Scope c = Flor.checkpointing(Map.of("w", w))) {
              for (int epoch : Flor.loop("epoch", 0, 2)) {
                w[0] /= 2;
                Flor.log("w0", w[0]);
              }
            }
            try (var doc = Flor.iteration("doc", 7, "a.txt")) {
              Flor.log("label", "invoice");
            }
            try (Scope request = Flor.iteration("request", 3)) {
              Object none = Flor.log("reply", null);
              Flor.log("was_null", none == null);
            }
          }
        }
        """);
    ChildJvm.source(project.dir, "Scoped.java").run().assertSucceeded();

    Project.Cli w0 = project.cli("dataframe", "w0", "--csv");
    assertThat(w0.exit()).as(w0.toString()).isZero();
    assertThat(RunStatusTest.csvColumn(w0.out(), "w0")).containsExactly("0.5", "0.25");
    Project.Cli label = project.cli("dataframe", "label", "--json");
    assertThat(label.exit()).as(label.toString()).isZero();
    assertThat(label.out()).contains("\"doc\":7,\"doc_value\":\"a.txt\",\"label\":\"invoice\"");
    Project.Cli reply = project.cli("dataframe", "reply", "was_null", "--json");
    assertThat(reply.exit()).as(reply.toString()).isZero();
    assertThat(reply.out()).contains("\"request\":3,\"reply\":null,\"was_null\":true")
        .doesNotContain("request_value");
  }
}
