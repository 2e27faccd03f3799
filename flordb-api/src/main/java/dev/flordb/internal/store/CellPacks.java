package dev.flordb.internal.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dataframe's copy of the values: table {@code packs(id, rid, name, n, data)}, one row per run,
 * name and up to {@value #MAX_CELLS} records, in the order the records were stored. {@code data}
 * packs, record after record, what {@link Dataframe} reads of each (what its row query over {@code
 * logs} and {@code ctx} reads): the enclosing position (or minus the run), the record's own
 * position, its sequence number, type and source, its stored value, and its position's loop,
 * index and element. A dataframe of a million values then reads some fifteen blobs per run instead
 * of a million rows, each column a native call.
 *
 * <p>Written by {@link RecordIngest} in the same transaction as the rows, so the two never
 * disagree, in the local store and a {@link SharedDatabase} alike (the SQL here is plain; only the
 * table's definition is the database's); {@link #rebuild} and {@link #fill} make them from the
 * rows (a database of an earlier schema). The rows
 * stay what SQL reads; the packs are only for the dataframe.
 *
 * <h2>Layout of {@code data}</h2>
 *
 * A dictionary of loop names (a count, then each name as a length and UTF-8 bytes), then per
 * record: a flags byte (bits 0-2 the type code, 3 replay, 4-5 the value's kind: none, integer,
 * real, text; 6 has a position; 7 the position has an element); zigzag varints of the changes of
 * the sequence number, the position and the enclosing position from the record before; with a
 * position, the loop's number in the dictionary and the change of the index; the value (a zigzag
 * varint, eight bytes of a double, or a length and UTF-8 bytes); with an element, its kind as a
 * byte and its value likewise.
 */
final class CellPacks {
  /** Records per pack, at most: a pack is read whole. */
  static final int MAX_CELLS = 1 << 16;

  static final String SCHEMA = "CREATE TABLE IF NOT EXISTS packs(id INTEGER PRIMARY KEY, rid INTEGER NOT NULL,"
      + " name TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL)";
  static final String INDEX = "CREATE INDEX IF NOT EXISTS packs_name ON packs(name, rid, id)";

  private static final int REPLAY = 8;
  private static final int V_NONE = 0;
  private static final int V_INT = 1 << 4;
  private static final int V_REAL = 2 << 4;
  private static final int V_TEXT = 3 << 4;
  private static final int V_MASK = 3 << 4;
  private static final int HAS_POSITION = 64;
  private static final int HAS_ELEMENT = 128;

  private CellPacks() {}

  /** Whether records of this kind are values (the dataframe's), not the run's own records. */
  static boolean packed(String kind) {
    return !kind.equals("run") && !kind.equals("end") && !kind.equals("warn");
  }

  /** The type code of a wire type, as {@link Dataframe} numbers them. */
  static int typeCode(String wire) {
    switch (wire) {
      case "float":
        return Dataframe.T_FLOAT;
      case "int":
        return Dataframe.T_INT;
      case "bool":
        return Dataframe.T_BOOL;
      case "json":
        return Dataframe.T_JSON;
      default:
        return Dataframe.T_TEXT;
    }
  }

  // ---------------------------------------------------------------- writing

  /** The packs of one reading, by run and name, written when full and at {@link #flush}. */
  static final class Writer implements AutoCloseable {
    private final PreparedStatement insert;
    /** Whether full packs wait for {@link #flush}: a bulk load (COPY) holds the connection meanwhile. */
    private final boolean deferred;
    private final java.util.List<Object[]> full = new java.util.ArrayList<>();
    private final Map<Long, Map<String, Builder>> open = new HashMap<>();
    private long lastRid = Long.MIN_VALUE;
    private Map<String, Builder> lastNames;

    Writer(Connection conn) throws SQLException {
      this(conn, false);
    }

    Writer(Connection conn, boolean deferred) throws SQLException {
      this.insert = conn.prepareStatement("INSERT INTO packs(rid, name, n, data) VALUES (?, ?, ?, ?)");
      this.deferred = deferred;
    }

    /**
     * Adds a record: {@code value} and {@code element} as stored (Long, Double, String or null);
     * {@code loop} null for a record outside every loop.
     */
    void add(long rid, String name, long anchor, long ctx, long seq, int type, boolean replay, Object value,
        String loop, long idx, Object element) throws SQLException {
      if (rid != lastRid) {
        lastNames = open.computeIfAbsent(rid, k -> new LinkedHashMap<>());
        lastRid = rid;
      }
      Builder b = lastNames.get(name);
      if (b == null) lastNames.put(name, b = new Builder());
      b.add(anchor, ctx, seq, type, replay, value, loop, idx, element);
      if (b.n == MAX_CELLS) {
        write(rid, name, b);
        lastNames.put(name, new Builder());
      }
    }

    /** Writes every pack not yet written. */
    void flush() throws SQLException {
      for (Map.Entry<Long, Map<String, Builder>> r : open.entrySet()) {
        for (Map.Entry<String, Builder> e : r.getValue().entrySet()) {
          if (e.getValue().n > 0) write(r.getKey(), e.getKey(), e.getValue());
        }
      }
      open.clear();
      lastRid = Long.MIN_VALUE;
      lastNames = null;
      if (!full.isEmpty()) {
        for (Object[] p : full) {
          insert.setLong(1, (Long) p[0]);
          insert.setString(2, (String) p[1]);
          insert.setInt(3, (Integer) p[2]);
          insert.setBytes(4, (byte[]) p[3]);
          insert.addBatch();
        }
        insert.executeBatch();
        full.clear();
      }
    }

    private void write(long rid, String name, Builder b) throws SQLException {
      if (deferred) {
        full.add(new Object[] {rid, name, b.n, b.bytes()});
        return;
      }
      insert.setLong(1, rid);
      insert.setString(2, name);
      insert.setInt(3, b.n);
      insert.setBytes(4, b.bytes());
      insert.executeUpdate();
    }

    @Override
    public void close() throws SQLException {
      insert.close();
    }
  }

  /** One pack being filled. */
  static final class Builder {
    int n;
    private byte[] buf = new byte[1024];
    private int len;
    private final Map<String, Integer> loops = new LinkedHashMap<>();
    private long seq;
    private long ctx;
    private long anchor;
    private long idx;

    void add(long anchor, long ctx, long seq, int type, boolean replay, Object value, String loop, long idx,
        Object element) {
      ensure(48);
      int flags = type | (replay ? REPLAY : 0) | kindOf(value) | (loop != null ? HAS_POSITION : 0)
          | (loop != null && element != null ? HAS_ELEMENT : 0);
      buf[len++] = (byte) flags;
      zigzag(seq - this.seq);
      zigzag(ctx - this.ctx);
      zigzag(anchor - this.anchor);
      this.seq = seq;
      this.ctx = ctx;
      this.anchor = anchor;
      if (loop != null) {
        Integer code = loops.get(loop);
        if (code == null) loops.put(loop, code = loops.size());
        varint(code);
        zigzag(idx - this.idx);
        this.idx = idx;
      }
      value(value);
      if (loop != null && element != null) {
        ensure(1);
        buf[len++] = (byte) kindOf(element);
        value(element);
      }
      n++;
    }

    /** The dictionary, then the records. */
    byte[] bytes() {
      Builder head = new Builder();
      head.varint(loops.size());
      for (String l : loops.keySet()) head.text(l);
      byte[] out = Arrays.copyOf(head.buf, head.len + len);
      System.arraycopy(buf, 0, out, head.len, len);
      return out;
    }

    private static int kindOf(Object v) {
      if (v == null) return V_NONE;
      if (v instanceof Long) return V_INT;
      if (v instanceof Double) return V_REAL;
      if (v instanceof String) return V_TEXT;
      throw new IllegalArgumentException("not a stored value: " + v.getClass().getName());
    }

    private void value(Object v) {
      if (v instanceof Long) {
        zigzag((Long) v);
      } else if (v instanceof Double) {
        ensure(8);
        long bits = Double.doubleToRawLongBits((Double) v);
        for (int i = 0; i < 8; i++) buf[len++] = (byte) (bits >>> (i << 3));
      } else if (v instanceof String) {
        text((String) v);
      }
    }

    private void text(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }

    private void zigzag(long v) {
      varint((v << 1) ^ (v >> 63));
    }

    private void varint(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[len++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[len++] = (byte) v;
    }

    private void ensure(int more) {
      if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(len + more, buf.length * 2));
    }
  }

  // ---------------------------------------------------------------- reading

  /** Reads a pack record by record: each {@link #next} fills the fields. */
  static final class Reader {
    private final byte[] b;
    private int p;
    private int left;
    /** The pack's loop names, by their number. */
    final String[] loops;

    long anchor;
    long ctx;
    long seq;
    int type;
    boolean replay;
    /** The stored value: Long, Double, String or null. */
    Object value;
    /** The loop's number in {@link #loops}, or -1 outside every loop. */
    int loop;
    long idx;
    /** The position's element as stored, or null. */
    Object element;

    Reader(byte[] data, int n) {
      this.b = data;
      this.left = n;
      loops = new String[(int) varint()];
      for (int i = 0; i < loops.length; i++) loops[i] = text();
    }

    boolean next() {
      if (left == 0) return false;
      left--;
      int flags = b[p++] & 0xFF;
      type = flags & 7;
      replay = (flags & REPLAY) != 0;
      seq += zigzag();
      ctx += zigzag();
      anchor += zigzag();
      if ((flags & HAS_POSITION) != 0) {
        loop = (int) varint();
        idx += zigzag();
      } else {
        loop = -1;
      }
      value = value(flags & V_MASK);
      element = (flags & HAS_ELEMENT) != 0 ? value((b[p++] & 0xFF) & V_MASK) : null;
      return true;
    }

    private Object value(int kind) {
      switch (kind) {
        case V_INT:
          return zigzag();
        case V_REAL:
          long bits = 0;
          for (int i = 0; i < 8; i++) bits |= (b[p++] & 0xFFL) << (i << 3);
          return Double.longBitsToDouble(bits);
        case V_TEXT:
          return text();
        default:
          return null;
      }
    }

    private String text() {
      int n = (int) varint();
      String s = new String(b, p, n, StandardCharsets.UTF_8);
      p += n;
      return s;
    }

    private long zigzag() {
      long v = varint();
      return (v >>> 1) ^ -(v & 1);
    }

    private long varint() {
      long v = 0;
      for (int shift = 0; ; shift += 7) {
        byte x = b[p++];
        v |= (long) (x & 0x7F) << shift;
        if (x >= 0) return v;
      }
    }
  }

  // ---------------------------------------------------------------- from the rows

  /** Makes the packs of every run from the rows (replacing any): for a database of an earlier schema. */
  static void rebuild(Connection conn) throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute(SCHEMA);
      s.execute(INDEX);
    }
    fill(conn, false);
  }

  /**
   * Replaces the packs of every run with ones made from the rows, in the caller's transaction;
   * {@code textValues}: a {@link SharedDatabase}'s rows (values as text, loop elements as JSON
   * text), packed as the local store packs the same records.
   */
  static void fill(Connection conn, boolean textValues) throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute("DELETE FROM packs");
    }
    try (Writer w = new Writer(conn); Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT l.rid, l.name, l.kind, CASE WHEN c.parent > 0 THEN c.parent ELSE -l.rid END, l.ctx, l.seq, l.type,"
            + " l.source, l.value, c.loop, c.idx, c.value FROM logs l LEFT JOIN ctx c ON c.id = l.ctx"
            + " ORDER BY l.rid, l.rowid")) {
      while (rs.next()) {
        if (!packed(rs.getString(3))) continue;
        String loop = rs.getString(10);
        String type = rs.getString(7);
        Object value = textValues ? fromText(rs.getString(9), type) : stored(rs.getObject(9));
        Object element = loop == null ? null : textValues ? Store.storedElement(rs.getString(12)) : stored(rs.getObject(12));
        w.add(rs.getLong(1), rs.getString(2), rs.getLong(4), rs.getLong(5), rs.getLong(6), typeCode(type),
            "replay".equals(rs.getString(8)), value, loop, loop == null ? 0 : rs.getLong(11), element);
      }
      w.flush();
    }
  }

  /** A value of a shared database's text column as the local store stores it ({@link Store#storedValue}). */
  private static Object fromText(String text, String type) {
    if (text == null) return null;
    switch (type) {
      case "int":
      case "bool":
        return Long.valueOf(text);
      case "float":
        double d = Double.parseDouble(text);
        return Double.isFinite(d) ? (Object) d : text;
      default:
        return text;
    }
  }

  private static Object stored(Object raw) {
    if (raw instanceof Integer || raw instanceof Short || raw instanceof Byte) return ((Number) raw).longValue();
    if (raw instanceof Float) return ((Float) raw).doubleValue();
    if (raw instanceof byte[]) return new String((byte[]) raw, StandardCharsets.UTF_8);
    return raw;
  }
}
