package dev.flordb.postgres;

import dev.flordb.internal.records.Json;
import dev.flordb.internal.store.SharedDatabase;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Rows into one table by {@code COPY ... FROM STDIN} (text format), some megabytes at a time. A
 * full batch is sent on a thread of its own while the next one is gathered, so that the reading
 * of the record file and the database's work overlap; the driver locks the connection for a COPY,
 * so the ingest's other statements on it wait for the one in flight. {@link #flush} returns once
 * every row is in the table (within the transaction); a failed COPY is thrown by the next call.
 */
final class CopyRows implements SharedDatabase.BulkRows {
  /** Characters gathered before a COPY is sent on its own. */
  static final int BATCH_CHARS = 8 << 20;

  private final CopyManager copy;
  private final String sql;
  private final int width;
  private final StringBuilder buf = new StringBuilder(1 << 16);
  /** The COPY in flight, or null. */
  private Future<?> pending;
  private static final ExecutorService SENDER = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "flordb-copy");
    t.setDaemon(true);
    return t;
  });

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
    if (buf.length() >= BATCH_CHARS) send();
  }

  /** Sends what is gathered on the sending thread, once the COPY before it is done. */
  private void send() throws SQLException {
    await();
    if (buf.length() == 0) return;
    byte[] bytes = buf.toString().getBytes(StandardCharsets.UTF_8);
    buf.setLength(0);
    pending = SENDER.submit(() -> {
      copy.copyIn(sql, new ByteArrayInputStream(bytes));
      return null;
    });
  }

  private void await() throws SQLException {
    Future<?> p = pending;
    pending = null;
    if (p == null) return;
    try {
      p.get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof SQLException) throw (SQLException) c;
      throw new SQLException("COPY into " + sql + " failed: " + c, c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while waiting for " + sql, e);
    }
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
    send();
    await();
  }

  @Override
  public void close() {
    buf.setLength(0); // what was not flushed belongs to a transaction that is rolled back
    try {
      await();
    } catch (SQLException e) {
      // the transaction it belonged to fails and is rolled back already
    }
  }
}
