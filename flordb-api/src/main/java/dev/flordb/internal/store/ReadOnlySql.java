package dev.flordb.internal.store;

import dev.flordb.FlorException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.sqlite.SQLiteLimits;

/**
 * The rules of a query over the store, enforced by SQLite itself rather than by reading the SQL:
 *
 * <ul>
 *   <li>The connection is opened read-only, with {@code PRAGMA query_only} set before each query
 *       (so not even a temporary table is written) and no database may be attached ({@code
 *       SQLITE_LIMIT_ATTACHED} is 0): {@code ATTACH} and {@code VACUUM INTO}, which writes a copy
 *       of the store to any file named, fail.
 *   <li>A query is prepared as one statement ({@link PreparedStatement}), so the driver's own
 *       commands ({@code backup to FILE}, {@code restore from FILE}) are not run either.
 *   <li>A query is one statement: where SQLite's parser ends the first one, nothing but blanks
 *       and comments may follow ({@link #checkOneStatement}).
 * </ul>
 */
public final class ReadOnlySql {
  /** A statement that can only be what the parser reads after the query when nothing else is there. */
  private static final String END_PROBE = "SELECT 1 AS flordb_end_of_query";
  /** Text that no statement can continue with, but that SQLite ignores after a statement's end. */
  private static final String NOT_A_CONTINUATION = "\n*/ )";

  private ReadOnlySql() {}

  /** Makes a read-only connection refuse to attach databases (and so to VACUUM INTO a file). */
  static void restrict(Connection c) throws SQLException {
    c.unwrap(SQLiteConnection.class).setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
  }

  /** Prepares a query on a restricted connection: one statement, which may only read. */
  static PreparedStatement prepare(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA query_only = 1"); // again before each query: a query may have turned it off
    }
    if (prepares(c, sql + "\n" + END_PROBE, "flordb_end_of_query")) {
      throw new IllegalArgumentException("the query " + quote(sql.strip()) + " holds no statement, only comments;"
          + " for example: SELECT run_id, status FROM runs");
    }
    checkOneStatement(c, sql);
    return c.prepareStatement(sql);
  }

  /**
   * Throws if {@code sql} holds more than one statement. Each semicolon in turn may be where
   * SQLite ends the first statement: it is, if the text up to it prepares with something after
   * it that no statement could go on with (a semicolon inside a string, a quoted name or a
   * comment fails that). What follows that end must prepare to nothing but the probe.
   */
  static void checkOneStatement(Connection c, String sql) {
    for (int i = sql.indexOf(';'); i >= 0; i = sql.indexOf(';', i + 1)) {
      if (!prepares(c, sql.substring(0, i + 1) + NOT_A_CONTINUATION, null)) continue;
      String rest = sql.substring(i + 1);
      // the second attempt for a rest that ends inside a /* comment, which would hide the probe
      if (prepares(c, rest + "\n" + END_PROBE, "flordb_end_of_query")
          || prepares(c, rest + "*/\n" + END_PROBE, "flordb_end_of_query")) {
        return;
      }
      String second = rest.strip();
      throw new FlorException("the query holds more than one statement: after " + quote(sql.substring(0, i + 1).strip())
          + " comes " + quote(second.length() > 60 ? second.substring(0, 60) + "..." : second) + ". A query is one"
          + " statement, which only reads: run each statement as a query of its own.");
    }
  }

  /** Whether SQLite prepares {@code sql} (and, if given, to a statement with that one column). */
  private static boolean prepares(Connection c, String sql, String onlyColumn) {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (onlyColumn == null) return true;
      ResultSetMetaData md = ps.getMetaData();
      return md.getColumnCount() == 1 && onlyColumn.equals(md.getColumnName(1));
    } catch (SQLException e) {
      return false;
    }
  }

  /** The user's message for a query that SQLite refused, or null if it failed for another reason. */
  static FlorException refusal(SQLException e) {
    if (!(e instanceof SQLiteException)) return null;
    SQLiteErrorCode code = ((SQLiteException) e).getResultCode();
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (code == SQLiteErrorCode.SQLITE_READONLY) {
      return new FlorException("the query tried to change the store (" + message + "). Queries only"
          + " read; the store changes only through what programs log.", e);
    }
    if (message.contains("too many attached databases")) {
      return new FlorException("the query tried to open another database file (ATTACH, VACUUM, or VACUUM INTO,"
          + " which writes a copy of the store): queries only read the store, and no other file. To copy the store,"
          + " copy .flor/flor.db, or rebuild one from the record files with 'flordb unpack'.", e);
    }
    return null;
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
