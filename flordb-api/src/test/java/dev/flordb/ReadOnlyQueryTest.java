package dev.flordb;

import static dev.flordb.TestProjects.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A query only reads the store: no file is written, nothing is attached, one statement at a time. */
class ReadOnlyQueryTest {
  @TempDir Path tmp;
  Path repo;

  @BeforeEach
  void oneRun() {
    repo = TestProjects.emptyRepo(tmp);
    TestProjects.train(repo, 0.1, 1, 2);
  }

  private long logs() {
    return query(repo, "SELECT count(*) AS n FROM logs").row(0).getLong("n");
  }

  /** Every file under the temporary directory, to see that a query wrote none. */
  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.walk(tmp)) {
      return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("flor.db")).sorted().toList();
    }
  }

  @Test
  void vacuumIntoAFileIsRefusedAndWritesNoCopy() throws IOException {
    logs();
    List<Path> before = files();
    Path copy = tmp.resolve("copy.db");
    assertThatThrownBy(() -> query(repo, "VACUUM INTO '" + copy + "'"))
        .isInstanceOf(FlorException.class)
        .hasMessageStartingWith("the query tried to open another database file (ATTACH, VACUUM, or VACUUM INTO,"
            + " which writes a copy of the store): queries only read the store, and no other file.");
    assertThat(copy).doesNotExist();
    assertThat(files()).isEqualTo(before);
  }

  @Test
  void attachingADatabaseIsRefused() {
    Path other = tmp.resolve("other.db");
    assertThatThrownBy(() -> query(repo, "ATTACH DATABASE '" + other + "' AS other"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("tried to open another database file");
    assertThat(other).doesNotExist();
    assertThatThrownBy(() -> query(repo, "ATTACH ':memory:' AS scratch"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("tried to open another database file");
  }

  @Test
  void theDriversBackupCommandIsNotACommandHere() {
    Path copy = tmp.resolve("backup.db");
    assertThatThrownBy(() -> query(repo, "backup to " + copy))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("syntax error");
    assertThat(copy).doesNotExist();
  }

  @Test
  void aTemporaryTableIsRefusedToo() {
    assertThatThrownBy(() -> query(repo, "CREATE TEMP TABLE t AS SELECT * FROM logs"))
        .isInstanceOf(FlorException.class)
        .hasMessageStartingWith("the query tried to change the store");
  }

  @Test
  void aSecondStatementIsAnErrorAndNeitherRuns() {
    long before = logs();
    assertThatThrownBy(() -> query(repo, "SELECT 1; DROP TABLE logs"))
        .isInstanceOf(FlorException.class)
        .hasMessage("the query holds more than one statement: after \"SELECT 1;\" comes \"DROP TABLE logs\". A query"
            + " is one statement, which only reads: run each statement as a query of its own.");
    assertThatThrownBy(() -> query(repo, "SELECT 1;SELECT 2;"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("after \"SELECT 1;\" comes \"SELECT 2;\"");
    assertThatThrownBy(() -> query(repo, "SELECT 1; garbage"))
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("more than one statement");
    assertThat(logs()).isEqualTo(before);
  }

  @Test
  void semicolonsInStringsNamesAndCommentsAndATrailingOneAreOneStatement() {
    assertThat(query(repo, "SELECT 'a;b' AS s;").row(0).get("s")).isEqualTo("a;b");
    assertThat(query(repo, "SELECT 1 AS \"x;y\" -- a comment; with a semicolon").columns()).containsExactly("x;y");
    assertThat(query(repo, "SELECT 2 AS n /* ; */ ;  -- done").row(0).get("n")).isEqualTo(2L);
    assertThat(query(repo, "SELECT 3 AS n; /* an unterminated comment; ").row(0).get("n")).isEqualTo(3L);
    assertThat(query(repo, "SELECT [a;b] FROM (SELECT 4 AS [a;b])").row(0).get("a;b")).isEqualTo(4L);
  }

  @Test
  void aQueryOfOnlyACommentSaysItHoldsNoStatement() {
    assertThatThrownBy(() -> query(repo, "-- SELECT 1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the query \"-- SELECT 1\" holds no statement, only comments; for example: SELECT run_id, status FROM runs");
  }

  @Test
  void aQueryCannotTurnTheRulesOffForTheNextOne() {
    try (Snapshots git = Snapshots.open(repo); Store store = Store.open(TestProjects.florDir(repo), git)) {
      store.query("PRAGMA query_only = 0");
      assertThatThrownBy(() -> store.query("CREATE TEMP TABLE t(a)"))
          .isInstanceOf(FlorException.class)
          .hasMessageStartingWith("the query tried to change the store");
    }
  }
}
