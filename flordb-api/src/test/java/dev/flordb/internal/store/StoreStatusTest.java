package dev.flordb.internal.store;

import static dev.flordb.TestProjects.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.FlorException;
import dev.flordb.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the store says about each run (running, finished, failed, crashed: the last when the
 * process that wrote it is gone without an end record), and which databases it opens: its own
 * schema version, an older one that it brings up to date, never a newer one.
 */
class StoreStatusTest {
  private static final String RUN = "20260101-000000-000-aaaaaa";

  @TempDir Path tmp;
  RunFiles files;

  @BeforeEach
  void project() {
    files = new RunFiles(tmp);
  }

  private String status(String run) {
    Table t = files.query("SELECT status FROM runs WHERE run_id = '" + run + "'");
    return t.size() == 0 ? null : (String) t.row(0).get("status");
  }

  /** A process that has ended: its id, and when it started. */
  private static long[] endedProcess() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long started = p.toHandle().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    p.waitFor();
    return new long[] {p.pid(), started};
  }

  // ---------------------------------------------------------------- crashed-run detection

  @Test
  void aRunWithoutAnEndRecordWhoseProcessLivesIsRunningAndOnceItEndsItIsFinished() {
    RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z").log("x", 1L).flush();
    assertThat(status(RUN)).isEqualTo("running");
    w.close();
    assertThat(status(RUN)).isEqualTo("finished");
  }

  @Test
  void aRunWithoutAnEndRecordWhoseProcessHasEndedCrashed() throws Exception {
    long[] gone = endedProcess();
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z", gone[0], gone[1])) {
      w.log("x", 1L).noEnd();
    }
    assertThat(status(RUN)).isEqualTo("crashed");
    assertThat(files.dataframe("x").column("x")).as("its records are kept").containsExactly(1L);
  }

  @Test
  void aRunWhoseProcessIdWasTakenByAnotherProcessCrashed() {
    ProcessHandle me = ProcessHandle.current();
    long otherStart = me.info().startInstant().orElseThrow().toEpochMilli() - 3_600_000; // this id, an hour earlier
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z", me.pid(), otherStart)) {
      w.log("x", 1L).noEnd();
    }
    assertThat(status(RUN)).isEqualTo("crashed");
  }

  @Test
  void aRunThatSaysItFailedStaysFailedWhateverItsProcess() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log("x", 1L).end = "failed";
    }
    assertThat(status(RUN)).isEqualTo("failed");
    assertThat(status(RUN)).as("a second read").isEqualTo("failed");
  }

  @Test
  void aRunFirstSeenWithoutItsHeaderIsCrashedAndRunningOnceItsHeaderNamesALiveProcess() throws IOException {
    // the header line comes after a record, as when the file's start was cut and later repaired
    Path tmpFiles = tmp.resolve("other");
    RunFiles other = new RunFiles(tmpFiles);
    other.run(RUN, "2026-01-01T00:00:00Z").log("x", 1L).noEnd().close();
    List<String> lines = Files.readAllLines(other.file(RUN + ".jsonl"), StandardCharsets.UTF_8);
    Path f = files.file(RUN + ".jsonl");
    Files.writeString(f, lines.get(1) + "\n", StandardCharsets.UTF_8);
    assertThat(status(RUN)).isEqualTo("crashed");
    Files.writeString(f, lines.get(0) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    assertThat(status(RUN)).isEqualTo("running");
    assertThat(files.dataframe("x").column("x")).as("the record read before the header is the run's").containsExactly(1L);
  }

  // ---------------------------------------------------------------- schema versions

  private void writeSchemaVersion(String version) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + files.florDir.resolve(Store.DB_FILE));
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)");
      s.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '" + version + "')");
    }
  }

  @Test
  void aNewStoreSaysItsSchemaVersionAndOpensAgainWithWhatItHeld() {
    files.run(RUN, "2026-01-01T00:00:00Z").log("x", 1L).close();
    assertThat(files.query("SELECT value FROM meta WHERE key = 'schema_version'").column("value"))
        .containsExactly(String.valueOf(Store.SCHEMA_VERSION));
    assertThat(files.query("SELECT count(*) AS n FROM logs WHERE name = 'x'").column("n")).containsExactly(1L);
    assertThat(files.query("SELECT count(*) AS n FROM meta").column("n")).containsExactly(1L);
  }

  @Test
  void aStoreOfANewerSchemaVersionIsRefusedWithWhatToDoAndLeftAsItWas() throws SQLException {
    writeSchemaVersion(String.valueOf(Store.SCHEMA_VERSION + 1));
    Path db = files.florDir.resolve(Store.DB_FILE);
    assertThatThrownBy(files::open).isInstanceOf(FlorException.class).hasMessage(db + " has schema version "
        + (Store.SCHEMA_VERSION + 1) + ", newer than this flordb reads (at most " + Store.SCHEMA_VERSION + "). Use the"
        + " newer flordb, or rebuild the database for this one with 'flordb unpack' (the record files are kept).");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'")) {
      rs.next();
      assertThat(rs.getString(1)).as("no table of this version was added").isEqualTo("meta");
    }
  }

  @Test
  void aStoreOfThisSchemaVersionIsOpenedAsItIs() throws SQLException {
    files.run(RUN, "2026-01-01T00:00:00Z").log("x", 1L).close();
    assertThat(files.dataframe("x").column("x")).containsExactly(1L);
    writeSchemaVersion(String.valueOf(Store.SCHEMA_VERSION));
    assertThat(files.dataframe("x").column("x")).containsExactly(1L);
    assertThat(files.query("SELECT value FROM meta WHERE key = 'schema_version'").column("value"))
        .containsExactly(String.valueOf(Store.SCHEMA_VERSION));
  }

  @Test
  void aStoreOfSchemaVersionTwoGetsTheDataframesPacksFromItsRowsWhenOpened() throws SQLException {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.arg("lr", 0.1);
      for (int e = 0; e < 2; e++) {
        for (int st = 0; st < 3; st++) w.log(RunFiles.at(RunFiles.at("epoch", e), "step", st), "loss", e + st / 10.0);
        w.log(RunFiles.at("epoch", e), "acc", List.of(e, "x"));
      }
    }
    List<List<Object>> before = rows(files.dataframe("lr", "loss", "acc"));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + files.florDir.resolve(Store.DB_FILE));
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE packs"); // as version 2 had it: the rows only
    }
    writeSchemaVersion("2");
    assertThat(rows(files.dataframe("lr", "loss", "acc"))).isEqualTo(before).hasSize(6);
    assertThat(files.query("SELECT value FROM meta WHERE key = 'schema_version'").column("value"))
        .containsExactly(String.valueOf(Store.SCHEMA_VERSION));
  }

  private static final String SUMMARIES = "SELECT rid, kind, name, in_loop, source, type, n, lo, hi, last, at FROM summaries"
      + " ORDER BY rid, kind, name, in_loop, source, type";

  @Test
  void theSummariesWrittenWithTheRowsAreTheAggregateOfTheRowsAndAStoreOfSchemaVersionThreeGetsThemWhenOpened()
      throws SQLException {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.arg("lr", 0.1);
      w.log("note_to_self", "first");
      for (int st = 0; st < 4; st++) w.log(RunFiles.at("step", st), "loss", new double[] {3.0, Double.NaN, 1.0, 2.0}[st]);
      w.flush();
      assertThat(files.query("SELECT n FROM summaries WHERE name = 'loss'").column("n")).containsExactly(4L);
      w.log(RunFiles.at("step", 4), "loss", Double.POSITIVE_INFINITY);
      w.log(RunFiles.at("step", 5), "loss", 7L);
      w.log(RunFiles.at("step", 6), "loss", "diverged");
      w.log(RunFiles.at("step", 7), "loss", 0.5);
      w.log("note_to_self", "second");
    }
    try (RunFiles.Writer r = files.replay(RUN, "20260102-000000-000-bbbbbb")) {
      r.log(RunFiles.at("step", 1), "loss", -1.0);
    }
    Table written = files.query(SUMMARIES);
    assertThat(rows(files.query("SELECT n, lo, hi, last FROM summaries WHERE name = 'loss' AND kind = 'log'"
        + " ORDER BY source, type"))).containsExactly(
            List.of(6L, 0.5, 3.0, 0.5), List.of(1L, 7L, 7L, 7L), java.util.Arrays.asList(1L, null, null, "diverged"),
            List.of(1L, -1.0, -1.0, -1.0));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + files.florDir.resolve(Store.DB_FILE));
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE summaries"); // as version 3 had it
    }
    writeSchemaVersion("3");
    assertThat(rows(files.query(SUMMARIES))).as("made from the rows").isEqualTo(rows(written));
    assertThat(files.query("SELECT value FROM meta WHERE key = 'schema_version'").column("value"))
        .containsExactly(String.valueOf(Store.SCHEMA_VERSION));
  }
}
