package dev.flordb.internal.records;

import dev.flordb.testing.FaultyFileChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A record writer on a record file under a test's own directory, whose record file and spill file
 * are {@link FaultyFileChannel}s that fail on demand, with the warnings it gives; one per test.
 */
final class WriterFixture {
  /** A flush period no test waits for: the writer writes when asked (flush, sync, close). */
  static final long NEVER = 3_600_000;

  final Path file;
  final Path spillRoot;
  final Path spilled;
  final List<String> warnings = new CopyOnWriteArrayList<>();
  volatile FaultyFileChannel recordChannel;
  volatile FaultyFileChannel spillChannel;
  /** Whether the spill place is full too, from its first write. */
  volatile boolean spillFull;

  WriterFixture(Path tmp) {
    try {
      Files.createDirectories(tmp.resolve("repo/.flor/records"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    file = tmp.resolve("repo/.flor/records/20260101-000000-000-abcdef.jsonl");
    spillRoot = tmp.resolve("elsewhere");
    spilled = spillRoot.resolve(file.getFileName());
  }

  RecordWriter open(long flushMillis, int maxUnwrittenBytes) throws IOException {
    RecordWriter.Opener opener = (f, recordFile) -> {
      FaultyFileChannel c = new FaultyFileChannel(RecordWriter.Opener.FILES.open(f, recordFile));
      if (recordFile) {
        recordChannel = c;
      } else {
        if (spillFull) c.diskFull();
        spillChannel = c;
      }
      return c;
    };
    return new RecordWriter(file, "20260101-000000-000-abcdef", flushMillis, warnings::add, opener,
        new Spill(List.of(spillRoot), file), maxUnwrittenBytes);
  }

  RecordWriter open() throws IOException {
    return open(NEVER, 1 << 20);
  }

  /** Logs x = from .. to-1 outside every loop. */
  static void logValues(RecordWriter w, int from, int to) {
    for (int i = from; i < to; i++) w.append(Frame.ROOT, "log", "x", Values.INT, (long) i, "forward");
  }

  /** The records of a file, in order. */
  static List<RecordFormat.Entry> entries(Path f) throws IOException {
    List<RecordFormat.Entry> out = new ArrayList<>();
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) out.add(RecordFormat.parse(line));
    return out;
  }

  /** The values of a file's records, in order. */
  static List<Object> values(Path f) throws IOException {
    List<Object> out = new ArrayList<>();
    for (RecordFormat.Entry e : entries(f)) out.add(e.value());
    return out;
  }

  static List<Object> range(int from, int to) {
    List<Object> out = new ArrayList<>();
    for (long i = from; i < to; i++) out.add(i);
    return out;
  }

  static List<Object> range(int n) {
    return range(0, n);
  }

  /** The size of the record file now. */
  long size() throws IOException {
    return Files.size(file);
  }
}
