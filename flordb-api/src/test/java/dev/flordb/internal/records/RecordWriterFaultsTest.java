package dev.flordb.internal.records;

import dev.flordb.testing.FaultyFileChannel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, short writes and a failing fsync never stop the program and never lose a record:
 * the writer keeps what it could not write (in memory, then in a spill file elsewhere), writes it
 * in order once space returns, and leaves it where the store puts it back when the program ends first.
 */
class RecordWriterFaultsTest {
  @TempDir Path tmp;
  Path file;
  Path spillRoot;
  FaultyFileChannel recordChannel;
  FaultyFileChannel spillChannel;
  final List<String> warnings = new CopyOnWriteArrayList<>();

  @BeforeEach
  void paths() throws IOException {
    Files.createDirectories(tmp.resolve("repo/.flor/records"));
    file = tmp.resolve("repo/.flor/records/run-1.jsonl");
    spillRoot = tmp.resolve("elsewhere");
  }

  /** A writer whose record file (and spill file) fail on demand; flushes only when asked (flushMillis huge). */
  private RecordWriter writer(int maxUnwrittenBytes) throws IOException {
    RecordWriter.Opener opener = (f, recordFile) -> {
      FaultyFileChannel c = new FaultyFileChannel(RecordWriter.Opener.FILES.open(f, recordFile));
      if (recordFile) recordChannel = c;
      else spillChannel = c;
      return c;
    };
    return new RecordWriter(file, "run-1", 3_600_000, warnings::add, opener, new Spill(List.of(spillRoot), file),
        maxUnwrittenBytes);
  }

  private static void logValues(RecordWriter w, int from, int to) {
    for (int i = from; i < to; i++) w.append(Frame.ROOT, "log", "x", Values.INT, (long) i, "forward");
  }

