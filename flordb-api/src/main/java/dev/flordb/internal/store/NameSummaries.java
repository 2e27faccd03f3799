package dev.flordb.internal.store;

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
 */
final class NameSummaries {
  static final String SCHEMA = "CREATE TABLE IF NOT EXISTS summaries(rid INTEGER NOT NULL, kind TEXT NOT NULL,"
      + " name TEXT NOT NULL, in_loop INTEGER NOT NULL, source TEXT NOT NULL, type TEXT NOT NULL,"
      + " n INTEGER NOT NULL, lo, hi, last, at INTEGER NOT NULL, PRIMARY KEY (rid, kind, name, in_loop, source, type))";

  /** The definition: the summaries as an aggregate over the rows. */
  static final String REBUILD = "INSERT INTO summaries SELECT rid, kind, name, ctx != 0, source, type, count(*),"
      + " min(CASE WHEN type IN ('int', 'float') AND typeof(value) IN ('integer', 'real') THEN value END),"
      + " max(CASE WHEN type IN ('int', 'float') AND typeof(value) IN ('integer', 'real') THEN value END),"
      + " NULL, max(rowid) FROM logs GROUP BY rid, kind, name, ctx != 0, source, type";

  private NameSummaries() {}

  /** Makes the summaries from the rows (replacing any): for a database of an earlier schema. */
  static void rebuild(Connection conn) throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute(SCHEMA);
      s.execute("DELETE FROM summaries");
      s.execute(REBUILD);
      s.execute("UPDATE summaries SET last = (SELECT value FROM logs WHERE rowid = summaries.at)");
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

    Writer(Connection conn) throws SQLException {
      try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(rowid), 0) + 1 FROM logs")) {
        rs.next();
        nextRow = rs.getLong(1);
      }
      upsert = conn.prepareStatement("INSERT INTO summaries(rid, kind, name, in_loop, source, type, n, lo, hi, last, at)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(rid, kind, name, in_loop, source, type) DO UPDATE SET"
          + " n = n + excluded.n,"
          + " lo = CASE WHEN lo IS NULL OR excluded.lo < lo THEN excluded.lo ELSE lo END,"
          + " hi = CASE WHEN hi IS NULL OR excluded.hi > hi THEN excluded.hi ELSE hi END,"
          + " last = excluded.last, at = excluded.at");
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

    /** Merges the summaries of what was added into the table. */
    void flush() throws SQLException {
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
        upsert.setNull(i, java.sql.Types.NULL);
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
