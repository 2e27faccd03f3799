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

  /** A row whose value is a number (NaN and infinities are stored as text, and are not). */
  private static final String NUMBER = "type IN ('float', 'int') AND typeof(value) IN ('integer', 'real')";

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
    // One scan of the new rows: per run, kind, name and whether in a loop, the numbers' count, least
    // and greatest, and the last row (whose value is then read by rowid). What people said is the
    // last record of its kind and name, so the same grouping finds it.
    List<Object[]> groups = new ArrayList<>();
    reads.each("SELECT rid, kind, name, ctx != 0,"
        + " count(CASE WHEN " + NUMBER + " THEN 1 END), min(CASE WHEN " + NUMBER + " THEN value END),"
        + " max(CASE WHEN " + NUMBER + " THEN value END), max(rowid)"
        + " FROM logs WHERE rowid > ? AND rowid <= ?"
        + " AND (kind = 'log' OR (source = 'human' AND kind IN ('tag', 'note', 'hide')))"
        + " GROUP BY rid, kind, name, ctx != 0", groups::add, from, max);
    Map<Long, Object[]> last = new HashMap<>();
    List<Long> rows = new ArrayList<>();
    for (Object[] g : groups) rows.add((Long) g[7]);
    for (int at = 0; at < rows.size(); at += 500) {
      List<Long> chunk = rows.subList(at, Math.min(rows.size(), at + 500));
      reads.each("SELECT rowid, value, type FROM logs WHERE rowid IN (" + String.join(",", java.util.Collections.nCopies(chunk.size(), "?"))
          + ")", r -> last.put((Long) r[0], r), chunk.toArray());
    }
    for (Object[] g : groups) {
      Run run = run((Long) g[0]);
      String kind = (String) g[1];
      String name = (String) g[2];
      boolean inLoop = ((Long) g[3]) != 0;
      long lastRow = (Long) g[7];
      Object[] l = last.get(lastRow);
      Object value = l == null ? null : typed(l[1], (String) l[2]);
      switch (kind) {
        case "log" -> {
          if (inLoop) {
            long n = (Long) g[4];
            if (n == 0) continue; // not a number: no chart, no summary
            Metric m = run.metrics.computeIfAbsent(name, k -> new Metric());
            m.count += n;
            m.min = Math.min(m.min, ((Number) g[5]).doubleValue());
            m.max = Math.max(m.max, ((Number) g[6]).doubleValue());
            if (lastRow > m.lastRow) {
              m.last = value;
              m.lastRow = lastRow;
            }
          } else if (lastRow > run.valueRows.getOrDefault(name, 0L)) {
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