  /** The values of the "x" records in a file, in order. */
  private static List<Long> values(Path f) throws IOException {
    List<Long> out = new ArrayList<>();
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
      RecordFormat.Entry e = RecordFormat.parse(line);
      out.add((Long) e.value());
    }
    return out;
  }

  private static List<Long> range(int n) {
    List<Long> out = new ArrayList<>();
    for (long i = 0; i < n; i++) out.add(i);
    return out;
  }

  @Test
  void aFullDiskKeepsTheRecordsAndWritesThemInOrderWhenSpaceReturns() throws IOException {
    RecordWriter w = writer(1 << 20);
    logValues(w, 0, 100);
    w.flush();
    recordChannel.bytesBeforeFull = 1000; // part of the next batch fits: a record is cut in the middle
    logValues(w, 100, 5000);
    w.flush();
    w.flush();
    logValues(w, 5000, 6000);
    w.sync();
    assertThat(w.behind()).isTrue();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("could not write records to " + file).contains("No space left on device")
        .contains("the program goes on");
    recordChannel.spaceReturns();
    logValues(w, 6000, 7000);
    w.close();
    assertThat(values(file)).isEqualTo(range(7000));
    assertThat(warnings).last().asString().contains("written to " + file + " again; none was lost");
  }

  @Test
  void beyondItsMemoryBoundTheWriterSpillsToAnotherPlaceAndWritesBackFromThereFirst() throws IOException {
    RecordWriter w = writer(4096);
    recordChannel.diskFull();
    logValues(w, 0, 2000);
    w.flush();
    logValues(w, 2000, 4000);
    w.flush();
    Path spilled = spillRoot.resolve(file.getFileName());
    assertThat(spilled).exists();
    assertThat(warnings.get(0)).contains(spilled.toString());
    recordChannel.spaceReturns();
    logValues(w, 4000, 4500);
    w.close();
    assertThat(values(file)).isEqualTo(range(4500));
    assertThat(spilled).doesNotExist();
  }

  @Test
  void whenTheProgramEndsFirstTheSpilledRecordsArePutBackByTheNextRead() throws IOException {
    RecordWriter w = writer(4096);
    logValues(w, 0, 10);
    w.flush();
    recordChannel.diskFull();
    logValues(w, 10, 3000);
    w.close();
    Path spilled = spillRoot.resolve(file.getFileName());
    assertThat(spilled).exists();
    assertThat(warnings).last().asString().contains("they are kept in " + spilled)
        .contains("any flordb command puts them back");
    assertThat(values(file)).isEqualTo(range(10));

    // the program's process has ended: as it has here once the spill file says another pid
    Path meta = spillRoot.resolve(file.getFileName() + ".spill.json");
    Files.writeString(meta, Files.readString(meta).replaceFirst("\"pid\":\\d+", "\"pid\":999999999"));
    List<String> said = Spill.recover(tmp.resolve("repo/.flor"), List.of(spillRoot));
    assertThat(said).singleElement().asString().startsWith("put back ");
    assertThat(values(file)).isEqualTo(range(3000));
    assertThat(spilled).doesNotExist();
    assertThat(Spill.recover(tmp.resolve("repo/.flor"), List.of(spillRoot))).isEmpty();
  }

  @Test
  void shortWritesLoseNothing() throws IOException {
    RecordWriter w = writer(1 << 20);
    recordChannel.maxBytesPerWrite = 7;
    logValues(w, 0, 500);
    w.close();
    assertThat(values(file)).isEqualTo(range(500));
    assertThat(warnings).isEmpty();
  }

  @Test
  void aFailingFsyncIsReportedAndNothingIsThrown() throws IOException {
    RecordWriter w = writer(1 << 20);
    recordChannel.failForce = true;
    logValues(w, 0, 10);
    w.sync();
    assertThat(warnings).singleElement().asString().contains("could not force " + file + " to the disk");
    w.close();
    assertThat(values(file)).isEqualTo(range(10));
  }

  @Test
  void valuesAreRecordedAsTheyWereWhenLoggedAndAToStringThatThrowsIsRecordedNotThrown() throws IOException {
    RecordWriter w = writer(1 << 20);
    double[] weights = {0.1, 0.2};
    w.append(Frame.ROOT, "log", "w", Values.classify(weights), weights, "forward");
    weights[0] = 99; // changed before the flusher encodes the record
    Object broken = new Object() {
      @Override
      public String toString() {
        throw new IllegalStateException("not ready");
      }
    };
    w.append(Frame.ROOT, "log", "b", Values.REPR, broken, "forward");
    w.append(Frame.ROOT, "log", "d", Values.FLOAT, 1.0 / 3, "forward");
    w.close();
    List<String> lines = Files.readAllLines(file);
    assertThat(RecordFormat.parse(lines.get(0)).value()).isEqualTo(List.of(0.1, 0.2));
    assertThat((String) RecordFormat.parse(lines.get(1)).value()).contains("toString() threw").contains("not ready");
    assertThat(RecordFormat.parse(lines.get(2)).value()).isEqualTo(1.0 / 3);
    assertThat(warnings).singleElement().asString().contains("'b'").contains("not ready");
  }

  @Test
  void aThreadInterruptedWhileItWritesLosesNothingAndTheFileIsOpenedAgain() throws IOException {
    RecordWriter w = writer(1 << 20);
    logValues(w, 0, 100);
    Thread.currentThread().interrupt(); // the program cancels its work; an interrupted write closes the channel
    try {
      w.flush();
    } finally {
      Thread.interrupted();
    }
    logValues(w, 100, 200);
    w.close();
    assertThat(values(file)).isEqualTo(range(200));
    assertThat(warnings).last().asString().contains("none was lost");
  }

  @Test
  void closingWhileTheFlusherWritesLosesNothingToTheSpillFile() throws IOException {
    // a flusher that writes every millisecond is mostly inside a write when close() stops it
    for (int round = 0; round < 20; round++) {
      Path f = tmp.resolve("repo/.flor/records/run-" + round + ".jsonl");
      RecordWriter w = new RecordWriter(f, "run-" + round, 1, warnings::add,
          RecordWriter.Opener.FILES, new Spill(List.of(spillRoot), f), 1 << 20);
      logValues(w, 0, 20_000);
      w.close();
      assertThat(warnings).isEmpty();
      assertThat(values(f)).hasSize(20_000);
    }
  }
}
