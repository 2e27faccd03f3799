package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program run from a working directory in another repository is recorded there, but its code
 * is not in that repository's snapshot: the run says so when it starts, and replay says so up
 * front instead of failing weeks later.
 */
class ProgramOutsideItsRepositoryTest {
  @TempDir Path tmp;

  @Test
  void theRunWarnsAtItsStartAndReplaySkipsItWithTheReason() {
    Project home = Project.init(tmp.resolve("home"));
    Project elsewhere = Project.init(tmp.resolve("elsewhere"));
    Path program = home.write("Train.java", """
        import dev.flordb.Flor;
        public class Train {
          public static void main(String[] args) {
            for (int e : Flor.loop("epoch", 0, 2)) Flor.log("loss", 1.0 / (e + 1));
          }
        }
        """);
    home.commitAll("the program");
    ChildJvm.Finished run = ChildJvm.source(elsewhere.dir, program.toString()).run();
    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).contains(program + " is not in " + elsewhere.dir + ", the repository of the working directory")
        .contains("cannot be replayed");

    Project.Cli replay = elsewhere.cli("replay", "loss", "--file", "Train.java", "--dry-run");
    assertThat(replay.out() + replay.err()).contains("whose program was outside this repository when they ran");
  }
}
