package dev.flordb.internal.store;

import dev.flordb.Table;
import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.Liveness;
import dev.flordb.internal.records.RecordFormat;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.records.Values;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A project's {@code .flor/} whose record files a test writes itself, with the record writer that
 * programs use: runs with the start times, processes and values the test chooses, and replays of
 * them, read back through a {@link Store} of their own (no git: there are no snapshots).
 */
final class RunFiles {
  /** The writers' flush period: never (the files are written when flushed or closed). */
  private static final long NEVER = 3_600_000;
  /** When every run here ends, as its end record says. */
  static final long END_MS = 1_767_225_600_123L;
  /** When every run here starts, as its header says. */
  static final long START_MS = 1_767_225_500_000L;

  final Path florDir;
  final List<String> warnings = new ArrayList<>();

  RunFiles(Path tmp) {
    florDir = tmp.resolve("proj/.flor");
    try {
      Files.createDirectories(florDir.resolve("records"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path file(String name) {
    return florDir.resolve("records").resolve(name);
  }

  /** A run started at {@code tstamp} by this (live) process; null tstamp: a header without one. */
  Writer run(String id, String tstamp) {
    ProcessHandle me = ProcessHandle.current();
    return run(id, tstamp, me.pid(), me.info().startInstant().orElseThrow().toEpochMilli());
  }

  /** A run started at {@code tstamp} by the process {@code pid} (0: no process). */
  Writer run(String id, String tstamp, long pid, long pidStartMs) {
    Writer w = new Writer(file(id + RecordFormat.SUFFIX), id, "forward");
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("format", RecordFormat.VERSION);
    h.put("projid", "proj");
    if (tstamp != null) h.put("tstamp", tstamp);
    h.put("filename", "Train.java");
    h.put("start_ms", START_MS);
    h.put("pid", pid);
    h.put("pid_start_ms", pidStartMs);
    h.put("host", Liveness.hostName());
    w.record(Frame.ROOT, "run", "run", h);
    return w;
  }

  /** A replay of run {@code id} that will be verified at its end ({@link Writer#close} writes the verdict). */
  Writer replay(String id, String stamp) {
    Writer w = new Writer(file(id + ".replay-" + stamp + RecordFormat.SUFFIX), id, "replay");
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("format", RecordFormat.VERSION);
    h.put("verdict", "at_end");
    w.record(Frame.ROOT, "replay", "replay", h);
    w.verdict = "verified";
    return w;
  }

  Store open() {
    return Store.open(florDir, null, warnings::add);
  }

  /**
   * The store's dataframe (read from its packs), checked against the one read from the rows of
   * {@code logs} and {@code ctx} alone: the two ways must give the same table.
   */
  Table dataframe(String... names) {
    Table packed;
    try (Store s = open()) {
      packed = s.dataframe(names);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + florDir.resolve(Store.DB_FILE))) {
      Table rows = new Dataframe(c, null, false).build(names);
      if (!rows.columns().equals(packed.columns())) {
        throw new AssertionError("columns from the packs " + packed.columns() + ", from the rows " + rows.columns());
      }
      if (rows.size() != packed.size()) {
        throw new AssertionError(packed.size() + " rows from the packs, " + rows.size() + " from the rows");
      }
      for (int i = 0; i < rows.size(); i++) {
        List<Object> a = new ArrayList<>();
        List<Object> b = new ArrayList<>();
        for (int k = 0; k < rows.columns().size(); k++) {
          a.add(packed.row(i).get(k));
          b.add(rows.row(i).get(k));
        }
        if (!a.equals(b)) throw new AssertionError("row " + i + " from the packs " + a + ", from the rows " + b);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return packed;
  }

  Table query(String sql) {
    try (Store s = open()) {
      return s.query(sql);
    }
  }

  static Frame at(String loop, long index) {
    return new Frame(Frame.ROOT, loop, index, null);
  }

  static Frame at(Frame parent, String loop, long index) {
    return new Frame(parent, loop, index, null);
  }

  /** One record file being written. */
  static final class Writer implements AutoCloseable {
    final RecordWriter w;
    final String source;
    /** The verdict a replay's file ends with; null: none (a run's file). */
    String verdict;
    /** The status of the end record; null: the run has no end (it runs on, or crashed). */
    String end = "finished";

    Writer(Path file, String runId, String source) {
      try {
        w = new RecordWriter(file, runId, NEVER, m -> { }, System::currentTimeMillis);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      this.source = source;
    }

    Writer record(Frame ctx, String kind, String name, Object value) {
      w.append(ctx, kind, name, Values.classify(value), value, source);
      return this;
    }

    Writer log(Frame ctx, String name, Object value) {
      return record(ctx, "log", name, value);
    }

    Writer log(String name, Object value) {
      return log(Frame.ROOT, name, value);
    }

    Writer arg(String name, Object value) {
      return record(Frame.ROOT, "arg", name, value);
    }

    /** Hands what was logged so far to the file, as the flusher does. */
    Writer flush() {
      w.flush();
      return this;
    }

    /** Leaves the run without an end record. */
    Writer noEnd() {
      end = null;
      return this;
    }

    @Override
    public void close() {
      if (verdict != null) {
        record(Frame.ROOT, "verdict", "verdict", Map.of("status", verdict));
      } else if (end != null) {
        record(Frame.ROOT, "end", "end", Map.of("status", end, "end_ms", END_MS));
      }
      w.close();
    }
  }
}
