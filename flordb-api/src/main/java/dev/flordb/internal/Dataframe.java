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
 * from a replay. Rows are ordered by run (timestamp, then id) and loop positions.
 *
 * <p>With no names: one row per run with every value the run logged outside all loops.
 *
 * <h2>How it is computed</h2>
 *
 * A dataframe of a million values reads a million rows through JDBC, where every column fetched
 * costs a native call: the query for a name therefore reads each row's value, its position index,
 * its loop-position ids and one integer that packs the record's sequence number, type, source and
 * loop (see {@link #cellQuery}); everything per-run or per-loop (run metadata, enclosing loop
 * positions) is read once. Given a second connection, the later half of the runs is read on a
 * second thread. Partial tables are kept column-wise and joined with hash tables of primitive keys.
 */
final class Dataframe {
  private static final long ABSENT = Long.MIN_VALUE;

  // The packed column of the cell query: seq << SEQ_SHIFT | loop << LOOP_SHIFT | flags.
  private static final int T_FLOAT = 0;
  private static final int T_INT = 1;
  private static final int T_BOOL = 2;
  private static final int T_JSON = 3;
  private static final int T_TEXT = 4;
  private static final int TYPE_MASK = 7;
  private static final int REPLAY = 8;
  private static final int HAS_LOOP_VALUE = 16;
  private static final int LOOP_SHIFT = 5;
  /** Loop names the query tells apart by code; the code OTHER_LOOP means "read the name". */
  private static final int OTHER_LOOP = 127;
  private static final int SEQ_SHIFT = 12;

  private final Connection conn;
  /** Another connection to the same database, to read on two threads; or null. */
  private final Connection second;
  private final Map<Long, Object[]> runs = new HashMap<>(); // rid -> projid, tstamp, filename, run_id
  /** Loop names by id: the ids of the query's codes first, then names read as text. */
  private final List<String> loopNames = new ArrayList<>();
  private final Map<String, Integer> loopIds = new HashMap<>();
  /** Enclosing loop positions (every position that is some cell's ancestor), by ctx id. */
  private final Map<Long, Node> nodes = new HashMap<>();
  /** Loop names in the order their columns appear: by depth, then first seen. */
  private final List<String> loops = new ArrayList<>();
  private final Map<String, Integer> loopDepth = new HashMap<>();

  Dataframe(Connection conn) {
    this(conn, null);
  }

  Dataframe(Connection conn, Connection second) {
    this.conn = conn;
    this.second = second;
  }

  /** A loop position that encloses cells. */
  private static final class Node {
    final long id;
    final long parentId;
    final int loop;
    final long idx;
    final Object value;
    final int depth;
    final long rid;
    Node parent;

    Node(long id, long parentId, int loop, long idx, Object value, int depth, long rid) {
      this.id = id;
      this.parentId = parentId;
      this.loop = loop;
      this.idx = idx;
      this.value = value;
      this.depth = depth;
      this.rid = rid;
    }
  }

  /**
   * The cells of one name, column-wise, one per (run, position), in the order first seen: the
   * forward value over a replayed one, else the latest.
   */
  private static final class Cells {
    int n;
    /** The enclosing position's ctx id, or minus the run id when there is none. */
    long[] anchor = new long[64];
    /** The cell's own position (0: outside every loop). */
    long[] ctx = new long[64];
    long[] packed = new long[64];
    int[] loop = new int[64];
    long[] idx = new long[64];
    Object[] loopValue;
    Object[] value = new Object[64];

    int add() {
      if (n == ctx.length) resize(n << 1);
      return n++;
    }

    private void resize(int cap) {
      anchor = Arrays.copyOf(anchor, cap);
      ctx = Arrays.copyOf(ctx, cap);
      packed = Arrays.copyOf(packed, cap);
      loop = Arrays.copyOf(loop, cap);
      idx = Arrays.copyOf(idx, cap);
      value = Arrays.copyOf(value, cap);
      if (loopValue != null) loopValue = Arrays.copyOf(loopValue, cap);
    }

    /** Appends the cells of {@code o} (of other runs). */
    void append(Cells o) {
      int total = n + o.n;
      resize(total);
      System.arraycopy(o.anchor, 0, anchor, n, o.n);
      System.arraycopy(o.ctx, 0, ctx, n, o.n);
      System.arraycopy(o.packed, 0, packed, n, o.n);
      System.arraycopy(o.loop, 0, loop, n, o.n);
      System.arraycopy(o.idx, 0, idx, n, o.n);
      System.arraycopy(o.value, 0, value, n, o.n);
      if (loopValue != null || o.loopValue != null) {
        if (loopValue == null) loopValue = new Object[total];
        if (o.loopValue != null) System.arraycopy(o.loopValue, 0, loopValue, n, o.n);
      }
      n = total;
    }

    void setLoopValue(int row, Object v) {
      if (loopValue == null) {
        if (v == null) return;
        loopValue = new Object[ctx.length];
      }
      loopValue[row] = v;
    }
  }

  /** A partial or joined table, column-wise. */
  private static final class Part {
    final int n;
    final long[] rid;
    /** Per loop column: the iteration indexes (ABSENT where the row has none), or null. */
    final long[][] idx;
    /** Per loop column: the loop's elements, or null if there are none. */
    final Object[][] loopValue;
    /** Per requested name: the values, or null. */
    final Object[][] values;
    /** Null if no row holds a replayed value. */
    boolean[] replay;

    Part(int n, int loopCount, int nameCount) {
      this.n = n;
      this.rid = new long[n];
      this.idx = new long[loopCount][];
      this.loopValue = new Object[loopCount][];
      this.values = new Object[nameCount][];
    }

    long[] idxColumn(int li) {
      if (idx[li] == null) {
        idx[li] = new long[n];
        Arrays.fill(idx[li], ABSENT);
      }
      return idx[li];
    }

    Object[] loopValueColumn(int li) {
      if (loopValue[li] == null) loopValue[li] = new Object[n];
      return loopValue[li];
    }

    boolean[] replayColumn() {
      if (replay == null) replay = new boolean[n];
      return replay;
    }
  }

  Table build(String... requested) throws SQLException {
    loadRuns();
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String n : requested) {
      if (n == null || n.isBlank()) throw new IllegalArgumentException("dataframe names must not be empty");
      unique.add(n);
    }
    if (unique.isEmpty()) return runLevel();
    List<String> names = new ArrayList<>(unique);

    List<Cells> cells = new ArrayList<>();
    for (String name : names) cells.add(cellsOf(name));
    loadNodes(cells);
    orderLoops(cells);
    for (String name : names) {
      if (loopDepth.containsKey(name)) {
        throw new IllegalArgumentException("'" + name + "' is a loop: its positions are already a column"
            + " of the values logged inside it; ask for those values instead");
      }
    }

    int[] column = new int[loopNames.size()]; // loop id -> loop column
    Arrays.fill(column, -1);
    for (int i = 0; i < loops.size(); i++) column[loopIds.get(loops.get(i))] = i;
    Part joined = null;
    for (int k = 0; k < names.size(); k++) {
      Part part = part(cells.get(k), k, names.size(), column);
      cells.set(k, null);
      joined = joined == null ? part : outerJoin(joined, part, k);
    }
    return toTable(joined, names);
  }

  private void loadRuns() throws SQLException {
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT rid, projid, tstamp, filename, run_id FROM runs")) {
      while (rs.next()) {
        runs.put(rs.getLong(1), new Object[] {rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)});
      }
    }
  }

  private synchronized String loopName(int id) {
    return loopNames.get(id);
  }

  /** The id of a loop name (called from the thread that reads half the runs, too). */
  private synchronized int loopId(String name) {
    Integer id = loopIds.get(name);
    if (id != null) return id;
    loopNames.add(name);
    loopIds.put(name, loopNames.size() - 1);
    return loopNames.size() - 1;
  }

  /**
   * The cells of a name. With a second connection and several runs, the later half of the runs is
   * read on another thread: reading is most of the work, and cells of different runs never meet.
   */
  private Cells cellsOf(String name) throws SQLException {
    int[] codes = loopCodes(name);
    List<Long> rids = new ArrayList<>(runs.keySet());
    if (second == null || rids.size() < 2) return cellsOf(conn, name, codes, Long.MIN_VALUE, Long.MAX_VALUE);
    rids.sort(null);
    long split = rids.get(rids.size() / 2);
    Cells[] later = new Cells[1];
    SQLException[] failed = new SQLException[1];
    Thread other = new Thread(() -> {
      try {
        later[0] = cellsOf(second, name, codes, split, Long.MAX_VALUE);
      } catch (SQLException e) {
        failed[0] = e;
      }
    }, "flordb-dataframe");
    other.setDaemon(true);
    other.start();
    Cells earlier;
    try {
      earlier = cellsOf(conn, name, codes, Long.MIN_VALUE, split);
    } finally {
      joinUninterruptibly(other);
    }
    if (failed[0] != null) throw failed[0];
    earlier.append(later[0]);
    return earlier;
  }

  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
  }

  /**
   * The loops the cell query tells apart by code, as loop ids by code: those of the name's first
   * records (a name is mostly logged in one loop). Others are read by name, which is slower.
   */
  private int[] loopCodes(String name) throws SQLException {
    List<Integer> ids = new ArrayList<>();
    try (PreparedStatement ps = conn.prepareStatement("SELECT DISTINCT c.loop FROM"
        + " (SELECT ctx FROM logs WHERE name = ? AND ctx != 0 LIMIT 256) l JOIN ctx c ON c.id = l.ctx")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next() && ids.size() < OTHER_LOOP) ids.add(loopId(rs.getString(1)));
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * One row per record of the name in runs {@code [ridFrom, ridTo)}: the enclosing position (or
   * minus the run), the record's own position, the packed integer, the value, and the position's
   * index; the loop's name and element are fetched only when the packed integer says so.
   */
  private static String cellQuery(int codedLoops) {
    StringBuilder loopCase = new StringBuilder("CASE c.loop");
    for (int i = 0; i < codedLoops; i++) loopCase.append(" WHEN ? THEN ").append(i);
    loopCase.append(" ELSE ").append(OTHER_LOOP).append(" END");
    return "SELECT CASE WHEN c.parent > 0 THEN c.parent ELSE -l.rid END, l.ctx,"
        + " (l.seq << " + SEQ_SHIFT + ")"
        + " | ((" + (codedLoops == 0 ? String.valueOf(OTHER_LOOP) : loopCase) + ") << " + LOOP_SHIFT + ")"
        + " | CASE l.type WHEN 'float' THEN " + T_FLOAT + " WHEN 'int' THEN " + T_INT
        + " WHEN 'bool' THEN " + T_BOOL + " WHEN 'json' THEN " + T_JSON + " ELSE " + T_TEXT + " END"
        + " | CASE WHEN l.source = 'replay' THEN " + REPLAY + " ELSE 0 END"
        + " | CASE WHEN c.value IS NOT NULL THEN " + HAS_LOOP_VALUE + " ELSE 0 END,"
        + " l.value, c.idx, c.loop, c.value"
        + " FROM logs l LEFT JOIN ctx c ON c.id = l.ctx"
        + " WHERE l.name = ? AND l.rid >= ? AND l.rid < ?"
        + " AND l.kind NOT IN ('run', 'end', 'warn')" // the run's own records, not values
        + " ORDER BY l.rid, l.rowid"; // the order of the index on (name, rid): no sorting
  }

  private Cells cellsOf(Connection db, String name, int[] codes, long ridFrom, long ridTo) throws SQLException {
    Cells c = new Cells();
    // One cell per (run, position). Position ids are unique across runs and mostly come in
    // increasing order, so a map of them is built only once one comes out of order.
    long maxCtx = 0;
    LongIntMap byCtx = null;
    Map<Long, Integer> byRun = new HashMap<>(); // cells outside every loop
    try (PreparedStatement ps = db.prepareStatement(cellQuery(codes.length))) {
      for (int i = 0; i < codes.length; i++) ps.setString(i + 1, loopName(codes[i]));
      ps.setString(codes.length + 1, name);
      ps.setLong(codes.length + 2, ridFrom);
      ps.setLong(codes.length + 3, ridTo);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long anchor = rs.getLong(1);
          long ctx = rs.getLong(2);
          long packed = rs.getLong(3);
          Object value = readValue(rs.getObject(4), (int) packed & TYPE_MASK);
          int row;
          if (ctx == 0) {
            Integer known = byRun.get(anchor);
            row = known == null ? -1 : known;
            if (row < 0) byRun.put(anchor, c.n);
          } else if (ctx > maxCtx) {
            maxCtx = ctx;
            row = -1;
            if (byCtx != null) byCtx.put(ctx, c.n);
          } else {
            if (byCtx == null) {
              byCtx = new LongIntMap();
              for (int r = 0; r < c.n; r++) if (c.ctx[r] != 0) byCtx.put(c.ctx[r], r);
            }
            row = byCtx.get(ctx);
            if (row < 0) byCtx.put(ctx, c.n);
          }
          if (row >= 0) {
            if (better(c.packed[row], packed)) continue;
          } else {
            row = c.add();
          }
          c.anchor[row] = anchor;
          c.ctx[row] = ctx;
          c.packed[row] = packed;
          c.value[row] = value;
          int loop = -1; // no position of its own: outside every loop (or its position is missing)
          if (ctx != 0) {
            int code = (int) (packed >>> LOOP_SHIFT) & OTHER_LOOP;
            if (code != OTHER_LOOP) {
              loop = codes[code];
            } else {
              String loopName = rs.getString(6);
              if (loopName != null) loop = loopId(loopName);
            }
          }
          c.loop[row] = loop;
          Object lv = null;
          if (loop >= 0) {
            c.idx[row] = rs.getLong(5);
            if ((packed & HAS_LOOP_VALUE) != 0) {
              lv = rs.getObject(7);
              if (lv instanceof Integer) lv = ((Integer) lv).longValue();
            }
          }
          c.setLoopValue(row, lv);
        }
      }
    }
    return c;
  }

  /** True if the record packed as {@code a} should be kept over {@code b}: forward, else later. */
  private static boolean better(long a, long b) {
    boolean aReplay = (a & REPLAY) != 0;
    boolean bReplay = (b & REPLAY) != 0;
    if (aReplay != bReplay) return !aReplay;
    return (a >> SEQ_SHIFT) > (b >> SEQ_SHIFT);
  }

  /** A stored value as its Java type (as {@link Store#readValue}, from a type code). */
  private static Object readValue(Object raw, int type) {
    if (raw == null) return null;
    switch (type) {
      case T_INT:
        return raw instanceof Long ? raw : (Object) ((Number) raw).longValue();
      case T_FLOAT:
        if (raw instanceof Double) return raw;
        return raw instanceof Number ? (Object) ((Number) raw).doubleValue() : Double.valueOf(raw.toString());
      case T_BOOL:
        return ((Number) raw).longValue() != 0;
      case T_JSON:
        return Json.parse(raw.toString());
      default:
        return raw.toString();
    }
  }

  /** Loads every position that encloses a cell, up to the outermost loop. */
  private void loadNodes(List<Cells> cells) throws SQLException {
    Set<Long> wanted = new LinkedHashSet<>();
    for (Cells c : cells) {
      long last = 0;
      for (int r = 0; r < c.n; r++) {
        long a = c.anchor[r];
        if (a > 0 && a != last) {
          wanted.add(a);
          last = a;
        }
      }
    }
    while (!wanted.isEmpty()) {
      List<Long> batch = new ArrayList<>(wanted);
      wanted.clear();
      for (int from = 0; from < batch.size(); from += 500) {
        List<Long> part = batch.subList(from, Math.min(batch.size(), from + 500));
        StringBuilder sql = new StringBuilder("SELECT id, parent, loop, idx, value, depth, rid FROM ctx WHERE id IN (");
        for (int i = 0; i < part.size(); i++) sql.append(i == 0 ? "?" : ",?");
        sql.append(')');
        try (PreparedStatement ps = conn.prepareStatement(sql.toString())) {
          for (int i = 0; i < part.size(); i++) ps.setLong(i + 1, part.get(i));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              Object v = rs.getObject(5);
              if (v instanceof Integer) v = ((Integer) v).longValue();
              long id = rs.getLong(1);
              long parent = rs.getLong(2);
              nodes.put(id, new Node(id, parent, loopId(rs.getString(3)), rs.getLong(4), v, rs.getInt(6), rs.getLong(7)));
              if (parent != 0 && !nodes.containsKey(parent)) wanted.add(parent);
            }
          }
        }
      }
    }
    for (Node n : nodes.values()) n.parent = n.parentId == 0 ? null : nodes.get(n.parentId);
  }

  /** Loop columns ordered by depth, then by first appearance (the smallest position id). */
  private void orderLoops(List<Cells> cells) {
    int nLoops = loopNames.size();
    int[] depth = new int[nLoops];
    long[] first = new long[nLoops];
    Arrays.fill(depth, Integer.MAX_VALUE);
    Arrays.fill(first, Long.MAX_VALUE);
    for (Node n : nodes.values()) {
      depth[n.loop] = Math.min(depth[n.loop], n.depth);
      first[n.loop] = Math.min(first[n.loop], n.id);
    }
    for (Cells c : cells) {
      long lastAnchor = 0;
      int d = 0;
      for (int r = 0; r < c.n; r++) {
        if (c.loop[r] < 0) continue;
        long a = c.anchor[r];
        if (a != lastAnchor) {
          Node enclosing = a > 0 ? nodes.get(a) : null;
          d = enclosing != null ? enclosing.depth + 1 : 0; // as stored: the enclosing one's + 1
          lastAnchor = a;
        }
        int l = c.loop[r];
        if (d < depth[l]) depth[l] = d;
        if (c.ctx[r] < first[l]) first[l] = c.ctx[r];
      }
    }
    List<Integer> seen = new ArrayList<>();
    for (int l = 0; l < nLoops; l++) if (first[l] != Long.MAX_VALUE) seen.add(l);
    seen.sort(Comparator.<Integer>comparingInt(l -> depth[l]).thenComparingLong(l -> first[l]));
    for (int l : seen) {
      loops.add(loopNames.get(l));
      loopDepth.put(loopNames.get(l), depth[l]);
    }
  }

  /** The partial table of the {@code k}-th name. */
  private Part part(Cells c, int k, int nameCount, int[] column) {
    Part p = new Part(c.n, loops.size(), nameCount);
    p.values[k] = c.value; // may be longer than n
    long lastAnchor = 0;
    Node enclosing = null;
    for (int r = 0; r < c.n; r++) {
      long a = c.anchor[r];
      if (a != lastAnchor) {
        enclosing = a > 0 ? nodes.get(a) : null;
        lastAnchor = a;
      }
      p.rid[r] = enclosing != null ? enclosing.rid : -a;
      if (c.loop[r] >= 0) {
        int li = column[c.loop[r]];
        p.idxColumn(li)[r] = c.idx[r];
        Object lv = c.loopValue == null ? null : c.loopValue[r];
        if (lv != null) p.loopValueColumn(li)[r] = lv;
      }
      // Outer positions overwrite inner ones of the same loop name, as walking outwards does.
      for (Node x = enclosing; x != null; x = x.parent) {
        int li = column[x.loop];
        p.idxColumn(li)[r] = x.idx;
        Object[] lvs = x.value != null ? p.loopValueColumn(li) : p.loopValue[li];
        if (lvs != null) lvs[r] = x.value;
      }
      if ((c.packed[r] & REPLAY) != 0) p.replayColumn()[r] = true;
    }
    return p;
  }

  /**
   * Left outer join plus the right rows that matched nothing, on the run and the loops both sides
   * have: each left row in order, followed by its matches in right order (or alone), then the
   * unmatched right rows in order. Where the left row has no position in a loop, the right one's
   * is taken.
   */
  private Part outerJoin(Part left, Part right, int k) {
    int nl = loops.size();
    int[] common = java.util.stream.IntStream.range(0, nl)
        .filter(i -> left.idx[i] != null && right.idx[i] != null).toArray();
    KeyIndex index = new KeyIndex(left, common);
    // matches of each left row, as chains through the pair arrays
    int[] head = new int[left.n];
    int[] tail = new int[left.n];
    Arrays.fill(head, -1);
    IntList pairRight = new IntList();
    IntList pairNext = new IntList();
    IntList unmatched = new IntList();
    int outSize = 0;
    for (int j = 0; j < right.n; j++) {
      int g = index.find(right, j);
      if (g < 0) {
        unmatched.add(j);
        continue;
      }
      for (int i = g; i >= 0; i = index.nextInGroup[i]) {
        int pair = pairRight.size();
        pairRight.add(j);
        pairNext.add(-1);
        if (head[i] < 0) {
          head[i] = pair;
        } else {
          pairNext.set(tail[i], pair);
        }
        tail[i] = pair;
      }
    }
    for (int i = 0; i < left.n; i++) {
      if (head[i] < 0) outSize++;
    }
    outSize += pairRight.size() + unmatched.size();
    int[] fromLeft = new int[outSize];
    int[] fromRight = new int[outSize];
    int o = 0;
    for (int i = 0; i < left.n; i++) {
      if (head[i] < 0) {
        fromLeft[o] = i;
        fromRight[o++] = -1;
        continue;
      }
      for (int pair = head[i]; pair >= 0; pair = pairNext.get(pair)) {
        fromLeft[o] = i;
        fromRight[o++] = pairRight.get(pair);
      }
    }
    for (int u = 0; u < unmatched.size(); u++) {
      fromLeft[o] = -1;
      fromRight[o++] = unmatched.get(u);
    }

    Part out = new Part(outSize, nl, left.values.length);
    for (int r = 0; r < outSize; r++) {
      int i = fromLeft[r];
      out.rid[r] = i >= 0 ? left.rid[i] : right.rid[fromRight[r]];
    }
    for (int li = 0; li < nl; li++) {
      long[] li1 = left.idx[li];
      long[] ri1 = right.idx[li];
      if (li1 == null && ri1 == null) continue;
      Object[] lv = left.loopValue[li];
      Object[] rv = right.loopValue[li];
      long[] idx = out.idxColumn(li);
      Object[] values = lv != null || rv != null ? out.loopValueColumn(li) : null;
      for (int r = 0; r < outSize; r++) {
        int i = fromLeft[r];
        int j = fromRight[r];
        if (i >= 0 && li1 != null && li1[i] != ABSENT) {
          idx[r] = li1[i];
          if (values != null && lv != null) values[r] = lv[i];
        } else if (j >= 0 && ri1 != null && ri1[j] != ABSENT) {
          idx[r] = ri1[j];
          if (values != null && rv != null) values[r] = rv[j];
        } else if (i >= 0 && values != null && lv != null) {
          values[r] = lv[i]; // no position on either side: the left row's (empty) element stays
        }
      }
    }
    for (int m = 0; m < k; m++) {
      Object[] from = left.values[m];
      if (from == null) continue;
      Object[] to = out.values[m] = new Object[outSize];
      for (int r = 0; r < outSize; r++) if (fromLeft[r] >= 0) to[r] = from[fromLeft[r]];
    }
    Object[] fromK = right.values[k];
    Object[] toK = out.values[k] = new Object[outSize];
    for (int r = 0; r < outSize; r++) if (fromRight[r] >= 0) toK[r] = fromK[fromRight[r]];
    if (left.replay != null || right.replay != null) {
      boolean[] rep = out.replayColumn();
      for (int r = 0; r < outSize; r++) {
        int i = fromLeft[r];
        int j = fromRight[r];
        rep[r] = (i >= 0 && left.replay != null && left.replay[i]) || (j >= 0 && right.replay != null && right.replay[j]);
      }
    }
    return out;
  }

  /** The left rows grouped by join key (run and common loop positions), in an open-addressing table. */
  private static final class KeyIndex {
    final Part rows;
    final int[] common;
    final int[] slots; // first row of each group + 1, 0 = empty
    final int[] nextInGroup;
    final int[] lastInGroup;

    KeyIndex(Part rows, int[] common) {
      this.rows = rows;
      this.common = common;
      int cap = Integer.highestOneBit(Math.max(4, rows.n * 2 - 1)) << 1;
      this.slots = new int[cap];
      this.nextInGroup = new int[rows.n];
      this.lastInGroup = new int[rows.n];
      Arrays.fill(nextInGroup, -1);
      for (int i = 0; i < rows.n; i++) {
        int s = hash(rows, i) & (cap - 1);
        while (true) {
          int g = slots[s] - 1;
          if (g < 0) {
            slots[s] = i + 1;
            lastInGroup[i] = i;
            break;
          }
          if (sameKey(rows, g, rows, i)) {
            nextInGroup[lastInGroup[g]] = i;
            lastInGroup[g] = i;
            break;
          }
          s = (s + 1) & (cap - 1);
        }
      }
    }

    /** The first left row with the key of {@code other}'s row {@code j}, or -1. */
    int find(Part other, int j) {
      int cap = slots.length;
      int s = hash(other, j) & (cap - 1);
      while (true) {
        int g = slots[s] - 1;
        if (g < 0) return -1;
        if (sameKey(rows, g, other, j)) return g;
        s = (s + 1) & (cap - 1);
      }
    }

    private int hash(Part p, int r) {
      long h = p.rid[r] * 0x9E3779B97F4A7C15L;
      for (int c : common) h = (h ^ p.idx[c][r]) * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32));
    }

    private boolean sameKey(Part a, int i, Part b, int j) {
      if (a.rid[i] != b.rid[j]) return false;
      for (int c : common) if (a.idx[c][i] != b.idx[c][j]) return false;
      return true;
    }
  }

  private Table toTable(Part rows, List<String> names) {
    int nl = loops.size();
    int n = rows.n;
    boolean[] hasValue = new boolean[nl];
    for (int li = 0; li < nl; li++) {
      Object[] lv = rows.loopValue[li];
      if (lv == null) continue;
      for (int r = 0; r < n && !hasValue[li]; r++) hasValue[li] = lv[r] != null;
    }
    boolean anyReplay = false;
    if (rows.replay != null) for (int r = 0; r < n && !anyReplay; r++) anyReplay = rows.replay[r];

    // runs ordered by timestamp (missing first), then id
    List<Long> rids = new ArrayList<>(runs.keySet());
    rids.sort(Comparator.<Long, String>comparing(r -> (String) runs.get(r)[1], Comparator.nullsFirst(Comparator.naturalOrder()))
        .thenComparing(r -> (String) runs.get(r)[3]));
    Map<Long, Integer> rank = new HashMap<>();
    for (int i = 0; i < rids.size(); i++) rank.put(rids.get(i), i);
    int[] runRank = new int[n];
    Object[][] runOf = new Object[n][];
    long lastRid = Long.MIN_VALUE;
    int lastRank = 0;
    Object[] lastRun = null;
    for (int r = 0; r < n; r++) {
      if (rows.rid[r] != lastRid) {
        lastRid = rows.rid[r];
        Integer k = rank.get(lastRid);
        lastRank = k == null ? Integer.MAX_VALUE : k;
        lastRun = runs.get(lastRid);
      }
      runRank[r] = lastRank;
      runOf[r] = lastRun;
    }
    long[][] idx = new long[nl][];
    int present = 0;
    for (int li = 0; li < nl; li++) if (rows.idx[li] != null) idx[present++] = rows.idx[li];
    long[][] keys = Arrays.copyOf(idx, present);
    IntComparator order = (a, b) -> {
      int c = Integer.compare(runRank[a], runRank[b]);
      if (c != 0) return c;
      for (long[] col : keys) {
        c = Long.compare(col[a], col[b]);
        if (c != 0) return c;
      }
      return 0;
    };
    int[] perm = stableSort(n, order);

    List<String> cols = new ArrayList<>(List.of("projid", "tstamp", "filename"));
    for (int li = 0; li < nl; li++) {
      if (rows.idx[li] == null) continue;
      cols.add(loops.get(li));
      if (hasValue[li]) cols.add(loops.get(li) + "_value");
    }
    cols.addAll(names);
    if (anyReplay) cols.add("source");
    int width = cols.size();
    LongBoxes boxes = new LongBoxes();
    List<Object[]> out = new ArrayList<>(n);
    for (int p = 0; p < n; p++) {
      int r = perm[p];
      Object[] run = runOf[r];
      Object[] o = new Object[width];
      int c = 0;
      o[c++] = run[0];
      o[c++] = run[1];
      o[c++] = run[2];
      for (int li = 0; li < nl; li++) {
        long[] col = rows.idx[li];
        if (col == null) continue;
        o[c++] = col[r] == ABSENT ? null : boxes.of(col[r]);
        if (hasValue[li]) o[c++] = rows.loopValue[li][r];
      }
      for (Object[] v : rows.values) o[c++] = v == null ? null : v[r];
      if (anyReplay) o[c] = rows.replay[r] ? "replay" : "forward";
      out.add(o);
    }
    return Table.of(cols, out);
  }

  /** Shares one Long per small loop index across the rows of a table. */
  private static final class LongBoxes {
    private final Long[] small = new Long[1 << 16];

    Long of(long v) {
      if (v < 0 || v >= small.length) return v;
      Long b = small[(int) v];
      if (b == null) small[(int) v] = b = v;
      return b;
    }
  }

  private interface IntComparator {
    int compare(int a, int b);
  }

  /** The permutation that sorts 0..n-1 by {@code order}, keeping equal ones in place (merge sort). */
  private static int[] stableSort(int n, IntComparator order) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    boolean sorted = true;
    for (int i = 1; i < n && sorted; i++) sorted = order.compare(i - 1, i) <= 0;
    if (sorted) return a;
    int[] b = new int[n];
    for (int width = 1; width < n; width <<= 1) {
      for (int lo = 0; lo < n; lo += width << 1) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + (width << 1), n);
        int i = lo;
        int j = mid;
        int o = lo;
        while (i < mid && j < hi) b[o++] = order.compare(a[j], a[i]) < 0 ? a[j++] : a[i++];
        while (i < mid) b[o++] = a[i++];
        while (j < hi) b[o++] = a[j++];
      }
      int[] t = a;
      a = b;
      b = t;
    }
    return a;
  }

  /** A growable list of ints. */
  private static final class IntList {
    int[] a = new int[16];
    int n;

    void add(int v) {
      if (n == a.length) a = Arrays.copyOf(a, n << 1);
      a[n++] = v;
    }

    int get(int i) {
      return a[i];
    }

    void set(int i, int v) {
      a[i] = v;
    }

    int size() {
      return n;
    }
  }

  /** A map from long keys (never Long.MIN_VALUE) to ints, with open addressing. */
  private static final class LongIntMap {
    private static final long EMPTY = Long.MIN_VALUE;
    long[] keys = new long[1 << 10];
    int[] values = new int[1 << 10];
    int size;

    LongIntMap() {
      Arrays.fill(keys, EMPTY);
    }

    /** The value of {@code key}, or -1. */
    int get(long key) {
      int mask = keys.length - 1;
      for (int s = slot(key, mask); ; s = (s + 1) & mask) {
        long k = keys[s];
        if (k == key) return values[s];
        if (k == EMPTY) return -1;
      }
    }

    void put(long key, int value) {
      if ((size + 1) * 2 > keys.length) grow();
      int mask = keys.length - 1;
      for (int s = slot(key, mask); ; s = (s + 1) & mask) {
        if (keys[s] == EMPTY) {
          keys[s] = key;
          values[s] = value;
          size++;
          return;
        }
        if (keys[s] == key) {
          values[s] = value;
          return;
        }
      }
    }

    private static int slot(long key, int mask) {
      long h = key * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
      long[] oldKeys = keys;
      int[] oldValues = values;
      keys = new long[oldKeys.length << 1];
      values = new int[oldKeys.length << 1];
      Arrays.fill(keys, EMPTY);
      size = 0;
      for (int i = 0; i < oldKeys.length; i++) if (oldKeys[i] != EMPTY) put(oldKeys[i], oldValues[i]);
    }
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
