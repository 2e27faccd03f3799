package dev.flordb.web;

import dev.flordb.FlorException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.sqlite.SQLiteConfig;

/**
 * The pages' reads of the local store, {@code .flor/flor.db}: read-only SQLite connections, one
 * per server thread (SQLite connections are not shared between threads).
 */
final class SqliteReads implements Reads {
  private final Path db;
  private final List<Connection> opened = new ArrayList<>();
  private final ThreadLocal<Connection> mine = new ThreadLocal<>();
  /** The connection of {@link #dataVersion}. */
  private Connection watch;

  SqliteReads(Path db) {
    this.db = db;
  }

  private synchronized Connection connection() throws SQLException {
    Connection c = mine.get();
    if (c != null && !c.isClosed()) return c;
    c = open();
    mine.set(c);
    return c;
  }

  private Connection open() throws SQLException {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setReadOnly(true);
    cfg.setBusyTimeout(60_000);
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + db, cfg.toProperties());
    opened.add(c);
    return c;
  }

  @Override
  public List<Map<String, Object>> rows(String sql, Object... params) {
    try {
      return Reads.rows(connection(), sql, params);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  @Override
  public void each(String sql, Consumer<Object[]> each, Object... params) {
    try {
      Reads.each(connection(), sql, each, params);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private FlorException failure(SQLException e) {
    return new FlorException("cannot read the query database " + db + ": " + e.getMessage(), e);
  }

  /**
   * SQLite's {@code PRAGMA data_version} on a connection of its own that never writes: it changes
   * exactly when some other connection (the store's, another process's) committed since the last
   * call.
   */
  @Override
  public synchronized long dataVersion() {
    try {
      if (watch == null || watch.isClosed()) watch = open();
      try (java.sql.Statement s = watch.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  @Override
  public String describe() {
    return db.toString();
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
