package dev.flordb;

import static dev.flordb.TestProjects.florDir;
import static dev.flordb.TestProjects.lines;
import static dev.flordb.TestProjects.train;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged record files, made by hand in real repositories: every read that finds damage says so,
 * naming the file (and the line), and a file whose run's snapshot holds the records it lost is
 * repaired from git, its damaged bytes kept beside it.
 */
class RecordDamageTest {
  @TempDir Path tmp;
  Path repo;
  TestProjects.Run run;
  byte[] intact;

  @BeforeEach
  void oneFinishedRun() throws IOException {
    repo = TestProjects.emptyRepo(tmp);
    run = train(repo, 0.1, 2, 3);
    intact = Files.readAllBytes(run.recordFile());
  }

  /** A read through a store of its own: the table, and the warnings it gave (each once). */
  private record Read(Table table, List<String> warnings) {}

  private Read read(String... names) {
    List<String> warnings = new ArrayList<>();
    try (Snapshots git = Snapshots.open(repo); Store store = Store.open(florDir(repo), git, warnings::add)) {
      Table t = store.dataframe(names);
      store.dataframe(names); // a second read by the same store says nothing new
      return new Read(t, warnings);
    }
  }

  private String status() {
    return TestProjects.query(repo, "SELECT status FROM runs WHERE run_id = '" + run.runId() + "'").row(0).getString("status");
  }

  private void damageLine3() throws IOException {
    List<String> lines = new ArrayList<>(lines(run.recordFile()));
    assertThat(lines.get(2)).contains("\"name\":\"loss\"");
    lines.set(2, "{\"run\": this is not json");
    Files.write(run.recordFile(), lines, StandardCharsets.UTF_8);
  }

  private void deleteDatabase() throws IOException {
    for (String f : List.of("flor.db", "flor.db-wal", "flor.db-shm")) Files.deleteIfExists(florDir(repo).resolve(f));
  }

  private List<Path> damagedCopies() throws IOException {
    try (Stream<Path> s = Files.list(run.recordFile().getParent())) {
      return s.filter(p -> p.getFileName().toString().startsWith(run.runId() + ".jsonl.damaged-")).toList();
    }
  }

