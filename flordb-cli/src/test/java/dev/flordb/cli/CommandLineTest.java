package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code flordb} command against a project with two runs recorded at known times: complete
 * output and exit code of each command (0 done, 1 the work failed, 2 bad usage).
 */
class CommandLineTest {
  /** 2026-01-01T00:00:00.000000Z: on a whole second, which must print (and sort) like any other time. */
  static final long T1 = 1_767_225_600_000L;
  /** A quarter of a second later, in the same second. */
  static final long T2 = T1 + 250;

  @TempDir Path tmp;
  Project project;
  String run1;
  String run2;

  @BeforeEach
  void twoRuns() {
    project = Project.init(tmp.resolve("proj"));
    project.write("Train.java", SingleFileProgramTest.TRAIN);
    run1 = train(T1, "lr=0.5");
    run2 = train(T2, "lr=0.25");
  }

  /** lr, a run-level string, loss per epoch and step, acc per epoch; exact binary fractions. */
  private String train(long startMillis, String kwarg) {
    try (Session s = project.session(startMillis, "Train.java", "--kwargs", kwarg)) {
      double lr = s.arg("lr", 0.1);
      s.log("optimizer", "sgd");
      for (int epoch : s.loop("epoch", 0, 2)) {
        for (int step : s.loop("step", 0, 2)) s.log("loss", lr * (4 - 2 * epoch - step) / 4);
        s.log("acc", 0.5 + epoch / 4.0);
      }
      return s.runId();
    }
  }

  /** The code version flordb runs shows: the snapshot's files without .flor/, as git write-tree would name them. */
  private String version(String run) {
    return project.codeTree(run).abbreviate(10).name();
  }

  private String recordCount() {
    return project.cli("query", "SELECT count(*) AS n FROM logs", "--csv").out().split("\r\n")[1];
  }

