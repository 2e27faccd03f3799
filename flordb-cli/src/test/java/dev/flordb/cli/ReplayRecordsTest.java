package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replayed values as records like any others, on the quickstart program with two recorded runs
 * and a statement in the epoch loop added to today's code: a dry run writes nothing; {@code --iter}
 * that does not fit the runs is refused before anything runs; {@code --iter epoch=last} fills in
 * the last epoch and a later replay the others, with nothing stored twice; the replayed values are
 * committed with the replay and come back with {@code flordb unpack} after {@code rm -rf .flor}
 * and after {@code git clean -fdx}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayRecordsTest {
  static final String ANCHOR = "        Flor.log(\"acc\",";
  static final String HINDSIGHT = "        Flor.log(\"w0\", w[0]);\n";

  @TempDir static Path tmp;
  static Project project;
  static final List<String> runs = new ArrayList<>();
  static final Map<String, String> kwargs = new TreeMap<>();

  @BeforeAll
  static void twoRunsOfTheQuickstartAndAStatementAddedSince() throws IOException {
    String original = Files.readString(Path.of("..", "examples", "quickstart", "Train.java"));
    assertThat(original).contains(ANCHOR);
    project = Project.init(tmp.resolve("repo"));
    project.write("Train.java", original);
    project.commitAll("train");
    for (String lr : List.of("lr=0.05", "lr=0.2")) {
      ChildJvm.source(project.dir, "Train.java", "--kwargs", lr, "epochs=3").run().assertSucceeded();
      String run = project.runs().get(runs.size()).getString("run_id");
      runs.add(run);
      kwargs.put(run, lr);
    }
    project.write("Train.java", original.replace(ANCHOR, HINDSIGHT + ANCHOR));
  }

  @Test
  @Order(1)
  void aDryRunWritesNoRefNoObjectAndNoFile() {
    project.query("SELECT 1"); // the cache up to date, as any command leaves it
    Map<String, ObjectId> refs = project.refs("refs/");
    Map<String, String> flor = files(project.florDir());
    Map<String, String> gitDir = files(project.dir.resolve(".git"));

    Project.Cli r = project.cli("replay", "w0", "--dry-run", "--level", "nested");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Dry run: nothing is written")
        .contains("--level nested as you chose (the analysis found outer)")
        .contains("inner loop: 3/3 iterations in full (--level nested, chosen by you)")
        .contains("build: Train.java compiled once for this version")
        .contains("with the run's own ARGS and --replay RUN --apply w0 --level nested --jobs ");
    assertThat(project.refs("refs/")).isEqualTo(refs);
    assertThat(files(project.florDir())).isEqualTo(flor);
    assertThat(files(project.dir.resolve(".git"))).as("no object, no ref, no log in .git").isEqualTo(gitDir);
  }

  @Test
  @Order(1)
  void anIterThatDoesNotFitTheRunsIsRefusedBeforeAnythingRuns() {
    Map<String, ObjectId> refs = project.refs("refs/");

    Project.Cli nested = project.cli("replay", "w0", "--yes", "--iter", "step=last");
    assertThat(nested.exit()).as(nested.toString()).isEqualTo(2);
    assertThat(nested.err()).contains("--iter step=last: \"step\" is a nested loop in run " + runs.get(0))
        .contains("--iter picks iterations of the outermost loop only; its outermost loop is epoch");

    Project.Cli outside = project.cli("replay", "w0", "--yes", "--iter", "epoch=1,3");
    assertThat(outside.exit()).as(outside.toString()).isEqualTo(2);
    assertThat(outside.err()).contains("--iter epoch=1,3: run " + runs.get(0))
        .contains("has epoch 0 to 2, so [3] is outside its range");

    Project.Cli unknown = project.cli("replay", "w0", "--yes", "--iter", "batch=all");
    assertThat(unknown.err()).contains("has no outermost loop named \"batch\"; its outermost loop is epoch");

    Project.Cli notANumber = project.cli("replay", "w0", "--yes", "--iter", "epoch=two");
    assertThat(notANumber.err()).contains("--iter epoch=two: 'two' is not an iteration number");

    assertThat(project.refs("refs/")).as("nothing ran, nothing was kept").isEqualTo(refs);
    assertThat(count("w0")).isZero();
  }

  @Test
  @Order(2)
  void theLastEpochThenTheOthersFillInEveryEpochOnceWithTheValuesOfAForwardRun() {
    Project.GitState before = project.gitState();

    Project.Cli last = project.cli("replay", "w0", "--yes", "--iter", "epoch=last");
    assertThat(last.exit()).as(last.toString()).isZero();
    assertThat(last.out()).contains("outer body: 1/3 iterations").contains("Replayed 2 of 2 runs")
        .contains("Stored 2 values");
    for (String run : runs) assertThat(epochs(run)).as(run).containsExactly(2L);

    Project.Cli all = project.cli("replay", "w0", "--yes", "--iter", "epoch=all");
    assertThat(all.exit()).as(all.toString()).isZero();
    assertThat(all.out()).contains("Replayed 2 of 2 runs").contains("Stored 4 values");
    for (String run : runs) {
      assertThat(epochs(run)).as(run).containsExactly(0L, 1L, 2L);
      assertThat(replayed(run)).as(run).isEqualTo(groundTruth(kwargs.get(run)));
    }

    Project.Cli again = project.cli("replay", "w0", "--yes");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).contains("Not replayed: 2 runs that already have the values").contains("Nothing to replay");
    assertThat(count("w0")).isEqualTo(6);
    assertThat(project.gitState()).isEqualTo(before);
  }

  @Test
  @Order(3)
  void theReplayedValuesAreCommittedWithTheReplayAndComeBackAfterRmRfFlorAndGitCleanFdx() throws Exception {
    for (String run : runs) {
      List<String> kept = new ArrayList<>();
      for (Map.Entry<String, ObjectId> ref : project.refs("refs/flor/replays/").entrySet()) {
        if (!ref.getKey().endsWith("/" + run)) continue;
        assertThat(project.commit(ref.getValue()).getParent(0).getId()).isEqualTo(project.runRef(run));
        for (String f : project.filesInCommit(ref.getValue())) if (f.contains(".replay-")) kept.add(f);
      }
      assertThat(kept).as("one record file per replay of " + run).hasSize(2)
          .allSatisfy(f -> assertThat(f).startsWith(".flor/records/" + run + ".replay-"));
    }
    Map<String, List<String>> values = new TreeMap<>();
    for (String run : runs) values.put(run, replayed(run));

    deleteTree(project.florDir());
    Project.Cli unpack = project.cli("unpack");
    assertThat(unpack.exit()).as(unpack.toString()).isZero();
    assertThat(unpack.out()).startsWith("restored 2 record files and 4 replay record files from git");
    for (String run : runs) assertThat(replayed(run)).as(run).isEqualTo(values.get(run));

    Process clean = new ProcessBuilder("git", "clean", "-fdx").directory(project.dir.toFile())
        .redirectErrorStream(true).start();
    assertThat(clean.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(clean.exitValue()).as(new String(clean.getInputStream().readAllBytes())).isZero();
    assertThat(project.florDir()).doesNotExist();
    assertThat(project.cli("unpack").out()).startsWith("restored 2 record files and 4 replay record files from git");
    for (String run : runs) assertThat(replayed(run)).as(run).isEqualTo(values.get(run));

    Project.Cli again = project.cli("replay", "w0", "--yes");
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).contains("Nothing to replay");
    assertThat(count("w0")).as("nothing stored twice").isEqualTo(6);
  }

  private static long count(String name) {
    return project.query("SELECT count(*) AS n FROM logs WHERE name = '" + name + "'").row(0).getLong("n");
  }

  private static List<Long> epochs(String run) {
    List<Long> out = new ArrayList<>();
    for (Table.Row r : project.query("SELECT iteration FROM records WHERE run_id = '" + run
        + "' AND name = 'w0' AND source = 'replay' ORDER BY iteration")) {
      out.add(r.getLong("iteration"));
    }
    return out;
  }

  private static List<String> replayed(String run) {
    List<String> out = new ArrayList<>();
    for (Table.Row r : project.query("SELECT value FROM records WHERE run_id = '" + run
        + "' AND name = 'w0' AND source = 'replay' ORDER BY iteration")) {
      out.add(String.valueOf(r.get("value")));
    }
    return out;
  }

  /** A forward run of today's code, in a scratch repository. */
  private static List<String> groundTruth(String lr) {
    Project truth = Project.init(tmp.resolve("truth-" + lr));
    try {
      truth.write("Train.java", Files.readString(project.dir.resolve("Train.java")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChildJvm.source(truth.dir, "Train.java", "--kwargs", lr, "epochs=3").run().assertSucceeded();
    List<String> out = new ArrayList<>();
    for (Table.Row r : truth.query("SELECT value FROM records WHERE name = 'w0' ORDER BY iteration")) {
      out.add(String.valueOf(r.get("value")));
    }
    assertThat(out).hasSize(3);
    return out;
  }

  /** Every file under {@code dir}, relative path to a hash of its bytes. */
  static Map<String, String> files(Path dir) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) return out;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        out.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) Files.delete(p);
    }
  }
}