  /** Removes refs/flor/runs/RUN, as if the run's snapshot had never been written. */
  static void deleteRunRef(Path repo, String runId) {
    try (Repository r = new FileRepositoryBuilder().setWorkTree(repo.toFile()).setMustExist(true).build()) {
      RefUpdate u = r.updateRef(Snapshots.REF_PREFIX + runId);
      u.setForceUpdate(true);
      assertThat(u.delete()).isIn(RefUpdate.Result.FORCED, RefUpdate.Result.NO_CHANGE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aLineDamagedInTheMiddleIsRepairedFromTheRunsSnapshotAndTheDamagedFileIsKeptBesideIt() throws IOException {
    damageLine3();
    deleteDatabase();

    Read r = read("loss");

    assertThat(r.table().size()).isEqualTo(2 * 3);
    assertThat(r.table().column("loss").get(0)).isEqualTo(TestProjects.loss(0.1, 0, 0));
    assertThat(Files.readAllBytes(run.recordFile())).isEqualTo(intact);
    assertThat(damagedCopies()).singleElement()
        .satisfies(p -> assertThat(Files.readString(p)).contains("{\"run\": this is not json"));
    assertThat(r.warnings()).singleElement().satisfies(w -> assertThat(w)
        .startsWith(run.recordFile() + " was damaged; 1 record was restored from the run's snapshot commit"
            + " (refs/flor/runs/" + run.runId() + ")")
        .contains("the damaged file is kept as " + damagedCopies().get(0)));
    assertThat(status()).isEqualTo("finished");
    assertThat(read("loss").warnings()).as("once repaired, nothing to say").isEmpty();
  }

  @Test
  void aFileCutInHalfAfterItWasReadIsReportedAndRepairedFromTheRunsSnapshot() throws IOException {
    assertThat(read("loss").warnings()).isEmpty();
    try (RandomAccessFile raf = new RandomAccessFile(run.recordFile().toFile(), "rw")) {
      raf.setLength(intact.length / 2);
    }

    Read r = read("loss");

    assertThat(r.warnings()).singleElement().satisfies(w -> assertThat(w)
        .startsWith(run.recordFile() + " was damaged; ").contains(" records were restored from the run's snapshot"));
    assertThat(Files.readAllBytes(run.recordFile())).isEqualTo(intact);
    assertThat(r.table().size()).isEqualTo(2 * 3);
    assertThat(status()).isEqualTo("finished");
  }

  @Test
  void aDamagedLineThatGitCannotRepairIsReportedByEveryReadNamingTheFileAndTheLine() throws IOException {
    damageLine3();
    deleteDatabase();
    deleteRunRef(repo, run.runId());

    for (int read = 0; read < 2; read++) {
      Read r = read("loss");
      assertThat(r.table().size()).isEqualTo(2 * 3 - 1);
      assertThat(r.warnings()).as("read " + read).containsExactly(run.recordFile() + " line 3 is not a valid record"
          + " (malformed JSON at offset 8: expected true); it was skipped. It could not be repaired from the run's"
          + " snapshot: the run has no snapshot commit to repair it from.");
    }
    assertThat(damagedCopies()).isEmpty();
  }

  @Test
  void aRecordWhoseRunIdIsNotARunIdIsRefusedAsDamageAndNotListed() throws IOException {
    String crafted = "{\"run\":\"../../x\",\"seq\":0,\"t\":1,\"ctx\":[],\"kind\":\"run\",\"name\":\"run\",\"type\":\"json\","
        + "\"value\":{\"format\":1,\"projid\":\"proj\",\"tstamp\":\"2026-01-01T00:00:00.000Z\",\"filename\":\"Evil.java\"},"
        + "\"src\":\"forward\"}\n";
    Files.writeString(run.recordFile(), crafted, StandardOpenOption.APPEND);
    int line = lines(run.recordFile()).size();
    deleteDatabase();

    Read r = read();

    assertThat(TestProjects.query(repo, "SELECT run_id FROM runs").column("run_id")).containsExactly(run.runId());
    assertThat(r.warnings()).singleElement().satisfies(w -> assertThat(w)
        .startsWith(run.recordFile() + " line " + line + " has the run id \"../../x\", which is not a run id"
            + " (such as 20261126-055006-123-4f3a9c); it was skipped."));
  }

  @Test
  void aRecordOfAnotherRunInARunsFileIsRefusedAsDamage() throws IOException {
    Path other = run.recordFile().resolveSibling("20260101-000000-000-abcdef.jsonl");
    Files.write(other, List.of(lines(run.recordFile()).get(0)), StandardCharsets.UTF_8);

    Read r = read();

    assertThat(TestProjects.query(repo, "SELECT run_id FROM runs").column("run_id")).containsExactly(run.runId());
    assertThat(r.warnings()).singleElement().satisfies(w -> assertThat(w)
        .startsWith(other + " line 1 is a record of run " + run.runId() + ", not of run 20260101-000000-000-abcdef"
            + " that the file is named after; it was skipped."));
  }

  @Test
  void aFileNotNamedAsARecordFileIsNotReadAndEveryReadSaysSo() throws IOException {
    Path stray = run.recordFile().resolveSibling("..evil.jsonl");
    Files.write(stray, intact);
    deleteDatabase();

    for (int read = 0; read < 2; read++) {
      assertThat(read().warnings()).containsExactly(stray + " is not named as a record file is (<run id>.jsonl,"
          + " a run id such as 20261126-055006-123-4f3a9c): it was not read. Move it out of " + stray.getParent() + ".");
    }
    assertThat(TestProjects.query(repo, "SELECT count(*) AS n FROM runs").row(0).getLong("n")).isEqualTo(1L);
  }

  @Test
  void theFileOfARunThatIsStillRunningIsNeverReplacedOnlyReported() throws IOException {
    Path file;
    try (Session s = TestProjects.session(repo).start()) {
      s.log("x", 1);
      s.read(st -> st.dataframe("x")); // flushed
      file = s.recordFile();
      Files.writeString(file, "garbage\n", StandardOpenOption.APPEND);
      int line = lines(file).size();
      List<String> warnings = new ArrayList<>();
      try (Snapshots git = Snapshots.open(repo); Store store = Store.open(florDir(repo), git, warnings::add)) {
        store.sync();
      }
      assertThat(warnings).containsExactly(file + " line " + line + " is not a valid record (malformed JSON at"
          + " offset 0: unexpected character 'g'); it was skipped. It could not be repaired from the run's snapshot: its"
          + " run is still running.");
      s.log("y", 2);
    }
    // the end of the run committed the file, garbage and all: git holds no intact copy either
    List<String> after = new ArrayList<>();
    try (Snapshots git = Snapshots.open(repo); Store store = Store.open(florDir(repo), git, after::add)) {
      assertThat(store.dataframe().row(1).toMap()).containsEntry("x", 1L).containsEntry("y", 2L);
    }
    assertThat(after).singleElement().satisfies(w -> assertThat(w)
        .contains("It could not be repaired from the run's snapshot: the snapshot's copy is damaged too"));
    assertThat(Files.readString(file)).contains("garbage");
  }
  @Test
  void aProgramReadingTheStoreIsToldOnItsStandardErrorOnceWhatIsDamaged() throws IOException {
    damageLine3();
    deleteRunRef(repo, run.runId());
    TestProjects.Output out = new TestProjects.Output();
    try (Session s = TestProjects.session(repo, out).start()) {
      s.read(st -> st.dataframe("loss"));
      s.read(st -> st.query("SELECT count(*) FROM logs"));
      s.read(st -> st.dataframe("acc"));
    }
    assertThat(out.err()).isEqualTo("flordb: " + run.recordFile() + " line 3 is not a valid record (malformed JSON at"
        + " offset 8: expected true); it was skipped. It could not be repaired from the run's snapshot: the run has no"
        + " snapshot commit to repair it from.\n");
  }
  @Test
  void theIdsSessionsMakeAreRunIdsAsTheStoreReadsThem() {
    for (long millis : new long[] {0L, System.currentTimeMillis(), 253_402_300_799_999L}) { // up to 9999-12-31
      String id = Session.newId(millis);
      assertThat(dev.flordb.internal.records.RecordFormat.isRunId(id)).as(id).isTrue();
      assertThat(dev.flordb.internal.records.RecordFormat.runOfFile(id + ".jsonl")).isEqualTo(id);
      assertThat(dev.flordb.internal.records.RecordFormat.runOfFile(id + ".replay-" + Session.newId(millis) + ".jsonl")).isEqualTo(id);
    }
    assertThat(dev.flordb.internal.records.RecordFormat.isRunId("../../x")).isFalse();
  }
}
