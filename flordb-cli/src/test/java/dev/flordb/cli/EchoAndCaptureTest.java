package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run prints in a pipe, and what of it is captured as records. */
class EchoAndCaptureTest {
  static final String ECHO = """
      import dev.flordb.Flor;

      public class Echo {
        public static void main(String[] args) {
          double lr = Flor.arg("lr", 0.5);
          for (int epoch : Flor.loop("epoch", 0, 2)) {
            for (int step : Flor.loop("step", 0, 2)) {
              Flor.log("loss", lr / (epoch + step + 1));
            }
            System.out.println("epoch " + epoch + " done");
          }
        }
      }
      """;

  @Test
  void aRunEchoesEachValueOnceWithItsLoopPositionsAndCapturesOnlyWhatTheProgramPrinted(@TempDir Path tmp) {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("Echo.java", ECHO);
    ChildJvm.Finished run = ChildJvm.source(project.dir, "Echo.java").echo().run().assertSucceeded();
    assertThat(run.out()).as("no progress bar in a pipe, nothing twice").isEqualTo("""
        lr: 0.5
        [epoch=0 step=0] loss: 0.5
        [epoch=0 step=1] loss: 0.25
        epoch 0 done
        [epoch=1 step=0] loss: 0.25
        [epoch=1 step=1] loss: 0.16666666666666666
        epoch 1 done
        """);
    assertThat(run.err()).isEmpty();
    String whose = project.runs().get(0).getString("tstamp") + ",Echo.java," + project.runs().get(0).getString("run_id");
    assertThat(project.cli("dataframe", "io::stdout", "--csv").out()).isEqualTo(
        "projid,tstamp,filename,run_id,epoch,io::stdout\r\n"
            + "proj," + whose + ",0,epoch 0 done\r\n"
            + "proj," + whose + ",1,epoch 1 done\r\n");
  }

  @Test
  void withFlorQuietARunPrintsOnlyWhatTheProgramPrints(@TempDir Path tmp) {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("Echo.java", ECHO);
    ChildJvm.Finished run = ChildJvm.source(project.dir, "Echo.java", "--kwargs", "lr=0.25").run().assertSucceeded();
    assertThat(run.out()).isEqualTo("epoch 0 done\nepoch 1 done\n");
    assertThat(run.err()).isEmpty();
    assertThat(project.cli("dataframe", "loss", "--csv").out()).endsWith(",1,1,0.08333333333333333\r\n");
  }
}
