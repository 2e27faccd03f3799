package dev.flordb.internal.store;

import dev.flordb.internal.records.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a run logged of each name, in a few rows: table {@code summaries(rid, kind, name, in_loop,
 * source, type, n, lo, hi, last, at)}, one row per run, kind, name, inside a loop or not ({@code
 * ctx != 0}), source and type, holding how many records of {@code logs} it has ({@code n}), the
 * least and greatest finite number among them ({@code lo}, {@code hi}: types {@code int} and
 * {@code float} only, else null), the stored value of the last one ({@code last}) and its rowid in
 * {@code logs} ({@code at}). So the runs table of {@code flordb serve} (last, least and greatest of
 * each metric) reads some ten rows per run, not the run's records.
 *
 * <p>Exactly the aggregate {@link #REBUILD} computes over {@code logs}; written by {@link
 * RecordIngest} in the same transaction as the rows (the last record of a group is the one stored
 * last, whatever its source), dropped with the run's rows, and made from the rows ({@link
 * #rebuild}) for a database of an earlier schema.
 *
 * <p>A {@link SharedDatabase} has the same table, with the same rows for the same records, in its
 * own types: {@code lo} and {@code hi} exact numbers ({@code numeric}), {@code last} the stored
 * value as text, as in its {@code logs}; the same SQL writes and rebuilds it, but for the
 * database's test of "a finite number" ({@link SharedDatabase#finiteNumber}) and the binding of
 * the numbers.
 */
final class NameSummaries {
  static final String SCHEMA = "CREATE TABLE IF NOT EXISTS summaries(rid INTEGER NOT NULL, kind TEXT NOT NULL,"
      + " name TEXT NOT NULL, in_loop INTEGER NOT NULL, source TEXT NOT NULL, type TEXT NOT NULL,"
      + " n INTEGER NOT NULL, lo, hi, last, at INTEGER NOT NULL, PRIMARY KEY (rid, kind, name, in_loop, source, type))";

  /** SQLite's test that a stored value is a finite number (NaN and infinities are stored as text). */
  private static final String SQLITE_NUMBER = "CASE WHEN typeof(value) IN ('integer', 'real') THEN value END";

  /** The definition: the summaries as an aggregate over the rows. */
  static final String REBUILD = rebuildSql(SQLITE_NUMBER);

  private NameSummaries() {}

  /** {@link #REBUILD} with {@code number}: the value of a row as a number when it is a finite one, else NULL. */
  private static String rebuildSql(String number) {
    String numeric = "CASE WHEN type IN ('int', 'float') THEN " + number + " END";
    String inLoop = "CASE WHEN ctx != 0 THEN 1 ELSE 0 END";
    return "INSERT INTO summaries(rid, kind, name, in_loop, source, type, n, lo, hi, last, at) SELECT rid, kind, name, "
        + inLoop + ", source, type, count(*), min(" + numeric + "), max(" + numeric + "), NULL, max(rowid) FROM logs"
        + " GROUP BY rid, kind, name, " + inLoop + ", source, type";
  }

