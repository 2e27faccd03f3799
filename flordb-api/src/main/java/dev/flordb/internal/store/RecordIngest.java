package dev.flordb.internal.store;

import dev.flordb.FlorException;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.RecordFormat;
import dev.flordb.internal.records.Values;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stores the new lines of one record file, inside the write transaction its caller holds ({@code
 * BEGIN IMMEDIATE}: no other process writes the database meanwhile).
 *
 * <h2>Why it is fast</h2>
 *
 * <ul>
 *   <li>Most lines are read by {@link WriterLine} straight from their bytes, in the layout the
 *       writer gives them; the others by {@link RecordFormat#parse}, which also says why a line is
 *       damaged.
 *   <li>Loop positions get their ids here: the next id is read once ({@code max(id) + 1}, which no
 *       one else can change during the transaction), and the positions known are kept per
 *       enclosing position, so a new position is one row in a batched plain insert, with no look-up
 *       in the database. The positions a file already had in the database (a file read while its
 *       run was running) are read once per enclosing position, when a record first reaches it.
 *   <li>Records go in by multi-row plain inserts, on statements prepared once per file.
 *   <li>A large reading is a pipeline: a second thread splits the file into lines and parses them
 *       while this one stores them.
 * </ul>
 */
final class RecordIngest implements AutoCloseable {
  /** Bytes read at a time. */
  static final int READ_CHUNK = 4 << 20;
  /** Above this many new bytes, lines are parsed on a second thread (tests change it to take either way). */
  static volatile long pipelineBytes = 1 << 20;
  /** Enclosing positions whose known children are kept; beyond, the least recently used are read again when needed. */
  private static final int CACHED_PARENTS = 4096;

  private final Connection conn;
  /** Loop elements as JSON text (a {@link SharedDatabase}'s typed-text columns), not as SQLite's typed values. */
  private final boolean jsonLoopValues;
  private final String file;
  /** The run the file is named after, which every record of it must belong to. */
  private final String namedRun;
  /** The run of the file's first record. */
  String fileRun;
  /** The first line this reading could not store, and why. */
  String firstDamage;

  private final SharedDatabase.BulkRows logs;
  private final SharedDatabase.BulkRows ctxRows;
  /** The dataframe's packs of what this reading stores (elements as the local store stores them, in either database). */
  private final CellPacks.Writer packs;
  /** The summaries of what this reading stores (in either database). */
  private final NameSummaries.Writer summaries;
  private final PreparedStatement childrenOf;
  /** The same for the run's outermost positions: a query of its own, so that a partial index on them can serve it. */
  private final PreparedStatement childrenOfRun;

  private final Map<String, Long> rids = new HashMap<>();
  private final Map<Long, Map<String, Object>> args = new HashMap<>();

  /** The first id this reading gives a position; ids below it were in the database before. */
  private final long firstNewCtx;
  private long nextCtx;
  /** Known children by enclosing position (its id, or minus the run id outside every loop), least recently used first. */
  private final LinkedHashMap<Long, Children> children = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Children> eldest) {
      if (size() <= CACHED_PARENTS) return false;
      if (eldest.getKey() < 0 || eldest.getKey() >= firstNewCtx) evicted.add(eldest.getKey());
      return true;
    }
  };
  /** Enclosing positions made by this reading whose children were dropped from {@link #children}. */
  private final Set<Long> evicted = new HashSet<>();

  /** The ids of the positions of the last line, outermost first, in run {@link #chainRid}. */
  private long[] chain = new long[16];
  /** The loop, index and stored element of each position of {@link #chain}. */
  private String[] chainLoop = new String[16];
  private long[] chainIdx = new long[16];
  private Object[] chainElement = new Object[16];
  private int chainDepth;
  /** The loop, index and stored element of the position {@link #position} gave last. */
  private String posLoop;
  private long posIdx;
  private Object posElement;
  private long chainRid = -1;

  RecordIngest(Connection conn, String file) throws SQLException {
    this(conn, file, null);
  }

  /** For a {@link SharedDatabase} ({@code shared} not null): its loop elements as JSON text, and its bulk inserts. */
  RecordIngest(Connection conn, String file, SharedDatabase shared) throws SQLException {
    this.conn = conn;
    this.jsonLoopValues = shared != null;
    this.file = file;
    this.namedRun = RecordFormat.runOfFile(file);
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) + 1 FROM ctx")) {
      rs.next();
      firstNewCtx = rs.getLong(1);
    }
    nextCtx = firstNewCtx;
    logs = rows(conn, shared, "logs(rid, seq, ctx, kind, name, type, value, source, t)", 9);
    ctxRows = rows(conn, shared, "ctx(id, rid, parent, depth, loop, idx, value)", 7);
    packs = new CellPacks.Writer(conn, shared != null);
    summaries = new NameSummaries.Writer(conn, shared);
    childrenOf = conn.prepareStatement("SELECT id, loop, idx, value FROM ctx WHERE rid = ? AND parent = ?");
    childrenOfRun = conn.prepareStatement("SELECT id, loop, idx, value FROM ctx WHERE rid = ? AND parent = 0");
  }

  private static SharedDatabase.BulkRows rows(Connection conn, SharedDatabase shared, String table, int width)
      throws SQLException {
    SharedDatabase.BulkRows bulk = shared == null ? null : shared.bulkRows(conn, table, width);
    return bulk != null ? bulk : new Rows(conn, table, width);
  }

  /** How far a reading got: the offset after the last whole line, the lines read and skipped, the bytes of a cut-off line. */
  record Progress(long consumed, long lines, long bad, long carry) {}

  /**
   * Stores the whole lines of the file from {@code offset} on (line numbers from {@code lineBefore
   * + 1}). With more than {@link #pipelineBytes} to read and a second processor, the lines are
   * read and parsed on another thread while this one stores them.
   */
  Progress read(RandomAccessFile raf, long offset, long lineBefore) throws IOException, SQLException {
    long size = raf.length();
    LineReader reader = new LineReader(raf, offset, size, lineBefore, namedRun);
    if (size - offset < pipelineBytes || Runtime.getRuntime().availableProcessors() < 2) {
      Parsed p = new Parsed();
      long bad = 0;
      while (true) {
        boolean more = reader.fill(p);
        bad += store(p);
        if (!more) return new Progress(p.consumed, p.lastLine, bad, p.carry);
        p.clear();
      }
    }
    BlockingQueue<Parsed> full = new ArrayBlockingQueue<>(4);
    BlockingQueue<Parsed> empty = new ArrayBlockingQueue<>(6);
    for (int i = 0; i < 5; i++) empty.add(new Parsed());
    AtomicBoolean stop = new AtomicBoolean();
    Thread parser = new Thread(() -> {
      try {
        while (!stop.get()) {
          Parsed p = empty.poll(100, TimeUnit.MILLISECONDS);
          if (p == null) continue;
          p.clear();
          boolean more;
          try {
            more = reader.fill(p);
          } catch (Throwable e) { // handed to the storing thread, which throws it
            p.failure = e;
            more = false;
          }
          p.last = !more;
          while (!full.offer(p, 100, TimeUnit.MILLISECONDS)) if (stop.get()) return;
          if (!more) return;
        }
      } catch (InterruptedException e) {
        // the storing thread stopped first; it does not wait for more
      }
    }, "flordb-ingest-parser");
    parser.setDaemon(true);
    parser.start();
    long bad = 0;
    try {
      while (true) {
        Parsed p = full.take();
        if (p.failure instanceof IOException) throw (IOException) p.failure;
        if (p.failure instanceof Error) throw (Error) p.failure;
        if (p.failure != null) throw (RuntimeException) p.failure;
        bad += store(p);
        if (p.last) return new Progress(p.consumed, p.lastLine, bad, p.carry);
        empty.add(p);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading " + file, e);
    } finally {
      stop.set(true);
      boolean interrupted = false;
      while (parser.isAlive()) {
        try {
          parser.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /** Stores a batch of lines; returns how many of them could not be read. */
  private long store(Parsed p) throws SQLException {
    long bad = 0;
    for (int i = 0; i < p.n; i++) {
      boolean ok = p.text[i] == null ? fastLine(p, i) : line(p.text[i], p.lineNo[i]);
      if (!ok) bad++;
    }
    return bad;
  }

  /** Stores a line that the fast reader read. */
  private boolean fastLine(Parsed p, int i) throws SQLException {
    if (fileRun == null) fileRun = namedRun;
    long rid = rid(fileRun);
    int depth = p.depth[i];
    int reused = p.reused[i];
    if (chain.length < depth) {
      int cap = Math.max(depth, chain.length * 2);
      chain = java.util.Arrays.copyOf(chain, cap);
      chainLoop = java.util.Arrays.copyOf(chainLoop, cap);
      chainIdx = java.util.Arrays.copyOf(chainIdx, cap);
      chainElement = java.util.Arrays.copyOf(chainElement, cap);
    }
    if (reused > 0 && (chainRid != rid || chainDepth < reused)) {
      throw new IllegalStateException("line " + p.lineNo[i] + " of " + file + " shares positions with a line not read");
    }
    int at = p.posStart[i];
    for (int d = reused; d < depth; d++, at++) {
      long parent = d == 0 ? 0 : chain[d - 1];
      chain[d] = position(rid, parent, d, p.loops[at], p.idx[at], p.loopValues[at]);
      chainLoop[d] = posLoop;
      chainIdx[d] = posIdx;
      chainElement[d] = posElement;
    }
    chainDepth = depth;
    chainRid = rid;
    long ctx = depth == 0 ? 0 : chain[depth - 1];
    Object v = p.value[i];
    if (v instanceof Boolean) v = ((Boolean) v) ? 1L : 0L;
    logs.add(rid, p.seq[i], ctx, p.kind[i], p.name[i], p.type[i].wire, v, p.source[i], p.t[i]);
    if (summaries != null) summaries.add(rid, p.kind[i], p.name[i], ctx != 0, p.source[i], p.type[i].wire, v);
    if (packs != null && CellPacks.packed(p.kind[i])) {
      long parent = depth < 2 ? 0 : chain[depth - 2];
      int d = depth - 1;
      packs.add(rid, p.name[i], parent > 0 ? parent : -rid, ctx, p.seq[i], CellPacks.typeCode(p.type[i].wire),
          "replay".equals(p.source[i]), v, depth == 0 ? null : chainLoop[d], depth == 0 ? 0 : chainIdx[d],
          depth == 0 ? null : chainElement[d]);
    }
    return true;
  }

  /** Splits a file's bytes into lines and reads each with the fast reader, or keeps its text for the general parser. */
  private static final class LineReader {
    private final RandomAccessFile raf;
    private final WriterLine fast;
    private long size;
      private long pos;
    private long lineNo;
    private byte[] buf;
    /** Bytes of a line begun in the previous chunk, at the start of buf. */
    private int carry;
    /** Lines of buf not yet handed out, from this offset to {@link #end}. */
    private int start;
    private int scanned;
    private int end;

    LineReader(RandomAccessFile raf, long offset, long size, long lineBefore, String run) {
      this.raf = raf;
      this.size = size;
      this.pos = offset;
      this.lineNo = lineBefore;
      this.fast = new WriterLine(run);
      this.buf = new byte[(int) Math.min(READ_CHUNK, Math.max(size - offset, 1 << 12))];
    }

    /** Fills a batch; false once the file's end is reached (the batch then says how far it got). */
    boolean fill(Parsed p) throws IOException {
      while (p.n < Parsed.LINES) {
        if (scanned == end) {
          // the rest of buf is the start of a line: keep it, read on
          carry = end - start;
          System.arraycopy(buf, start, buf, 0, carry);
          start = 0;
          scanned = carry;
          end = carry;
          if (pos >= size) {
            p.consumed = pos - carry;
            p.carry = carry;
            p.lastLine = lineNo;
            return false;
          }
          if (carry == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2); // a line longer than a chunk
          raf.seek(pos);
          int n = raf.read(buf, carry, (int) Math.min(buf.length - carry, size - pos));
          if (n <= 0) {
            size = pos; // the file was cut while being read: what was read is all there is
            continue;
          }
          pos += n;
          end = carry + n;
        }
        int i = newline(buf, scanned, end);
        if (i == end) {
          scanned = end;
          continue;
        }
        lineNo++;
        p.add(fast, buf, start, i, lineNo);
        start = i + 1;
        scanned = start;
      }
      p.consumed = pos - (end - start);
      p.lastLine = lineNo;
      return true;
    }
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * The offset of the first '\n' in {@code b[from, to)}, or {@code to}: eight bytes at a time (a
   * byte-at-a-time scan was a third of the parsing thread's time). The lowest flagged byte of
   * {@code (w - 0x01..) & ~w & 0x80..} is the first zero byte of {@code w}, exactly.
   */
  static int newline(byte[] b, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long w = (long) LONGS.get(b, i) ^ 0x0A0A0A0A0A0A0A0AL;
      long zero = (w - 0x0101010101010101L) & ~w & 0x8080808080808080L;
      if (zero != 0) return i + (Long.numberOfTrailingZeros(zero) >>> 3);
    }
    while (i < to && b[i] != '\n') i++;
    return i;
  }

  /** Lines on their way from the reader to the store, column-wise. */
  private static final class Parsed {
    static final int LINES = 4096;
    int n;
    /** Null for a line the fast reader read, else its text. */
    final String[] text = new String[LINES];
    final long[] lineNo = new long[LINES];
    final long[] seq = new long[LINES];
    final long[] t = new long[LINES];
    final String[] kind = new String[LINES];
    final String[] name = new String[LINES];
    final Values[] type = new Values[LINES];
    final Object[] value = new Object[LINES];
    final String[] source = new String[LINES];
    final int[] depth = new int[LINES];
    final int[] reused = new int[LINES];
    /** Where a line's positions beyond those it shares with the line before are in the arrays below. */
    final int[] posStart = new int[LINES];
    int positions;
    String[] loops = new String[LINES];
    long[] idx = new long[LINES];
    Object[] loopValues = new Object[LINES];
    // after the last line of the batch
    long consumed;
    long carry;
    long lastLine;
    boolean last;
    Throwable failure;

    void add(WriterLine fast, byte[] b, int from, int to, long line) {
      int i = n++;
      lineNo[i] = line;
      if (!fast.parse(b, from, to)) {
        text[i] = new String(b, from, to - from, StandardCharsets.UTF_8);
        return;
      }
      text[i] = null;
      seq[i] = fast.seq;
      t[i] = fast.t;
      kind[i] = fast.kind;
      name[i] = fast.name;
      type[i] = fast.type;
      value[i] = fast.value;
      source[i] = fast.source;
      depth[i] = fast.depth;
      reused[i] = fast.reused;
      posStart[i] = positions;
      int more = fast.depth - fast.reused;
      if (positions + more > loops.length) {
        int cap = Math.max(positions + more, loops.length * 2);
        loops = java.util.Arrays.copyOf(loops, cap);
        idx = java.util.Arrays.copyOf(idx, cap);
        loopValues = java.util.Arrays.copyOf(loopValues, cap);
      }
      for (int d = fast.reused; d < fast.depth; d++, positions++) {
        loops[positions] = fast.loops[d];
        idx[positions] = fast.idx[d];
        loopValues[positions] = fast.loopValues[d];
      }
    }

    void clear() {
      java.util.Arrays.fill(text, 0, n, null);
      java.util.Arrays.fill(value, 0, n, null);
      java.util.Arrays.fill(loopValues, 0, positions, null);
      n = 0;
      positions = 0;
      failure = null;
      last = false;
    }
  }

  /** Stores one line read by the general parser. */
  private boolean line(String text, long lineNo) throws SQLException {
    chainRid = -1; // the fast reader and this line share no positions
    if (text.isBlank()) return true;
    RecordFormat.Entry e;
    try {
      e = RecordFormat.parse(text);
    } catch (RuntimeException ex) {
      return damaged("line " + lineNo + " is not a valid record (" + ex.getMessage() + ")");
    }
    if (!RecordFormat.isRunId(e.run())) {
      return damaged("line " + lineNo + " has the run id " + Json.write(e.run()) + ", which is not a run id"
          + " (such as " + RecordFormat.RUN_ID_EXAMPLE + ")");
    }
    if (!e.run().equals(namedRun)) {
      return damaged("line " + lineNo + " is a record of run " + e.run() + ", not of run " + namedRun
          + " that the file is named after");
    }
    if (fileRun == null) fileRun = e.run();
    // a replay's header and verdict: what it filled in is in its records (ReplayVerdict decides whether they are read)
    if (e.kind().equals("replay") || e.kind().equals("verdict")) return true;
    if (e.kind().equals("run")) {
      header(e);
      return true;
    }
    long rid = rid(e.run());
    if (e.kind().equals("end")) {
      end(rid, e);
    }
    if (e.kind().equals("arg")) {
      Map<String, Object> a = args.get(rid);
      if (a == null) args.put(rid, a = loadArgs(rid));
      a.put(e.name(), e.value());
    }
    long parent = 0;
    long ctx = 0;
    for (int depth = 0; depth < e.ctx().size(); depth++) {
      RecordFormat.Position p = e.ctx().get(depth);
      parent = ctx;
      ctx = position(rid, ctx, depth, p.loop(), p.index(), p.value());
    }
    Object v = Store.storedValue(e.type(), e.value());
    logs.add(rid, e.seq(), ctx, e.kind(), e.name(), e.type().wire, v, e.source(), e.t());
    if (summaries != null) summaries.add(rid, e.kind(), e.name(), ctx != 0, e.source(), e.type().wire, v);
    if (packs != null && CellPacks.packed(e.kind())) {
      boolean inLoop = ctx != 0;
      packs.add(rid, e.name(), parent > 0 ? parent : -rid, ctx, e.seq(), CellPacks.typeCode(e.type().wire),
          "replay".equals(e.source()), v, inLoop ? posLoop : null, inLoop ? posIdx : 0, inLoop ? posElement : null);
    }
    return true;
  }

  private boolean damaged(String what) {
    if (firstDamage == null) firstDamage = what;
    return false;
  }

  /** Writes what is batched and the runs' args; the caller records how far the file was read, and commits. */
  void finish() throws SQLException {
    ctxRows.flush();
    logs.flush();
    if (packs != null) packs.flush();
    if (summaries != null) summaries.flush();
    try (PreparedStatement ps = conn.prepareStatement("UPDATE runs SET args = ? WHERE rid = ?")) {
      for (Map.Entry<Long, Map<String, Object>> a : args.entrySet()) {
        ps.setString(1, Json.write(a.getValue()));
        ps.setLong(2, a.getKey());
        ps.executeUpdate();
      }
    }
  }

  @Override
  public void close() throws SQLException {
    logs.close();
    ctxRows.close();
    if (packs != null) packs.close();
    if (summaries != null) summaries.close();
    childrenOf.close();
    childrenOfRun.close();
  }

  // ---------------------------------------------------------------- loop positions

  /**
   * The id of a loop position, stored (in the next batch) if it is new; its loop, index and stored
   * element are left in {@link #posLoop}, {@link #posIdx} and {@link #posElement}.
   */
  private long position(long rid, long parent, int depth, String loop, long idx, Object value) throws SQLException {
    long key = parent == 0 ? -rid : parent;
    Children known = children.get(key);
    if (known == null) known = load(rid, parent, key);
    posLoop = loop;
    posIdx = idx;
    long id = known.get(loop, idx);
    if (id != 0) {
      posElement = known.element;
      return id;
    }
    id = nextCtx++;
    Object stored = value == null ? null : Store.storedValue(Values.classify(value), value);
    known.put(loop, idx, id, stored);
    posElement = stored;
    ctxRows.add(id, rid, parent, (long) depth, loop, idx, value != null && jsonLoopValues ? Json.write(value) : stored);
    return id;
  }

  /**
   * The known children of an enclosing position met for the first time (or again after they were
   * dropped): none for a position made by this reading, else those in the database.
   */
  private Children load(long rid, long parent, long key) throws SQLException {
    Children c = new Children();
    boolean mayHaveRows = key < 0 || key < firstNewCtx || evicted.remove(key);
    if (mayHaveRows) {
      ctxRows.flush();
      PreparedStatement q = parent == 0 ? childrenOfRun : childrenOf;
      q.setLong(1, rid);
      if (parent != 0) q.setLong(2, parent);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          Object element = jsonLoopValues ? Store.storedElement(rs.getString(4)) : rs.getObject(4);
          if (element instanceof Integer) element = ((Integer) element).longValue();
          c.put(rs.getString(2), rs.getLong(3), rs.getLong(1), element);
        }
      }
    }
    children.put(key, c);
    return c;
  }

  /**
   * Rows of one table on their way in: {@value #ROWS} at a time by one multi-row insert (a native
   * call per value and one per statement, not one statement per row), the rest one by one.
   */
  private static final class Rows implements SharedDatabase.BulkRows {
    static final int ROWS = 64;
    private final int width;
    private final PreparedStatement many;
    private final PreparedStatement one;
    private final Object[] pending;
    private int n;

    Rows(Connection conn, String table, int width) throws SQLException {
      this.width = width;
      String row = "(?" + ", ?".repeat(width - 1) + ")";
      StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" VALUES ").append(row);
      for (int i = 1; i < ROWS; i++) sql.append(", ").append(row);
      this.many = conn.prepareStatement(sql.toString());
      this.one = conn.prepareStatement("INSERT INTO " + table + " VALUES " + row);
      this.pending = new Object[ROWS * width];
    }

    /** A row of stored values: Long, Double, String or null. */
    @Override
    public void add(Object... row) throws SQLException {
      System.arraycopy(row, 0, pending, n * width, width);
      if (++n == ROWS) {
        for (int i = 0; i < pending.length; i++) bind(many, i + 1, pending[i]);
        many.executeUpdate();
        n = 0;
      }
    }

    @Override
    public void flush() throws SQLException {
      for (int r = 0; r < n; r++) {
        for (int c = 0; c < width; c++) bind(one, c + 1, pending[r * width + c]);
        one.executeUpdate();
      }
      n = 0;
    }

    private static void bind(PreparedStatement ps, int i, Object v) throws SQLException {
      if (v == null) {
        ps.setNull(i, java.sql.Types.NULL);
      } else if (v instanceof Long) {
        ps.setLong(i, (Long) v);
      } else if (v instanceof Double) {
        ps.setDouble(i, (Double) v);
      } else {
        ps.setString(i, (String) v);
      }
    }

    @Override
    public void close() throws SQLException {
      many.close();
      one.close();
    }
  }

  /**
   * The children of one position by loop and index, with their stored elements: those of the loop
   * seen first in arrays by index (a loop's iterations come in order from 0), any others in a map.
   */
  private static final class Children {
    private String loop;
    private long[] ids = new long[8];
    private Object[] elements;
    private Map<String, Map<Long, Object[]>> others;
    /** The stored element of the child {@link #get} found last. */
    Object element;

    long get(String l, long idx) {
      if (idx >= 0 && idx < ids.length && l.equals(loop)) {
        long id = ids[(int) idx];
        if (id != 0) {
          element = elements == null ? null : elements[(int) idx];
          return id;
        }
      }
      if (others == null) return 0;
      Map<Long, Object[]> m = others.get(l);
      Object[] known = m == null ? null : m.get(idx);
      if (known == null) return 0;
      element = known[1];
      return (Long) known[0];
    }

    void put(String l, long idx, long id, Object stored) {
      if (loop == null) loop = l;
      // dense while the indexes come about in order; a far one (or another loop's) goes to the map
      if (l.equals(loop) && idx >= 0 && idx < Math.max(1024, ids.length * 2L)) {
        if (idx >= ids.length) {
          int cap = (int) Math.max(idx + 1, ids.length * 2L);
          ids = java.util.Arrays.copyOf(ids, cap);
          if (elements != null) elements = java.util.Arrays.copyOf(elements, cap);
        }
        ids[(int) idx] = id;
        if (stored != null && elements == null) elements = new Object[ids.length];
        if (elements != null) elements[(int) idx] = stored;
        return;
      }
      if (others == null) others = new HashMap<>();
      others.computeIfAbsent(l, k -> new HashMap<>()).put(idx, new Object[] {id, stored});
    }
  }

  // ---------------------------------------------------------------- runs

  private void header(RecordFormat.Entry e) throws SQLException {
    Map<?, ?> h = e.value() instanceof Map ? (Map<?, ?>) e.value() : Map.of();
    Object format = h.get("format");
    if (format instanceof Number && ((Number) format).intValue() > RecordFormat.VERSION) {
      throw new FlorException(file + " has record format " + format + ", newer than this flordb reads"
          + " (at most " + RecordFormat.VERSION + "). Use the newer flordb to read it.");
    }
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO runs(run_id, projid, tstamp, filename, status, start_ms, pid, pid_start_ms, host, header, args)"
            + " VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, '{}')"
            + " ON CONFLICT(run_id) DO UPDATE SET projid = excluded.projid, tstamp = excluded.tstamp,"
            + " filename = excluded.filename, start_ms = excluded.start_ms, pid = excluded.pid,"
            + " pid_start_ms = excluded.pid_start_ms, host = excluded.host, header = excluded.header")) {
      ps.setString(1, e.run());
      ps.setString(2, str(h.get("projid")));
      ps.setString(3, str(h.get("tstamp")));
      ps.setString(4, str(h.get("filename")));
      ps.setObject(5, h.get("start_ms"));
      ps.setObject(6, h.get("pid"));
      ps.setObject(7, h.get("pid_start_ms"));
      ps.setString(8, str(h.get("host")));
      ps.setString(9, Json.write(h));
      ps.executeUpdate();
    }
    rids.remove(e.run());
  }

  private void end(long rid, RecordFormat.Entry e) throws SQLException {
    Map<?, ?> v = e.value() instanceof Map ? (Map<?, ?>) e.value() : Map.of();
    try (PreparedStatement ps = conn.prepareStatement("UPDATE runs SET status = ?, end_ms = ?, error = ? WHERE rid = ?")) {
      ps.setString(1, str(v.get("status")));
      ps.setObject(2, v.get("end_ms"));
      ps.setString(3, str(v.get("error")));
      ps.setLong(4, rid);
      ps.executeUpdate();
    }
  }

  private Map<String, Object> loadArgs(long rid) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("SELECT args FROM runs WHERE rid = ?")) {
      ps.setLong(1, rid);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next() && rs.getString(1) != null) {
          Object parsed = Json.parse(rs.getString(1));
          if (parsed instanceof Map) {
            Map<String, Object> m = new LinkedHashMap<>();
            ((Map<?, ?>) parsed).forEach((k, v) -> m.put(String.valueOf(k), v));
            return m;
          }
        }
      }
    }
    return new LinkedHashMap<>();
  }

  private long rid(String runId) throws SQLException {
    Long cached = rids.get(runId);
    if (cached != null) return cached;
    try (PreparedStatement ps = conn.prepareStatement("SELECT rid FROM runs WHERE run_id = ?")) {
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          rids.put(runId, rs.getLong(1));
          return rs.getLong(1);
        }
      }
    }
    // Records of a run whose header is missing: keep them under a run of that id.
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO runs(run_id, status, args) VALUES (?, 'crashed', '{}')", Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, runId);
      ps.executeUpdate();
      try (ResultSet rs = ps.getGeneratedKeys()) {
        rs.next();
        rids.put(runId, rs.getLong(1));
        return rs.getLong(1);
      }
    }
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }
}
