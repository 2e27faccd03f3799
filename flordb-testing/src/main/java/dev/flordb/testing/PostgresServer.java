package dev.flordb.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real PostgreSQL server ({@link Postgres}) for all the tests of a class: started before the
 * first in a temporary directory of its own, stopped and deleted after the last.
 *
 * <pre>{@code
 * @RegisterExtension static final PostgresServer pg = new PostgresServer();
 *
 * @Test void aTest() {
 *   String url = pg.newDatabase("t1"); // one database per test keeps the tests apart
 * }
 * }</pre>
 */
public final class PostgresServer implements BeforeAllCallback, AfterAllCallback {
  private Path dir;
  private Postgres server;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("flordb-pg-");
    server = Postgres.start(dir);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try {
      if (server != null) server.close();
    } finally {
      server = null;
      if (dir != null) Trees.delete(dir);
      dir = null;
    }
  }

  /** The running server; fails when used outside the class's tests (a non-static field, say). */
  public Postgres server() {
    if (server == null) {
      throw new IllegalStateException("no PostgreSQL server: register PostgresServer on a static field with"
          + " @RegisterExtension, so that it starts before the class's tests");
    }
    return server;
  }

  /** {@link Postgres#newDatabase}. */
  public String newDatabase(String name) {
    return server().newDatabase(name);
  }

  /** {@link Postgres#url}. */
  public String url(String database) {
    return server().url(database);
  }

  /** {@link Postgres#stop}: the server goes away, its data is kept. */
  public void stop() {
    server().stop();
  }

  /** {@link Postgres#restart}: back on the same port with the same data. */
  public void restart() {
    server().restart();
  }
}
