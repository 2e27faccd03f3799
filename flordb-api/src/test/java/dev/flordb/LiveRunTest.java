package dev.flordb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a kill of a running program would lose is bounded by the flush period: the records it
 * logged reach its record file, and so every read, while it runs, without a commit or an end.
 */
class LiveRunTest {
  @TempDir Path tmp;

  private static long count(Path repo, String runId, String name) {
    return TestProjects.query(repo, "SELECT count(*) AS n FROM logs l JOIN runs r ON r.rid = l.rid WHERE r.run_id = '"
        + runId + "' AND l.name = '" + name + "'").row(0).getLong("n");
  }

  @Test
  void aRunningProgramsRecordsAreReadWithinTheFlushPeriodWithoutACommit() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = TestProjects.session(repo).flushMillis(20).start()) {
      for (int e : s.loop("epoch", 0, 3)) s.log("loss", 1.0 + e);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // only turns a hang into a failure
      while (count(repo, s.runId(), "loss") < 3 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      assertThat(count(repo, s.runId(), "loss")).isEqualTo(3);
      assertThat(TestProjects.query(repo, "SELECT status FROM runs WHERE run_id = '" + s.runId() + "'").column("status"))
          .containsExactly("running");
    }
  }
}
