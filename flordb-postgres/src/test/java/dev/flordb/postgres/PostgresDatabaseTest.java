package dev.flordb.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.internal.store.SharedDatabase;
import dev.flordb.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The PostgreSQL side of the shared store, against a real server: discovery, schema, versions, roles, messages. */
class PostgresDatabaseTest {
  static final String PROJECT = "0123456789abcdef0123456789abcdef01234567";
  @RegisterExtension static final PostgresServer pg = new PostgresServer();

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
      s.execute("DROP TABLE summaries");
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
  void aSchemaOfVersionTwoGainsTheSummariesTableAndTheMarkThatTheyAreStillToBeMade() throws SQLException {
    String url = pg.newDatabase("schema_summaries");
    PostgresDatabase db = new PostgresDatabase();
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement()) {
      s.execute("DROP TABLE summaries");
      s.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    }
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT value FROM meta WHERE key = 'schema_version'),"
            + " (SELECT value FROM meta WHERE key = 'summaries'), (SELECT count(*) FROM summaries),"
            + " (SELECT count(*) FROM meta WHERE key = 'packs')")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(String.valueOf(PostgresDatabase.SCHEMA_VERSION));
      assertThat(rs.getString(2)).isEqualTo("rebuild");
      assertThat(rs.getLong(3)).isZero();
      assertThat(rs.getLong(4)).as("the packs were there already").isZero();
    }
  }

  @Test
  void theNextLogRowIsTheRowidTheNextRowGetsAndAFiniteNumberIsReadExactly() throws SQLException {
    String url = pg.newDatabase("next_row");
    PostgresDatabase db = new PostgresDatabase();
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement()) {
      assertThat(db.nextLogRow(c)).isEqualTo(1);
      s.execute("INSERT INTO logs(rid, seq, ctx, kind, name, type, value, source) VALUES"
          + " (1, 0, 0, 'log', 'x', 'float', '0.30000000000000004', 'forward'), (1, 1, 0, 'log', 'x', 'float', 'NaN', 'forward'),"
          + " (1, 2, 0, 'log', 'x', 'int', '9007199254740993', 'forward'), (1, 3, 0, 'log', 'x', 'float', '-Infinity', 'forward'),"
          + " (1, 4, 0, 'log', 'x', 'float', '1.0E-5', 'forward')");
      assertThat(db.nextLogRow(c)).isEqualTo(6);
      try (ResultSet rs = s.executeQuery("SELECT max(rowid), array_agg(" + db.finiteNumber("value") + "::text ORDER BY rowid) FROM logs")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(5);
        assertThat(rs.getString(2)).isEqualTo("{0.30000000000000004,NULL,9007199254740993,NULL,0.000010}");
      }
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

  @Test
  void aSchemaOfVersionThreeTradesTheUniquePositionIndexForBrinIndexesStoresPacksUncompressedAndLetsShippingNumberLogs()
      throws SQLException {
    String url = pg.newDatabase("schema_ctx_index");
    PostgresDatabase db = new PostgresDatabase();
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement()) {
      s.execute("DROP INDEX ctx_parent");
      s.execute("DROP INDEX ctx_root");
      s.execute("DROP INDEX logs_rid");
      s.execute("CREATE UNIQUE INDEX ctx_position ON ctx(rid, parent, loop, idx)");
      s.execute("ALTER TABLE packs ALTER COLUMN data SET STORAGE EXTENDED");
      s.execute("ALTER TABLE logs ALTER COLUMN rowid SET GENERATED ALWAYS");
      s.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'");
    }
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT value FROM meta WHERE key = 'schema_version'),"
            + " (SELECT string_agg(indexname || ': ' || indexdef, '; ' ORDER BY indexname) FROM pg_indexes"
            + " WHERE schemaname = current_schema() AND tablename = 'ctx'),"
            + " (SELECT attstorage FROM pg_attribute WHERE attrelid = 'packs'::regclass AND attname = 'data'),"
            + " (SELECT attidentity FROM pg_attribute WHERE attrelid = 'logs'::regclass AND attname = 'rowid'),"
            + " (SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'logs_rid')")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(String.valueOf(PostgresDatabase.SCHEMA_VERSION));
      assertThat(rs.getString(2)).doesNotContain("ctx_position").contains("ctx_parent: ")
          .containsPattern("ctx_parent: CREATE INDEX ctx_parent ON \\S+ USING brin \\(rid, parent\\)")
          .containsPattern("ctx_root: CREATE INDEX ctx_root ON \\S+ USING btree \\(rid\\) WHERE \\(parent = 0\\)");
      assertThat(rs.getString(3)).as("packs.data's storage: e(xternal), not compressed").isEqualTo("e");
      assertThat(rs.getString(4)).as("logs.rowid: generated by d(efault), so that a shipping may number its rows").isEqualTo("d");
      assertThat(rs.getString(5)).as("a run's rows are found by a BRIN index").containsPattern("USING brin \\(rid\\)");
    }
  }

  @Test
  void bulkRowsTakeTextToEscapeOrBeyondAsciiAndLongsAndDoublesAsTheyAreAcrossManyBatchesAndNumberLogsInOrder()
      throws SQLException {
    String url = pg.newDatabase("bulk_rows");
    PostgresDatabase db = new PostgresDatabase();
    String[] texts = {"plain", "tab\there", "new\nline", "back\\slash", "cr\rlf", "caf\u00e9", "emoji \ud83d\ude00", "\\N", ""};
    Object[] numbers = {0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 0.1, -2.5e-300, 1.0 / 3, 6.02214076E23, -0.0, Double.NaN,
        Double.NEGATIVE_INFINITY};
    int many = 60_000; // some megabytes: several COPYs, the buffers taking turns
    try (Connection c = db.open(url, PROJECT); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      try (SharedDatabase.BulkRows rows = db.bulkRows(c, "logs(rid, seq, ctx, kind, name, type, value, source, t)", 9)) {
        for (int i = 0; i < many; i++) {
          Object value = i < texts.length ? texts[i] : i < texts.length + numbers.length ? numbers[i - texts.length] : "value " + i;
          rows.add(1L, (long) i, 0L, "log", "x", "str", value, "forward", i % 7 == 0 ? null : (long) -i);
        }
        rows.flush();
      }
      c.commit();
      c.setAutoCommit(true);
      long first;
      try (ResultSet rs = s.executeQuery("SELECT min(rowid), max(rowid) - min(rowid) + 1 FROM logs")) {
        rs.next();
        first = rs.getLong(1);
        assertThat(rs.getLong(2)).as("the rows are numbered one after another").isEqualTo(many);
      }
      // a row numbered by PostgreSQL itself comes after them: the sequence was moved on past them
      try (ResultSet rs = s.executeQuery("INSERT INTO logs(rid, seq, ctx, kind, name, type, source)"
          + " VALUES (1, -1, 0, 'log', 'x', 'str', 'forward') RETURNING rowid")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(first + many);
      }
      try (ResultSet rs = s.executeQuery("SELECT seq, value, t, rowid FROM logs WHERE seq >= 0 ORDER BY rowid")) {
        for (int i = 0; i < many; i++) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(i);
          assertThat(rs.getLong(4)).isEqualTo(first + i);
          String expected = i < texts.length ? texts[i] : i < texts.length + numbers.length
              ? (numbers[i - texts.length] instanceof Double ? dev.flordb.internal.records.Json.write(numbers[i - texts.length])
                  : numbers[i - texts.length].toString())
              : "value " + i;
          assertThat(rs.getString(2)).as("row " + i).isEqualTo(expected);
          if (i % 7 == 0) {
            assertThat(rs.getObject(3)).isNull();
          } else {
            assertThat(rs.getLong(3)).isEqualTo(-i);
          }
        }
        assertThat(rs.next()).isFalse();
      }
    }
  }
}
