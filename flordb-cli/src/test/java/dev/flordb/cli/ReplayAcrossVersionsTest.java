package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flordb replay} end to end on a single-file program with three committed versions that
 * differ as real work does (a changed default, a renamed variable, a validation step added and the
 * training step moved into a method), runs recorded at each, and a statement added to today's
 * code. The replayed values must equal those of forward runs of each old version with the
 * statement inserted by hand (the ground truth), and the user's repository must be as it was.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayAcrossVersionsTest {
  @TempDir static Path tmp;
  static Project project;
  /** Run id to the version it ran and its kwargs. */
  static final Map<String, String[]> runs = new LinkedHashMap<>();

  static final String V1_ACC = "        Flor.log(\"acc\", (double) correct / (x.length - train));\n";

  @BeforeAll
  static void recordRunsAtThreeVersions() {
    project = Project.init(tmp.resolve("repo"));
    record("v1.java", "lr=0.1");
    record("v1.java", "lr=0.2");
    record("v2.java", "lr=0.05");
    record("v3.java", "epochs=4");
    project.write("Train.java", resource("today.java")); // today's edit, not committed
  }

  private static void record(String version, String kwargs) {
    if (!resource(version).equals(read(project.dir.resolve("Train.java")))) {
      project.write("Train.java", resource(version));
      project.commitAll(version);
    }
    int before = project.runs().size();
    ChildJvm.source(project.dir, "Train.java", "--kwargs", kwargs).run().assertSucceeded();
    List<Table.Row> all = project.runs();
    assertThat(all).hasSize(before + 1);
    runs.put(all.get(before).getString("run_id"), new String[] {version, kwargs});
  }

  @Test
  @Order(1)
  void dryRunShowsEachVersionWithWhereTheStatementGoesAndStoresNothing() {
    Project.Cli r = project.cli("replay", "wnorm", "--dry-run");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("3 code versions:")
        .contains("v1  Train.java, 2 runs").contains("v2  Train.java, 1 run").contains("v3  Train.java, 1 run")
        .contains("outer body: 3/3 iterations, inner loops skipped")
        .contains("outer body: 4/4 iterations, inner loops skipped")
        .containsPattern("Estimated \\d+\\.\\d s of work for 4 runs");
    assertThat(project.query("SELECT count(*) AS n FROM logs WHERE name = 'wnorm'").row(0).getLong("n")).isZero();
  }

  @Test
  @Order(1)
  void whereChoosesRunsByTheirValues() {
    Project.Cli r = project.cli("replay", "wnorm", "--dry-run", "--where", "lr > 0.15 or epochs >= 4");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("2 code versions:").contains("v1  Train.java, 1 run").contains("v2  Train.java, 1 run")
        .contains("Not replayed: 2 runs outside --where");
  }

  @Test
  @Order(1)
  void aNameThatTodaysCodeDoesNotLogIsRefusedWithWhatToDo() {
    Project.Cli r = project.cli("replay", "grad_norm", "--dry-run");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("today's code has no Flor.log(\"grad_norm\", ...) statement in [Train.java];"
        + " add the statement where the value is computed, then replay");
  }

  @Test
  @Order(1)
  void aWhereNamingNoLoggedValueIsRefused() {
    Project.Cli r = project.cli("replay", "wnorm", "--dry-run", "--where", "learning_rate > 0.1");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--where names [learning_rate], which no run has logged");
  }

  @Test
  @Order(2)
  void withoutATerminalAndWithoutYesItStopsAndSaysSo() {
    Project.Cli r = project.cli("replay", "wnorm");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("there is no terminal to ask on; pass --yes");
    assertThat(project.query("SELECT count(*) AS n FROM logs WHERE name = 'wnorm'").row(0).getLong("n")).isZero();
  }

  @Test
  @Order(3)
  void everyRunGetsTheValuesItsOwnVersionWouldHaveLoggedAndTheRepositoryIsUntouched() {
    Project.GitState before = project.gitState();

    Project.Cli r = project.cli("replay", "wnorm", "--yes", "--jobs", "2");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Replayed 4 of 4 runs");
    assertThat(project.gitState()).isEqualTo(before);
    for (Map.Entry<String, String[]> run : runs.entrySet()) {
      String version = run.getValue()[0];
      assertThat(replayed(run.getKey())).as("run of " + version + " with " + run.getValue()[1])
          .isEqualTo(groundTruth(version, run.getValue()[1]))
          .isNotEmpty();
    }
    // What ran is kept beside the run: its snapshot with the statement carried in, renamed to v1's w.
    String v1Run = runs.keySet().iterator().next();
    String ran = project.refs("refs/flor/replays/").entrySet().stream()
        .filter(e -> e.getKey().endsWith("/" + v1Run)).map(e -> project.fileInCommit(e.getValue(), "Train.java"))
        .findFirst().orElseThrow();
    assertThat(ran).contains(V1_ACC + "        Flor.log(\"wnorm\", Math.sqrt(dot(w, w)));\n");
  }

  @Test
  @Order(4)
  void replayingAgainFindsNothingToDo() {
    Project.Cli r = project.cli("replay", "wnorm", "--yes");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Not replayed: 4 runs that already have the values")
        .contains("Nothing to replay");
    assertThat(project.query("SELECT count(*) AS n FROM logs WHERE name = 'wnorm'").row(0).getLong("n"))
        .isEqualTo(3 + 3 + 3 + 4);
  }

  /** The run's replayed values of wnorm, in epoch order, as text (exact to the last bit). */
  private static List<String> replayed(String runId) {
    List<String> out = new ArrayList<>();
    for (Table.Row row : project.query("SELECT value FROM records WHERE run_id = '" + runId
        + "' AND name = 'wnorm' AND source = 'replay' ORDER BY iteration")) {
      out.add(String.valueOf(row.get("value")));
    }
    return out;
  }

  /** A forward run, in a scratch repository, of the old version with the statement inserted by hand. */
  private static List<String> groundTruth(String version, String kwargs) {
    String source = resource(version);
    String patched;
    switch (version) {
      case "v1.java":
        patched = source.replace(V1_ACC, V1_ACC + "        Flor.log(\"wnorm\", Math.sqrt(dot(w, w)));\n");
        break;
      case "v2.java":
        patched = source.replace(V1_ACC, V1_ACC + "        Flor.log(\"wnorm\", Math.sqrt(dot(weights, weights)));\n");
        break;
      default:
        patched = resource("today.java");
    }
    assertThat(patched).isNotEqualTo(source);
    Project truth = Project.init(tmp.resolve("truth-" + version + "-" + kwargs));
    truth.write("Train.java", patched);
    ChildJvm.source(truth.dir, "Train.java", "--kwargs", kwargs).run().assertSucceeded();
    List<String> out = new ArrayList<>();
    for (Table.Row row : truth.query("SELECT value FROM records WHERE name = 'wnorm' ORDER BY iteration")) {
      out.add(String.valueOf(row.get("value")));
    }
    return out;
  }

  static String resource(String name) {
    try (InputStream in = ReplayAcrossVersionsTest.class.getResourceAsStream("/versions/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
