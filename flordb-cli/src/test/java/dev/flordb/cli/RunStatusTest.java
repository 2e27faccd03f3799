package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code flordb runs} says about a run that is still going, was killed, or failed; and that their records stay. */
class RunStatusTest {

  @Test
  void aRunIsShownAsRunningWhileAliveAndAsCrashedAfterKillDashNineKeepingWhatItLoggedUpToHalfASecondBefore(
      @TempDir Path tmp) throws InterruptedException {
    Project project = Project.init(tmp.resolve("proj"));
    List<ChildJvm.Running.Line> reports;
    long killNanos;
    try (ChildJvm.Running child = ChildJvm.mainClass(project.dir, StepLoggerProgram.class).start()) {
      child.awaitLine(l -> l.equals("logged 200"));

      Project.Cli whileAlive = project.cli("runs", "--csv");
      assertThat(whileAlive.exit()).as(whileAlive.toString()).isZero();
      assertThat(csvColumn(whileAlive.out(), "status")).containsExactly("running");
      assertThat(child.isAlive()).isTrue();

      TimeUnit.SECONDS.sleep(1); // let it log for a while longer, then kill it mid-loop
      killNanos = System.nanoTime();
      child.kill9();
      reports = child.lines();
    }

    long lastSafe = -1; // the last step the child reported at least 0.5 s before the kill
    long lastReported = -1;
    for (ChildJvm.Running.Line l : reports) {
      if (!l.text().startsWith("logged ")) continue;
      long step = Long.parseLong(l.text().substring("logged ".length()));
      lastReported = Math.max(lastReported, step);
      if (l.readNanos() <= killNanos - TimeUnit.MILLISECONDS.toNanos(500)) lastSafe = Math.max(lastSafe, step);
    }
    assertThat(lastSafe).isGreaterThanOrEqualTo(200);

    Project.Cli runs = project.cli("runs", "--csv");
    assertThat(runs.exit()).as(runs.toString()).isZero();
    assertThat(csvColumn(runs.out(), "status")).containsExactly("crashed");
    assertThat(csvColumn(runs.out(), "version")).as("a crashed run still has its code version")
        .allSatisfy(v -> assertThat(v).isNotEmpty());

    Project.Cli df = project.cli("dataframe", "v", "--csv");
    assertThat(df.exit()).as(df.toString()).isZero();
    List<String> steps = csvColumn(df.out(), "step");
    List<String> values = csvColumn(df.out(), "v");
    // What reached the store is a gap-free prefix of what the child logged, in order...
    for (int i = 0; i < steps.size(); i++) {
      assertThat(steps.get(i)).isEqualTo(String.valueOf(i));
      assertThat(values.get(i)).isEqualTo(String.valueOf(3L * i));
    }
    // ...that holds every step reported at least 0.5 s before the kill, and nothing that was never logged.
    assertThat((long) steps.size()).isGreaterThan(lastSafe).isLessThanOrEqualTo(lastReported + 2);
  }

  @Test
  void aRunWhoseMainThrowsIsShownAsFailedAndKeepsItsRecords(@TempDir Path tmp) {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("Diverge.java", """
        import dev.flordb.Flor;

        public class Diverge {
          public static void main(String[] args) {
            for (int epoch : Flor.loop("epoch", 0, 5)) {
              Flor.log("loss", 1.0 / (epoch + 1));
              if (epoch == 2) throw new IllegalStateException("loss diverged in epoch " + epoch);
            }
          }
        }
        """);
    ChildJvm.Finished run = ChildJvm.source(project.dir, "Diverge.java").run();
    assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
    assertThat(run.err()).contains("IllegalStateException: loss diverged in epoch 2");

    Project.Cli runs = project.cli("runs", "--csv");
    assertThat(runs.exit()).as(runs.toString()).isZero();
    assertThat(csvColumn(runs.out(), "status")).containsExactly("failed");
    assertThat(project.runs().get(0).getString("error"))
        .isEqualTo("java.lang.IllegalStateException: loss diverged in epoch 2");

    Project.Cli df = project.cli("dataframe", "loss", "--csv");
    assertThat(df.exit()).as(df.toString()).isZero();
    assertThat(csvColumn(df.out(), "epoch")).containsExactly("0", "1", "2");
    assertThat(csvColumn(df.out(), "loss")).containsExactly("1.0", "0.5", "0.3333333333333333");
  }

  /** One column of CSV that has no quoted cells (these tests' CSV has none). */
  static List<String> csvColumn(String csv, String column) {
    String[] lines = csv.split("\r\n");
    List<String> header = List.of(lines[0].split(",", -1));
    int c = header.indexOf(column);
    assertThat(c).as("column %s in %s", column, header).isNotNegative();
    List<String> out = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      assertThat(lines[i]).as("a CSV line without quotes").doesNotContain("\"");
      out.add(lines[i].split(",", -1)[c]);
    }
    return out;
  }
}
