package dev.flordb.web;

import dev.flordb.internal.records.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the runs table shows of each run beyond its row in {@code runs}: per metric logged in
 * loops its last, least and greatest value and count; its run-level values (the last value of
 * each name logged outside every loop); and what people said of it (tags, note, hidden).
 *
 * <p>Computed with SQL aggregates over the records added since the last reading: {@code logs}
 * only grows (rows are appended in the order they are read), so a reading folds in the rows
 * past the greatest rowid it has seen, and a store of ten million records is scanned once, not
 * on every request. When the store was rebuilt ({@code unpack}) or a run's rows were read again
 * (a repaired record file), the summaries are computed again from the start.
 */
final class RunSummaries {
  /** One metric of one run. */
  static final class Metric {
    Object last;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    long count;
    long lastRow;

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("last", last);
      m.put("min", count == 0 ? null : min);
      m.put("max", count == 0 ? null : max);
      m.put("count", count);
      return m;
    }
  }

  /** One run's summary. */
  static final class Run {
    final Map<String, Metric> metrics = new TreeMap<>();
    final Map<String, Object> values = new TreeMap<>();
    final Map<String, Long> valueRows = new HashMap<>();
    final Map<String, Boolean> tags = new TreeMap<>();
    String note;
    boolean hidden;

    List<String> tagList() {
      List<String> out = new ArrayList<>();
      tags.forEach((t, on) -> {
        if (on) out.add(t);
      });
      return out;
    }
  }

  /** New rows beyond which a reading goes through the index rather than the rowid range (tests set it). */
  static long bigPass = 1_000_000;

  private final Map<Long, Run> byRid = new HashMap<>();
  private final Map<Long, String> runIds = new HashMap<>();
  private long seen;

  /** Folds in the records added since the last call. */
  synchronized void refresh(Reads reads) {
    Map<Long, String> now = new HashMap<>();
    reads.each("SELECT rid, run_id FROM runs", r -> now.put((Long) r[0], (String) r[1]));
    for (Map.Entry<Long, String> known : runIds.entrySet()) {
      if (!known.getValue().equals(now.get(known.getKey()))) {
        clear(); // a run's rows were read again, or the database was rebuilt
        break;
      }
    }
    runIds.putAll(now);
    Object maxRow = reads.scalar("SELECT max(rowid) FROM logs");
    long max = maxRow == null ? 0 : (Long) maxRow;
    if (max < seen) {
      clear();
      runIds.putAll(now);
    }
    if (max == seen) return;
    long from = seen;
    // Two scans of the new rows. Numbers logged in loops: per name and run, their count, least,
    // greatest and last row; a first reading goes through the index on logs(name, rid), already
    // in that order, and a later one (a few new rows) through the rowid range, sorting only those.
    // Run-level values and what people said: the last row of each name, run and kind (the last
    // word holds), few rows, always through the rowid range.
    boolean firstPass = max - from > bigPass;
    List<Object[]> metrics = new ArrayList<>();
    reads.each("SELECT name, rid, count(*), min(value), max(value), max(rowid) FROM logs" + (firstPass ? "" : " NOT INDEXED")
        + " WHERE rowid > ? AND rowid <= ? AND kind = 'log' AND ctx != 0 AND type IN ('float', 'int')"
        + " GROUP BY name, rid", metrics::add, from, max);
    List<Object[]> others = new ArrayList<>();
    reads.each("SELECT name, rid, kind, max(rowid) FROM logs NOT INDEXED WHERE rowid > ? AND rowid <= ? AND ctx = 0"
        + " AND (kind = 'log' OR (kind IN ('tag', 'note', 'hide') AND source = 'human')) GROUP BY name, rid, kind",
        others::add, from, max);
    List<Long> rows = new ArrayList<>();
    for (Object[] g : metrics) rows.add((Long) g[5]);
    for (Object[] g : others) rows.add((Long) g[3]);
    Map<Long, Object> last = values(reads, rows);
    for (Object[] g : metrics) {
      String name = (String) g[0];
      long rid = (Long) g[1];
      Object lo = g[3];
      Object hi = g[4];
      if (!(lo instanceof Number) || !(hi instanceof Number)) { // NaN and infinities are stored as text
        Map<String, Object> exact = reads.rows("SELECT min(value) AS lo, max(value) AS hi FROM logs WHERE name = ? AND rid = ?"
            + " AND rowid > ? AND rowid <= ? AND kind = 'log' AND ctx != 0 AND typeof(value) IN ('integer', 'real')",
            name, rid, from, max).get(0);
        lo = exact.get("lo");
        hi = exact.get("hi");
      }
      Metric m = run(rid).metrics.computeIfAbsent(name, k -> new Metric());
      m.count += (Long) g[2];
      if (lo instanceof Number n) m.min = Math.min(m.min, n.doubleValue());
      if (hi instanceof Number n) m.max = Math.max(m.max, n.doubleValue());
      long lastRow = (Long) g[5];
      if (lastRow > m.lastRow) {
        m.last = last.get(lastRow);
        m.lastRow = lastRow;
      }
    }
    for (Object[] g : others) {
      String name = (String) g[0];
      Run run = run((Long) g[1]);
      long lastRow = (Long) g[3];
      Object value = last.get(lastRow);
      switch ((String) g[2]) {
        case "log" -> {
          if (lastRow > run.valueRows.getOrDefault(name, 0L)) {
            run.values.put(name, value);
            run.valueRows.put(name, lastRow);
          }
        }
        case "tag" -> run.tags.put(name, truthy(value));
        case "note" -> run.note = value == null || value.toString().isEmpty() ? null : value.toString();
        default -> run.hidden = truthy(value);
      }
    }
    seen = max;
  }

  /** The values of these rows, by rowid, as their types say. */
  private static Map<Long, Object> values(Reads reads, List<Long> rows) {
    Map<Long, Object> out = new HashMap<>();
    for (int at = 0; at < rows.size(); at += 500) {
      List<Long> chunk = rows.subList(at, Math.min(rows.size(), at + 500));
      reads.each("SELECT rowid, value, type FROM logs WHERE rowid IN ("
          + String.join(",", java.util.Collections.nCopies(chunk.size(), "?")) + ")",
          r -> out.put((Long) r[0], typed(r[1], (String) r[2])), chunk.toArray());
    }
    return out;
  }

  private static boolean truthy(Object v) {
    if (v instanceof Boolean b) return b;
    return v instanceof Number n ? n.longValue() != 0 : Boolean.parseBoolean(String.valueOf(v));
  }

  /** A stored value as its type says (see the schema in {@code Store}). */
  static Object typed(Object raw, String type) {
    if (raw == null) return null;
    switch (type) {
      case "float":
        return raw instanceof Number n ? (Object) n.doubleValue() : raw.toString();
      case "bool":
        return raw instanceof Number n ? n.longValue() != 0 : raw;
      case "json":
        try {
          return Json.parse(raw.toString());
        } catch (RuntimeException e) {
          return raw.toString();
        }
      default:
        return raw;
    }
  }

  private Run run(long rid) {
    return byRid.computeIfAbsent(rid, k -> new Run());
  }

  // ---------------------------------------------------------------- kept between servers

  /** The format of the file {@link #save} writes; another is not read. */
  static final int FILE_VERSION = 1;

  /** The last row folded in, as (run, seq, name): the same row under the same rowid means the same store. */
  private static String fingerprint(Reads reads, long row) {
    java.util.List<java.util.Map<String, Object>> r = reads.rows("SELECT rid, seq, name FROM logs WHERE rowid = ?", row);
    return r.isEmpty() ? null : r.get(0).get("rid") + "/" + r.get(0).get("seq") + "/" + r.get(0).get("name");
  }

  /**
   * Writes the summaries to {@code file} (a cache in {@code .flor/cache/}: a server started later
   * folds in only what was added since, instead of scanning the whole store again).
   */
  synchronized void save(Reads reads, java.nio.file.Path file) throws java.io.IOException {
    if (seen == 0) return;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("version", FILE_VERSION);
    out.put("seen", seen);
    out.put("fingerprint", fingerprint(reads, seen));
    Map<String, Object> ids = new TreeMap<>();
    runIds.forEach((rid, id) -> ids.put(String.valueOf(rid), id));
    out.put("run_ids", ids);
    Map<String, Object> runs = new TreeMap<>();
    byRid.forEach((rid, r) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      Map<String, Object> metrics = new TreeMap<>();
      r.metrics.forEach((name, x) -> metrics.put(name, java.util.Arrays.asList(x.last, x.min, x.max, x.count, x.lastRow)));
      m.put("metrics", metrics);
      m.put("values", r.values);
      m.put("value_rows", r.valueRows);
      m.put("tags", r.tags);
      m.put("note", r.note);
      m.put("hidden", r.hidden);
      runs.put(String.valueOf(rid), m);
    });
    out.put("runs", runs);
    java.nio.file.Files.createDirectories(file.getParent());
    java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    java.nio.file.Files.writeString(tmp, Json.write(out));
    java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads what {@link #save} wrote, if it describes this store as it is (else nothing: the first refresh scans). */
  synchronized boolean load(Reads reads, java.nio.file.Path file) {
    if (!java.nio.file.Files.isRegularFile(file)) return false;
    try {
      Map<?, ?> in = (Map<?, ?>) Json.parse(java.nio.file.Files.readString(file));
      if (!Long.valueOf(FILE_VERSION).equals(in.get("version"))) return false;
      long at = ((Number) in.get("seen")).longValue();
      if (at <= 0 || !java.util.Objects.equals(fingerprint(reads, at), in.get("fingerprint"))) return false;
      Map<Long, String> ids = new HashMap<>();
      ((Map<?, ?>) in.get("run_ids")).forEach((k, v) -> ids.put(Long.parseLong(k.toString()), v.toString()));
      Map<Long, String> now = new HashMap<>();
      reads.each("SELECT rid, run_id FROM runs", r -> now.put((Long) r[0], (String) r[1]));
      for (Map.Entry<Long, String> e : ids.entrySet()) if (!e.getValue().equals(now.get(e.getKey()))) return false;
      Map<Long, Run> runs = new HashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) in.get("runs")).entrySet()) {
        Map<?, ?> m = (Map<?, ?>) e.getValue();
        Run r = new Run();
        ((Map<?, ?>) m.get("metrics")).forEach((name, x) -> {
          List<?> l = (List<?>) x;
          Metric metric = new Metric();
          metric.last = l.get(0);
          metric.min = number(l.get(1));
          metric.max = number(l.get(2));
          metric.count = ((Number) l.get(3)).longValue();
          metric.lastRow = ((Number) l.get(4)).longValue();
          r.metrics.put(name.toString(), metric);
        });
        ((Map<?, ?>) m.get("values")).forEach((k, v) -> r.values.put(k.toString(), v));
        ((Map<?, ?>) m.get("value_rows")).forEach((k, v) -> r.valueRows.put(k.toString(), ((Number) v).longValue()));
        ((Map<?, ?>) m.get("tags")).forEach((k, v) -> r.tags.put(k.toString(), Boolean.TRUE.equals(v)));
        r.note = m.get("note") == null ? null : m.get("note").toString();
        r.hidden = Boolean.TRUE.equals(m.get("hidden"));
        runs.put(Long.parseLong(e.getKey().toString()), r);
      }
      clear();
      byRid.putAll(runs);
      runIds.putAll(ids);
      seen = at;
      return true;
    } catch (java.io.IOException | RuntimeException e) {
      return false; // a cache: what cannot be read is computed again
    }
  }

  private static double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : Double.parseDouble(o.toString()); // "Infinity" as JSON writes it
  }

  private void clear() {
    byRid.clear();
    runIds.clear();
    seen = 0;
  }

  synchronized Run of(long rid) {
    Run r = byRid.get(rid);
    return r == null ? new Run() : r;
  }

  /** Every metric name and every run-level value name, for the table's column chooser. */
  synchronized Map<String, TreeSet<String>> names() {
    TreeSet<String> metrics = new TreeSet<>();
    TreeSet<String> values = new TreeSet<>();
    for (Run r : byRid.values()) {
      metrics.addAll(r.metrics.keySet());
      values.addAll(r.values.keySet());
    }
    Map<String, TreeSet<String>> out = new LinkedHashMap<>();
    out.put("metrics", metrics);
    out.put("values", values);
    return out;
  }
}
