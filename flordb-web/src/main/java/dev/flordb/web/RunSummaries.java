package dev.flordb.web;

import dev.flordb.internal.store.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the runs table shows of each run beyond its row in {@code runs}: per metric logged in
 * loops (numbers, {@code int} or {@code float}) its last, least and greatest value and count; its
 * run-level values (the last value of each name logged outside every loop); and what people said
 * of it (tags, note, hidden: their last records of source {@code human}).
 *
 * <p>Read from the store's table {@code summaries} (per run, kind, name, in a loop or not, source
 * and type: count, least and greatest finite number, last value and its rowid; the store writes it
 * with the rows), some ten rows per run whatever the number of records, so a reading reads it
 * whole, again whenever the database changed ({@code PRAGMA data_version}), and is never behind
 * the store. Of the groups of one metric the last value is that of the
 * group stored last (a replayed value stored after the run's own is the last), and NaN and
 * infinities count but are neither least nor greatest.
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
    final Map<String, Long> saidRows = new HashMap<>();
    String note;
    boolean hidden;

    List<String> tagList() {
      List<String> out = new ArrayList<>();
      tags.forEach((t, on) -> {
        if (on) out.add(t);
      });
      return out;
    }

    /** Whether a record stored at {@code row} is later than the last one of {@code key} taken so far. */
    boolean later(String key, long row) {
      Long before = saidRows.get(key);
      if (before != null && before >= row) return false;
      saidRows.put(key, row);
      return true;
    }
  }

  private Map<Long, Run> byRid = new HashMap<>();
  /** The database's data version when {@link #byRid} was read; null: never read. */
  private Long readAt;

  /** Reads the summaries as the store has them now (again only when the database changed since). */
  synchronized void refresh(Reads reads) {
    long version = reads.dataVersion();
    if (readAt != null && readAt == version) return;
    Map<Long, Run> runs = new HashMap<>();
    reads.each("SELECT rid, kind, name, in_loop, type, n, lo, hi, last, at FROM summaries"
        + " WHERE kind = 'log' OR (kind IN ('tag', 'note', 'hide') AND in_loop = 0 AND source = 'human')", g -> {
          Run run = runs.computeIfAbsent((Long) g[0], k -> new Run());
          String kind = (String) g[1];
          String name = (String) g[2];
          boolean inLoop = ((Long) g[3]) != 0;
          String type = (String) g[4];
          long at = (Long) g[9];
          Object value = typed(g[8], type);
          if (kind.equals("log") && inLoop) {
            if (!type.equals("float") && !type.equals("int")) return;
            Metric m = run.metrics.computeIfAbsent(name, k -> new Metric());
            m.count += (Long) g[5];
            if (g[6] instanceof Number lo) m.min = Math.min(m.min, lo.doubleValue());
            if (g[7] instanceof Number hi) m.max = Math.max(m.max, hi.doubleValue());
            if (at > m.lastRow) {
              m.last = value;
              m.lastRow = at;
            }
          } else if (kind.equals("log")) {
            if (at > run.valueRows.getOrDefault(name, 0L)) {
              run.values.put(name, value);
              run.valueRows.put(name, at);
            }
          } else if (kind.equals("tag")) {
            if (run.later("tag " + name, at)) run.tags.put(name, truthy(value));
          } else if (kind.equals("note")) {
            if (run.later("note", at)) run.note = value == null || value.toString().isEmpty() ? null : value.toString();
          } else if (run.later("hide", at)) {
            run.hidden = truthy(value);
          }
        });
    byRid = runs;
    readAt = version;
  }

  private static boolean truthy(Object v) {
    if (v instanceof Boolean b) return b;
    return v instanceof Number n ? n.longValue() != 0 : Boolean.parseBoolean(String.valueOf(v));
  }

  /**
   * A stored value as its type says (see the schema in {@code Store}), from either store (a
   * shared one holds values as text); what does not read as its type stays as it is stored.
   */
  static Object typed(Object raw, String type) {
    if (raw == null) return null;
    if (type.equals("float") && raw instanceof String s && !s.isEmpty() && !Character.isDigit(s.charAt(s.length() - 1))) {
      return s; // NaN, Infinity: the words they are stored as
    }
    try {
      return Store.typed(raw, type);
    } catch (RuntimeException e) {
      return raw.toString();
    }
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
