package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exit codes of every command: 0 done, 1 a failure in the work, 2 bad usage. A store whose
 * contents do not decode is a failure in the work, whatever the command line.
 */
class ExitCodeTest {
  @TempDir Path tmp;
  Project project;

  @BeforeEach
  void oneRun() {
    project = Project.init(tmp.resolve("proj"));
    try (Session s = project.session(CommandLineTest.T1, "Train.java", "--kwargs", "lr=0.5")) {
      s.arg("lr", 0.1);
      s.log("tags", List.of(1L, 2L));
      for (int epoch : s.loop("epoch", 0, 2)) s.log("acc", 0.5 + epoch / 4.0);
    }
  }

  /** The commands of ours; picocli's own "help" takes what follows it as the name of a command. */
  static List<String> commands() {
    return HelpTest.commands().stream().filter(c -> !c.equals("flordb") && !c.equals("help")).toList();
  }

  @ParameterizedTest(name = "{0} --no-such-option")
  @MethodSource("commands")
  void anUnknownOptionIsBadUsageAndPointsToTheCommandsHelp(String command) {
    Project.Cli c = command.equals("query")
        ? project.cli(command, "SELECT 1", "--no-such-option")
        : project.cli(command, "--no-such-option");
    assertThat(c.exit()).as(c.toString()).isEqualTo(2);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).startsWith("flordb: Unknown option: '--no-such-option'")
        .endsWith("See 'flordb " + command + " --help'.\n");
  }

  @ParameterizedTest(name = "{0} --csv --json")
  @ValueSource(strings = {"dataframe", "runs", "query"})
  void csvAndJsonTogetherAreBadUsage(String command) {
    Project.Cli c = command.equals("query")
        ? project.cli(command, "SELECT 1", "--csv", "--json")
        : project.cli(command, "--csv", "--json");
    assertThat(c.exit()).as(c.toString()).isEqualTo(2);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: Error: --csv, --json are mutually exclusive (specify only one)\n"
        + "See 'flordb " + command + " --help'.\n");
  }

  @Test
  void anEmptyQueryOrNameIsBadUsage() {
    Project.Cli q = project.cli("query", " ");
    assertThat(q.exit()).as(q.toString()).isEqualTo(2);
    assertThat(q.err()).startsWith("flordb: the query is empty").endsWith("See 'flordb query --help'.\n");
    Project.Cli d = project.cli("dataframe", "acc", "");
    assertThat(d.exit()).as(d.toString()).isEqualTo(2);
    assertThat(d.err()).startsWith("flordb: a NAME is empty").endsWith("See 'flordb dataframe --help'.\n");
  }

  @Test
  void aNameThatTheStoreKnowsAsALoopIsAFailureThatSaysWhatToAskFor() {
    Project.Cli c = project.cli("dataframe", "acc", "epoch");
    assertThat(c.exit()).as(c.toString()).isEqualTo(1);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: 'epoch' is a loop: its positions are already a column of the values"
        + " logged inside it; ask for those values instead\n");
  }

  @Test
  void aSchemaVersionThatIsNotANumberIsAFailureOfEveryCommandThatReadsTheStore() throws SQLException {
    assertThat(project.cli("runs").exit()).isZero();
    sql("UPDATE meta SET value = 'abc' WHERE key = 'schema_version'");
    for (List<String> args : List.of(List.of("runs"), List.of("dataframe", "acc"), List.of("stat"),
        List.of("query", "SELECT 1"))) {
      Project.Cli c = project.cli(args.toArray(new String[0]));
      assertThat(c.exit()).as(args + "\n" + c).isEqualTo(1);
      assertThat(c.out()).isEmpty();
      assertThat(c.err()).startsWith("flordb: the query database holds a number that does not read")
          .contains("'flordb unpack'");
    }
    Project.Cli unpack = project.cli("unpack");
    assertThat(unpack.exit()).as(unpack.toString()).isZero();
    assertThat(project.cli("runs").exit()).isZero();
  }

  @Test
  void aStoredValueThatIsNotJsonIsAFailure() throws SQLException {
    assertThat(project.cli("dataframe", "tags").exit()).isZero();
    sql("UPDATE logs SET value = '[1,' WHERE name = 'tags'");
    // the dataframe reads the packed copy of the rows, which a store of schema 2 makes from its rows when opened
    sql("DELETE FROM packs");
    sql("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    Project.Cli c = project.cli("dataframe", "tags");
    assertThat(c.exit()).as(c.toString()).isEqualTo(1);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).startsWith("flordb: malformed JSON");
  }

  @Test
  void storedArgumentsThatAreNotJsonAreAFailureOfRuns() throws SQLException {
    assertThat(project.cli("runs").exit()).isZero();
    sql("UPDATE runs SET args = '{bad'");
    Project.Cli c = project.cli("runs");
    assertThat(c.exit()).as(c.toString()).isEqualTo(1);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).startsWith("flordb: malformed JSON");
  }

  @Test
  void aQuerySqliteRefusesIsAFailure() {
    Project.Cli c = project.cli("query", "SELECT nope FROM runs");
    assertThat(c.exit()).as(c.toString()).isEqualTo(1);
    assertThat(c.err()).startsWith("flordb: the query failed: ");
  }

  private void sql(String statement) throws SQLException {
    Path db = project.florDir().resolve("flor.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.executeUpdate(statement);
    }
  }
}
