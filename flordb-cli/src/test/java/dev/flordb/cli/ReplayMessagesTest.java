package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code flordb replay} says when it cannot do what was asked: messages that do not mislead. */
class ReplayMessagesTest {
  static final String PROGRAM = """
      import dev.flordb.Flor;

      public class Train {
        public static void main(String[] args) {
          double w = 1;
          for (int epoch : Flor.loop("epoch", 0, 3)) {
            w *= 0.5;
            Flor.log("loss", w);
            if (epoch == 1) {
              Flor.commit();
              Runtime.getRuntime().halt(1); // a crash: no shutdown hook, no end record
            }
          }
        }
      }
      """;

  @Test
  void aCrashedRunThatIsNotReplayedIsNotCalledOneThatHasTheValuesAndASyntaxErrorIsReportedAsOne(@TempDir Path tmp) {
    Project p = Project.init(tmp.resolve("repo"));
    p.write("Train.java", PROGRAM);
    p.commitAll("train");
    assertThat(ChildJvm.source(p.dir, "Train.java").run().exitCode()).isEqualTo(1);
    assertThat(p.runs()).singleElement().satisfies(r -> assertThat(r.getString("status")).isEqualTo("crashed"));

    String today = PROGRAM.replace("      Flor.log(\"loss\", w);\n", "      Flor.log(\"loss\", w);\n      Flor.log(\"w\", w);\n");
    p.write("Train.java", today);
    Project.Cli crashed = p.cli("replay", "w", "--yes");

    assertThat(crashed.exit()).as(crashed.toString()).isZero();
    assertThat(crashed.out()).contains("Not replayed: 1 run not finished (crashed)\n")
        .contains("Nothing to replay: 1 run that lacks the values did not finish, and replay needs a run that finished.")
        .doesNotContain("every run");

    p.write("Train.java", today.replace("      w *= 0.5;\n", "      w *= 0.5\n"));
    Project.Cli broken = p.cli("replay", "w", "--dry-run");

    assertThat(broken.exit()).as(broken.toString()).isEqualTo(2);
    assertThat(broken.err()).startsWith("flordb: today's Train.java has a syntax error at line 7, column 15: ';' expected; fix it, then replay")
        .contains("; fix it, then replay").doesNotContain("has no Flor.log");

    Project.Cli byLine = p.cli("replay", "@9", "--dry-run");
    assertThat(byLine.err()).startsWith("flordb: today's Train.java has a syntax error at line 7, column 15: ';' expected; fix it, then replay");
  }
}
