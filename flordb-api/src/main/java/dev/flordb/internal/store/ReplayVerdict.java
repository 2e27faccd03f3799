package dev.flordb.internal.store;

import dev.flordb.internal.records.RecordFormat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The rule by which a replay's values reach the store: a replay's record file ({@code
 * <run>.replay-<stamp>.jsonl}) whose header says {@code "verdict":"at_end"} is read only once its
 * last record is a {@code verdict} with status {@code verified}. A replay that diverged from the
 * recorded run, failed, or was killed before its end therefore shows nothing: its values were
 * never checked, so they are not shown as if they were exact. (Replays written before verdicts
 * existed, without that header entry, are read as they are.)
 */
public final class ReplayVerdict {
  private ReplayVerdict() {}

  /** Whether the store may read this record file now. */
  public static boolean ingestible(Path file) throws IOException {
    if (!file.getFileName().toString().contains(".replay-")) return true;
    Map<?, ?> header = header(file);
    if (header == null || !"at_end".equals(header.get("verdict"))) return true;
    Map<?, ?> verdict = verdict(file);
    return verdict != null && "verified".equals(verdict.get("status"));
  }

  /** The value of the file's first record when it is a replay header, else null. */
  private static Map<?, ?> header(Path file) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = in.readLine();
      if (first == null) return null;
      try {
        RecordFormat.Entry e = RecordFormat.parse(first);
        return e.kind().equals("replay") && e.value() instanceof Map ? (Map<?, ?>) e.value() : null;
      } catch (RuntimeException bad) {
        return null;
      }
    }
  }

  /** The value of the file's last record when it is a verdict, else null. */
  static Map<?, ?> verdict(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long size = raf.length();
      int tail = (int) Math.min(size, 1 << 20);
      byte[] b = new byte[tail];
      raf.seek(size - tail);
      raf.readFully(b);
      int end = tail;
      if (end == 0 || b[end - 1] != '\n') return null; // cut short: no verdict yet
      int start = end - 1;
      while (start > 0 && b[start - 1] != '\n') start--;
      String last = new String(b, start, end - 1 - start, StandardCharsets.UTF_8);
      try {
        RecordFormat.Entry e = RecordFormat.parse(last);
        return e.kind().equals("verdict") && e.value() instanceof Map ? (Map<?, ?>) e.value() : null;
      } catch (RuntimeException bad) {
        return null;
      }
    }
  }
}
