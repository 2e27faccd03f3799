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
    // loop metrics: numbers logged inside some loop
    reads.each("SELECT rid, name, count(*), min(value), max(value), max(rowid) FROM logs"
        + " WHERE rowid > ? AND rowid <= ? AND kind = 'log' AND ctx != 0 AND type IN ('float', 'int')"
        + " AND typeof(value) IN ('integer', 'real') GROUP BY rid, name", r -> {
          Metric m = run((Long) r[0]).metrics.computeIfAbsent((String) r[1], k -> new Metric());
          m.count += (Long) r[2];
          m.min = Math.min(m.min, ((Number) r[3]).doubleValue());
          m.max = Math.max(m.max, ((Number) r[4]).doubleValue());
        }, from, max);
    // the last value of each: the row with the greatest rowid of its run and name
    reads.each("SELECT l.rid, l.name, l.value, l.type, l.rowid FROM logs l WHERE l.rowid IN (SELECT max(rowid) FROM logs"
        + " WHERE rowid > ? AND rowid <= ? AND kind = 'log' AND ctx != 0 AND type IN ('float', 'int') GROUP BY rid, name)",
        r -> {
          Metric m = run((Long) r[0]).metrics.get((String) r[1]);
          if (m != null && (Long) r[4] > m.lastRow) {
            m.last = typed(r[2], (String) r[3]);
            m.lastRow = (Long) r[4];
          }
        }, from, max);
    // run-level values: the last value of each name logged outside every loop
    reads.each("SELECT l.rid, l.name, l.value, l.type, l.rowid FROM logs l WHERE l.rowid IN (SELECT max(rowid) FROM logs"
        + " WHERE rowid > ? AND rowid <= ? AND kind = 'log' AND ctx = 0 GROUP BY rid, name)", r -> {
          Run run = run((Long) r[0]);
          String name = (String) r[1];
          if ((Long) r[4] > run.valueRows.getOrDefault(name, 0L)) {
            run.values.put(name, typed(r[2], (String) r[3]));
            run.valueRows.put(name, (Long) r[4]);
          }
        }, from, max);
    // what people said, in the order they said it (the last word holds)
    reads.each("SELECT rid, kind, name, value FROM logs WHERE rowid > ? AND rowid <= ? AND source = 'human'"
        + " AND kind IN ('tag', 'note', 'hide') ORDER BY rowid", r -> {
          Run run = run((Long) r[0]);
          switch ((String) r[1]) {
            case "tag" -> run.tags.put((String) r[2], truthy(r[3]));
            case "note" -> run.note = r[3] == null || r[3].toString().isEmpty() ? null : r[3].toString();
            default -> run.hidden = truthy(r[3]);
          }
        }, from, max);
    seen = max;
  }

  private static boolean truthy(Object v) {
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
