package dev.flordb.web;

import dev.flordb.FlorException;
import dev.flordb.internal.store.SharedStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The pages' reads of the store a team shares ({@code FLOR_STORE}): every clone's runs of the
 * project, on connections of the project's read-only role ({@link SharedStore#openReader}), each
 * statement in a read-only transaction of its own. Connections are kept for the next request (a
 * few: one per request served at once) and dropped when a statement fails on them.
 */
final class SharedReads implements Reads {
  private final SharedStore shared;
  private final Deque<Connection> idle = new ArrayDeque<>();
  private final List<Connection> opened = new ArrayList<>();
  private boolean closed;

  SharedReads(SharedStore shared) {
    this.shared = shared;
  }

  private interface Work<T> {
    T on(Connection c) throws SQLException;
  }

  private <T> T with(Work<T> work) {
    Connection c;
    synchronized (this) {
      if (closed) throw new IllegalStateException("the server is stopping");
      c = idle.poll();
    }
    if (c == null) {
      c = shared.openReader();
      synchronized (this) {
        opened.add(c);
      }
    }
    boolean ok = false;
    try {
      T t = work.on(c);
      c.rollback(); // the read-only transaction ends; the next statement sees what was shipped since
      ok = true;
      return t;
    } catch (SQLException e) {
      throw new FlorException("cannot read the shared store " + shared.describe() + ": " + e.getMessage(), e);
    } finally {
      synchronized (this) {
        if (ok && !closed) {
          idle.push(c);
        } else {
          opened.remove(c);
          quietly(c);
        }
      }
    }
  }

  @Override
  public List<Map<String, Object>> rows(String sql, Object... params) {
    return with(c -> Reads.rows(c, sql, params));
  }

  @Override
  public void each(String sql, Consumer<Object[]> each, Object... params) {
    with(c -> {
      Reads.each(c, sql, each, params);
      return null;
    });
  }

  /**
   * How much of the record files the shared store holds ({@code files.bytes} summed): every
   * shipping that stores a line moves it, and nothing else changes the records.
   */
  @Override
  public long dataVersion() {
    Object v = scalar("SELECT coalesce(sum(bytes), 0) FROM files");
    return ((Number) v).longValue();
  }

  @Override
  public String describe() {
    return shared.describe();
  }

  private static void quietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // a connection we no longer use
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (Connection c : opened) quietly(c);
    opened.clear();
    idle.clear();
  }
}
