package dev.flordb.internal.store;

import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.TableRows;

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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pivots the log into one wide table, as FlorDB does, by rules that never depend on the order of
 * the names asked for.
 *
 * <ul>
 *   <li><b>Columns</b>: {@code projid, tstamp, filename, run_id}; one column per loop that
 *       encloses a requested value (its iteration index, counted from 0), outermost first, each
 *       followed by {@code <loop>_value} where the loop's elements are plain values; the names,
 *       in the order asked for; {@code source} when some value came from a replay.
 *   <li><b>Rows</b>: one per innermost loop position where some requested name was logged (a
 *       position inside which no requested name was logged), in each run; a run that logged the
 *       names only outside every loop has one row.
 *   <li><b>Cells</b>: each name's value at the row's position or, when it was not logged there,
 *       at the nearest position that encloses it: a run-level value ({@code lr}) is on every row of
 *       its run, a per-epoch value ({@code acc}) on every step row of its epoch.
 *   <li><b>A name logged several times at one position</b> shows its last value (a forward value
 *       before a replayed one); {@link #notes()} says where that happened, and the {@code records}
 *       view has every value.
 *   <li>Rows are ordered by run (timestamp, then id), then by loop positions.
 * </ul>
 *
 * <p>With no names: one row per run with every value the run logged outside all loops.
 *
 * <h2>How it is computed</h2>
 *
 * The cells of a name are read from the store's packs ({@link CellPacks}: per run and name, a
 * blob of the records' positions, sequence numbers, types, sources and values), a few blobs per
 * run instead of a JDBC row per record; or, built without packs (a database that has only the
 * rows, such as another SQL store), by one query over {@code logs} and {@code ctx} that reads each
 * row's value, its position index, its loop-position ids and one integer that packs the record's
 * sequence number, type, source and loop (see {@link #cellQuery}). Both give the same cells, in
 * the order the records were stored, and everything after that is the same. Per-run and per-loop
 * data (run metadata, enclosing loop positions) is read once. Given a second connection, the
 * later half of the runs is read on a second thread. The positions are kept in primitive arrays
 * indexed densely by their ids (a hash table for others), each row finds its cells by walking up
 * from its position, and the table keeps the columns, making a row when it is read ({@link
 * TableRows}).
 */
public final class Dataframe {
  private static final long ABSENT = Long.MIN_VALUE;
  /** The columns that say whose a row is, first in every dataframe. */
  static final List<String> RUN_COLUMNS = List.of("projid", "tstamp", "filename", "run_id");

  // The packed column of the cell query: seq << SEQ_SHIFT | loop << LOOP_SHIFT | flags.
  static final int T_FLOAT = 0;
  static final int T_INT = 1;
  static final int T_BOOL = 2;
  static final int T_JSON = 3;
  static final int T_TEXT = 4;
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
  /** Whether the cells are read from the packs ({@link CellPacks}) rather than from the rows of logs and ctx. */
  private final boolean packed;
  /** Whether the database is a {@link SharedDatabase}: values as text, loop elements as JSON text. */
  private final boolean textValues;
  private final Map<Long, Object[]> runs = new HashMap<>(); // rid -> projid, tstamp, filename, run_id
  /** Loop names by id: the ids of the query's codes first, then names read as text. */
  private final List<String> loopNames = new ArrayList<>();
  private final Map<String, Integer> loopIds = new HashMap<>();
  /** Enclosing loop positions (every position that is some cell's ancestor), by ctx id. */
  private final Map<Long, Node> nodes = new HashMap<>();
  /** Loop names in the order their columns appear: by depth, then first seen. */
  private final List<String> loops = new ArrayList<>();
  private final Map<String, Integer> loopDepth = new HashMap<>();
  private final List<Duplicate> duplicates = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  /** A requested name (by its index) logged more than once at some positions; the first one described. */
  private record Duplicate(int name, int positions, String runId, String where) {}

  Dataframe(Connection conn) {
    this(conn, null, false);
  }

  /**
   * A dataframe of the database of {@code conn}; with {@code second}, read on two threads; with
   * {@code packed}, the cells are read from the packs (which {@link Store} writes with the rows),
   * else from the rows of {@code logs} and {@code ctx} alone, by SQL any database answers.
   */
  Dataframe(Connection conn, Connection second, boolean packed) {
    this(conn, second, packed, false);
  }

  /** {@code textValues}: the database is a {@link SharedDatabase} (values as text, loop elements as JSON text). */
  Dataframe(Connection conn, Connection second, boolean packed, boolean textValues) {
    this.conn = conn;
    this.second = second;
    this.packed = packed;
    this.textValues = textValues;
  }

  /** A loop element as read (SQLite's typed value, or a shared database's JSON text), as the local store stores it. */
  private Object loopValue(Object raw) {
    if (raw instanceof Integer) return ((Integer) raw).longValue();
    return textValues && raw != null ? Store.storedElement(raw.toString()) : raw;
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
    /** Positions where the name was logged more than once (from the same source), and the first of them. */
    int duplicated;
    int firstDuplicate = -1;
    private java.util.BitSet counted;

    void duplicate(int row) {
      if (counted == null) counted = new java.util.BitSet();
      if (counted.get(row)) return;
      counted.set(row);
      if (duplicated++ == 0) firstDuplicate = row;
    }

    int add() {
      if (n == ctx.length) resize(n << 1);
      return n++;
    }

    /** Makes room for {@code cells} in all. */
    void reserve(int cells) {
      if (cells > ctx.length) resize(cells);
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
      if (o.duplicated > 0 && duplicated == 0) firstDuplicate = n + o.firstDuplicate;
      duplicated += o.duplicated;
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
    /** Each row's position: its ctx id, or minus the run id outside every loop; what orders rows nothing else does. */
    final long[] key;
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
      this.key = new long[n];
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
    Part rows = pivot(cells, column);
    cells.clear();
    for (Duplicate d : duplicates) {
      String name = names.get(d.name);
      notes.add("'" + name + "' was logged more than once at " + d.positions + (d.positions == 1 ? " position" : " positions")
          + " (the first: run " + d.runId + " " + d.where + "); the dataframe shows the last value logged at each"
          + " (a forward value before a replayed one), and the records view has every value: SELECT run_id,"
          + " position, seq, value FROM records WHERE name = '" + name.replace("'", "''") + "'");
    }
    return toTable(rows, names);
  }

  /** What the table does not show on its face (a name logged more than once at one position), for the user. */
  List<String> notes() {
    return notes;
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
    int[] codes = packed ? null : loopCodes(name);
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
    CellsBuilder c = new CellsBuilder();
    if (packed) {
      try (PreparedStatement ps = db.prepareStatement("SELECT sum(n) FROM packs WHERE name = ? AND rid >= ? AND rid < ?")) {
        ps.setString(1, name);
        ps.setLong(2, ridFrom);
        ps.setLong(3, ridTo);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) c.cells.reserve((int) Math.min(rs.getLong(1), Integer.MAX_VALUE - 8)); // no growing copies
        }
      }
      try (PreparedStatement ps = db.prepareStatement(
          "SELECT n, data FROM packs WHERE name = ? AND rid >= ? AND rid < ? ORDER BY rid, id")) {
        ps.setString(1, name);
        ps.setLong(2, ridFrom);
        ps.setLong(3, ridTo);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            CellPacks.Reader r = new CellPacks.Reader(rs.getBytes(2), rs.getInt(1));
            int[] ids = new int[r.loops.length];
            for (int i = 0; i < ids.length; i++) ids[i] = loopId(r.loops[i]);
            while (r.next()) {
              long flags = (r.seq << SEQ_SHIFT) | r.type | (r.replay ? REPLAY : 0);
              c.add(r.anchor, r.ctx, flags, readValue(r.value, r.type), r.loop < 0 ? -1 : ids[r.loop], r.idx, r.element);
            }
          }
        }
      }
      return c.cells;
    }
    try (PreparedStatement ps = db.prepareStatement(cellQuery(codes.length))) {
      for (int i = 0; i < codes.length; i++) ps.setString(i + 1, loopName(codes[i]));
      ps.setString(codes.length + 1, name);
      ps.setLong(codes.length + 2, ridFrom);
      ps.setLong(codes.length + 3, ridTo);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long anchor = rs.getLong(1);
          long ctx = rs.getLong(2);
          long packedColumn = rs.getLong(3);
          Object value = readValue(rs.getObject(4), (int) packedColumn & TYPE_MASK);
          int loop = -1; // no position of its own: outside every loop (or its position is missing)
          if (ctx != 0) {
            int code = (int) (packedColumn >>> LOOP_SHIFT) & OTHER_LOOP;
            if (code != OTHER_LOOP) {
              loop = codes[code];
            } else {
              String loopName = rs.getString(6);
              if (loopName != null) loop = loopId(loopName);
            }
          }
          long idx = 0;
          Object lv = null;
          if (loop >= 0) {
            idx = rs.getLong(5);
            if ((packedColumn & HAS_LOOP_VALUE) != 0) {
              lv = loopValue(rs.getObject(7));
            }
          }
          c.add(anchor, ctx, packedColumn, value, loop, idx, lv);
        }
      }
    }
    return c.cells;
  }

  /**
   * Keeps one cell per (run, position) of the records given in the order they were stored: the
   * forward value over a replayed one, else the later.
   */
  private static final class CellsBuilder {
    final Cells cells = new Cells();
    // Position ids are unique across runs and mostly come in increasing order, so a map of them
    // is built only once one comes out of order.
    private long maxCtx;
    private LongIntMap byCtx;
    private final Map<Long, Integer> byRun = new HashMap<>(); // cells outside every loop

    /**
     * A record: its enclosing position (or minus the run), its own (0: none), the packed integer
     * (seq, type and REPLAY are read from it), its value, loop id (-1: none), index and element.
     */
    void add(long anchor, long ctx, long packed, Object value, int loop, long idx, Object loopValue) {
      Cells c = cells;
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
        if (((c.packed[row] ^ packed) & REPLAY) == 0) c.duplicate(row);
        if (better(c.packed[row], packed)) return;
      } else {
        row = c.add();
      }
      c.anchor[row] = anchor;
      c.ctx[row] = ctx;
      c.packed[row] = packed;
      c.value[row] = value;
      c.loop[row] = loop;
      c.idx[row] = loop >= 0 ? idx : 0;
      c.setLoopValue(row, loop >= 0 ? loopValue : null);
    }
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
        if (raw instanceof String) return Long.valueOf((String) raw); // a shared database's text
        return raw instanceof Long ? raw : (Object) ((Number) raw).longValue();
      case T_FLOAT:
        if (raw instanceof Double) return raw;
        return raw instanceof Number ? (Object) ((Number) raw).doubleValue() : Double.valueOf(raw.toString());
      case T_BOOL:
        return raw instanceof String ? !raw.equals("0") : ((Number) raw).longValue() != 0;
      case T_JSON:
        return TableRows.frozen(Json.parse(raw.toString())); // the table keeps it as it is
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
              Object v = loopValue(rs.getObject(5));
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

  /**
   * The loop positions of a table: every cell's own position, every position that encloses one,
   * and each run's root (the place of its run-level values), indexed densely, each with its
   * parent. A position's key is its ctx id, a run's root is minus the run id.
   */
  private final class Positions {
    final PositionIndex index;
    int n;
    long[] key;
    long[] parentKey;
    int[] parent;
    int[] loop;
    long[] idx;
    Object[] loopValue;
    long[] rid;

    Positions(int expected, long lowest, long highest) {
      int cap = Math.max(16, expected);
      index = new PositionIndex(expected, lowest, highest);
      key = new long[cap];
      parentKey = new long[cap];
      loop = new int[cap];
      idx = new long[cap];
      rid = new long[cap]; // loopValue: made when a position has an element
    }

    /** Adds a position unless it is there already; returns its index. */
    int add(long key, long parentKey, int loop, long idx, Object loopValue, long rid) {
      int known = index.putIfAbsent(key, n);
      if (loopValue != null && this.loopValue == null) this.loopValue = new Object[this.key.length];
      if (known >= 0) {
        if (loopValue != null && this.loopValue[known] == null) this.loopValue[known] = loopValue;
        return known;
      }
      if (n == this.key.length) {
        int cap = n << 1;
        this.key = Arrays.copyOf(this.key, cap);
        this.parentKey = Arrays.copyOf(this.parentKey, cap);
        this.loop = Arrays.copyOf(this.loop, cap);
        this.idx = Arrays.copyOf(this.idx, cap);
        if (this.loopValue != null) this.loopValue = Arrays.copyOf(this.loopValue, cap);
        this.rid = Arrays.copyOf(this.rid, cap);
      }
      this.key[n] = key;
      this.parentKey[n] = parentKey;
      this.loop[n] = loop;
      this.idx[n] = idx;
      if (this.loopValue != null) this.loopValue[n] = loopValue;
      this.rid[n] = rid;
      return n++;
    }

    /** Links every position to its parent, adding the roots of the runs. */
    void link() {
      int known = n;
      for (int p = 0; p < known; p++) {
        if (key[p] < 0 || index.get(parentKey[p]) >= 0) continue;
        parentKey[p] = -rid[p]; // outermost: the parent is the run's root
        add(-rid[p], 0, -1, 0, null, rid[p]);
      }
      parent = new int[n];
      for (int p = 0; p < n; p++) parent[p] = key[p] < 0 ? -1 : index.get(parentKey[p]);
    }

    /** The position's loops from the outermost in, as {@code loop=index} words. */
    String describe(int p) {
      List<String> words = new ArrayList<>();
      for (int x = p; x >= 0; x = parent[x]) if (loop[x] >= 0) words.add(0, loopName(loop[x]) + "=" + idx[x]);
      return words.isEmpty() ? "outside every loop" : "at " + String.join(" ", words);
    }
  }

  /**
   * The rows: one per innermost position where some requested name was logged (a position none
   * of whose inner positions holds a requested value), each with, for every name, the value at
   * that position or at the nearest position that encloses it. Which rows there are and what they
   * hold never depends on the order of the names; each row keeps its position's key, which the
   * final sort falls back on.
   */
  private Part pivot(List<Cells> cells, int[] column) {
    int expected = nodes.size() + runs.size();
    for (Cells c : cells) expected += c.n;
    long lowest = Long.MAX_VALUE;
    long highest = Long.MIN_VALUE;
    for (Node x : nodes.values()) {
      lowest = Math.min(lowest, x.id);
      highest = Math.max(highest, x.id);
    }
    for (Cells c : cells) {
      for (int r = 0; r < c.n; r++) {
        long x = c.ctx[r];
        if (x <= 0) continue;
        if (x < lowest) lowest = x;
        if (x > highest) highest = x;
      }
    }
    Positions pos = new Positions(expected, lowest, highest);
    for (Node x : nodes.values()) {
      pos.add(x.id, x.parentId > 0 ? x.parentId : -x.rid, x.loop, x.idx, x.value, x.rid);
    }
    int names = cells.size();
    int[][] posOfCell = new int[names][];
    for (int k = 0; k < names; k++) {
      Cells c = cells.get(k);
      int[] at = posOfCell[k] = new int[c.n];
      long lastAnchor = 0;
      long rid = 0;
      for (int r = 0; r < c.n; r++) {
        long a = c.anchor[r];
        if (a != lastAnchor) {
          rid = a > 0 ? nodes.get(a).rid : -a;
          lastAnchor = a;
        }
        at[r] = c.ctx[r] == 0
            ? pos.add(-rid, 0, -1, 0, null, rid)
            : pos.add(c.ctx[r], a, c.loop[r], c.idx[r], c.loopValue == null ? null : c.loopValue[r], rid);
      }
    }
    pos.link();
    int[][] cellAt = new int[names][];
    boolean[] holds = new boolean[pos.n];
    for (int k = 0; k < names; k++) {
      int[] at = cellAt[k] = new int[pos.n];
      Arrays.fill(at, -1);
      int[] of = posOfCell[k];
      for (int r = 0; r < of.length; r++) {
        at[of[r]] = r;
        holds[of[r]] = true;
      }
    }
    boolean[] encloses = new boolean[pos.n];
    for (int p = 0; p < pos.n; p++) {
      if (!holds[p]) continue;
      for (int x = pos.parent[p]; x >= 0 && !encloses[x]; x = pos.parent[x]) encloses[x] = true;
    }
    int n = 0;
    int[] rowPos = new int[pos.n];
    for (int p = 0; p < pos.n; p++) if (holds[p] && !encloses[p]) rowPos[n++] = p;

    Part out = new Part(n, loops.size(), names);
    for (int k = 0; k < names; k++) out.values[k] = new Object[n];
    for (int i = 0; i < n; i++) {
      int p = rowPos[i];
      out.rid[i] = pos.rid[p];
      out.key[i] = pos.key[p];
      // Outer positions overwrite inner ones of the same loop name, as walking outwards does.
      for (int x = p; x >= 0; x = pos.parent[x]) {
        if (pos.loop[x] < 0) continue;
        int li = column[pos.loop[x]];
        out.idxColumn(li)[i] = pos.idx[x];
        Object v = pos.loopValue == null ? null : pos.loopValue[x];
        Object[] lvs = v != null ? out.loopValueColumn(li) : out.loopValue[li];
        if (lvs != null) lvs[i] = v;
      }
      for (int k = 0; k < names; k++) {
        int[] at = cellAt[k];
        int x = p;
        while (x >= 0 && at[x] < 0) x = pos.parent[x];
        if (x < 0) continue;
        Cells c = cells.get(k);
        out.values[k][i] = c.value[at[x]];
        if ((c.packed[at[x]] & REPLAY) != 0) out.replayColumn()[i] = true;
      }
    }
    for (int k = 0; k < names; k++) {
      Cells c = cells.get(k);
      if (c.duplicated > 0) {
        int p = posOfCell[k][c.firstDuplicate];
        duplicates.add(new Duplicate(k, c.duplicated, (String) runs.get(pos.rid[p])[3], pos.describe(p)));
      }
    }
    return out;
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
    long[] positionKeys = rows.key;
    IntComparator order = (a, b) -> {
      int c = Integer.compare(runRank[a], runRank[b]);
      if (c != 0) return c;
      for (long[] col : keys) {
        c = Long.compare(col[a], col[b]);
        if (c != 0) return c;
      }
      return Long.compare(positionKeys[a], positionKeys[b]);
    };
    int[] perm = stableSort(n, order);

    List<String> cols = new ArrayList<>(RUN_COLUMNS);
    for (int li = 0; li < nl; li++) {
      if (rows.idx[li] == null) continue;
      cols.add(loops.get(li));
      if (hasValue[li]) cols.add(loops.get(li) + "_value");
    }
    cols.addAll(names);
    if (anyReplay) cols.add("source");
    int width = cols.size();
    LongBoxes boxes = new LongBoxes();
    boolean[] valueColumn = hasValue;
    boolean replayColumn = anyReplay;
    long[][] idxColumns = rows.idx;
    Object[][] loopValues = rows.loopValue;
    Object[][] values = rows.values;
    boolean[] replay = rows.replay;
    // The table keeps these columns, and makes a row when it is read (no copy of ten million rows).
    return Table.of(cols, new TableRows() {
      @Override
      public Object[] get(int p) {
        int r = perm[p];
        Object[] run = runOf[r];
        Object[] o = new Object[width];
        int c = 0;
        o[c++] = run[0];
        o[c++] = run[1];
        o[c++] = run[2];
        o[c++] = run[3];
        for (int li = 0; li < nl; li++) {
          long[] col = idxColumns[li];
          if (col == null) continue;
          o[c++] = col[r] == ABSENT ? null : boxes.of(col[r]);
          if (valueColumn[li]) o[c++] = loopValues[li][r];
        }
        for (Object[] v : values) o[c++] = v == null ? null : v[r];
        if (replayColumn) o[c] = replay[r] ? "replay" : "forward";
        return o;
      }

      @Override
      public int size() {
        return n;
      }
    });
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

  /**
   * Position keys to their dense index: the ids of positions are given densely (one after the
   * other, by each reading), so those in {@code [lowest, highest]} are looked up in an array when
   * that range is not much larger than the positions; the runs' roots (negative keys) and any
   * others in a hash map.
   */
  private static final class PositionIndex {
    private final long lowest;
    private final int[] dense;
    private final LongIntMap others;

    PositionIndex(int expected, long lowest, long highest) {
      long span = highest - lowest + 1;
      boolean useDense = lowest <= highest && span <= 4L * Math.max(expected, 1024) && span < Integer.MAX_VALUE - 8;
      this.lowest = lowest;
      this.dense = useDense ? new int[(int) span] : null;
      if (dense != null) Arrays.fill(dense, -1);
      this.others = new LongIntMap(dense != null ? 1024 : expected);
    }

    /** Maps {@code key} to {@code value} unless it is mapped already; returns the value it had, or -1. */
    int putIfAbsent(long key, int value) {
      if (dense != null && key >= lowest && key - lowest < dense.length) {
        int i = (int) (key - lowest);
        int known = dense[i];
        if (known < 0) dense[i] = value;
        return known;
      }
      return others.putIfAbsent(key, value);
    }

    /** The value of {@code key}, or -1. */
    int get(long key) {
      if (dense != null && key >= lowest && key - lowest < dense.length) return dense[(int) (key - lowest)];
      return others.get(key);
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

    /** A map that holds {@code expected} keys without growing. */
    LongIntMap(int expected) {
      int cap = Integer.highestOneBit(Math.max(512, expected) * 2 - 1) << 1;
      keys = new long[cap];
      values = new int[cap];
      Arrays.fill(keys, EMPTY);
    }

    /** Maps {@code key} to {@code value} unless it is mapped already; returns the value it had, or -1. */
    int putIfAbsent(long key, int value) {
      if ((size + 1) * 2 > keys.length) grow();
      int mask = keys.length - 1;
      for (int s = slot(key, mask); ; s = (s + 1) & mask) {
        long k = keys[s];
        if (k == key) return values[s];
        if (k == EMPTY) {
          keys[s] = key;
          values[s] = value;
          size++;
          return -1;
        }
      }
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

    /**
     * Position ids come densely, mostly in order: their own low bits keep neighbours in
     * neighbouring slots (a scattering hash made every look-up of a large table a cache miss).
     */
    private static int slot(long key, int mask) {
      return (int) (key ^ (key >>> 32)) & mask;
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
    // per run, the names whose shown value the run logged, and those a replay filled in
    Map<Long, Set<String>> forward = new HashMap<>();
    Map<Long, Set<String>> replayed = new HashMap<>();
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
        Set<String> forwardHere = forward.computeIfAbsent(rid, k -> new HashSet<>());
        Set<String> replayedHere = replayed.computeIfAbsent(rid, k -> new HashSet<>());
        // forward values win over replayed ones; of two of the same source, the later (higher seq)
        if (isReplay && forwardHere.contains(name)) continue;
        m.put(name, Store.readValue(rs, 4, rs.getString(3)));
        if (isReplay) {
          replayedHere.add(name);
        } else {
          forwardHere.add(name);
          replayedHere.remove(name);
        }
      }
    }
    for (Map.Entry<Long, Set<String>> e : replayed.entrySet()) if (!e.getValue().isEmpty()) replay.put(e.getKey(), true);
    List<String> cols = new ArrayList<>(RUN_COLUMNS);
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
      o[3] = run[3];
      int c = 4;
      for (String n : names) o[c++] = e.getValue().get(n);
      if (anyReplay) o[c] = replay.containsKey(e.getKey()) ? "replay" : "forward";
      out.add(o);
    }
    return Table.of(cols, out);
  }
}
