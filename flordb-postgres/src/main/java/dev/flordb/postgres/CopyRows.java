package dev.flordb.postgres;

import dev.flordb.internal.records.Json;
import dev.flordb.internal.store.SharedDatabase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Rows into one table by {@code COPY ... FROM STDIN} (text format), some megabytes at a time: a
 * COPY takes the connection for itself while it runs, so rows are gathered here and each {@link
 * #flush} is one whole COPY, between the ingest's other statements.
 */
final class CopyRows implements SharedDatabase.BulkRows {
  /** Characters gathered before a COPY is sent on its own. */
  static final int BATCH_CHARS = 8 << 20;

  private final CopyManager copy;
  private final String sql;
  private final int width;
  private final StringBuilder buf = new StringBuilder(1 << 16);

  CopyRows(Connection c, String table, int width) throws SQLException {
    this.copy = c.unwrap(PGConnection.class).getCopyAPI();
    this.sql = "COPY " + table + " FROM STDIN";
    this.width = width;
  }

  @Override
  public void add(Object... row) throws SQLException {
    for (int i = 0; i < width; i++) {
      if (i > 0) buf.append('\t');
      Object v = row[i];
      if (v == null) {
        buf.append("\\N");
      } else if (v instanceof Long) {
        buf.append((long) (Long) v);
      } else if (v instanceof Double) {
        Json.write(buf, v); // finite here (the ingest stores the others as text): the record file's shortest form
      } else {
        escape(v.toString());
      }
    }
    buf.append('\n');
    if (buf.length() >= BATCH_CHARS) flush();
  }

  private void escape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '\\': buf.append("\\\\"); break;
        case '\t': buf.append("\\t"); break;
        case '\n': buf.append("\\n"); break;
        case '\r': buf.append("\\r"); break;
        default: buf.append(ch);
      }
    }
  }

  @Override
  public void flush() throws SQLException {
    if (buf.length() == 0) return;
    byte[] bytes = buf.toString().getBytes(StandardCharsets.UTF_8);
    buf.setLength(0);
    try {
      copy.copyIn(sql, new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new SQLException("COPY into " + sql + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    buf.setLength(0); // what was not flushed belongs to a transaction that is rolled back
  }
}
