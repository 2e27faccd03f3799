package dev.flordb.internal.records;

import static dev.flordb.internal.records.WriterFixture.NEVER;
import static dev.flordb.internal.records.WriterFixture.entries;
import static dev.flordb.internal.records.WriterFixture.logValues;
import static dev.flordb.internal.records.WriterFixture.range;
import static dev.flordb.internal.records.WriterFixture.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the record writer puts in a run's file while the disk is healthy: every record, in order,
 * numbered, encoded as it was when logged; written by a background flusher within its period, so
 * that a kill loses at most that much; and everything at close.
 */
class RecordWriterTest {
  /** How long a test waits for the flusher before it gives up: far beyond any period used here. */
  private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);

  @TempDir Path tmp;
  WriterFixture fx;

  @BeforeEach
  void fixture() {
    fx = new WriterFixture(tmp);
  }

  /** Waits (without a tight margin) until {@code done} holds; false if it never did. */
  private static boolean eventually(BooleanSupplier done) {
    long deadline = System.nanoTime() + PATIENCE_NANOS;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) return false;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
    return true;
  }

  private boolean fileHolds(int records) {
    try {
      return Files.size(fx.file) > 0 && Files.readAllLines(fx.file, StandardCharsets.UTF_8).size() == records;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void recordsReachTheFileWithinTheFlushPeriodWithoutAnyFlush() throws IOException {
    RecordWriter w = fx.open(20, 1 << 20);
    logValues(w, 0, 10);
    assertThat(eventually(() -> fileHolds(10))).as("the flusher wrote the records of its period").isTrue();
    assertThat(values(fx.file)).isEqualTo(range(10));
    logValues(w, 10, 20);
    assertThat(eventually(() -> fileHolds(20))).as("and those of the next period").isTrue();
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(20));
    assertThat(fx.warnings).isEmpty();
  }

  @Test
  void anAppendLeavesTheWritingToTheFlusher() throws IOException {
    RecordWriter w = fx.open(); // the flusher sleeps for an hour
    logValues(w, 0, 100);
    assertThat(fx.size()).as("the logging thread wrote nothing").isZero();
    w.flush();
    assertThat(values(fx.file)).isEqualTo(range(100));
    w.close();
  }

  @Test
  void manyWaitingRecordsWakeTheFlusherBeforeItsPeriod() throws IOException {
    RecordWriter w = fx.open(); // the flusher would sleep for an hour
    int n = 64 * 4096 + 1; // well beyond the batches waiting that wake it
    logValues(w, 0, n);
    assertThat(eventually(() -> {
      try {
        return fx.size() > 0;
      } catch (IOException e) {
        return false;
      }
    })).as("the flusher was woken").isTrue();
    w.close();
    List<String> lines = Files.readAllLines(fx.file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(n);
    assertThat(RecordFormat.parse(lines.get(0)).value()).isEqualTo(0L);
    assertThat(RecordFormat.parse(lines.get(n - 1)).value()).isEqualTo((long) n - 1);
  }

  @Test
  void aLoggingThreadFarAheadOfAStalledFlusherWritesTheBacklogItselfAndNothingIsLost() throws Exception {
    RecordWriter w = fx.open(); // the flusher runs only when woken by the records waiting
    CountDownLatch flusherWriting = new CountDownLatch(1);
    CountDownLatch diskAnswers = new CountDownLatch(1);
    fx.recordChannel.beforeWrite = () -> {
      if (!Thread.currentThread().getName().equals("flordb-record-flusher")) return;
      flusherWriting.countDown();
      try {
        diskAnswers.await(); // a disk that takes its time: the flusher waits in its write
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    int n = 2 * RecordWriter.MAX_WAITING_RECORDS;
    AtomicLong logged = new AtomicLong();
    Thread program = new Thread(() -> {
      for (int i = 0; i < n; i++) {
        w.append(Frame.ROOT, "log", "x", Values.INT, (long) i, "forward");
        logged.set(i + 1);
      }
    });
    program.start();
    assertThat(flusherWriting.await(PATIENCE_NANOS, TimeUnit.NANOSECONDS)).as("the flusher was woken").isTrue();
    // Records pile up while the flusher waits, until so many wait that the program's thread writes
    // them itself, which waits for the disk too: memory stays bounded.
    assertThat(eventually(() -> program.getState() == Thread.State.BLOCKED)).as("the program waits").isTrue();
    assertThat(logged.get()).isGreaterThan(RecordWriter.MAX_WAITING_RECORDS).isLessThan(n);
    diskAnswers.countDown();
    program.join();
    w.close();
    List<String> lines = Files.readAllLines(fx.file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(n);
    for (int i : new int[] {0, RecordWriter.MAX_WAITING_RECORDS, n - 1}) {
      assertThat(RecordFormat.parse(lines.get(i)).value()).isEqualTo((long) i);
    }
  }

  @Test
  void valuesKeptAsTheirBitsAndContextsKeptAsTheirLoopsPrefixReadBackExactlyAsLogged() throws IOException {
    RecordWriter w = fx.open();
    Frame epoch = new Frame(Frame.ROOT, "epoch", 3, null);
    Frame.Prefix steps = new Frame.Prefix(epoch, "step");
    Frame step = new Frame(epoch, "step", 12345678901L, null, steps);
    Frame doc = Frame.iteration(Frame.ROOT, "doc", -7, "a \u00e9 \"b\"");
    Object[] values = {1.0 / 3, -0.0, 1e-300, 6.02214076e23, Double.NaN, Double.NEGATIVE_INFINITY, 100.0,
        Long.MIN_VALUE, Long.MAX_VALUE, -1, (short) 7, (byte) -8, "\u00e9t\u00e9\n\"q\"", true, 2.5f};
    for (Object v : values) w.append(step, "log", "v", Values.classify(v), v, "forward");
    // one name under other kinds and types, and another source, alternating with the first
    w.append(doc, "arg", "v", Values.INT, 5L, "replay");
    w.append(step, "log", "v", Values.FLOAT, 0.1, "forward");
    w.append(Frame.ROOT, "prof", "v", Values.FLOAT, 0.2, "forward");
    w.close();
    List<RecordFormat.Entry> read = entries(fx.file);
    assertThat(read).hasSize(values.length + 3);
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      Object expected = v instanceof Double && !Double.isFinite((Double) v) ? v
          : v instanceof Float ? ((Float) v).doubleValue()
          : v instanceof Number && !(v instanceof Double) ? ((Number) v).longValue() : v;
      assertThat(read.get(i).value()).as("value %s", v).isEqualTo(expected);
      assertThat(read.get(i).ctx()).containsExactly(new RecordFormat.Position("epoch", 3, null),
          new RecordFormat.Position("step", 12345678901L, null));
    }
    assertThat(Double.doubleToRawLongBits((Double) read.get(1).value())).isEqualTo(Double.doubleToRawLongBits(-0.0));
    RecordFormat.Entry arg = read.get(values.length);
    assertThat(arg.kind()).isEqualTo("arg");
    assertThat(arg.type()).isEqualTo(Values.INT);
    assertThat(arg.source()).isEqualTo("replay");
    assertThat(arg.ctx()).containsExactly(new RecordFormat.Position("doc", -7, "a \u00e9 \"b\""));
    assertThat(read.get(values.length + 1).kind()).isEqualTo("log");
    assertThat(read.get(values.length + 1).source()).isEqualTo("forward");
    assertThat(read.get(values.length + 2).kind()).isEqualTo("prof");
    assertThat(read.get(values.length + 2).ctx()).isEmpty();
  }

  @Test
  void eachRecordCarriesTheSequenceNumberAppendReturnedAcrossBatchesAndFlushes() throws IOException {
    RecordWriter w = fx.open();
    List<Long> returned = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) returned.add(w.append(Frame.ROOT, "log", "x", Values.INT, (long) i, "forward"));
    w.flush();
    for (int i = 10_000; i < 10_010; i++) returned.add(w.append(Frame.ROOT, "log", "x", Values.INT, (long) i, "forward"));
    w.close();
    List<Long> seqs = new ArrayList<>();
    for (RecordFormat.Entry e : entries(fx.file)) seqs.add(e.seq());
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 10_010; i++) expected.add(i);
    assertThat(returned).isEqualTo(expected);
    assertThat(seqs).isEqualTo(expected);
  }

  @Test
  void appendingAfterCloseIsRefusedAndChangesNothing() throws IOException {
    RecordWriter w = fx.open();
    logValues(w, 0, 3);
    w.close();
    byte[] before = Files.readAllBytes(fx.file);
    assertThatThrownBy(() -> w.append(Frame.ROOT, "log", "x", Values.INT, 3L, "forward"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed").hasMessageContaining(fx.file.toString());
    assertThat(Files.readAllBytes(fx.file)).isEqualTo(before);
    assertThat(fx.recordChannel.isOpen()).as("close closed the record file").isFalse();
  }

  @Test
  void theFlusherIsADaemonThreadSoAProgramThatNeverClosesItsRunStillEnds() throws Exception {
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    RecordWriter[] opened = new RecordWriter[1];
    Thread program = new Thread(() -> { // a program's own thread, which its new threads take after
      try {
        opened[0] = fx.open();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "program");
    program.setDaemon(false);
    program.start();
    program.join();
    RecordWriter w = opened[0];
    List<Thread> flushers = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (!before.contains(t) && t.getName().equals("flordb-record-flusher")) flushers.add(t);
    }
    assertThat(flushers).singleElement().satisfies(t -> assertThat(t.isDaemon()).isTrue());
    w.close();
  }

  @Test
  void aValueThatCanChangeIsRecordedAsItWasWhenLogged() throws IOException {
    RecordWriter w = fx.open();
    AtomicLong counter = new AtomicLong(5); // a Number, and mutable: kept as its text (repr)
    w.append(Frame.ROOT, "log", "counter", Values.classify(counter), counter, "forward");
    counter.set(6);
    w.close();
    assertThat(values(fx.file)).containsExactly("5");
  }

  @Test
  void namesAndTextsOfAnyCharactersReadBackAsTheyWereLogged() throws IOException {
    List<String> texts = List.of("lr", "a\"quoted\"", "back\\slash", "tab\there", "line\nbreak", "\u0001",
        "del\u007f", "\u0080", "caf\u00e9", "\u540d\u524d", "emoji \ud83d\ude00", "sep\u2028");
    RecordWriter w = fx.open();
    for (String t : texts) w.append(Frame.ROOT, "log", t, Values.STR, t, "forward");
    w.close();
    List<String> names = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    for (RecordFormat.Entry e : entries(fx.file)) {
      names.add(e.name());
      values.add(e.value());
    }
    assertThat(names).isEqualTo(texts);
    assertThat(values).isEqualTo(new ArrayList<Object>(texts));
  }

  @Test
  void aNameOrValueLongerThanTheWritersBufferIsWrittenWhole() throws IOException {
    String name = "n".repeat(200_000);
    String value = "v".repeat(200_000);
    RecordWriter w = fx.open();
    w.append(Frame.ROOT, "log", name, Values.STR, value, "forward");
    w.append(Frame.ROOT, "log", "after", Values.INT, 1L, "forward");
    w.close();
    List<RecordFormat.Entry> e = entries(fx.file);
    assertThat(e).hasSize(2);
    assertThat(e.get(0).name()).isEqualTo(name);
    assertThat(e.get(0).value()).isEqualTo(value);
    assertThat(e.get(1).value()).isEqualTo(1L);
  }

  @Test
  void integersAreWrittenAsJavaWritesThem() throws IOException {
    List<Object> ints = List.of(0L, 7L, 9L, 10L, -1L, -10L, 1234567890123L, Long.MAX_VALUE, Long.MIN_VALUE,
        5, (short) -6, (byte) 7, BigInteger.valueOf(42));
    RecordWriter w = fx.open();
    for (Object v : ints) w.append(Frame.ROOT, "log", "i", Values.INT, v, "forward");
    w.close();
    List<String> lines = Files.readAllLines(fx.file, StandardCharsets.UTF_8);
    for (int i = 0; i < ints.size(); i++) {
      assertThat(lines.get(i)).contains(",\"value\":" + ints.get(i) + ",");
    }
    List<Object> expected = new ArrayList<>();
    for (Object v : ints) expected.add(((Number) v).longValue());
    assertThat(values(fx.file)).isEqualTo(expected);
  }

  @Test
  void floatsReadBackExactlyAndNonFiniteOnesAsWhatTheyWere() throws IOException {
    List<Double> floats = List.of(0.1, 1.0 / 3, -0.0, 1e-5, 6.02214076e23, Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY);
    RecordWriter w = fx.open();
    for (double d : floats) w.append(Frame.ROOT, "log", "f", Values.FLOAT, d, "forward");
    w.close();
    assertThat(values(fx.file)).isEqualTo(new ArrayList<Object>(floats));
  }

  @Test
  void aFailureInsideTheFlusherIsReportedAndTheNextRoundWritesItsRecordsWithTheNewOnes() throws IOException {
    RecordWriter w = fx.open(5, 1 << 20);
    CountDownLatch failed = new CountDownLatch(1);
    fx.recordChannel.beforeWrite = () -> {
      if (Thread.currentThread().getName().equals("flordb-record-flusher") && failed.getCount() > 0) {
        failed.countDown();
        throw new IllegalStateException("a bug of the file layer");
      }
    };
    logValues(w, 0, 10);
    assertThat(eventually(() -> !fx.warnings.isEmpty())).isTrue();
    assertThat(fx.warnings).singleElement().asString().isEqualTo("the record writer of " + fx.file
        + " failed (java.lang.IllegalStateException: a bug of the file layer); it tries again");
    logValues(w, 10, 20);
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(20));
  }

  @Test
  void aNullValueIsRecordedAsNull() throws IOException {
    RecordWriter w = fx.open();
    w.append(Frame.ROOT, "log", "nothing", Values.STR, null, "forward");
    w.close();
    assertThat(Files.readAllLines(fx.file, StandardCharsets.UTF_8)).singleElement().asString().contains(",\"value\":null,");
    assertThat(entries(fx.file).get(0).value()).isNull();
  }

  // ---------------------------------------------------------------- closing

  @Test
  void closingFromAnInterruptedThreadPutsEveryRecordInTheRecordFile() throws IOException {
    RecordWriter w = fx.open();
    logValues(w, 0, 10);
    Thread.currentThread().interrupt(); // a program's thread that was asked to stop, and ends its run
    try {
      w.close();
    } finally {
      Thread.interrupted();
    }
    assertThat(values(fx.file)).isEqualTo(range(10));
    assertThat(fx.warnings).isEmpty();
    assertThat(fx.spilled).doesNotExist();
  }

  @Test
  void closingWhileTheFlusherWritesPutsEveryRecordInTheRecordFile() throws Exception {
    RecordWriter w = fx.open(1, 1 << 20);
    CountDownLatch flusherWriting = new CountDownLatch(1);
    Thread[] closer = new Thread[1];
    fx.recordChannel.beforeWrite = () -> {
      if (!Thread.currentThread().getName().equals("flordb-record-flusher") || flusherWriting.getCount() == 0) return;
      flusherWriting.countDown();
      // hold the flusher in its write until close() has begun (and waits for it, or for its lock)
      while (!Thread.currentThread().isInterrupted()) {
        Thread c = closer[0];
        Thread.State s = c == null ? Thread.State.NEW : c.getState();
        if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED
            || s == Thread.State.TERMINATED) {
          break;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    };
    logValues(w, 0, 10);
    assertThat(flusherWriting.await(60, TimeUnit.SECONDS)).as("the flusher began to write").isTrue();
    logValues(w, 10, 20);
    closer[0] = new Thread(w::close, "closer");
    closer[0].start();
    closer[0].join(TimeUnit.SECONDS.toMillis(60));
    assertThat(closer[0].isAlive()).isFalse();
    assertThat(values(fx.file)).isEqualTo(range(20));
    assertThat(fx.warnings).isEmpty();
    assertThat(fx.spilled).doesNotExist();
  }

  @Test
  void aFailureInsideTheFlusherIsReportedAndTheRecordsItHeldAreWrittenAfterwards() throws IOException {
    RecordWriter w = fx.open(5, 1 << 20);
    CountDownLatch failed = new CountDownLatch(1);
    fx.recordChannel.beforeWrite = () -> {
      if (Thread.currentThread().getName().equals("flordb-record-flusher") && failed.getCount() > 0) {
        failed.countDown();
        throw new IllegalStateException("a bug of the file layer");
      }
    };
    logValues(w, 0, 10);
    assertThat(eventually(() -> !fx.warnings.isEmpty())).isTrue();
    assertThat(fx.warnings).singleElement().asString().contains("the record writer of " + fx.file + " failed")
        .contains("a bug of the file layer").contains("it tries again");
    w.close();
    assertThat(values(fx.file)).isEqualTo(range(10));
  }
}
