package dev.flordb.web;

import dev.flordb.FlorException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * The pages' own reads of the query database: fixed SQL of this module on read-only connections,
 * one per server thread (SQLite connections are not shared between threads). What users type
 * goes through {@code Store.query} instead, under its rules; these statements are ours.
 */
final class Reads implements AutoCloseable {
  private final Path db;
  private final List<Connection> opened = new ArrayList<>();
  private final ThreadLocal<Connection> mine = new ThreadLocal<>();
  /** The connection of {@link #dataVersion}. */
  private Connection watch;

  Reads(Path db) {
    this.db = db;
  }

  private synchronized Connection connection() throws SQLException {
    Connection c = mine.get();
    if (c != null && !c.isClosed()) return c;
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setReadOnly(true);
    cfg.setBusyTimeout(60_000);
    c = DriverManager.getConnection("jdbc:sqlite:" + db, cfg.toProperties());
    opened.add(c);
    mine.set(c);
    return c;
  }

  /** The rows of a statement as column-to-value maps (numbers as Long or Double). */
  List<Map<String, Object>> rows(String sql, Object... params) {
    try (PreparedStatement ps = connection().prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        List<Map<String, Object>> out = new ArrayList<>();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= n; i++) row.put(md.getColumnLabel(i), plain(rs.getObject(i)));
          out.add(row);
        }
        return out;
      }
    } catch (SQLException e) {
      throw new FlorException("cannot read the query database " + db + ": " + e.getMessage(), e);
    }
  }

  /** Streams the rows of a statement to {@code each}, as arrays, without keeping them. */
  void each(String sql, java.util.function.Consumer<Object[]> each, Object... params) {
    try (PreparedStatement ps = connection().prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      try (ResultSet rs = ps.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          Object[] row = new Object[n];
          for (int i = 1; i <= n; i++) row[i - 1] = plain(rs.getObject(i));
          each.accept(row);
        }
      }
    } catch (SQLException e) {
      throw new FlorException("cannot read the query database " + db + ": " + e.getMessage(), e);
    }
  }

  /**
   * SQLite's {@code PRAGMA data_version} on a connection of its own that never writes: it changes
   * exactly when some other connection (the store's, another process's) committed since the last
   * call, so an answer computed from the database is current while it stays the same.
   */
  synchronized long dataVersion() {
    try {
      if (watch == null || watch.isClosed()) {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        cfg.setBusyTimeout(60_000);
        watch = DriverManager.getConnection("jdbc:sqlite:" + db, cfg.toProperties());
        opened.add(watch);
      }
      try (java.sql.Statement s = watch.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new FlorException("cannot read the query database " + db + ": " + e.getMessage(), e);
    }
  }

  /** The first column of the first row, or null. */
  Object scalar(String sql, Object... params) {
    List<Map<String, Object>> r = rows(sql, params);
    return r.isEmpty() ? null : r.get(0).values().iterator().next();
  }

  static Object plain(Object v) {
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
    if (v instanceof Float) return ((Float) v).doubleValue();
    if (v instanceof byte[]) return "<" + ((byte[]) v).length + " bytes>";
    return v;
  }

  @Override
  public synchronized void close() {
    for (Connection c : opened) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing what we no longer read
      }
    }
    opened.clear();
  }
}
