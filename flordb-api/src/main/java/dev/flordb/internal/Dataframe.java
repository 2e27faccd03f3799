package dev.flordb.internal;

import dev.flordb.Table;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pivots the log into one wide table, as FlorDB does.
 *
 * <p>Each requested name gives a partial table: one row per run and loop position where it was
 * logged, with one column per enclosing loop (its iteration index, counted from 0) and, where the
 * loop's elements are plain values, a {@code <loop>_value} column. The partial tables are
 * outer-joined in the order the names were given, on the run and the loops they share; so a
 * run-level value ({@code lr}) is repeated on every row of its run, and a per-epoch value
 * ({@code acc}) on every step of its epoch. A {@code source} column appears when some value came
 * from a replay.
 *
 * <p>With no names: one row per run with every value the run logged outside all loops.
 */
final class Dataframe {
  private static final long ABSENT = Long.MIN_VALUE;
  private static final Set<String> HIDDEN_KINDS = Set.of("run", "end", "warn");

  private final Connection conn;
  private final Map<Long, Object[]> runs = new HashMap<>(); // rid -> projid, tstamp, filename, run_id
  private final Map<Long, Ctx> ctx = new HashMap<>();
  /** Loop names in the order their columns appear: by depth, then first seen. */
  private final List<String> loops = new ArrayList<>();
  private final Map<String, Integer> loopDepth = new HashMap<>();

  Dataframe(Connection conn) {
    this.conn = conn;
  }

  private record Ctx(Ctx parent, String loop, long idx, Object value, int depth) {}

  /** One row while joining: run, loop positions (by index into {@link #loops}), values. */
  private static final class Row {
    final long rid;
    long[] idx;
    Object[] loopValue;
    final Object[] values;
    boolean replay;

    Row(long rid, int loopCount, int nameCount) {
      this.rid = rid;
      this.idx = new long[loopCount];
      Arrays.fill(idx, ABSENT);
      this.loopValue = new Object[loopCount];
      this.values = new Object[nameCount];
    }

    Row copy() {
      Row r = new Row(rid, 0, values.length);
      r.idx = idx.clone();
      r.loopValue = loopValue.clone();
      System.arraycopy(values, 0, r.values, 0, values.length);
      r.replay = replay;
      return r;
    }
  }

  private record Cell(long rid, long ctxId, Object value, boolean replay, long seq) {}

  Table build(String... requested) throws SQLException {
    loadRuns();
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String n : requested) {
      if (n == null || n.isBlank()) throw new IllegalArgumentException("dataframe names must not be empty");
      unique.add(n);
    }
    if (unique.isEmpty()) return runLevel();
    List<String> names = new ArrayList<>(unique);

    List<List<Cell>> cells = new ArrayList<>();
    Set<Long> ctxIds = new LinkedHashSet<>();
    for (String name : names) {
      List<Cell> c = cellsOf(name);
      for (Cell cell : c) if (cell.ctxId != 0) ctxIds.add(cell.ctxId);
      cells.add(c);
    }
    loadCtx(ctxIds);
    for (String name : names) {
      if (loopDepth.containsKey(name)) {
        throw new IllegalArgumentException("'" + name + "' is a loop: its positions are already a column"
            + " of the values logged inside it; ask for those values instead");
      }
    }

