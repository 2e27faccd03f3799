package dev.flordb.internal.store;

import static dev.flordb.internal.store.RunFiles.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.FlorException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage the store finds in record files it cannot repair (these runs have no snapshots): what it
 * keeps, what it skips, and what it says, once; and the files it refuses to misread.
 */
class StoreDamageTest {
  private static final String RUN = "20260101-000000-000-aaaaaa";
  private static final String REPLAY = "20260102-000000-000-bbbbbb";
  private static final String NO_SNAPSHOT =
      "It could not be repaired from the run's snapshot: the run has no snapshot commit to repair it from.";

  @TempDir Path tmp;
  RunFiles files;
  Path file;

  @BeforeEach
  void project() {
    files = new RunFiles(tmp);
    file = files.file(RUN + ".jsonl");
  }

  private long count(String name) {
    return files.query("SELECT count(*) AS n FROM logs WHERE name = '" + name + "'").row(0).getLong("n");
  }

  /** A finished run of {@code n} values of x, its lines as written. */
  private List<String> finishedRun(int n) throws IOException {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      for (int i = 0; i < n; i++) w.log(at("step", i), "x", (long) i);
    }
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  private void write(List<String> lines) throws IOException {
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  @Test
  void unreadableLinesAreSkippedTheOthersKeptAndTheFirstReportedWithHowManyMore() throws IOException {
    List<String> lines = finishedRun(5);
    lines.set(2, "{\"run\": not json");
    lines.set(4, "garbage");
    lines.set(5, "more garbage");
    write(lines);
    assertThat(count("x")).isEqualTo(2);
    assertThat(files.warnings).singleElement().asString().startsWith(file + " line 3 is not a valid record (")
        .endsWith("; it was skipped, and 2 more lines of the file could not be read. " + NO_SNAPSHOT);
  }

  @Test
  void oneMoreUnreadableLineIsSaidInTheSingular() throws IOException {
    List<String> lines = finishedRun(3);
    lines.set(1, "garbage");
    lines.set(3, "garbage");
    write(lines);
    assertThat(count("x")).isEqualTo(1);
    assertThat(files.warnings).singleElement().asString()
        .endsWith("; it was skipped, and 1 more line of the file could not be read. " + NO_SNAPSHOT);
  }

  @Test
  void aBlankLineIsNoDamage() throws IOException {
    List<String> lines = finishedRun(3);
    lines.add(2, "");
    write(lines);
    assertThat(count("x")).isEqualTo(3);
    assertThat(files.warnings).isEmpty();
    assertThat(files.query("SELECT bad_lines FROM files").column("bad_lines")).containsExactly(0L);
  }

  @Test
  void aLastLineCutShortInARunThatEndedIsReported() throws IOException {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z", 0, 0)) { // no process: it crashed
      for (int i = 0; i < 3; i++) w.log(at("step", i), "x", (long) i);
      w.noEnd();
    }
    long size = Files.size(file);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size - 5); // the newline and the end of the last record
    }
    assertThat(count("x")).isEqualTo(2);
    assertThat(files.warnings).containsExactly(file + " ends in a line cut short (" + lastLineLength(size - 5)
        + " bytes without a newline), which was not read: its run stopped while writing it, or the file was cut. "
        + NO_SNAPSHOT);
  }

  private long lastLineLength(long size) throws IOException {
    byte[] b = Files.readAllBytes(file);
    int start = (int) size;
    while (start > 0 && b[start - 1] != '\n') start--;
    return size - start;
  }

  @Test
  void aLastLineCutShortInARunThatRunsOnIsNotDamage() {
    RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z"); // this process: it runs on
    w.log(at("step", 0), "x", 0L).flush();
    try {
      Files.writeString(file, "{\"run\":\"" + RUN + "\",\"seq\":2", java.nio.file.StandardOpenOption.APPEND);
      assertThat(count("x")).isEqualTo(1);
      assertThat(files.warnings).isEmpty();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      w.close();
    }
  }

  @Test
  void aFileShorterThanWhatWasReadIsReportedAndTheRecordsReadBeforeAreKept() throws IOException {
    List<String> lines = finishedRun(5);
    assertThat(count("x")).isEqualTo(5);
    long read = Files.size(file);
    write(lines.subList(0, 3));
    long size = Files.size(file);
    assertThat(count("x")).isEqualTo(5);
    assertThat(files.warnings).containsExactly(file + " is shorter (" + size + " bytes) than what was already read from"
        + " it (" + read + " bytes): it was cut, and the store keeps the records it read before. " + NO_SNAPSHOT);
  }

  @Test
  void aDamagedReplayFileIsReportedAsSuch() throws IOException {
    finishedRun(1);
    try (RunFiles.Writer r = files.replay(RUN, REPLAY)) {
      r.log(at("step", 0), "norm", 1.0).log(at("step", 0), "norm2", 2.0);
    }
    Path replay = files.file(RUN + ".replay-" + REPLAY + ".jsonl");
    List<String> lines = new ArrayList<>(Files.readAllLines(replay, StandardCharsets.UTF_8));
    lines.set(1, "garbage");
    Files.writeString(replay, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    assertThat(count("norm2")).isEqualTo(1);
    assertThat(files.warnings).singleElement().asString().startsWith(replay + " line 2 is not a valid record (")
        .endsWith("; it was skipped. It is a replay's file, which the run's snapshot does not hold.");
  }

  @Test
  void aRecordFileOfANewerFormatIsNotMisreadButRefusedWithWhatToDo() throws IOException {
    List<String> lines = finishedRun(1);
    lines.set(0, lines.get(0).replace("\"format\":1", "\"format\":2"));
    write(lines);
    assertThatThrownBy(() -> count("x")).isInstanceOf(FlorException.class).hasMessage(RUN + ".jsonl has record format 2,"
        + " newer than this flordb reads (at most 1). Use the newer flordb to read it.");
  }

  @Test
  void aDamagedDatabaseIsReportedWithHowToRebuildIt() throws IOException {
    Path db = files.florDir.resolve(Store.DB_FILE);
    Files.writeString(db, "this is not a database, but long enough to look like one at first".repeat(100));
    assertThatThrownBy(files::open).isInstanceOf(FlorException.class).hasMessageStartingWith(db + " is damaged ([SQLITE_NOTADB]")
        .hasMessageEndingWith("). It is only a cache of the record files, which are intact: run 'flordb unpack' to"
            + " rebuild it.");
  }

  @Test
  void unpackRebuildsTheDatabaseAlsoOverTheLeftoversOfAnUnpackThatDied() throws IOException {
    finishedRun(4);
    Files.writeString(files.florDir.resolve(Store.DB_FILE + ".unpack-" + ProcessHandle.current().pid()), "garbage");
    Files.writeString(files.florDir.resolve(Store.DB_FILE), "garbage");
    Store.UnpackReport report = Store.unpack(files.florDir, null);
    assertThat(report.runs()).isEqualTo(1);
    assertThat(report.records()).isEqualTo(5); // 4 values and the end (the header is the run's row)
    assertThat(count("x")).isEqualTo(4);
    try (var s = Files.list(files.florDir)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".unpack-"));
    }
  }

  @Test
  void aLineCutShortWhileItsRunRanIsNotReportedOnceItIsCompleteAndTheRunEnded() throws IOException {
    RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z"); // this process: it runs on
    w.log(at("step", 0), "x", 0L).flush();
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    try (Store s = files.open()) { // one store, read twice, as a long-lived reader does
      w.log(at("step", 1), "x", 1L).close();
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      String last = all.get(all.size() - 1);
      String x1 = all.get(all.size() - 2);
      write(lines);
      Files.writeString(file, x1.substring(0, 20), java.nio.file.StandardOpenOption.APPEND); // being written
      assertThat(s.query("SELECT count(*) AS n FROM logs WHERE name = 'x'").row(0).getLong("n")).isEqualTo(1);
      Files.writeString(file, x1.substring(20) + "\n" + last + "\n", java.nio.file.StandardOpenOption.APPEND);
      assertThat(s.query("SELECT count(*) AS n FROM logs WHERE name = 'x'").row(0).getLong("n")).isEqualTo(2);
      assertThat(s.query("SELECT status FROM runs").column("status")).containsExactly("finished");
    }
    assertThat(files.warnings).isEmpty();
  }
}
