package dev.flordb.postgres;

import dev.flordb.internal.records.Digits;
import dev.flordb.internal.records.DoubleText;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.store.SharedDatabase;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
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
  /**
   * Bytes gathered before a COPY is sent on its own: small enough that the database starts soon
   * after the reading does, and that little is left to send once it ends.
   */
  static final int BATCH_BYTES = 2 << 20;

  private final Connection conn;
  private final CopyManager copy;
  private final String sql;
  private final int width;
  /** The identity sequence the rows' first column is numbered from, or null. */
  private final String sequence;
  /** The number of the next row, and the sequence's value as last set (numbered rows only). */
  private long next;
  private long taken;
  /** The rows being gathered, as the bytes COPY reads (written here directly: no String, no encoding pass). */
  private byte[] buf = new byte[1 << 16];
  private int len;
  /** The buffer of the COPY in flight (or free): the two take turns. */
  private byte[] spare = new byte[0];
  private final byte[] digits = new byte[DoubleText.DIGITS];
  /** The COPY in flight, or null. */
  private Future<?> pending;
  private static final ExecutorService SENDER = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "flordb-copy");
    t.setDaemon(true);
    return t;
  });

  CopyRows(Connection c, String sql, int width, String sequence) throws SQLException {
    this.conn = c;
    this.copy = c.unwrap(PGConnection.class).getCopyAPI();
    this.sql = sql;
    this.width = width;
    this.sequence = sequence;
    if (sequence != null) {
      // the number after the sequence's last (as PostgresDatabase.nextLogRow reads it, which the
      // summaries written with these rows count on), taken for good by the setval of flush()
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT coalesce(pg_sequence_last_value('" + sequence + "'::regclass), 0) + 1")) {
        rs.next();
        next = rs.getLong(1);
        taken = next - 1;
      }
    }
  }

  /**
   * Rows of {@code table(columns...)} whose identity column {@code identity} this numbers itself,
   * in the order they are added, from the identity's own sequence: its last value now and one
   * {@code setval} per {@link #flush}, where PostgreSQL would call {@code nextval} for every row.
   * Only for a caller that holds the project's write lock (no one else takes numbers meanwhile);
   * a transaction rolled back leaves a gap in the numbers, as PostgreSQL's own would.
   */
  static CopyRows numbered(Connection c, String table, String identity, String columns, int width) throws SQLException {
    String sequence;
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_get_serial_sequence(?, ?)")) {
      ps.setString(1, table);
      ps.setString(2, identity);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        sequence = rs.getString(1);
      }
    }
    if (sequence == null) throw new SQLException(table + "." + identity + " is not an identity column");
    return new CopyRows(c, "COPY " + table + "(" + identity + ", " + columns + " FROM STDIN", width, sequence);
  }

  @Override
  public void add(Object... row) throws SQLException {
    if (sequence != null) {
      ensure(Digits.MAX_LONG_LENGTH);
      len = Digits.writeLong(buf, len, next++);
    }
    for (int i = 0; i < width; i++) {
      ensure(DoubleText.MAX_LENGTH + 2);
      if (i > 0 || sequence != null) buf[len++] = '\t';
      Object v = row[i];
      if (v == null) {
        buf[len++] = '\\';
        buf[len++] = 'N';
      } else if (v instanceof Long) {
        len = Digits.writeLong(buf, len, (Long) v);
      } else if (v instanceof Double && Double.isFinite((Double) v)) {
        len = DoubleText.write(buf, len, (Double) v, digits); // the record file's shortest form, as Json writes it
      } else if (v instanceof Double) {
        text(Json.write(v)); // not stored so by the ingest (it keeps them as text), but as Json would write it
      } else {
        text(v.toString());
      }
    }
    ensure(1);
    buf[len++] = '\n';
    if (len >= BATCH_BYTES) send();
  }

  private void ensure(int more) {
    if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(len + more, buf.length * 2));
  }

  /** A text value in COPY's text format: backslash, tab, newline and carriage return escaped; UTF-8. */
  private void text(String s) {
    int n = s.length();
    ensure(n);
    int at = len;
    for (int i = 0; i < n; i++) {
      char ch = s.charAt(i);
      if (ch >= 0x80 || ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
        escaped(s.getBytes(StandardCharsets.UTF_8));
        return;
      }
      buf[at++] = (byte) ch;
    }
    len = at;
  }

  /** The slow way, for text with characters to escape or beyond ASCII (whose UTF-8 bytes are never escaped). */
  private void escaped(byte[] utf8) {
    ensure(2 * utf8.length);
    for (byte x : utf8) {
      switch (x) {
        case '\\': buf[len++] = '\\'; buf[len++] = '\\'; break;
        case '\t': buf[len++] = '\\'; buf[len++] = 't'; break;
        case '\n': buf[len++] = '\\'; buf[len++] = 'n'; break;
        case '\r': buf[len++] = '\\'; buf[len++] = 'r'; break;
        default: buf[len++] = x;
      }
    }
  }

  /** Sends what is gathered on the sending thread, once the COPY before it is done. */
  private void send() throws SQLException {
    await();
    if (len == 0) return;
    byte[] bytes = buf;
    int n = len;
    buf = spare.length >= bytes.length ? spare : new byte[bytes.length]; // the one of the COPY just done is free
    spare = bytes;
    len = 0;
    pending = SENDER.submit(() -> {
      copy.copyIn(sql, new ByteArrayInputStream(bytes, 0, n));
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

  @Override
  public void flush() throws SQLException {
    send();
    await();
    if (sequence != null && next - 1 > taken) {
      try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT setval('" + sequence + "', " + (next - 1) + ")")) {
        taken = next - 1;
      }
    }
  }

  @Override
  public void close() {
    len = 0; // what was not flushed belongs to a transaction that is rolled back
    try {
      await();
    } catch (SQLException e) {
      // the transaction it belonged to fails and is rolled back already
    }
  }
}