    Map<String, Integer> loopIndex = new HashMap<>();
    for (int i = 0; i < loops.size(); i++) loopIndex.put(loops.get(i), i);
    int nl = loops.size();
    int nn = names.size();
    List<Row> joined = null;
    boolean[] joinedLoops = new boolean[nl];
    for (int k = 0; k < nn; k++) {
      boolean[] partLoops = new boolean[nl];
      List<Row> part = new ArrayList<>(cells.get(k).size());
      for (Cell c : cells.get(k)) {
        Row r = new Row(c.rid, nl, nn);
        for (Ctx x = ctx.get(c.ctxId); x != null; x = x.parent) {
          int li = loopIndex.get(x.loop);
          r.idx[li] = x.idx;
          r.loopValue[li] = x.value;
          partLoops[li] = true;
        }
        r.values[k] = c.value;
        r.replay = c.replay;
        part.add(r);
      }
      if (joined == null) {
        joined = part;
        joinedLoops = partLoops;
      } else {
        joined = outerJoin(joined, joinedLoops, part, partLoops, k);
        for (int i = 0; i < nl; i++) joinedLoops[i] |= partLoops[i];
      }
    }
    return toTable(joined, names, joinedLoops);
  }

  private void loadRuns() throws SQLException {
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT rid, projid, tstamp, filename, run_id FROM runs")) {
      while (rs.next()) {
        runs.put(rs.getLong(1), new Object[] {rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)});
      }
    }
  }

  /** The value of {@code name} at each (run, position): forward over replay, else the latest. */
  private List<Cell> cellsOf(String name) throws SQLException {
    Map<CellKey, Cell> best = new LinkedHashMap<>();
    try (PreparedStatement ps = conn.prepareStatement(
        "SELECT rid, ctx, seq, type, value, source, kind FROM logs WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (HIDDEN_KINDS.contains(rs.getString(7))) continue;
          Cell c = new Cell(rs.getLong(1), rs.getLong(2), Store.readValue(rs, 5, rs.getString(4)),
              "replay".equals(rs.getString(6)), rs.getLong(3));
          best.merge(new CellKey(c.rid, c.ctxId), c, (old, now) -> better(old, now) ? old : now);
        }
      }
    }
    return new ArrayList<>(best.values());
  }

  private record CellKey(long rid, long ctxId) {}

  /** True if {@code a} should be kept over {@code b}. */
  private static boolean better(Cell a, Cell b) {
    if (a.replay != b.replay) return !a.replay;
    return a.seq > b.seq;
  }

  private void loadCtx(Set<Long> ids) throws SQLException {
    Set<Long> wanted = new LinkedHashSet<>(ids);
    Map<Long, Object[]> raw = new HashMap<>();
    while (!wanted.isEmpty()) {
      List<Long> batch = new ArrayList<>(wanted);
      wanted.clear();
      for (int from = 0; from < batch.size(); from += 500) {
        List<Long> part = batch.subList(from, Math.min(batch.size(), from + 500));
        StringBuilder sql = new StringBuilder("SELECT id, parent, loop, idx, value, depth FROM ctx WHERE id IN (");
        for (int i = 0; i < part.size(); i++) sql.append(i == 0 ? "?" : ",?");
        sql.append(')');
        try (PreparedStatement ps = conn.prepareStatement(sql.toString())) {
          for (int i = 0; i < part.size(); i++) ps.setLong(i + 1, part.get(i));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              Object v = rs.getObject(5);
              if (v instanceof Integer) v = ((Integer) v).longValue();
              long parent = rs.getLong(2);
              raw.put(rs.getLong(1), new Object[] {parent, rs.getString(3), rs.getLong(4), v, rs.getInt(6)});
              if (parent != 0 && !raw.containsKey(parent)) wanted.add(parent);
            }
          }
        }
      }
    }
    // Loop columns ordered by depth, then by first appearance.
    Map<String, Integer> firstSeen = new LinkedHashMap<>();
    raw.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> firstSeen.merge((String) e.getValue()[1], (Integer) e.getValue()[4], Math::min));
    firstSeen.entrySet().stream()
        .sorted(Map.Entry.comparingByValue())
        .forEach(e -> {
          loops.add(e.getKey());
          loopDepth.put(e.getKey(), e.getValue());
        });
    for (Long id : raw.keySet()) resolve(id, raw);
  }

  private Ctx resolve(long id, Map<Long, Object[]> raw) {
    if (id == 0) return null;
    Ctx c = ctx.get(id);
    if (c != null) return c;
    Object[] r = raw.get(id);
    Ctx parent = resolve((Long) r[0], raw);
    c = new Ctx(parent, (String) r[1], (Long) r[2], r[3], (Integer) r[4]);
    ctx.put(id, c);
    return c;
  }

  private List<Row> outerJoin(List<Row> left, boolean[] leftLoops, List<Row> right, boolean[] rightLoops, int k) {
    int nl = loops.size();
    int[] common = java.util.stream.IntStream.range(0, nl).filter(i -> leftLoops[i] && rightLoops[i]).toArray();
    Map<JoinKey, List<Integer>> index = new HashMap<>();
    for (int i = 0; i < right.size(); i++) {
      index.computeIfAbsent(JoinKey.of(right.get(i), common), x -> new ArrayList<>(1)).add(i);
    }
    boolean[] matched = new boolean[right.size()];
    List<Row> out = new ArrayList<>(Math.max(left.size(), right.size()));
    for (Row l : left) {
      List<Integer> m = index.get(JoinKey.of(l, common));
      if (m == null) {
        out.add(l);
        continue;
      }
      for (int j = 0; j < m.size(); j++) {
        int ri = m.get(j);
        matched[ri] = true;
        Row r = right.get(ri);
        Row o = j == m.size() - 1 ? l : l.copy();
        for (int i = 0; i < nl; i++) {
          if (o.idx[i] == ABSENT && r.idx[i] != ABSENT) {
            o.idx[i] = r.idx[i];
            o.loopValue[i] = r.loopValue[i];
          }
        }
        o.values[k] = r.values[k];
        o.replay |= r.replay;
        out.add(o);
      }
    }
    for (int i = 0; i < right.size(); i++) if (!matched[i]) out.add(right.get(i));
    return out;
  }

  private record JoinKey(long rid, long[] idx) {
    static JoinKey of(Row r, int[] common) {
      long[] k = new long[common.length];
      for (int i = 0; i < common.length; i++) k[i] = r.idx[common[i]];
      return new JoinKey(r.rid, k);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof JoinKey && ((JoinKey) o).rid == rid && Arrays.equals(((JoinKey) o).idx, idx);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(rid) * 31 + Arrays.hashCode(idx);
    }
  }

  private Table toTable(List<Row> rows, List<String> names, boolean[] presentLoops) {
    int nl = loops.size();
    boolean[] hasValue = new boolean[nl];
    boolean anyReplay = false;
    for (Row r : rows) {
      for (int i = 0; i < nl; i++) if (r.loopValue[i] != null) hasValue[i] = true;
      anyReplay |= r.replay;
    }
    rows.sort(Comparator.<Row, String>comparing(r -> (String) runs.get(r.rid)[1], Comparator.nullsFirst(Comparator.naturalOrder()))
        .thenComparing(r -> (String) runs.get(r.rid)[3])
        .thenComparing((a, b) -> Arrays.compare(a.idx, b.idx)));
    List<String> cols = new ArrayList<>(List.of("projid", "tstamp", "filename"));
    for (int i = 0; i < nl; i++) {
      if (!presentLoops[i]) continue;
      cols.add(loops.get(i));
      if (hasValue[i]) cols.add(loops.get(i) + "_value");
    }
    cols.addAll(names);
    if (anyReplay) cols.add("source");
    List<Object[]> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      Object[] run = runs.get(r.rid);
      Object[] o = new Object[cols.size()];
      int c = 0;
      o[c++] = run[0];
      o[c++] = run[1];
      o[c++] = run[2];
      for (int i = 0; i < nl; i++) {
        if (!presentLoops[i]) continue;
        o[c++] = r.idx[i] == ABSENT ? null : (Object) r.idx[i];
        if (hasValue[i]) o[c++] = r.loopValue[i];
      }
      for (Object v : r.values) o[c++] = v;
      if (anyReplay) o[c] = r.replay ? "replay" : "forward";
      out.add(o);
    }
    return Table.of(cols, out);
  }

  private Table runLevel() throws SQLException {
    Map<Long, Map<String, Object>> values = new LinkedHashMap<>();
    Map<Long, Boolean> replay = new HashMap<>();
    LinkedHashSet<String> names = new LinkedHashSet<>();
    List<Long> order = new ArrayList<>(runs.keySet());
    order.sort(Comparator.<Long, String>comparing(r -> (String) runs.get(r)[1], Comparator.nullsFirst(Comparator.naturalOrder()))
        .thenComparing(r -> (String) runs.get(r)[3]));
    for (long rid : order) values.put(rid, new LinkedHashMap<>());
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT rid, name, type, value, source FROM logs"
            + " WHERE ctx = 0 AND kind IN ('log', 'arg') ORDER BY rid, seq")) {
      while (rs.next()) {
        long rid = rs.getLong(1);
        String name = rs.getString(2);
        names.add(name);
        Map<String, Object> m = values.computeIfAbsent(rid, k -> new LinkedHashMap<>());
        boolean isReplay = "replay".equals(rs.getString(5));
        if (isReplay && m.containsKey(name)) continue; // forward values win
        m.put(name, Store.readValue(rs, 4, rs.getString(3)));
        if (isReplay) replay.put(rid, true);
      }
    }
    List<String> cols = new ArrayList<>(List.of("projid", "tstamp", "filename"));
    cols.addAll(names);
    boolean anyReplay = !replay.isEmpty();
    if (anyReplay) cols.add("source");
    List<Object[]> out = new ArrayList<>();
    for (Map.Entry<Long, Map<String, Object>> e : values.entrySet()) {
      Object[] run = runs.get(e.getKey());
      Object[] o = new Object[cols.size()];
      o[0] = run[0];
      o[1] = run[1];
      o[2] = run[2];
      int c = 3;
      for (String n : names) o[c++] = e.getValue().get(n);
      if (anyReplay) o[c] = replay.containsKey(e.getKey()) ? "replay" : "forward";
      out.add(o);
    }
    return Table.of(cols, out);
  }
}
