package dev.flordb.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.internal.store.SharedDatabase;
import dev.flordb.testing.Postgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL side of the shared store, against a real server: discovery, schema, versions, roles, messages. */
class PostgresDatabaseTest {
  static final String PROJECT = "0123456789abcdef0123456789abcdef01234567";
  @TempDir static Path dir;
  static Postgres pg;

  @BeforeAll
  static void start() {
    pg = Postgres.start(dir);
  }

  @AfterAll
  static void stop() {
    if (pg != null) pg.close();
  }

  @Test
  void theApiFindsItForPostgresqlUrlsOnly() {
    assertThat(SharedDatabase.find("jdbc:postgresql://localhost/x")).isInstanceOf(PostgresDatabase.class);
    assertThat(SharedDatabase.find("jdbc:mysql://localhost/x")).isNull();
  }

  @Test
  void messagesShowTheHostPortAndDatabaseOnly() {
    assertThat(new PostgresDatabase().redact("jdbc:postgresql://db.example:5432/team?user=alice&password=s3cret"))
        .isEqualTo("postgresql://db.example:5432/team");
    assertThat(new PostgresDatabase().redact("jdbc:postgresql://alice:s3cret@db/team")).isEqualTo("postgresql://db/team");
  }

  @Test
  void theFirstConnectionMakesTheProjectsSchemaAtTheCurrentVersionAndLaterOnesUseIt() throws SQLException {
    String url = pg.newDatabase("schema_made");
    PostgresDatabase db = new PostgresDatabase();
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT current_schema(), (SELECT value FROM meta WHERE key = 'schema_version')")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("flor_" + PROJECT);
        assertThat(rs.getString(2)).isEqualTo(String.valueOf(PostgresDatabase.SCHEMA_VERSION));
      }
    }
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM runs")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  @Test
  void aSchemaOfVersionOneGainsThePacksTableAndTheMarkThatTheyAreStillToBeMadeAndLosesTheNameIndex() throws SQLException {
    String url = pg.newDatabase("schema_upgraded");
    PostgresDatabase db = new PostgresDatabase();
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement()) {
      s.execute("DROP TABLE packs");
      s.execute("CREATE INDEX logs_name ON logs(name)");
      s.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
    }
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT value FROM meta WHERE key = 'schema_version'),"
            + " (SELECT value FROM meta WHERE key = 'packs'), (SELECT count(*) FROM packs),"
            + " (SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'logs_name')")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(String.valueOf(PostgresDatabase.SCHEMA_VERSION));
      assertThat(rs.getString(2)).isEqualTo("rebuild");
      assertThat(rs.getLong(3)).isZero();
      assertThat(rs.getLong(4)).as("version 1's index on logs(name)").isZero();
    }
  }

  @Test
  void aSchemaOfVersionTwoTradesTheUniquePositionIndexForTheBrinIndexOnRunAndParent() throws SQLException {
    String url = pg.newDatabase("schema_ctx_index");
    PostgresDatabase db = new PostgresDatabase();
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement()) {
      s.execute("DROP INDEX ctx_parent");
      s.execute("CREATE UNIQUE INDEX ctx_position ON ctx(rid, parent, loop, idx)");
      s.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    }
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT value FROM meta WHERE key = 'schema_version'),"
            + " (SELECT string_agg(indexname || ': ' || indexdef, '; ' ORDER BY indexname) FROM pg_indexes"
            + " WHERE schemaname = current_schema() AND tablename = 'ctx')")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(String.valueOf(PostgresDatabase.SCHEMA_VERSION));
      assertThat(rs.getString(2)).doesNotContain("ctx_position").contains("ctx_parent: ")
          .containsPattern("ctx_parent: CREATE INDEX ctx_parent ON \\S+ USING brin \\(rid, parent\\)");
    }
  }

  @Test
  void aSchemaOfANewerVersionIsRefusedWithTheVersions() throws SQLException {
    String url = pg.newDatabase("schema_newer");
    PostgresDatabase db = new PostgresDatabase();
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement()) {
      s.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    }
    assertThatThrownBy(() -> db.open(url, PROJECT).close())
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("has schema version 99, newer than this flordb reads (at most "
            + PostgresDatabase.SCHEMA_VERSION + ")");
  }

  @Test
  void theReadOnlyConnectionCannotWriteEvenAfterEndingItsTransaction() throws SQLException {
    String url = pg.newDatabase("read_only_role");
    PostgresDatabase db = new PostgresDatabase();
    try (Connection c = db.openReadOnly(url, PROJECT); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT current_user")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(PostgresDatabase.readerRole(PROJECT));
      }
      c.rollback();
      c.setAutoCommit(true);
      s.execute("SET default_transaction_read_only = off");
      assertThatThrownBy(() -> s.execute("INSERT INTO meta VALUES ('x', 'y')"))
          .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
    }
  }
}
