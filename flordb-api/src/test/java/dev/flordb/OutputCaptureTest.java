package dev.flordb;

import static dev.flordb.TestProjects.query;
import static dev.flordb.TestProjects.rows;
import static dev.flordb.TestProjects.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.TestProjects.Output;
import dev.flordb.internal.run.Session;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the program prints becomes io:: records in its loop context, once, and printing goes on. */
class OutputCaptureTest {
  @TempDir Path tmp;
  PrintStream systemOut;
  PrintStream systemErr;

  @BeforeEach
  void saveStreams() {
    systemOut = System.out;
    systemErr = System.err;
  }

  @AfterEach
  void restoreStreams() {
    System.setOut(systemOut);
    System.setErr(systemErr);
  }

  private static List<List<Object>> captured(Path repo, String stream) {
    return rows(query(repo, "SELECT loop, iteration, value FROM records WHERE name = '" + stream + "' ORDER BY seq"));
  }

  @Test
  void printedLinesBecomeRecordsInTheirLoopContext() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).captureOutput(true).start()) {
      System.out.println("starting");
      for (int e : s.loop("epoch", 0, 2)) {
        System.out.print("epoch " + e);
        System.out.println(" begins");
      }
      System.err.println("a warning");
      System.out.print("no newline at the end");
    }
    assertThat(captured(repo, "io::stdout")).containsExactly(
        Arrays.asList(null, null, "starting"),
        List.of("epoch", 0L, "epoch 0 begins"),
        List.of("epoch", 1L, "epoch 1 begins"),
        Arrays.asList(null, null, "no newline at the end"));
    assertThat(captured(repo, "io::stderr")).containsExactly(Arrays.asList(null, null, "a warning"));
  }

  @Test
  void printedOutputStillReachesTheStreamAndTheEchoOfLogIsNotCaptured() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output output = new Output();
    try (Session s = session(repo, output).captureOutput(true).quiet(false).start()) {
      for (int e : s.loop("epoch", 0, 1)) {
        System.out.println("program line");
        s.log("acc", 0.75);
      }
    }
    assertThat(output.out()).isEqualTo("program line\n[epoch=0] acc: 0.75\n");
    assertThat(captured(repo, "io::stdout")).containsExactly(List.of("epoch", 0L, "program line"));
  }

  @Test
  void theSystemStreamsAreRestoredAtClose() {
    Path repo = TestProjects.emptyRepo(tmp);
    Session s = session(repo).captureOutput(true).start();
    PrintStream during;
    try (s) {
      during = System.out;
      assertThat(during).isNotSameAs(systemOut);
    }
    assertThat(System.out).isSameAs(systemOut);
    assertThat(System.err).isSameAs(systemErr);
  }

  @Test
  void whatIsPrintedAfterCloseIsNotRecorded() {
    Path repo = TestProjects.emptyRepo(tmp);
    Session s = session(repo).captureOutput(true).start();
    PrintStream during;
    try (s) {
      during = System.out;
      during.println("inside");
    }
    during.println("after close, through a stream kept by the program");
    assertThat(captured(repo, "io::stdout")).containsExactly(Arrays.asList(null, null, "inside"));
  }

  @Test
  void outputBeyondTheLimitIsLeftOutWithOneNote() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).captureOutput(true).captureLimitChars(25).start()) {
      for (int i = 0; i < 10; i++) System.out.println("line " + i);
    }
    assertThat(captured(repo, "io::stdout")).extracting(r -> r.get(2)).containsExactly(
        "line 0", "line 1", "line 2", "[flordb: output beyond 25 characters was not captured]");
  }

  @Test
  void withoutCaptureNothingIsRecordedAndTheStreamsAreNotReplaced() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      assertThat(System.out).isSameAs(systemOut);
      s.log("x", 1);
    }
    assertThat(captured(repo, "io::stdout")).isEmpty();
  }
}
