package dev.flordb.web;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The pages' own reads of the store the server serves: fixed SQL of this module (what users type
 * goes through {@code Store.query} instead, under its rules), in the SQL that SQLite and
 * PostgreSQL both take, over the tables both stores have under the same names ({@code runs},
 * {@code logs}, {@code ctx}, {@code summaries}). Two implementations: the local store ({@link
 * SqliteReads}) and the store a team shares ({@link SharedReads}), chosen by {@link FlorServer}
 * as the commands choose. A shared store keeps values as text: read them by their type ({@link
 * RunSummaries#typed}).
 */
interface Reads extends AutoCloseable {
  /** The rows of a statement as column-to-value maps (whole numbers as Long, others as Double). */
  List<Map<String, Object>> rows(String sql, Object... params);

  /** Streams the rows of a statement to {@code each}, as arrays, without keeping them. */
  void each(String sql, Consumer<Object[]> each, Object... params);

  /**
   * A number that changes whenever the records in the store changed since the last call (and
   * may change more often): an answer computed from the store is current while it stays the same.
   */
  long dataVersion();

  /** The store as messages name it (never with a password). */
  String describe();

  /** The first column of the first row, or null. */
  default Object scalar(String sql, Object... params) {
    List<Map<String, Object>> r = rows(sql, params);
    return r.isEmpty() ? null : r.get(0).values().iterator().next();
  }

  @Override
  void close();

  /** {@link #rows} on a connection. */
  static List<Map<String, Object>> rows(Connection c, String sql, Object... params) throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= n; i++) row.put(md.getColumnLabel(i), plain(rs.getObject(i)));
          out.add(row);
        }
      }
    }
    return out;
  }

  /** {@link #each} on a connection. */
  static void each(Connection c, String sql, Consumer<Object[]> each, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      try (ResultSet rs = ps.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          Object[] row = new Object[n];
          for (int i = 1; i <= n; i++) row[i - 1] = plain(rs.getObject(i));
          each.accept(row);
        }
      }
    }
  }

  /** A column's value as the pages use it: whole numbers as Long, other numbers as Double. */
  static Object plain(Object v) {
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
    if (v instanceof Float) return ((Float) v).doubleValue();
    if (v instanceof BigDecimal d) return d.doubleValue(); // PostgreSQL's numeric: the summaries' least and greatest
    if (v instanceof byte[]) return "<" + ((byte[]) v).length + " bytes>";
    return v;
  }
}