  /** Makes the summaries from the rows (replacing any): for a database of an earlier schema. */
  static void rebuild(Connection conn) throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute(SCHEMA);
      s.execute("DELETE FROM summaries");
      s.execute(REBUILD);
      s.execute("UPDATE summaries SET last = (SELECT value FROM logs WHERE rowid = summaries.at)");
    }
  }

  /**
   * Makes a shared database's summaries from its rows (replacing any), in the caller's
   * transaction: its table exists (its schema made it).
   */
  static void rebuild(Connection conn, SharedDatabase db) throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute("DELETE FROM summaries");
      s.execute(rebuildSql(db.finiteNumber("value")));
      // a join, not a lookup per row: a shared database's logs have no index on rowid
      s.execute("UPDATE summaries SET last = l.value FROM logs l WHERE l.rowid = summaries.at");
    }
  }

  /** The summaries of one reading's records, merged into the table at {@link #flush}. */
  static final class Writer implements AutoCloseable {
    private final PreparedStatement upsert;
    private final Map<Key, Group> open = new LinkedHashMap<>();
    /** The rowid the next record gets in {@code logs}: rows are appended, in the order they are added. */
    private long nextRow;
    private Key lastKey;
    private Group lastGroup;

    /** The shared database written to, or null for the local store. */
    private final SharedDatabase shared;
    private final Connection conn;

    Writer(Connection conn) throws SQLException {
      this(conn, null);
    }

    /** For a {@link SharedDatabase} ({@code shared} not null): its numbers exact, its values as text. */
    Writer(Connection conn, SharedDatabase shared) throws SQLException {
      this.conn = conn;
      this.shared = shared;
      nextRow = nextRow();
      upsert = conn.prepareStatement("INSERT INTO summaries(rid, kind, name, in_loop, source, type, n, lo, hi, last, at)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(rid, kind, name, in_loop, source, type) DO UPDATE SET"
          + " n = summaries.n + excluded.n,"
          + " lo = CASE WHEN summaries.lo IS NULL OR excluded.lo < summaries.lo THEN excluded.lo ELSE summaries.lo END,"
          + " hi = CASE WHEN summaries.hi IS NULL OR excluded.hi > summaries.hi THEN excluded.hi ELSE summaries.hi END,"
          + " last = excluded.last, at = excluded.at");
    }

    /** The rowid the next row appended to {@code logs} gets (the caller holds the writers off: a transaction, a lock). */
    private long nextRow() throws SQLException {
      if (shared != null) return shared.nextLogRow(conn);
      try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(rowid), 0) + 1 FROM logs")) {
        rs.next();
        return rs.getLong(1);
      }
    }

    /** Adds the record just added to {@code logs}; {@code value} as stored (Long, Double, String or null). */
    void add(long rid, String kind, String name, boolean inLoop, String source, String type, Object value) {
      long row = nextRow++;
      Group g;
      if (lastKey != null && lastKey.rid == rid && lastKey.inLoop == inLoop && lastKey.kind.equals(kind)
          && lastKey.name.equals(name) && lastKey.source.equals(source) && lastKey.type.equals(type)) {
        g = lastGroup;
      } else {
        Key k = new Key(rid, kind, name, inLoop, source, type);
        g = open.computeIfAbsent(k, x -> new Group());
        lastKey = k;
        lastGroup = g;
      }
      g.n++;
      g.last = value;
      g.at = row;
      if ((value instanceof Long || value instanceof Double) && (type.equals("int") || type.equals("float"))) {
        if (g.lo == null || less(value, g.lo)) g.lo = value;
        if (g.hi == null || less(g.hi, value)) g.hi = value;
      }
    }

    private static boolean less(Object a, Object b) {
      if (a instanceof Long && b instanceof Long) return (Long) a < (Long) b;
      return ((Number) a).doubleValue() < ((Number) b).doubleValue();
    }

    /** Merges the summaries of what was added into the table, once the rows are in {@code logs}. */
    void flush() throws SQLException {
      if (shared != null && !open.isEmpty() && shared.nextLogRow(conn) != nextRow) {
        // the rows did not get the rowids foreseen: refuse (the transaction is rolled back) rather than point elsewhere
        throw new SQLException("the summaries expected the rows of logs to end before rowid " + nextRow + ", and the"
            + " database's next rowid is " + shared.nextLogRow(conn) + "; nothing of this shipping is kept: sync again");
      }
      for (Map.Entry<Key, Group> e : open.entrySet()) {
        Key k = e.getKey();
        Group g = e.getValue();
        upsert.setLong(1, k.rid);
        upsert.setString(2, k.kind);
        upsert.setString(3, k.name);
        upsert.setInt(4, k.inLoop ? 1 : 0);
        upsert.setString(5, k.source);
        upsert.setString(6, k.type);
        upsert.setLong(7, g.n);
        bind(8, g.lo);
        bind(9, g.hi);
        bind(10, g.last);
        upsert.setLong(11, g.at);
        upsert.executeUpdate();
      }
      open.clear();
      lastKey = null;
      lastGroup = null;
    }

    private void bind(int i, Object v) throws SQLException {
      if (v == null) {
        upsert.setNull(i, shared == null ? java.sql.Types.NULL : i == 10 ? java.sql.Types.VARCHAR : java.sql.Types.NUMERIC);
      } else if (shared != null && i == 10) {
        upsert.setString(i, v instanceof Double ? Json.write(v) : v.toString()); // as its logs row holds it
      } else if (shared != null && v instanceof Double) {
        upsert.setBigDecimal(i, new java.math.BigDecimal(Json.write(v))); // its text in logs, exactly: float8 to numeric rounds
      } else if (v instanceof Long) {
        upsert.setLong(i, (Long) v);
      } else if (v instanceof Double) {
        upsert.setDouble(i, (Double) v);
      } else {
        upsert.setString(i, v.toString());
      }
    }

    @Override
    public void close() throws SQLException {
      upsert.close();
    }
  }

  private record Key(long rid, String kind, String name, boolean inLoop, String source, String type) {
    Key {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(type, "type");
    }
  }

  private static final class Group {
    long n;
    Object lo;
    Object hi;
    Object last;
    long at;
  }
}
