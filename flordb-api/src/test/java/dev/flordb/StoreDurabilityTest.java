package dev.flordb;

import static dev.flordb.TestProjects.dataframe;
import static dev.flordb.TestProjects.florDir;
import static dev.flordb.TestProjects.lines;
import static dev.flordb.TestProjects.query;
import static dev.flordb.TestProjects.recordFiles;
import static dev.flordb.TestProjects.train;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record files are the truth; the query database is a cache that can always be rebuilt. */
class StoreDurabilityTest {
  @TempDir Path tmp;
  Path repo;
  TestProjects.Run first;
  TestProjects.Run second;

  @BeforeEach
  void twoRuns() {
    repo = TestProjects.emptyRepo(tmp);
    first = train(repo, 0.1, 2, 3);
    second = train(repo, 0.01, 2, 3);
  }

  /** Everything a user would look at, as text. */
  private String everything() {
    return dataframe(repo).toCsv() + dataframe(repo, "lr", "loss", "acc").toCsv()
        + dataframe(repo, "prof::epoch::iterations").toCsv();
  }

  private Store.UnpackReport unpack() {
    try (Snapshots git = Snapshots.open(repo)) {
      return Store.unpack(florDir(repo), git);
    }
  }

  private void deleteDatabase() throws IOException {
    for (String f : List.of("flor.db", "flor.db-wal", "flor.db-shm")) Files.deleteIfExists(florDir(repo).resolve(f));
  }

