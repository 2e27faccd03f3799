package dev.flordb.internal.store;

import dev.flordb.internal.records.Liveness;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.RecordFormat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;

/**
 * Repairs a damaged record file from the copy in its run's snapshot commit ({@code
 * refs/flor/runs/<run>}, path {@code .flor/records/<run>.jsonl}).
 *
 * <p>The two files are merged by record sequence number ({@code seq}, which counts the lines of
 * a record file from 0): every line of the local file that can be read must be the same line in
 * the snapshot's copy, and the copy must be intact (every line a record of this run, in order).
 * Then the repaired file is the copy's records plus the local file's records beyond the copy's
 * last one; a local line that cannot be read is replaced by the copy's record of its place. The
 * repair is made only when the copy brings back some record the local file lacks (a cut-off
 * end, an unreadable line), never while the run's process is alive, and the damaged file is
 * kept beside the repaired one as {@code <file>.damaged-<UTC time>}.
 */
public final class RecordRepair {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private RecordRepair() {}

  /** What an attempt came to: repaired (with the records brought back), or why not. */
  record Outcome(boolean repaired, long restored, Path keptAs, String reason) {
    static Outcome no(String reason) {
      return new Outcome(false, 0, null, reason);
    }
  }

  /**
   * Repairs {@code file}, the record file of run {@code runId}, from its snapshot commit, if the
   * snapshot's copy holds records the file lacks and agrees with every record the file holds.
   *
   * @param intactBytes the length of the file's start known to be readable, when only its end
   *     is in question (then a copy no longer than that has nothing to add); -1 when lines inside
   *     the file could not be read
   * @param writerKnownDone whether the store knows that the run's process stopped writing (its
   *     status is not {@code running}); if not (the file's header is damaged), the copy's header
   *     says which process to check
   */
  static Outcome attempt(Snapshots git, ObjectId commit, String runId, Path file, long intactBytes,
      boolean writerKnownDone, long nowMillis) throws IOException {
    if (git == null || commit == null) return Outcome.no("the run has no snapshot commit to repair it from");
    ObjectLoader copy = git.recordsInCommit(commit, runId);
    if (copy == null) return Outcome.no("the run's snapshot commit " + commit.abbreviate(10).name() + " holds no copy of it");
    if (intactBytes >= 0 && copy.getSize() <= intactBytes) return Outcome.no("the run's snapshot holds no more of it");
    Path tmp = file.resolveSibling(file.getFileName() + ".repairing");
    try {
      long restored;
      try (Lines local = new Lines(Files.newInputStream(file));
          Lines snapshot = new Lines(copy.openStream());
          OutputStream out = Files.newOutputStream(tmp)) {
        restored = merge(local, snapshot, runId, writerKnownDone, out);
      } catch (Unusable u) {
        return Outcome.no(u.getMessage());
      }
      if (restored == 0) return Outcome.no("the snapshot's copy holds nothing the file lacks");
      Path kept = file.resolveSibling(file.getFileName() + ".damaged-" + STAMP.format(Instant.ofEpochMilli(nowMillis)));
      Files.move(file, kept, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return new Outcome(true, restored, kept, null);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes the merged records; returns how many came from the snapshot's copy only. */
  private static long merge(Lines local, Lines snapshot, String runId, boolean writerKnownDone, OutputStream out)
      throws IOException {
    Line s = snapshot.next();
    if (s != null && snapshotSeq(s, runId, snapshot.lineNo) >= 0 && !writerKnownDone && alive(s)) {
      throw new Unusable("its run is still running");
    }
    long restored = 0;
    long lastSeq = -1;
    for (Line l = local.next(); l != null; l = local.next()) {
      RecordFormat.Entry e = l.entry();
      if (e == null || !runId.equals(e.run())) continue; // damaged: the copy's record of its place replaces it
      while (s != null && snapshotSeq(s, runId, snapshot.lineNo) < e.seq()) {
        lastSeq = write(out, s, lastSeq, snapshot.lineNo, "the snapshot's copy");
        restored++;
        s = snapshot.next();
      }
      if (s != null && snapshotSeq(s, runId, snapshot.lineNo) == e.seq()) {
        if (!Arrays.equals(s.bytes, l.bytes)) {
          throw new Unusable("its line " + local.lineNo + " differs from the snapshot's copy (record " + e.seq() + ")");
        }
        s = snapshot.next();
      }
      lastSeq = write(out, l, lastSeq, local.lineNo, "the file");
    }
    for (; s != null; s = snapshot.next()) {
      snapshotSeq(s, runId, snapshot.lineNo);
      lastSeq = write(out, s, lastSeq, snapshot.lineNo, "the snapshot's copy");
      restored++;
    }
    return restored;
  }

  /** The sequence number of a line of the snapshot's copy, which must be a record of the run. */
  private static long snapshotSeq(Line s, String runId, long lineNo) {
    RecordFormat.Entry e = s.entry();
    if (e == null || !runId.equals(e.run())) {
      throw new Unusable("the snapshot's copy is damaged too (its line " + lineNo + " is not a record of the run)");
    }
    return e.seq();
  }

  private static long write(OutputStream out, Line line, long lastSeq, long lineNo, String from) throws IOException {
    long seq = line.entry().seq();
    if (seq <= lastSeq) throw new Unusable("the records of " + from + " are out of order at its line " + lineNo);
    out.write(line.bytes);
    out.write('\n');
    return seq;
  }

  /** Whether the process that wrote the run (as its header, the copy's first line, says) is alive. */
  private static boolean alive(Line header) {
    RecordFormat.Entry e = header.entry();
    if (!"run".equals(e.kind()) || !(e.value() instanceof Map)) return false;
    Map<?, ?> h = (Map<?, ?>) e.value();
    return h.get("pid") instanceof Number && h.get("pid_start_ms") instanceof Number
        && Liveness.alive(((Number) h.get("pid")).longValue(), ((Number) h.get("pid_start_ms")).longValue(),
            h.get("host") == null ? null : h.get("host").toString());
  }

  /** Why the snapshot's copy cannot repair the file. */
  private static final class Unusable extends RuntimeException {
    Unusable(String message) {
      super(message, null, false, false);
    }
  }

  /** One line, without its newline; a last line without one counts as unreadable. */
  private static final class Line {
    final byte[] bytes;
    final boolean complete;
    private RecordFormat.Entry entry;
    private boolean parsed;

    Line(byte[] bytes, boolean complete) {
      this.bytes = bytes;
      this.complete = complete;
    }

    /** The record, or null if the line cannot be read. */
    RecordFormat.Entry entry() {
      if (!parsed) {
        parsed = true;
        if (complete) {
          try {
            entry = RecordFormat.parse(new String(bytes, StandardCharsets.UTF_8));
          } catch (RuntimeException e) {
            entry = null;
          }
        }
      }
      return entry;
    }
  }

  /** The lines of a stream, streamed (record files can exceed memory). */
  private static final class Lines implements AutoCloseable {
    private final InputStream in;
    long lineNo;

    Lines(InputStream in) {
      this.in = new BufferedInputStream(in, 1 << 16);
    }

    Line next() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream(256);
      int c;
      while ((c = in.read()) >= 0 && c != '\n') b.write(c);
      if (c < 0 && b.size() == 0) return null;
      lineNo++;
      return new Line(b.toByteArray(), c == '\n');
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
