package dev.flordb.internal.store;

import dev.flordb.internal.records.Liveness;

import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.RecordFormat;
import dev.flordb.internal.records.Spill;
import dev.flordb.internal.records.Values;

import dev.flordb.internal.git.Snapshots;

import dev.flordb.FlorException;
import dev.flordb.Table;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The query database {@code .flor/flor.db}: a cache of the record files, kept in step with them
 * by {@link #sync()} (every read syncs first) and rebuilt from them by {@link #unpack}. A run of
 * a MiB of records or more stores its own file ({@link #storeRecords}) while it computes and at
 * its end, so that the first read after it has nothing left to read.
 *
 * <h2>Schema version 4</h2>
 *
 * <pre>
 * meta(key PRIMARY KEY, value)          schema_version = 4
 * runs(rid INTEGER PRIMARY KEY, run_id UNIQUE, projid, tstamp, filename,
 *      status,                          running | finished | failed | crashed
 *      version,                         the run's snapshot commit (refs/flor/runs/RUN)
 *      args,                            JSON object: the arg values the run used
 *      start_ms, end_ms, pid, pid_start_ms, host, error, header,
 *      code_version)                    the snapshot's tree without .flor/ (see CodeVersion):
 *                                       equal for runs of the same code
 * ctx(id INTEGER PRIMARY KEY, rid, parent, depth, loop, idx, value)
 *                                       one row per loop position; parent 0 = outside all loops
 * logs(rid, seq, ctx, kind, name, type, value, source, t)
 *                                       one row per record; ctx 0 = outside all loops;
 *                                       value is INTEGER, REAL or TEXT as type says
 *                                       (bool: 0/1; json: JSON text; non-finite float: TEXT)
 * packs(id INTEGER PRIMARY KEY, rid, name, n, data)
 *                                       the dataframe's copy of the values, per run and name, packed
 *                                       (see CellPacks): written with the rows, never by SQL
 * summaries(rid, kind, name, in_loop, source, type, n, lo, hi, last, at)
 *                                       per run, kind, name, in a loop or not, source and type: the
 *                                       count, least and greatest finite number, last value and its
 *                                       rowid in logs (see NameSummaries): written with the rows
 * files(path PRIMARY KEY, run_id, offset, lines, bad_lines, damage)
 *                                       how far each record file has been read; damage: the
 *                                       first line that could not be read, and why
 * view records: one row per record (every value, also one logged several times at one position),
 *      with its run, its innermost loop and iteration, and its whole position as text
 *      ("epoch=1 step=3"), for hand-written SQL
 * </pre>
 *
 * Version 1 lacked {@code runs.code_version}, {@code files.damage} and {@code records.position},
 * version 2 the packs, version 3 the summaries; an earlier database is brought up to this version
 * when it is opened (its packs and summaries are made from its rows).
 *
 * <p>Several processes may sync at once: each file is read inside an immediate transaction that
 * re-reads its offset, so no record is stored twice, and in which {@link RecordIngest} gives new
 * loop positions their ids. A file is stored whole or not at all: a sync that stops half-way
 * leaves the database as it was before that file.
 *
 * <h2>Damage</h2>
 *
 * Every read ({@link #sync}) reports, through the warning sink given to {@link #open(Path,
 * Snapshots, Consumer)}, each record file it finds damaged: lines that cannot be read (named by
 * number), a file shorter than what was already read from it, a last line cut short in a run
 * that is not running. Where the run's snapshot commit holds a copy of the file with the missing
 * records, the file is repaired from it ({@link RecordRepair}) and read again, and the warning
 * says so. A record whose run id is not a run id, or not the one its file is named after, is
 * damage too; a file in {@code records/} whose name is not a record file's is not read.
 */
public final class Store implements AutoCloseable {
  public static final int SCHEMA_VERSION = 4;
  public static final String DB_FILE = "flor.db";

  /** The records view: each record, its run, its innermost position and its whole position as text. */
  private static final String RECORDS_VIEW = "SELECT r.projid, r.tstamp, r.filename, r.run_id, l.seq,"
      + " c.loop, c.idx AS iteration, l.ctx, l.kind, l.name, l.value, l.type, l.source,"
      + " (WITH RECURSIVE up(id, depth, word) AS (SELECT l.ctx, 0, NULL UNION ALL"
      + " SELECT x.parent, up.depth + 1, x.loop || '=' || x.idx FROM up JOIN ctx x ON x.id = up.id)"
      + " SELECT group_concat(word, ' ') FROM (SELECT word FROM up WHERE word IS NOT NULL ORDER BY depth DESC))"
      + " AS position"
      + " FROM logs l JOIN runs r ON r.rid = l.rid LEFT JOIN ctx c ON c.id = l.ctx";

  private static final String[] SCHEMA = {
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS runs(rid INTEGER PRIMARY KEY, run_id TEXT UNIQUE NOT NULL, projid TEXT,"
        + " tstamp TEXT, filename TEXT, status TEXT, version TEXT, args TEXT, start_ms INTEGER,"
        + " end_ms INTEGER, pid INTEGER, pid_start_ms INTEGER, host TEXT, error TEXT, header TEXT, code_version TEXT)",
    "CREATE TABLE IF NOT EXISTS ctx(id INTEGER PRIMARY KEY, rid INTEGER NOT NULL, parent INTEGER NOT NULL,"
        + " depth INTEGER NOT NULL, loop TEXT NOT NULL, idx INTEGER NOT NULL, value)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ctx_position ON ctx(rid, parent, loop, idx)",
    "CREATE TABLE IF NOT EXISTS logs(rid INTEGER NOT NULL, seq INTEGER NOT NULL, ctx INTEGER NOT NULL,"
        + " kind TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, value, source TEXT NOT NULL, t INTEGER)",
    "CREATE INDEX IF NOT EXISTS logs_name ON logs(name, rid)",
    "CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, run_id TEXT, offset INTEGER NOT NULL,"
        + " lines INTEGER NOT NULL, bad_lines INTEGER NOT NULL, damage TEXT)",
    "CREATE VIEW IF NOT EXISTS records AS " + RECORDS_VIEW,
    CellPacks.SCHEMA,
    CellPacks.INDEX,
    NameSummaries.SCHEMA,
  };

  /** What version 1 lacked, added when such a database is opened. */
  private static final String[] FROM_VERSION_1 = {
    "ALTER TABLE runs ADD COLUMN code_version TEXT",
    "ALTER TABLE files ADD COLUMN damage TEXT",
    "DROP VIEW IF EXISTS records",
    "CREATE VIEW records AS " + RECORDS_VIEW,
  };

  private final Path florDir;
  private final Path dbFile;
  private final Snapshots git;
  private final Connection conn;
  /** A read-only connection, opened on first use: for queries, and the dataframe's second reading thread. */
  private Connection reader;
  /** Every distinct warning of this store, in the order first seen; each reaches the sink once. */
  private final Set<String> warnings = new LinkedHashSet<>();
  private final Consumer<String> sink;
  /** What the current sync found: record files to check against their runs' snapshots, and cut-off last lines. */
  private final Set<String> suspects = new LinkedHashSet<>();
  private final Map<String, Long> cutTails = new HashMap<>();
  private final Map<String, String> unrepaired = new HashMap<>();
  /** Where reads go when a team shares a store ({@link #share}); null: this store. */
  private SharedStore shared;

  private Store(Path florDir, Path dbFile, Snapshots git) {
    this(florDir, dbFile, git, null);
  }

  private Store(Path florDir, Path dbFile, Snapshots git, Consumer<String> sink) {
    this.florDir = florDir;
    this.dbFile = dbFile;
    this.git = git;
    this.sink = sink;
    this.conn = connect(dbFile, false);
    try {
      checkSchema();
    } catch (SQLException e) {
      close();
      throw failure(e, "open");
    }
  }

  /**
   * Opens (creating if needed) the query database of the store in {@code florDir}; its warnings
   * are kept for {@link #warnings()} only.
   */
  public static Store open(Path florDir, Snapshots git) {
    return open(florDir, git, null);
  }

  /**
   * Opens (creating if needed) the query database of the store in {@code florDir}, handing each
   * distinct warning (damage found in a record file, a repair, a note on a dataframe) to {@code
   * sink} once, as it is found: readers print them to standard error.
   */
  public static Store open(Path florDir, Snapshots git, Consumer<String> sink) {
    try {
      Files.createDirectories(florDir.resolve("records"));
    } catch (IOException e) {
      throw new FlorException("cannot create " + florDir + ": " + e.getMessage(), e);
    }
    return new Store(florDir, florDir.resolve(DB_FILE), git, sink);
  }

  private synchronized void warn(String warning) {
    if (warnings.add(warning) && sink != null) sink.accept(warning);
  }

  private static Connection connect(Path file, boolean readOnly) {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setBusyTimeout(60_000);
    cfg.setReadOnly(readOnly);
    if (!readOnly) {
      cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
      cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
      cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    }
    // A new database's switch to WAL takes it whole, and another process or thread opening it at
    // that instant is told SQLITE_BUSY at once (the busy timeout does not cover it): try again.
    for (int attempt = 1; ; attempt++) {
      try {
        return DriverManager.getConnection("jdbc:sqlite:" + file, cfg.toProperties());
      } catch (SQLException e) {
        boolean busy = e.getErrorCode() == SQLiteErrorCode.SQLITE_BUSY.code
            || String.valueOf(e.getMessage()).contains("SQLITE_BUSY");
        if (!busy || attempt >= 100) throw corruptOr(file, e, "open");
        try {
          Thread.sleep(Math.min(100, 5L * attempt));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw corruptOr(file, e, "open");
        }
      }
    }
  }

  private void checkSchema() throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)");
      String found = null;
      try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema_version'")) {
        if (rs.next()) found = rs.getString(1);
      }
      if (found != null && Integer.parseInt(found) > SCHEMA_VERSION) {
        throw new FlorException(dbFile + " has schema version " + found + ", newer than this flordb"
            + " reads (at most " + SCHEMA_VERSION + "). Use the newer flordb, or rebuild the database"
            + " for this one with 'flordb unpack' (the record files are kept).");
      }
      if (found != null && Integer.parseInt(found) < SCHEMA_VERSION) migrate();
      for (String ddl : SCHEMA) s.execute(ddl);
      if (found == null) {
        s.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', '" + SCHEMA_VERSION + "')");
      }
    }
  }

  /** Brings an earlier database up to this version, once, whichever process gets there first. */
  private void migrate() throws SQLException {
    conn.setAutoCommit(false); // BEGIN IMMEDIATE: no other process migrates at the same time
    boolean ok = false;
    try (Statement s = conn.createStatement()) {
      String found;
      try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema_version'")) {
        found = rs.next() ? rs.getString(1) : null;
      }
      if ("1".equals(found)) for (String ddl : FROM_VERSION_1) s.execute(ddl);
      if ("1".equals(found) || "2".equals(found)) CellPacks.rebuild(conn);
      if ("1".equals(found) || "2".equals(found) || "3".equals(found)) {
        NameSummaries.rebuild(conn);
        s.execute("UPDATE meta SET value = '" + SCHEMA_VERSION + "' WHERE key = 'schema_version'");
      }
      conn.commit();
      ok = true;
    } finally {
      if (!ok) conn.rollback();
      conn.setAutoCommit(true);
    }
  }

  // ---------------------------------------------------------------- sync

  /**
   * Reads what the record files hold beyond what the database has; refreshes statuses and
   * versions; repairs damaged record files from their runs' snapshots where they can be, and
   * reports the damage it finds (see the class comment).
   */
  public synchronized void sync() {
    Path dir = florDir.resolve("records");
    // records a full disk kept elsewhere, from programs that ended before space returned
    for (String w : Spill.recover(florDir, Spill.defaultRoots(florDir.getParent()))) warn(w);
    try {
      suspects.clear();
      cutTails.clear();
      unrepaired.clear();
      readFiles(dir);
      Set<String> moved = refreshStatusesAndVersions();
      if (repairDamaged(dir, moved)) {
        readFiles(dir);
        refreshStatusesAndVersions();
      }
      reportDamage(dir);
    } catch (IOException e) {
      throw new FlorException("cannot read the record files in " + dir + ": " + e.getMessage(), e);
    } catch (SQLException e) {
      throw failure(e, "update");
    }
  }

  private void readFiles(Path dir) throws IOException, SQLException {
    Map<String, Long> offsets = new HashMap<>();
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT path, offset FROM files")) {
      while (rs.next()) offsets.put(rs.getString(1), rs.getLong(2));
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + RecordFormat.SUFFIX)) {
      for (Path p : ds) {
        if (RecordFormat.runOfFile(p.getFileName().toString()) != null) {
          files.add(p);
        } else {
          warn(p + " is not named as a record file is (<run id>" + RecordFormat.SUFFIX + ", a run id such as "
              + RecordFormat.RUN_ID_EXAMPLE + "): it was not read. Move it out of " + dir + ".");
        }
      }
    }
    files.sort(null);
    for (Path f : files) {
      String key = f.getFileName().toString();
      long known = offsets.getOrDefault(key, 0L);
      if (Files.size(f) < known) suspects.add(key); // cut after it was read
      if (Files.size(f) > known && ReplayVerdict.ingestible(f)) ingest(f);
    }
  }

  /**
   * Repairs from their runs' snapshots the record files that this sync found damaged (or whose
   * run ended without an end record while its snapshot moved: a file cut at a line's end looks
   * like a crash), where that is possible. Returns whether it repaired any; the reasons for those
   * it could not are kept for {@link #reportDamage}.
   */
  private boolean repairDamaged(Path dir, Set<String> moved) throws IOException, SQLException {
    Map<String, String> status = new HashMap<>();
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT run_id, status FROM runs")) {
      while (rs.next()) status.put(rs.getString(1), rs.getString(2));
    }
    // each candidate with the length of its start known to be intact (-1: damaged inside)
    Map<String, Long> candidates = new java.util.TreeMap<>();
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT path FROM files WHERE bad_lines > 0 AND damage IS NOT NULL")) {
      while (rs.next()) if (Files.exists(dir.resolve(rs.getString(1)))) candidates.put(rs.getString(1), -1L);
    }
    for (String key : suspects) {
      if (Files.exists(dir.resolve(key))) candidates.putIfAbsent(key, Files.size(dir.resolve(key)));
    }
    for (Map.Entry<String, Long> t : cutTails.entrySet()) {
      if (!Files.exists(dir.resolve(t.getKey()))) continue;
      candidates.merge(t.getKey(), Files.size(dir.resolve(t.getKey())) - t.getValue(), Math::min);
    }
    for (String run : moved) {
      Path f = dir.resolve(run + RecordFormat.SUFFIX);
      if ("crashed".equals(status.get(run)) && Files.exists(f)) candidates.putIfAbsent(run + RecordFormat.SUFFIX, Files.size(f));
    }
    Map<String, ObjectId> refs = null;
    boolean any = false;
    for (Map.Entry<String, Long> c : candidates.entrySet()) {
      String key = c.getKey();
      String run = RecordFormat.runOfFile(key);
      if (run == null || !key.equals(run + RecordFormat.SUFFIX)) continue; // replays' files: not in the run's snapshot
      if ("running".equals(status.get(run))) continue; // its process writes on
      if (refs == null) refs = git == null ? Map.of() : git.runRefs();
      conn.setAutoCommit(false); // BEGIN IMMEDIATE: one process repairs a file, and the others read it afterwards
      boolean ok = false;
      try {
        RecordRepair.Outcome o;
        try {
          // the JVM's clock: commands open the store without a run (and its ticker); it only names the .damaged- copy
          o = RecordRepair.attempt(git, refs.get(run), run, dir.resolve(key), c.getValue(), status.get(run) != null,
              System.currentTimeMillis());
        } catch (IOException | RuntimeException e) { // a snapshot that cannot be read, a directory that cannot be written
          o = RecordRepair.Outcome.no("the repair failed (" + e.getMessage() + ")");
        }
        if (o.repaired()) {
          forget(run, key);
          warn(dir.resolve(key) + " was damaged; " + o.restored() + (o.restored() == 1 ? " record was" : " records were")
              + " restored from the run's snapshot commit (" + Snapshots.REF_PREFIX + run + "), and the damaged file is"
              + " kept as " + o.keptAs());
          any = true;
        } else {
          unrepaired.put(key, o.reason());
        }
        conn.commit();
        ok = true;
      } finally {
        if (!ok) conn.rollback();
        conn.setAutoCommit(true);
      }
    }
    return any;
  }

  /** Drops what the database holds of a run, so that its (repaired) files are read again from their start. */
  private void forget(String run, String key) throws SQLException {
    Long rid = null;
    try (PreparedStatement ps = conn.prepareStatement("SELECT rid FROM runs WHERE run_id = ?")) {
      ps.setString(1, run);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) rid = rs.getLong(1);
      }
    }
    if (rid != null) {
      for (String sql : new String[] {"DELETE FROM logs WHERE rid = ?", "DELETE FROM ctx WHERE rid = ?",
          "DELETE FROM packs WHERE rid = ?", "DELETE FROM summaries WHERE rid = ?", "DELETE FROM runs WHERE rid = ?"}) {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
          ps.setLong(1, rid);
          ps.executeUpdate();
        }
      }
    }
    try (PreparedStatement ps = conn.prepareStatement("DELETE FROM files WHERE run_id = ? OR path = ?")) {
      ps.setString(1, run);
      ps.setString(2, key);
      ps.executeUpdate();
    }
  }

  /** Reports every damaged record file: unreadable lines, a cut-off last line, a file shorter than what was read. */
  private void reportDamage(Path dir) throws SQLException, IOException {
    Map<String, String> status = new HashMap<>();
    Map<String, Long> offsets = new HashMap<>();
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT run_id, status FROM runs")) {
      while (rs.next()) status.put(rs.getString(1), rs.getString(2));
    }
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT path, offset, bad_lines, damage FROM files ORDER BY path")) {
      while (rs.next()) {
        String key = rs.getString(1);
        offsets.put(key, rs.getLong(2));
        long bad = rs.getLong(3);
        if (bad == 0 || rs.getString(4) == null || !Files.exists(dir.resolve(key))) continue;
        warn(dir.resolve(key) + " " + rs.getString(4) + "; it was skipped"
            + (bad > 1 ? ", and " + (bad - 1) + " more " + (bad == 2 ? "line" : "lines") + " of the file could not be read" : "")
            + ". " + notRepaired(key));
      }
    }
    for (Map.Entry<String, Long> t : new java.util.TreeMap<>(cutTails).entrySet()) {
      String run = RecordFormat.runOfFile(t.getKey());
      if ("running".equals(status.get(run)) || status.get(run) == null) continue;
      warn(dir.resolve(t.getKey()) + " ends in a line cut short (" + t.getValue() + " bytes without a newline), which"
          + " was not read: its run stopped while writing it, or the file was cut. " + notRepaired(t.getKey()));
    }
    for (String key : suspects) {
      Path f = dir.resolve(key);
      Long read = offsets.get(key);
      if (read == null || !Files.exists(f) || Files.size(f) >= read) continue;
      warn(f + " is shorter (" + Files.size(f) + " bytes) than what was already read from it (" + read + " bytes):"
          + " it was cut, and the store keeps the records it read before. " + notRepaired(key));
    }
  }

  private String notRepaired(String key) {
    String why = unrepaired.get(key);
    String run = RecordFormat.runOfFile(key);
    if (!key.equals(run + RecordFormat.SUFFIX)) return "It is a replay's file, which the run's snapshot does not hold.";
    return "It could not be repaired from the run's snapshot: " + (why != null ? why : "its run is still running") + ".";
  }

  /**
   * Stores what one record file holds beyond what the database has, and nothing more: no statuses,
   * snapshot versions, repairs or damage reports, which the next {@link #sync} does (damage found
   * here is kept in {@code files} for it). The end of a run calls it on the run's own file, so
   * that the first read after the run finds the store current.
   */
  public synchronized void storeRecords(Path file) {
    try {
      if (RecordFormat.runOfFile(file.getFileName().toString()) == null || !Files.exists(file)) return;
      if (ReplayVerdict.ingestible(file)) ingest(file);
    } catch (IOException e) {
      throw new FlorException("cannot read the record file " + file + ": " + e.getMessage(), e);
    } catch (SQLException e) {
      throw failure(e, "update");
    }
  }

  /** Problems seen while reading record files (damage, repairs) and notes on dataframes, each once, for the user. */
  public synchronized List<String> warnings() {
    return new ArrayList<>(warnings);
  }

  private void ingest(Path file) throws SQLException, IOException {
    String key = file.getFileName().toString();
    conn.setAutoCommit(false); // BEGIN IMMEDIATE: one writer at a time, so the offset below is current
    boolean ok = false;
    try {
      long offset = 0;
      long lines = 0;
      long bad = 0;
      String damage = null;
      try (PreparedStatement ps = conn.prepareStatement("SELECT offset, lines, bad_lines, damage FROM files WHERE path = ?")) {
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            offset = rs.getLong(1);
            lines = rs.getLong(2);
            bad = rs.getLong(3);
            damage = rs.getString(4);
          }
        }
      }
      long badBefore = bad;
      try (RecordIngest in = new RecordIngest(conn, key); RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
        RecordIngest.Progress read = in.read(raf, offset, lines);
        long consumed = read.consumed();
        long carry = read.carry();
        lines = read.lines();
        bad += read.bad();
        in.finish();
        try (PreparedStatement ps = conn.prepareStatement(
            "INSERT INTO files(path, run_id, offset, lines, bad_lines, damage) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT(path) DO UPDATE SET run_id = excluded.run_id, offset = excluded.offset,"
                + " lines = excluded.lines, bad_lines = excluded.bad_lines, damage = excluded.damage")) {
          ps.setString(1, key);
          ps.setString(2, in.fileRun);
          ps.setLong(3, consumed);
          ps.setLong(4, lines);
          ps.setLong(5, bad);
          ps.setString(6, damage != null ? damage : in.firstDamage);
          ps.executeUpdate();
        }
        if (carry > 0) cutTails.put(key, (long) carry);
      }
      conn.commit();
      ok = true;
      if (bad > badBefore) suspects.add(key);
    } finally {
      if (!ok) conn.rollback();
      conn.setAutoCommit(true);
    }
  }

  /** A value as it is stored: a Long, Double or String (see {@link #bindValue}), or null. */
  static Object storedValue(Values type, Object v) {
    if (v == null) return null;
    switch (type) {
      case INT:
        return ((Number) v).longValue();
      case FLOAT:
        double d = ((Number) v).doubleValue();
        return Double.isFinite(d) ? (Object) d : Double.toString(d); // SQLite would store NaN as NULL
      case BOOL:
        return ((Boolean) v) ? 1L : 0L;
      case JSON:
        return Json.write(v);
      default:
        return v.toString();
    }
  }

  /** A loop element of a shared database (JSON text) as the local store stores it. */
  static Object storedElement(String json) {
    if (json == null) return null;
    Object v = Json.parse(json);
    return storedValue(Values.classify(v), v);
  }

  static void bindValue(PreparedStatement ps, int i, Values type, Object v) throws SQLException {
    if (v == null) {
      ps.setNull(i, java.sql.Types.NULL);
      return;
    }
    switch (type) {
      case INT:
        ps.setLong(i, ((Number) v).longValue());
        break;
      case FLOAT:
        double d = ((Number) v).doubleValue();
        if (Double.isFinite(d)) ps.setDouble(i, d);
        else ps.setString(i, Double.toString(d)); // SQLite would store NaN as NULL
        break;
      case BOOL:
        ps.setLong(i, ((Boolean) v) ? 1 : 0);
        break;
      case JSON:
        ps.setString(i, Json.write(v));
        break;
      default:
        ps.setString(i, v.toString());
    }
  }

  /** Reads a stored value back as its Java type. */
  static Object readValue(ResultSet rs, int i, String type) throws SQLException {
    return typed(rs.getObject(i), type);
  }

  /**
   * A stored value, as this store or a shared one (text) holds it, as its Java type: Long,
   * Double (or the word for NaN and the infinities), Boolean, a JSON value, a String.
   */
  public static Object typed(Object raw, String type) {
    if (raw == null) return null;
    switch (type) {
      case "int":
        return raw instanceof String ? Long.valueOf((String) raw) : ((Number) raw).longValue(); // text: a shared database's
      case "float":
        return raw instanceof Number ? ((Number) raw).doubleValue() : Double.valueOf(raw.toString());
      case "bool":
        return raw instanceof String ? !raw.equals("0") : ((Number) raw).longValue() != 0;
      case "json":
        return Json.parse(raw.toString());
      default:
        return raw.toString();
    }
  }

  /**
   * Brings statuses (a run whose process is gone without an end record crashed), snapshot
   * commits and code versions up to date. Returns the runs whose snapshot commit moved.
   */
  private Set<String> refreshStatusesAndVersions() throws SQLException {
    Map<String, ObjectId> refs;
    try {
      refs = git == null ? Map.of() : git.runRefs();
    } catch (IOException e) {
      refs = Map.of();
      warn("could not read the run snapshots (refs/flor/runs): " + e.getMessage());
    }
    List<Object[]> updates = new ArrayList<>();
    Set<String> moved = new LinkedHashSet<>();
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT rid, run_id, status, version, pid, pid_start_ms, host, code_version FROM runs")) {
      while (rs.next()) {
        String status = rs.getString(3);
        String newStatus = status;
        if ("running".equals(status) || status == null) {
          newStatus = Liveness.alive(rs.getLong(5), rs.getLong(6), rs.getString(7)) ? "running" : "crashed";
        } else if ("crashed".equals(status) && Liveness.alive(rs.getLong(5), rs.getLong(6), rs.getString(7))) {
          newStatus = "running";
        }
        ObjectId ref = refs.get(rs.getString(2));
        String version = ref == null ? rs.getString(4) : ref.name();
        String code = rs.getString(8);
        boolean movedNow = !Objects.equals(version, rs.getString(4));
        if (movedNow) moved.add(rs.getString(2));
        if (version != null && (movedNow || code == null)) code = codeVersion(version, code);
        if (!Objects.equals(newStatus, status) || movedNow || !Objects.equals(code, rs.getString(8))) {
          updates.add(new Object[] {newStatus, version, code, rs.getLong(1)});
        }
      }
    }
    if (updates.isEmpty()) return moved;
    try (PreparedStatement ps = conn.prepareStatement("UPDATE runs SET status = ?, version = ?, code_version = ? WHERE rid = ?")) {
      for (Object[] u : updates) {
        ps.setString(1, (String) u[0]);
        ps.setString(2, (String) u[1]);
        ps.setString(3, (String) u[2]);
        ps.setLong(4, (Long) u[3]);
        ps.executeUpdate();
      }
    }
    return moved;
  }

  /** The code version of a snapshot commit; the one known before when the commit cannot be read. */
  private String codeVersion(String commit, String known) {
    if (git == null) return known;
    try {
      return CodeVersion.of(git.repository(), ObjectId.fromString(commit)).name();
    } catch (IOException | RuntimeException e) {
      warn("could not read the snapshot commit " + commit + " of a run (" + e.getMessage() + "); its code version"
          + " is not known");
      return known;
    }
  }

  // ---------------------------------------------------------------- reading

  /**
   * The dataframe of the named values (see {@link Dataframe}); syncs first. Where a name was
   * logged more than once at one position, a warning says so (the table shows the last value).
   */
  public synchronized Table dataframe(String... names) {
    sync();
    if (shared != null) {
      shipToShared();
      return shared.dataframe(this::warn, names);
    }
    try {
      Dataframe d = new Dataframe(conn, Runtime.getRuntime().availableProcessors() > 1 ? reader() : null, true);
      Table t = d.build(names);
      for (String note : d.notes()) warn(note);
      return t;
    } catch (SQLException e) {
      throw failure(e, "read");
    }
  }

  /**
   * Runs one SQL statement that only reads, on a read-only connection (the store itself is changed
   * only by its record files); see {@link ReadOnlySql} for how SQLite holds it to that.
   *
   * @throws FlorException if the query would write (the store or any other file), attach a
   *     database, holds a second statement, or fails
   */
  public synchronized Table query(String sql) {
    if (sql == null || sql.isBlank()) {
      throw new IllegalArgumentException("the query is empty; for example: SELECT run_id, status FROM runs");
    }
    sync();
    if (shared != null) {
      shipToShared();
      return shared.query(sql);
    }
    try (PreparedStatement s = ReadOnlySql.prepare(reader(), sql)) {
      boolean hasRows = s.execute();
      if (!hasRows) return Table.of(List.of("changed"), List.<Object[]>of(new Object[] {(long) s.getUpdateCount()}));
      try (ResultSet rs = s.getResultSet()) {
        return toTable(rs);
      }
    } catch (SQLException e) {
      FlorException refused = ReadOnlySql.refusal(e);
      if (refused != null) throw refused;
      throw new FlorException("the query failed: " + e.getMessage() + ". The tables are runs, logs, ctx and"
          + " the view records; try: SELECT name, count(*) FROM logs GROUP BY name", e);
    }
  }

  /**
   * From now on {@link #dataframe} and {@link #query} read {@code to}, the store the team shares:
   * each syncs this store, ships to it what it lacks ({@link #shipToShared}), then reads every
   * clone's runs there. Checkpoints stay local. Closing this store closes {@code to}.
   */
  public synchronized void share(SharedStore to) {
    this.shared = to;
  }

  /** Whether {@link #dataframe} and {@link #query} read a shared store ({@link #share}): PostgreSQL's SQL, values as text. */
  public synchronized boolean readsShared() {
    return shared != null;
  }

  /**
   * Ships to the shared store what this clone's record files hold beyond what it has, and the
   * runs' statuses and snapshot commits as this store knows them (this store is synced first by
   * the caller). Returns what was shipped.
   */
  public synchronized SharedStore.Shipped shipToShared() {
    if (shared == null) throw new IllegalStateException("no shared store: call share() first");
    List<SharedStore.RunState> states = new ArrayList<>();
    String here = Liveness.hostName();
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT run_id, status, version, code_version, host FROM runs")) {
      while (rs.next()) {
        states.add(new SharedStore.RunState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            here.equals(rs.getString(5))));
      }
    } catch (SQLException e) {
      throw failure(e, "read");
    }
    return shared.ship(florDir.resolve("records"), states);
  }

  /** One checkpoint of a run: the state at the end of iteration {@code index} of its outermost loop {@code loop}. */
  public record CheckpointEntry(String loop, long index) {
    @Override
    public String toString() {
      return loop + "=" + index;
    }
  }

  /**
   * The checkpoints a run's {@code ckpt} records say were written, the last one first: those the
   * run wrote itself, then those replays rebuilt. Null when the store has no run of that id.
   * Syncs first.
   */
  public synchronized List<CheckpointEntry> checkpointsOf(String runId) {
    sync();
    try (PreparedStatement run = conn.prepareStatement("SELECT rid FROM runs WHERE run_id = ?")) {
      run.setString(1, runId);
      long rid;
      try (ResultSet rs = run.executeQuery()) {
        if (!rs.next()) return null;
        rid = rs.getLong(1);
      }
      List<CheckpointEntry> out = new ArrayList<>();
      try (PreparedStatement ps = conn.prepareStatement("SELECT c.loop, c.idx FROM logs l JOIN ctx c ON c.id = l.ctx"
          + " WHERE l.rid = ? AND l.kind = 'ckpt' ORDER BY l.source = 'forward' DESC, l.rowid DESC")) {
        ps.setLong(1, rid);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) out.add(new CheckpointEntry(rs.getString(1), rs.getLong(2)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failure(e, "read");
    }
  }

  private Connection reader() {
    if (reader == null) {
      reader = connect(dbFile, true);
      try {
        ReadOnlySql.restrict(reader);
      } catch (SQLException e) {
        throw failure(e, "open");
      }
    }
    return reader;
  }

  static Table toTable(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<String> cols = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) cols.add(md.getColumnLabel(i));
    List<Object[]> rows = new ArrayList<>();
    while (rs.next()) {
      Object[] r = new Object[n];
      for (int i = 1; i <= n; i++) {
        Object v = rs.getObject(i);
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) v = ((Number) v).longValue();
        if (v instanceof Float) v = ((Float) v).doubleValue();
        if (v instanceof byte[]) v = "<" + ((byte[]) v).length + " bytes>";
        r[i - 1] = v;
      }
      rows.add(r);
    }
    return Table.of(cols, rows);
  }

  public Path florDir() {
    return florDir;
  }

  // ---------------------------------------------------------------- unpack

  /**
   * What {@link #unpack} did: the runs' record files and replays' record files it restored from
   * git, and what the rebuilt database holds.
   */
  public record UnpackReport(int filesRestored, int replayFilesRestored, int noteFilesRestored, int runs, long records,
      List<String> warnings) {}

  /**
   * Rebuilds the query database from the record files, first restoring from git any record file
   * that is missing here (or shorter than the committed one): each run's from its snapshot commit,
   * each verified replay's from the replay's commit ({@link Snapshots#replayRecordFiles}), each
   * run's notes from its notes commit ({@link Snapshots#noteRecordFiles}). The new
   * database is built beside the old one and moved over it only when complete.
   */
  public static UnpackReport unpack(Path florDir, Snapshots git) {
    Path records = florDir.resolve("records");
    int restored = 0;
    int replaysRestored = 0;
    int notesRestored = 0;
    try {
      Files.createDirectories(records);
      if (git != null) {
        for (Map.Entry<String, ObjectId> r : new TreeMap<>(git.runRefs()).entrySet()) {
          ObjectLoader committed = git.recordsInCommit(r.getValue(), r.getKey());
          if (committed != null && restore(committed, records.resolve(r.getKey() + RecordFormat.SUFFIX))) restored++;
        }
        for (Map.Entry<String, ObjectId> f : git.replayRecordFiles().entrySet()) {
          if (restore(git.open(f.getValue()), records.resolve(f.getKey()))) replaysRestored++;
        }
        for (Map.Entry<String, ObjectId> f : git.noteRecordFiles().entrySet()) {
          if (restore(git.open(f.getValue()), records.resolve(f.getKey()))) notesRestored++;
        }
      }
      Path fresh = florDir.resolve(DB_FILE + ".unpack-" + ProcessHandle.current().pid());
      deleteDb(fresh);
      UnpackReport report;
      try (Store s = new Store(florDir, fresh, git)) {
        s.sync();
        try (Statement st = s.conn.createStatement()) {
          st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        long runs;
        long recs;
        try (Statement st = s.conn.createStatement(); ResultSet rs = st.executeQuery(
            "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM logs)")) {
          rs.next();
          runs = rs.getLong(1);
          recs = rs.getLong(2);
        }
        report = new UnpackReport(restored, replaysRestored, notesRestored, (int) runs, recs, s.warnings());
      }
      Path db = florDir.resolve(DB_FILE);
      Files.deleteIfExists(florDir.resolve(DB_FILE + "-wal"));
      Files.deleteIfExists(florDir.resolve(DB_FILE + "-shm"));
      Files.move(fresh, db, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      deleteDb(fresh);
      return report;
    } catch (IOException e) {
      throw new FlorException("unpack failed: " + e.getMessage() + " (nothing was removed; the record"
          + " files in " + records + " are intact)", e);
    } catch (SQLException e) {
      throw new FlorException("unpack failed: " + e.getMessage(), e);
    }
  }

  /** Writes a committed record file where it is missing or shorter; true if it did. */
  private static boolean restore(ObjectLoader committed, Path local) throws IOException {
    if (Files.exists(local) && Files.size(local) >= committed.getSize()) return false;
    Path tmp = local.resolveSibling(local.getFileName() + ".restoring");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      committed.copyTo(out);
    }
    Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return true;
  }

  private static void deleteDb(Path file) throws IOException {
    Files.deleteIfExists(file);
    Files.deleteIfExists(Path.of(file + "-wal"));
    Files.deleteIfExists(Path.of(file + "-shm"));
  }

  // ---------------------------------------------------------------- errors

  private FlorException failure(SQLException e, String what) {
    return corruptOr(dbFile, e, what);
  }

  private static FlorException corruptOr(Path file, SQLException e, String what) {
    if (e instanceof SQLiteException) {
      SQLiteErrorCode code = ((SQLiteException) e).getResultCode();
      if (code == SQLiteErrorCode.SQLITE_NOTADB || code == SQLiteErrorCode.SQLITE_CORRUPT) {
        return new FlorException(file + " is damaged (" + code + "). It is only a cache of the record"
            + " files, which are intact: run 'flordb unpack' to rebuild it.", e);
      }
    }
    return new FlorException("cannot " + what + " the query database " + file + ": " + e.getMessage(), e);
  }

  @Override
  public synchronized void close() {
    if (shared != null) shared.close();
    for (Connection c : new Connection[] {conn, reader}) {
      try {
        if (c != null) c.close();
      } catch (SQLException ignored) {
        // closing a connection we no longer use
      }
    }
  }
}