  @Test
  void aRunOfAMebibyteOfRecordsIsInTheStoreWhenItEndsAndReadsAsItsRecordFileSays() throws Exception {
    TestProjects.Run big = train(repo, 0.5, 4, 2_000);
    long size = Files.size(big.recordFile());
    assertThat(size).isGreaterThanOrEqualTo(1 << 20);
    // the database as the runs left it, read without a sync: the large run's file whole, the small ones not yet
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + florDir(repo).resolve(Store.DB_FILE));
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT f.path, f.offset, f.lines, r.status,"
            + " (SELECT count(*) FROM logs l WHERE l.rid = r.rid) FROM files f JOIN runs r ON r.run_id = f.run_id")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(big.recordFile().getFileName().toString());
      assertThat(rs.getLong(2)).isEqualTo(size);
      assertThat(rs.getLong(3)).isEqualTo(lines(big.recordFile()).size());
      assertThat(rs.getString(4)).isEqualTo("finished");
      assertThat(rs.getLong(5)).isEqualTo(lines(big.recordFile()).size() - 1); // the header is the run's row
      assertThat(rs.next()).isFalse();
    }
    String stored = everything();
    deleteDatabase();
    assertThat(everything()).isEqualTo(stored);
  }

  @Test
  void aRunThatComputesMoreThanItLogsHasItsRecordsInTheStoreBeforeItEnds() throws Exception {
    Path db = florDir(repo).resolve(Store.DB_FILE);
    try (dev.flordb.internal.run.Session s = dev.flordb.internal.run.Session.builder(repo).program("Train.java").quiet(true).start()) {
      for (int e : s.loop("epoch", 0, 30_000)) s.log("loss", 1.0 / (e + 1)); // about 1.5 MiB, then it computes
      s.commit();
      long stored = 0;
      // the run goes on; its records reach the store on the storing thread (without a read that syncs)
      for (int i = 0; i < 200 && stored == 0; i++) {
        Thread.sleep(100);
        stored = loggedRows(db, s.runId());
      }
      assertThat(stored).as("records of the running run in the store").isGreaterThanOrEqualTo(30_000);
    }
  }

  /** The rows of a run in the database as the run's own threads left it, read without a sync. */
  private static long loggedRows(Path db, String runId) throws java.sql.SQLException {
    if (!Files.exists(db)) return 0;
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
        java.sql.PreparedStatement st = c.prepareStatement("SELECT count(*) FROM logs l JOIN runs r ON r.rid = l.rid WHERE r.run_id = ?")) {
      st.setString(1, runId);
      try (java.sql.ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    } catch (java.sql.SQLException e) {
      return 0; // not made yet, or being written: look again
    }
  }

  private static long count(Table t) {
    return t.row(0).getLong(t.columns().get(0));
  }

  @Test
  void unpackAfterTheDatabaseIsDeletedGivesTheSameDataframe() throws IOException {
    String before = everything();
    deleteDatabase();
    Store.UnpackReport report = unpack();
    assertThat(report.runs()).isEqualTo(2);
    assertThat(report.filesRestored()).isZero();
    assertThat(report.warnings()).isEmpty();
    assertThat(everything()).isEqualTo(before);
  }

  @Test
  void aDeletedDatabaseIsAlsoRebuiltByTheNextRead() throws IOException {
    String before = everything();
    deleteDatabase();
    assertThat(everything()).isEqualTo(before);
  }

  @Test
  void unpackRestoresDeletedRecordFilesFromTheRunSnapshots() throws IOException {
    String before = everything();
    Map<String, String> files = recordFiles(repo);
    deleteDatabase();
    try (Stream<Path> s = Files.list(florDir(repo).resolve("records"))) {
      for (Path f : (Iterable<Path>) s::iterator) Files.delete(f);
    }
    Store.UnpackReport report = unpack();
    assertThat(report.filesRestored()).isEqualTo(2);
    assertThat(report.runs()).isEqualTo(2);
    assertThat(recordFiles(repo)).isEqualTo(files);
    assertThat(everything()).isEqualTo(before);
  }

  @Test
  void unpackRestoresARecordFileLargerThanJgitKeepsInMemory() throws IOException {
    // Over 50 MiB: JGit hands such blobs out only as streams.
    String padding = "x".repeat(200);
    String runId;
    try (var s = TestProjects.session(repo).start()) {
      runId = s.runId();
      for (int i : s.loop("step", 0, 300_000)) s.log("line", padding + i);
    }
    Path file = florDir(repo).resolve("records").resolve(runId + ".jsonl");
    long size = Files.size(file);
    assertThat(size).isGreaterThan(60L << 20);
    Files.delete(file);

    unpack();

    assertThat(Files.size(file)).isEqualTo(size);
    assertThat(query(repo, "SELECT count(*) AS n FROM logs WHERE name = 'line'").row(0).getLong("n"))
        .isEqualTo(300_000L);
  }

  @Test
  void aCutLastLineKeepsEveryEarlierRecordAndIsReadOnceItIsComplete() throws IOException {
    Path file = first.recordFile();
    byte[] whole = Files.readAllBytes(file);
    int recordsInFile = lines(file).size() - 1; // the first line is the run's header
    deleteDatabase();
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(whole.length - 5); // a crash in the middle of the last line
    }

    String sql = "SELECT count(*) FROM logs l JOIN runs r ON r.rid = l.rid WHERE r.run_id = '" + first.runId() + "'";
    assertThat(count(query(repo, sql))).isEqualTo(recordsInFile - 1);
    Table seqs = query(repo, "SELECT seq FROM logs l JOIN runs r ON r.rid = l.rid WHERE r.run_id = '"
        + first.runId() + "' ORDER BY seq");
    List<Object> expected = new ArrayList<>();
    for (long i = 1; i < recordsInFile; i++) expected.add(i);
    assertThat(seqs.column("seq")).isEqualTo(expected);
    assertThat(dataframe(repo, "loss").size()).isEqualTo(2 * 2 * 3);

    Files.write(file, Arrays.copyOfRange(whole, whole.length - 5, whole.length), StandardOpenOption.APPEND);
    assertThat(count(query(repo, sql))).isEqualTo(recordsInFile);
    assertThat(query(repo, "SELECT status FROM runs WHERE run_id = '" + first.runId() + "'").column("status"))
        .containsExactly("finished");
  }

  @Test
  void aMalformedLineWithoutAnIntactCopyInGitIsSkippedWithAWarningAndTheOthersAreKept() throws IOException {
    Path file = first.recordFile();
    List<String> lines = new ArrayList<>(lines(file));
    // line 3: the first loss (epoch 0, step 0), after the header and the arg
    assertThat(lines.get(2)).contains("\"name\":\"loss\"");
    lines.set(2, "{\"run\": this is not json");
    Files.write(file, lines, StandardCharsets.UTF_8);
    deleteDatabase();
    RecordDamageTest.deleteRunRef(repo, first.runId()); // no snapshot to repair it from

    try (Snapshots git = Snapshots.open(repo); Store store = Store.open(florDir(repo), git)) {
      Table loss = store.dataframe("loss");
      assertThat(loss.size()).isEqualTo(2 * 2 * 3 - 1);
      assertThat(loss.column("epoch").subList(0, 2)).containsExactly(0L, 0L);
      assertThat(loss.column("step").subList(0, 2)).containsExactly(1L, 2L);
      assertThat(store.warnings()).singleElement().satisfies(w -> assertThat(w)
          .contains(first.runId() + ".jsonl line 3 is not a valid record").contains("skipped")
          .contains("could not be repaired from the run's snapshot: the run has no snapshot commit"));
    }
  }

  @Test
  void aDamagedDatabaseIsReportedWithTheFixAndUnpackRepairsItWithoutTouchingTheRecords() throws IOException {
    String before = everything();
    Map<String, String> files = recordFiles(repo);
    deleteDatabase();
    byte[] garbage = "this is not an SQLite database, just garbage bytes. ".repeat(200).getBytes(StandardCharsets.UTF_8);
    Files.write(florDir(repo).resolve("flor.db"), garbage);

    assertThatThrownBy(() -> dataframe(repo, "loss"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("flor.db")
        .hasMessageContaining("flordb unpack");

    unpack();
    assertThat(everything()).isEqualTo(before);
    assertThat(recordFiles(repo)).isEqualTo(files);
  }

  @Test
  void aQueryWithASyntaxErrorReportsSqlitesMessage() {
    assertThatThrownBy(() -> query(repo, "SELEC name FROM logs"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("near \"SELEC\": syntax error");
  }

  @Test
  void aQueryThatWouldChangeTheStoreIsRefusedAndChangesNothing() {
    long before = count(query(repo, "SELECT count(*) FROM logs"));
    assertThat(before).isGreaterThan(0);
    assertThatThrownBy(() -> query(repo, "DELETE FROM logs"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("tried to change the store");
    assertThatThrownBy(() -> query(repo, "DROP TABLE runs"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("tried to change the store");
    assertThat(count(query(repo, "SELECT count(*) FROM logs"))).isEqualTo(before);
    assertThat(dataframe(repo).size()).isEqualTo(2);
  }

  @Test
  void theRunsTableKnowsEachRunsStatusVersionAndArgs() throws IOException {
    Table runs = query(repo, "SELECT run_id, status, version, args FROM runs ORDER BY tstamp");
    assertThat(runs.column("run_id")).containsExactly(first.runId(), second.runId());
    assertThat(runs.column("status")).containsExactly("finished", "finished");
    assertThat(runs.column("version")).containsExactly(first.commit().name(), second.commit().name());
    assertThat(runs.column("args")).containsExactly("{\"lr\":0.1}", "{\"lr\":0.01}");
  }

  @Test
  void readingTwiceStoresNothingTwice() {
    long n = count(query(repo, "SELECT count(*) FROM logs"));
    deleteDatabaseQuietly();
    assertThat(count(query(repo, "SELECT count(*) FROM logs"))).isEqualTo(n);
    assertThat(count(query(repo, "SELECT count(*) FROM logs"))).isEqualTo(n);
    long lines = lines(first.recordFile()).size() + lines(second.recordFile()).size() - 2;
    assertThat(n).isEqualTo(lines);
  }

  private void deleteDatabaseQuietly() {
    try {
      deleteDatabase();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
  @Test
  void aRunMarkedFailedShowsAsFailedWithItsError() {
    try (var s = TestProjects.session(repo).start()) {
      s.log("x", 1);
      s.failed(new IllegalStateException("out of memory in epoch 3"));
    }
    Table t = query(repo, "SELECT status, error FROM runs WHERE status <> 'finished'");
    assertThat(TestProjects.rows(t)).containsExactly(
        List.of("failed", "java.lang.IllegalStateException: out of memory in epoch 3"));
  }
  @Test
  void aVersionOneDatabaseIsBroughtUpToVersionTwoWhenOpenedAndKeepsWhatItHeld() throws Exception {
    deleteDatabase();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + florDir(repo).resolve("flor.db"));
        java.sql.Statement s = c.createStatement()) {
      TestProjects.createSchemaVersionOne(s);
    }
    String expected = dataframe(repo, "loss").toCsv(); // read through the migrated database

    assertThat(query(repo, "SELECT value FROM meta WHERE key = 'schema_version'").column("value")).containsExactly("4");
    assertThat(query(repo, "SELECT count(*) AS n FROM runs WHERE code_version IS NOT NULL").row(0).getLong("n")).isEqualTo(2L);
    assertThat(query(repo, "SELECT DISTINCT position FROM records WHERE name = 'acc' ORDER BY position").column("position"))
        .containsExactly("epoch=0", "epoch=1");
    deleteDatabase();
    assertThat(dataframe(repo, "loss").toCsv()).as("as a database made by version 2").isEqualTo(expected);
  }
}
