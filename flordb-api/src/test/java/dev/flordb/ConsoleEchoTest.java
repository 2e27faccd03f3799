package dev.flordb;

import static dev.flordb.TestProjects.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.TestProjects.Output;
import dev.flordb.internal.run.Session;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What FlorDB prints itself: the echo of logged values and, on a terminal, progress. */
class ConsoleEchoTest {
  @TempDir Path tmp;

  @Test
  void logAndArgEchoNameAndValueWithTheEnclosingLoopPositions() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output output = new Output();
    try (Session s = session(repo, output, "--kwargs", "lr=0.1").quiet(false).start()) {
      s.arg("lr", 0.01);
      for (int e : s.loop("epoch", 0, 2)) {
        for (int st : s.loop("step", 0, 1)) s.log("loss", 1.5);
        s.log("weights", new int[] {1, 2});
      }
    }
    assertThat(output.out()).isEqualTo(""
        + "lr: 0.1\n"
        + "[epoch=0 step=0] loss: 1.5\n"
        + "[epoch=0] weights: [1,2]\n"
        + "[epoch=1 step=0] loss: 1.5\n"
        + "[epoch=1] weights: [1,2]\n");
    assertThat(output.err()).isEmpty(); // not a terminal: no progress bars
  }

  @Test
  void aQuietSessionPrintsNothingButStillRecords() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output output = new Output();
    try (Session s = session(repo, output).start()) {
      for (int e : s.loop("epoch", 0, 2)) s.log("loss", 1.5);
    }
    assertThat(output.out()).isEmpty();
    assertThat(output.err()).isEmpty();
    assertThat(TestProjects.dataframe(repo, "loss").size()).isEqualTo(2);
  }

  @Test
  void quietCanBeTurnedOnDuringTheRun() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output output = new Output();
    try (Session s = session(repo, output).quiet(false).start()) {
      s.log("a", 1);
      s.quiet(true);
      s.log("b", 2);
    }
    assertThat(output.out()).isEqualTo("a: 1\n");
  }

  @Test
  void onATerminalALoopShowsProgressOnTheErrorStreamAndClearsIt() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output output = new Output();
    try (Session s = session(repo, output).quiet(false).interactive(true).start()) {
      for (int e : s.loop("epoch", 0, 3)) {
        // nothing logged: only the progress bar
      }
    }
    assertThat(output.err()).contains("\repoch 3/3 [========================] ").endsWith("\r\u001b[K");
    assertThat(output.out()).isEmpty();
  }
}