  @Test
  void runsPrintsOneLinePerRunOldestFirstWithVersionStatusAndArguments() {
    assertThat(version(run1)).as("two runs of the same code have the same code version").isEqualTo(version(run2));
    assertThat(project.runRef(run1)).as("though each has its own snapshot commit").isNotEqualTo(project.runRef(run2));
    Project.Cli c = project.cli("runs");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).isEqualTo("""
        when                         program     version     status    args     run
        2026-01-01T00:00:00.000000Z  Train.java  %s  finished  lr=0.5   %s
        2026-01-01T00:00:00.250000Z  Train.java  %s  finished  lr=0.25  %s
        """.formatted(version(run1), run1, version(run2), run2));
  }

  @Test
  void runsWritesCsv() {
    Project.Cli c = project.cli("runs", "--csv");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.out()).isEqualTo("when,program,version,status,args,run\r\n"
        + "2026-01-01T00:00:00.000000Z,Train.java," + version(run1) + ",finished,lr=0.5," + run1 + "\r\n"
        + "2026-01-01T00:00:00.250000Z,Train.java," + version(run2) + ",finished,lr=0.25," + run2 + "\r\n");
  }

  @Test
  void dataframeWithNamesPrintsAnAlignedTableWithRunLevelValuesRepeated() {
    Project.Cli c = project.cli("dataframe", "lr", "loss", "acc");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).isEqualTo("""
        projid  tstamp                       filename    run_id                      epoch  step    lr    loss   acc
        proj    2026-01-01T00:00:00.000000Z  Train.java  %1$s      0     0   0.5     0.5   0.5
        proj    2026-01-01T00:00:00.000000Z  Train.java  %1$s      0     1   0.5   0.375   0.5
        proj    2026-01-01T00:00:00.000000Z  Train.java  %1$s      1     0   0.5    0.25  0.75
        proj    2026-01-01T00:00:00.000000Z  Train.java  %1$s      1     1   0.5   0.125  0.75
        proj    2026-01-01T00:00:00.250000Z  Train.java  %2$s      0     0  0.25    0.25   0.5
        proj    2026-01-01T00:00:00.250000Z  Train.java  %2$s      0     1  0.25  0.1875   0.5
        proj    2026-01-01T00:00:00.250000Z  Train.java  %2$s      1     0  0.25   0.125  0.75
        proj    2026-01-01T00:00:00.250000Z  Train.java  %2$s      1     1  0.25  0.0625  0.75
        """.formatted(run1, run2));
  }

  @Test
  void dataframeWritesCsv() {
    Project.Cli c = project.cli("dataframe", "acc", "--csv");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).isEqualTo("projid,tstamp,filename,run_id,epoch,acc\r\n"
        + "proj,2026-01-01T00:00:00.000000Z,Train.java," + run1 + ",0,0.5\r\n"
        + "proj,2026-01-01T00:00:00.000000Z,Train.java," + run1 + ",1,0.75\r\n"
        + "proj,2026-01-01T00:00:00.250000Z,Train.java," + run2 + ",0,0.5\r\n"
        + "proj,2026-01-01T00:00:00.250000Z,Train.java," + run2 + ",1,0.75\r\n");
  }

  @Test
  void dataframeWritesJsonWithNumbersAsNumbersAndTextAsText() {
    Project.Cli c = project.cli("dataframe", "optimizer", "acc", "--json");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).isEqualTo("""
        [
          {"projid":"proj","tstamp":"2026-01-01T00:00:00.000000Z","filename":"Train.java","run_id":"%1$s","epoch":0,"optimizer":"sgd","acc":0.5},
          {"projid":"proj","tstamp":"2026-01-01T00:00:00.000000Z","filename":"Train.java","run_id":"%1$s","epoch":1,"optimizer":"sgd","acc":0.75},
          {"projid":"proj","tstamp":"2026-01-01T00:00:00.250000Z","filename":"Train.java","run_id":"%2$s","epoch":0,"optimizer":"sgd","acc":0.5},
          {"projid":"proj","tstamp":"2026-01-01T00:00:00.250000Z","filename":"Train.java","run_id":"%2$s","epoch":1,"optimizer":"sgd","acc":0.75}
        ]
        """.formatted(run1, run2));
  }

  @Test
  void dataframeWithoutNamesPrintsOneRowPerRunWithItsRunLevelValues() {
    Project.Cli c = project.cli("dataframe");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).isEqualTo("""
        projid  tstamp                       filename    run_id                        lr  optimizer
        proj    2026-01-01T00:00:00.000000Z  Train.java  %1$s   0.5  sgd
        proj    2026-01-01T00:00:00.250000Z  Train.java  %2$s  0.25  sgd
        """.formatted(run1, run2));
  }

  @Test
  void dataframeOfANameNoRunLoggedSaysWhichNamesThereAre() {
    Project.Cli c = project.cli("dataframe", "accuracy", "--csv");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.out()).isEqualTo("projid,tstamp,filename,run_id,accuracy\r\n");
    assertThat(c.err()).isEqualTo("flordb: no run logged accuracy; the names logged are [acc, loss, lr, optimizer]\n");
  }

  @Test
  void queryPrintsAnyReadOnlySqlAsATable() {
    Project.Cli c = project.cli("query",
        "SELECT name, kind, count(*) AS records FROM logs WHERE kind IN ('arg', 'log') GROUP BY name, kind ORDER BY name");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).isEqualTo("""
        name       kind  records
        acc        log         4
        loss       log         8
        lr         arg         2
        optimizer  log         2
        """);
  }

  @Test
  void queryWritesCsv() {
    Project.Cli c = project.cli("query", "SELECT run_id, status FROM runs ORDER BY tstamp", "--csv");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.out()).isEqualTo("run_id,status\r\n" + run1 + ",finished\r\n" + run2 + ",finished\r\n");
  }

  @Test
  void queryWithASyntaxErrorFailsWithTheMessageOnStandardErrorAndNothingOnStandardOutput() {
    String before = project.cli("dataframe", "lr", "loss", "acc").out();
    Project.Cli c = project.cli("query", "SELEC name FROM logs");
    assertThat(c.exit()).isEqualTo(1);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).startsWith("flordb: the query failed: ").contains("syntax error").endsWith("\n");
    assertThat(project.cli("dataframe", "lr", "loss", "acc").out()).as("the store is intact").isEqualTo(before);
  }

  @Test
  void aQueryThatTriesToChangeTheStoreFailsAndChangesNothing() {
    Project.Cli c = project.cli("query", "DELETE FROM logs");
    assertThat(c.exit()).isEqualTo(1);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).startsWith("flordb: the query tried to change the store");
    assertThat(project.cli("query", "SELECT count(*) AS n FROM logs WHERE name = 'loss'").out()).isEqualTo("n\n8\n");
  }

  @Test
  void aQueryThatWouldWriteACopyOfTheStoreFailsAndWritesNothing() {
    Path copy = tmp.resolve("copy.db");
    Project.Cli c = project.cli("query", "VACUUM INTO '" + copy + "'");
    assertThat(c.exit()).isEqualTo(1);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: the query tried to open another database file (ATTACH, VACUUM, or VACUUM"
        + " INTO, which writes a copy of the store): queries only read the store, and no other file. To copy the store,"
        + " copy .flor/flor.db, or rebuild one from the record files with 'flordb unpack'.\n");
    assertThat(copy).doesNotExist();
  }

  @Test
  void aQueryOfTwoStatementsFailsAndRunsNeither() {
    Project.Cli c = project.cli("query", "SELECT 1; DROP TABLE logs");
    assertThat(c.exit()).isEqualTo(1);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: the query holds more than one statement: after \"SELECT 1;\" comes"
        + " \"DROP TABLE logs\". A query is one statement, which only reads: run each statement as a query of its own.\n");
    assertThat(project.cli("query", "SELECT count(*) AS n FROM logs WHERE name = 'loss'").out()).isEqualTo("n\n8\n");
  }

  @Test
  void dashCToADirectoryThatDoesNotExistIsBadUsageNamingIt() {
    Path missing = tmp.resolve("missing");
    Project.Cli c = Project.flordb("-C", missing.toString(), "runs");
    assertThat(c.exit()).isEqualTo(2);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: -C " + missing + ": no such directory; give the directory of the"
        + " project's git repository (or one inside it)\nSee 'flordb runs --help'.\n");
  }

  @Test
  void dashCToAFileIsBadUsageSayingItIsAFile() {
    Path file = project.dir.resolve("Train.java");
    Project.Cli c = Project.flordb("dataframe", "-C", file.toString(), "lr");
    assertThat(c.exit()).isEqualTo(2);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: -C " + file + ": is a file, not a directory; give the directory of the"
        + " project's git repository (or one inside it)\nSee 'flordb dataframe --help'.\n");
  }

  @Test
  void anUnknownCommandIsBadUsageAndSuggestsTheNearestOne() {
    Project.Cli c = project.cli("dataframes", "lr");
    assertThat(c.exit()).isEqualTo(2);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: Unmatched arguments from index 2: 'dataframes', 'lr'\n"
        + "Did you mean: flordb dataframe or flordb stat or flordb classpath?\n"
        + "See 'flordb --help'.\n");
  }

  @Test
  void aCommandWithoutItsRequiredArgumentIsBadUsage() {
    Project.Cli c = project.cli("query");
    assertThat(c.exit()).isEqualTo(2);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: Missing required parameter: 'SQL'\nSee 'flordb query --help'.\n");
  }

  @Test
  void noCommandAtAllIsBadUsage() {
    Project.Cli c = project.cli();
    assertThat(c.exit()).isEqualTo(2);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).isEqualTo("flordb: name a command, for example: flordb runs\nSee 'flordb --help'.\n");
  }

  @Test
  void aDirectoryOutsideAnyGitRepositoryFailsAndSaysToRunGitInit(@TempDir Path outside) {
    assertThat(new FileRepositoryBuilder().findGitDir(outside.toFile()).getGitDir())
        .as("precondition: %s is not inside a git repository", outside).isNull();
    Project.Cli c = Project.flordb("-C", outside.toString(), "runs");
    assertThat(c.exit()).isEqualTo(1);
    assertThat(c.out()).isEmpty();
    assertThat(c.err()).startsWith("flordb: ").contains(outside.getFileName().toString())
        .contains("not inside a git repository").contains("git init");
    assertThat(outside.resolve(".flor")).as("nothing is created there").doesNotExist();
  }

  @Test
  void minusCWorksBeforeTheCommandAndAfterIt() {
    String expected = project.cli("runs", "--csv").out();
    assertThat(expected).contains(run1);
    assertThat(Project.flordb("runs", "--csv", "-C", project.dir.toString()).out()).isEqualTo(expected);
  }

  @Test
  void unpackAfterDeletingTheDatabaseGivesBackTheSameDataframe() throws IOException {
    String before = project.cli("dataframe", "lr", "loss", "acc").out();
    String records = recordCount();
    Path db = project.florDir().resolve("flor.db");
    for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(db + suffix));

    Project.Cli c = project.cli("unpack");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).isEqualTo("restored 0 record files from git; rebuilt " + db + ": 2 runs, " + records + " records\n");
    assertThat(project.cli("dataframe", "lr", "loss", "acc").out()).isEqualTo(before);
  }

  @Test
  void unpackAfterDeletingTheWholeStoreRestoresTheRecordFilesFromTheRunSnapshots() throws IOException {
    String before = project.cli("dataframe", "lr", "loss", "acc").out();
    String runs = project.cli("runs").out();
    String records = recordCount();
    try (Stream<Path> all = Files.walk(project.florDir())) {
      all.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
    assertThat(project.florDir()).doesNotExist();

    Project.Cli c = project.cli("unpack");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).isEqualTo("restored 2 record files from git; rebuilt " + project.florDir().resolve("flor.db")
        + ": 2 runs, " + records + " records\n");
    assertThat(project.cli("dataframe", "lr", "loss", "acc").out()).isEqualTo(before);
    assertThat(project.cli("runs").out()).isEqualTo(runs);
  }

  @Test
  void statSummarisesRunsRecordsAndNames() {
    String records = recordCount();
    Project.Cli c = project.cli("stat");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    String[] lines = c.out().split("\n", 3);
    assertThat(lines[0]).isEqualTo("project:  proj (" + project.dir + ")");
    assertThat(lines[1]).matches("store:    " + Pattern.quote(project.florDir().toString())
        + " \\(\\d+(\\.\\d)? (B|KiB|MiB) of records, \\d+(\\.\\d)? (B|KiB|MiB) database\\)");
    assertThat(lines[2]).isEqualTo("""
        runs:     2 (2 finished)
        records:  %s
        names:    4

        name       kind  records  runs
        lr         arg         2     2
        optimizer  log         2     2
        loss       log         8     2
        acc        log         4     2
        """.formatted(records));
  }

  @Test
  void classpathPrintsAsItsLastLineAClassPathThatRunsASingleFileProgram() {
    Project.Cli c = Project.flordb("classpath");
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    assertThat(c.out()).endsWith("\n");
    String[] lines = c.out().split("\n");
    String cp = lines[lines.length - 1];
    assertThat(cp.split(File.pathSeparator)).allSatisfy(entry -> assertThat(Path.of(entry)).exists());

    project.write("Hello.java", """
        import dev.flordb.Flor;

        public class Hello {
          public static void main(String[] args) {
            Flor.log("greeting", Flor.arg("who", "world"));
          }
        }
        """);
    ChildJvm.sourceWithClassPath(project.dir, cp, "Hello.java", "--kwargs", "who=flordb").run().assertSucceeded();
    Project.Cli df = project.cli("dataframe", "greeting", "--csv");
    assertThat(RunStatusTest.csvColumn(df.out(), "greeting")).containsExactly("flordb");
  }
}
