package dev.flordb.internal.records;

import static dev.flordb.internal.records.WriterFixture.NEVER;
import static dev.flordb.internal.records.WriterFixture.logValues;
import static dev.flordb.internal.records.WriterFixture.range;
import static dev.flordb.internal.records.WriterFixture.values;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keep-and-retry path after a failed write: what the writer keeps (in memory up to its bound,
 * then in the spill file), when it writes it back, what it says, and what it reports lost when
 * the program ends with nowhere to put the records.
 */
class RecordWriterRetryTest {
  @TempDir Path tmp;

  /** The exact size of the lines of x = from .. to-1 as a healthy writer writes them (in a place of its own). */
  private long bytesOf(String place, int from, int to) throws IOException {
    WriterFixture healthy = new WriterFixture(tmp.resolve(place));
    RecordWriter w = healthy.open();
    logValues(w, from, to);
    w.close();
    return healthy.size();
  }

  private static String firstWarning(WriterFixture fx, int maxUnwrittenMiB) {
    return "could not write records to " + fx.file + " (No space left on device); the program goes on and the records"
        + " are kept: in memory (up to " + maxUnwrittenMiB + " MiB), then in " + fx.spilled + ", and written to "
        + fx.file.getFileName() + " when space returns. Free disk space or fix permissions.";
  }

  private static String writtenAgain(WriterFixture fx) {
    return "records are written to " + fx.file + " again; none was lost";
  }

