package dev.flordb.internal.records;

import static dev.flordb.internal.records.WriterFixture.NEVER;
import static dev.flordb.internal.records.WriterFixture.logValues;
import static dev.flordb.internal.records.WriterFixture.range;
import static dev.flordb.internal.records.WriterFixture.values;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.store.Store;
import dev.flordb.testing.FaultyFileChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where records wait while their file cannot be written, and how they get back: the spill places
 * of a project, tried in order; a spill file that continues its record file exactly; and the
 * recovery, by the next read, of what an ended program left, which never touches a spill whose
 * writer still runs or one that no longer fits its record file.
 */
class SpillTest {
  @TempDir Path tmp;
  WriterFixture fx;
  Path flor;
  Path meta;

  @BeforeEach
  void fixture() {
    fx = new WriterFixture(tmp);
    flor = tmp.resolve("repo/.flor");
    meta = fx.spillRoot.resolve(fx.file.getFileName() + ".spill.json");
  }

  /** A program that wrote 10 records, then spilled the next ones, and ended before space returned. */
  private void programEndedWithASpill() throws IOException {
    RecordWriter w = fx.open(NEVER, 4096);
    logValues(w, 0, 10);
    w.flush();
    fx.recordChannel.diskFull();
    logValues(w, 10, 3000);
    w.close();
    assertThat(fx.spilled).exists();
  }

  /** Says, in the spill's metadata, that its writer is the process {@code pid}. */
  private void writerIs(long pid) throws IOException {
    Files.writeString(meta, Files.readString(meta).replaceFirst("\"pid\":\\d+", "\"pid\":" + pid));
  }

  @Test
  void aSpillWhoseWriterStillRunsIsLeftToIt() throws IOException {
    programEndedWithASpill(); // the metadata names this process, which runs on
    long before = Files.size(fx.file);
    assertThat(Spill.recover(flor, List.of(fx.spillRoot))).isEmpty();
    assertThat(Files.size(fx.file)).isEqualTo(before);
    assertThat(fx.spilled).exists();
    assertThat(meta).exists();
  }

  @Test
  void aSpillThatNoLongerContinuesItsRecordFileIsKeptAndSaidSo() throws IOException {
    programEndedWithASpill();
    writerIs(999_999_999);
    long offset = Files.size(fx.file);
    Files.writeString(fx.file, "{}\n", java.nio.file.StandardOpenOption.APPEND); // the file moved on
    List<String> said = Spill.recover(flor, List.of(fx.spillRoot));
    assertThat(said).containsExactly(fx.spilled + " holds records of " + fx.file.getFileName() + " from byte " + offset
        + ", but that file has " + (offset + 3) + " bytes; it is kept for you to look at");
    assertThat(fx.spilled).exists();
    Files.write(fx.file, new byte[0]); // emptied
    assertThat(Spill.recover(flor, List.of(fx.spillRoot))).containsExactly(fx.spilled + " holds records of "
        + fx.file.getFileName() + " from byte " + offset + ", but that file has 0 bytes; it is kept for you to look at");
  }

  @Test
  void aSpillWhoseRecordFileIsGoneIsKeptAndSaidSo() throws IOException {
    programEndedWithASpill();
    writerIs(999_999_999);
    long offset = Files.size(fx.file);
    Files.delete(fx.file);
    assertThat(Spill.recover(flor, List.of(fx.spillRoot))).containsExactly(fx.spilled + " holds records of "
        + fx.file.getFileName() + " from byte " + offset + ", but that file has gone; it is kept for you to look at");
    assertThat(fx.spilled).exists();
  }

  @Test
  void aSpillWithUnreadableMetadataStaysWhereItIs() throws IOException {
    programEndedWithASpill();
    Files.writeString(meta, "not json");
    List<String> said = Spill.recover(flor, List.of(fx.spillRoot));
    assertThat(said).singleElement().asString().startsWith("could not put back the records kept in " + fx.spilled + " (")
        .endsWith("); they stay there");
    assertThat(fx.spilled).exists();
  }

  @Test
  void aSpillPlaceThatCannotBeMadeIsPassedOverForTheNext() throws IOException {
    Path blocked = tmp.resolve("blocked");
    Files.writeString(blocked, "a file where the directory would be");
    Path second = tmp.resolve("second");
    RecordWriter w = new RecordWriter(fx.file, "20260101-000000-000-abcdef", NEVER, fx.warnings::add,
        (f, recordFile) -> {
          FaultyFileChannel c = new FaultyFileChannel(RecordWriter.Opener.FILES.open(f, recordFile));
          if (recordFile) c.diskFull();
          return c;
        }, new Spill(List.of(blocked.resolve("spill"), second), fx.file), 4096);
    logValues(w, 0, 3000);
    w.close();
    Path spilled = second.resolve(fx.file.getFileName());
    assertThat(spilled).exists();
    assertThat(fx.warnings.get(0)).contains("then in " + spilled + ",");
    assertThat(fx.warnings).last().asString().contains("they are kept in " + spilled);
    List<String> said = Spill.recover(flor, List.of(blocked.resolve("spill"), second));
    assertThat(said).isEmpty(); // this process wrote it, and runs on
  }