  @Test
  void afterSpaceReturnsTheNextFlushWritesTheKeptRecordsEvenWithNothingNewLogged() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    RecordWriter w = fx.open();
    assertThat(w.behind()).isFalse();
    fx.recordChannel.diskFull();
    logValues(w, 0, 10);
    w.flush();
    assertThat(w.behind()).isTrue();
    assertThat(fx.size()).isZero();
    fx.recordChannel.spaceReturns();
    w.flush(); // nothing new: the retry alone
    assertThat(values(fx.file)).isEqualTo(range(10));
    assertThat(w.behind()).isFalse();
    assertThat(fx.warnings).containsExactly(firstWarning(fx, 1), writtenAgain(fx));
    w.close();
    assertThat(fx.warnings).hasSize(2);
  }

  @Test
  void flushedSizeIsWhatTheFileHoldsAlsoWhenADiskFullCutARecord() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    RecordWriter w = fx.open();
    logValues(w, 0, 10);
    long size = w.flushedSize(); // flushes first
    assertThat(size).isPositive().isEqualTo(fx.size());
    fx.recordChannel.bytesBeforeFull = 50; // the next record is cut after 50 bytes
    logValues(w, 10, 20);
    assertThat(w.flushedSize()).isEqualTo(size + 50).isEqualTo(fx.size());
    fx.recordChannel.spaceReturns();
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(20));
  }

  @Test
  void aDiskThatFreesALittleSpaceAtATimeTakesTheKeptRecordsInOrderAsSpaceAllows() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    RecordWriter w = fx.open();
    fx.recordChannel.diskFull();
    logValues(w, 0, 50);
    w.flush();
    fx.recordChannel.bytesBeforeFull = 100; // part of one record
    w.flush();
    assertThat(fx.size()).isEqualTo(100);
    fx.recordChannel.bytesBeforeFull = 1000;
    logValues(w, 50, 60);
    w.flush();
    assertThat(fx.size()).isEqualTo(1100);
    assertThat(w.behind()).isTrue();
    fx.recordChannel.spaceReturns();
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(60));
    assertThat(fx.warnings).containsExactly(firstWarning(fx, 1), writtenAgain(fx));
  }

  @Test
  void aFileThatTakesNoBytesIsTakenForAFullDiskNotWaitedOnForever() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    RecordWriter w = fx.open();
    fx.recordChannel.maxBytesPerWrite = 0; // every write returns 0
    logValues(w, 0, 10);
    w.flush();
    assertThat(w.behind()).isTrue();
    assertThat(fx.warnings).singleElement().asString()
        .startsWith("could not write records to " + fx.file + " (the file takes no more bytes)");
    fx.recordChannel.maxBytesPerWrite = Integer.MAX_VALUE;
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(10));
  }

  @Test
  void upToItsMemoryBoundTheWriterKeepsRecordsInMemoryAndBeyondItSpills() throws IOException {
    long bound = bytesOf("measure", 0, 10);
    WriterFixture fx = new WriterFixture(tmp.resolve("run"));
    RecordWriter w = fx.open(NEVER, (int) bound);
    fx.recordChannel.diskFull();
    logValues(w, 0, 10); // exactly the bound
    w.flush();
    w.flush();
    assertThat(fx.spilled).as("at the bound, still in memory").doesNotExist();
    logValues(w, 10, 11); // one record beyond
    w.flush();
    assertThat(fx.spilled).exists();
    assertThat(Files.size(fx.spilled)).isGreaterThan(bound);
    fx.recordChannel.spaceReturns();
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(11));
    assertThat(fx.spilled).doesNotExist();
  }

  @Test
  void theWarningsSayOnceEachThatRecordsAreKeptThatTheySpilledAndThatTheyAreWrittenAgain() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    RecordWriter w = fx.open(NEVER, 1 << 20);
    fx.recordChannel.diskFull();
    logValues(w, 0, 10); // in memory
    w.flush();
    logValues(w, 10, 20_000); // beyond 1 MiB: spilled
    w.flush();
    w.flush();
    logValues(w, 20_000, 20_010); // after the spilled ones
    w.flush();
    assertThat(fx.spilled).exists();
    assertThat(fx.warnings).containsExactly(firstWarning(fx, 1),
        "records for " + fx.file.getFileName() + " are now kept in " + fx.spilled);
    fx.recordChannel.spaceReturns();
    w.flush();
    assertThat(fx.spilled).doesNotExist();
    assertThat(fx.spillChannel.isOpen()).as("the spill file is closed once written back").isFalse();
    assertThat(w.flushedSize()).as("the bytes written back count as written").isEqualTo(fx.size());
    assertThat(fx.warnings).last().isEqualTo(writtenAgain(fx));
    logValues(w, 20_010, 20_020);
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(20_020));
    assertThat(fx.warnings).hasSize(3);
  }

  @Test
  void whenTheSpillPlaceIsFullTooTheRecordsStayInMemoryAndNoneIsLostOnceSpaceReturns() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    fx.spillFull = true;
    RecordWriter w = fx.open(NEVER, 4096);
    fx.recordChannel.diskFull();
    logValues(w, 0, 3000);
    w.flush();
    w.flush();
    logValues(w, 3000, 3100);
    w.flush();
    fx.recordChannel.spaceReturns();
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(3100));
    assertThat(fx.warnings).containsExactly(firstWarning(fx, 0), writtenAgain(fx));
  }

  @Test
  void whenTheProgramEndsWithBothPlacesFullTheLastWarningSaysHowManyBytesAreLost() throws IOException {
    long lost = bytesOf("measure", 0, 100);
    WriterFixture fx = new WriterFixture(tmp.resolve("run"));
    fx.spillFull = true;
    RecordWriter w = fx.open(NEVER, 1 << 20);
    fx.recordChannel.diskFull();
    logValues(w, 0, 100);
    w.close();
    assertThat(fx.size()).isZero();
    assertThat(fx.warnings).containsExactly(firstWarning(fx, 1),
        "the last " + lost + " bytes of records of this run could be written neither to " + fx.file + " nor to "
            + fx.spilled + " and are lost");
  }

  @Test
  void whenTheProgramEndsFirstTheRecordsInMemoryJoinTheSpilledOnesAndBothFilesAreClosed() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    RecordWriter w = fx.open(NEVER, 4096);
    logValues(w, 0, 10);
    w.flush();
    long written = fx.size();
    fx.recordChannel.diskFull();
    logValues(w, 10, 3000); // spilled
    w.flush();
    logValues(w, 3000, 3010); // in memory when the program ends
    w.close();
    assertThat(fx.recordChannel.isOpen()).isFalse();
    assertThat(fx.spillChannel.isOpen()).isFalse();
    assertThat(fx.warnings).last().isEqualTo("the last records of this run could not be written to " + fx.file
        + "; they are kept in " + fx.spilled + " and any flordb command puts them back once there is space");
    // what the spill file holds continues the record file exactly
    byte[] whole = new byte[(int) (written + Files.size(fx.spilled))];
    byte[] head = Files.readAllBytes(fx.file);
    byte[] tail = Files.readAllBytes(fx.spilled);
    System.arraycopy(head, 0, whole, 0, head.length);
    System.arraycopy(tail, 0, whole, head.length, tail.length);
    Path joined = tmp.resolve("joined.jsonl");
    Files.write(joined, whole);
    assertThat(values(joined)).isEqualTo(range(3010));
    assertThat(head.length).isEqualTo(written);
    assertThat(Files.readString(fx.spillRoot.resolve(fx.file.getFileName() + ".spill.json")))
        .contains("\"offset\":" + written + ",");
  }

  @Test
  void whenTheProgramEndsWithItsKeptRecordsOnlyInMemoryTheyGoToTheSpillFile() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    RecordWriter w = fx.open(NEVER, 1 << 20);
    fx.recordChannel.diskFull();
    logValues(w, 0, 10); // well under the memory bound
    w.flush();
    assertThat(fx.spilled).doesNotExist();
    w.close();
    assertThat(fx.warnings).last().isEqualTo("the last records of this run could not be written to " + fx.file
        + "; they are kept in " + fx.spilled + " and any flordb command puts them back once there is space");
    assertThat(values(fx.spilled)).isEqualTo(range(10));
  }

  @Test
  void whenNoSpillPlaceCanBeMadeTheRecordsStayInMemoryUntilSpaceReturns() throws IOException {
    WriterFixture fx = new WriterFixture(tmp);
    Files.writeString(tmp.resolve("elsewhere"), "a file where the spill directory would be");
    RecordWriter w = fx.open(NEVER, 4096);
    fx.recordChannel.diskFull();
    logValues(w, 0, 3000); // beyond the memory bound
    w.flush();
    w.flush();
    fx.recordChannel.spaceReturns();
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(3000));
    assertThat(fx.warnings).containsExactly(firstWarning(fx, 0), writtenAgain(fx));
  }
}