  @Test
  void aProjectsSpillPlacesAreUnderTheTemporaryDirectoryThenTheUsersCacheNamedAfterTheProject() {
    Path project = tmp.resolve("my-project");
    List<Path> roots = Spill.roots(project, null, "/var/tmp", "/home/ann");
    String key = roots.get(0).getFileName().toString();
    assertThat(key).matches("my-project-[0-9a-f]{12}");
    assertThat(roots).containsExactly(
        Path.of("/var/tmp", "flordb-spill", key),
        Path.of("/home/ann", ".cache", "flordb", "spill", key));
    assertThat(Spill.roots(tmp.resolve("my-project/../my-project"), null, "/var/tmp", "/home/ann")).isEqualTo(roots);
    assertThat(Spill.roots(tmp.resolve("other").resolve("my-project"), null, "/var/tmp", "/home/ann").get(0))
        .isNotEqualTo(roots.get(0));
    assertThat(Spill.roots(project, null, "/var/tmp", null)).containsExactly(roots.get(0));
  }

  @Test
  void theSpillDirectoryPropertyReplacesBothPlacesWithOneNamedAfterTheProject() {
    Path project = tmp.resolve("my-project");
    String key = Spill.roots(project, null, "/var/tmp", "/home/ann").get(0).getFileName().toString();
    assertThat(Spill.roots(project, "/build/spill", "/var/tmp", "/home/ann")).containsExactly(Path.of("/build/spill", key));
    assertThat(Spill.roots(project, "", "/var/tmp", "/home/ann")).hasSize(2); // empty is unset
  }

  @Test
  void theTestsOfThisBuildSpillUnderADirectoryOfTheBuildNotTheMachinesTemporaryDirectory() {
    // set by the parent pom for every module's tests, and passed on to child JVMs by ChildJvm
    String dir = System.getProperty(Spill.DIR_PROPERTY);
    assertThat(dir).as(Spill.DIR_PROPERTY).isNotBlank();
    assertThat(Path.of(dir)).isNotEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "flordb-spill"));
    assertThat(Spill.defaultRoots(tmp.resolve("repo"))).singleElement().extracting(Path::getParent).isEqualTo(Path.of(dir));
  }

  @Test
  void theNextReadOfTheStorePutsBackWhatAnEndedProgramSpilledAndSaysSo() throws IOException {
    // the spill of this project's record file, where the program would have put it
    List<Path> roots = Spill.defaultRoots(tmp.resolve("repo"));
    Path root = roots.get(0);
    try {
      RecordWriter w = new RecordWriter(fx.file, "20260101-000000-000-abcdef", NEVER, fx.warnings::add,
          (f, recordFile) -> {
            FaultyFileChannel c = new FaultyFileChannel(RecordWriter.Opener.FILES.open(f, recordFile));
            if (recordFile) fx.recordChannel = c;
            return c;
          }, new Spill(List.of(root), fx.file), 4096);
      logValues(w, 0, 10);
      w.flush();
      fx.recordChannel.diskFull();
      logValues(w, 10, 3000);
      w.close();
      Path spilled = root.resolve(fx.file.getFileName());
      Path spillMeta = root.resolve(fx.file.getFileName() + ".spill.json");
      long bytes = Files.size(spilled);
      Files.writeString(spillMeta, Files.readString(spillMeta).replaceFirst("\"pid\":\\d+", "\"pid\":999999999"));
      List<String> warnings = new ArrayList<>();
      long n;
      try (Store s = Store.open(flor, null, warnings::add)) {
        n = s.query("SELECT count(*) AS n FROM logs WHERE name = 'x'").row(0).getLong("n");
      }
      assertThat(n).isEqualTo(3000);
      assertThat(warnings).contains("put back " + bytes + " bytes of records that a full disk had kept in " + spilled
          + " into " + flor.resolve("records").resolve(fx.file.getFileName()));
      assertThat(values(fx.file)).isEqualTo(range(3000));
      assertThat(spilled).doesNotExist();
    } finally {
      if (Files.exists(root)) {
        try (Stream<Path> s = Files.walk(root)) {
          for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
      }
    }
  }

  @Test
  void aSpillFileHoldsTheBytesThatContinueItsRecordFile() throws IOException {
    programEndedWithASpill();
    String meta = Files.readString(this.meta, StandardCharsets.UTF_8);
    assertThat(meta).contains("\"record_file\":\"" + fx.file.toAbsolutePath() + "\"")
        .contains("\"offset\":" + Files.size(fx.file) + ",").contains("\"host\":\"" + Liveness.hostName() + "\"")
        .contains("\"pid\":" + ProcessHandle.current().pid() + ",")
        .contains("\"pid_start_ms\":" + ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli() + ",");
    assertThat(Files.readString(fx.spilled)).startsWith("{\"run\":\"20260101-000000-000-abcdef\",\"seq\":10,");
  }
}
