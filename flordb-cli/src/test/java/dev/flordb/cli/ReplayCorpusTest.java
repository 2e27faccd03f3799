package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpus of hindsight statements that replay must get right or refuse: small, seeded trainers
 * such as users write, each kept as today's program in {@code src/test/resources/corpus/} with
 * the new statements marked {@code // new} at the end of their line; the program as recorded is
 * the same file without those lines.
 *
 * <p>Each case commits the recorded program, records one or two runs, writes today's program into
 * the working tree (not committed: {@code flordb replay} snapshots it), runs {@code flordb replay
 * NAMES --yes} with the case's flags, and compares every {@code replay} value in the dataframe,
 * position by position and bit for bit, with a forward run of today's program with the same
 * arguments in a fresh repository (the ground truth). A replay may instead refuse a run, naming
 * the statement and the reason; it may never store a different value.
 */
class ReplayCorpusTest {
  /** The line mark of a statement that today's program has and the recorded one lacks. */
  static final String NEW = " // new";

  static final String SOURCE = "Train.java";
  static final String MAVEN_MAIN = "src/main/java/demo/Train.java";

  /** Far more than any replay of the corpus needs (about a second). */
  static final Duration REPLAY_DEADLINE = Duration.ofSeconds(60);

  @TempDir Path tmp;

  // ---------------------------------------------------------------- state a nested loop writes

  @Test
  void aMeanSummedInTheNestedLoopIsReplayedExactlyOrRefused() {
    Corpus c = record("accumulator.java", List.of(kwargs("lr=0.1"), kwargs("lr=0.3", "seed=11")));

    c.replay("mean_loss").assertExactOrRefused();
  }

  @Test
  void theVelocityOfAnOptimiserThatIsNotEnrolledIsReplayedExactlyOrRefused() {
    Corpus c = record("momentum.java", List.of(kwargs("beta=0.9")));

    c.replay("velocity0").assertExactOrRefused();
  }

  @Test
  void aStaticCounterChangedThroughAMethodIsReplayedExactlyOrRefused() {
    Corpus c = record("static_counter.java", List.of(kwargs("lr=0.2")));

    c.replay("updates").assertExactOrRefused();
  }

  @Test
  void aFieldOfThisUpdatedInTheNestedLoopIsReplayedExactlyOrRefused() {
    Corpus c = record("this_field.java", List.of(kwargs("lr=0.1")));

    c.replay("ema").assertExactOrRefused();
  }

  @Test
  void aTotalThatALambdaCapturedIsReplayedExactlyOrRefused() {
    Corpus c = record("lambda_capture.java", List.of(kwargs("lr=0.1")));

    c.replay("running_total").assertExactOrRefused();
  }

  @Test
  void aStatementInTheNestedLoopReadingAnUnenrolledRandomIsReplayedExactlyOrRefused() {
    Corpus c = record("dropout_rng.java", List.of(kwargs("seed=3")));

    c.replay("keep", "--jobs", "2").assertExactOrRefused();
  }

  // ---------------------------------------------------------------- state carried across epochs

  @Test
  void aLearningRateCarriedFromEpochToEpochIsReplayedExactlyOrRefused() {
    Corpus c = record("lr_schedule.java", List.of(kwargs("lr=0.1"), kwargs("lr=0.4", "decay=0.7")));

    c.replay("lr_used").assertExactOrRefused();
  }

  @Test
  void theLastEpochAloneOfACarriedLearningRateIsReplayedExactlyOrRefused() {
    Corpus c = record("lr_schedule.java", List.of(kwargs("lr=0.1")));

    c.replay("lr_used", "--iter", "epoch=last").only(epochs(2)).assertExactOrRefused();
  }

  @Test
  void epochsOneAndThreeOfACarriedLearningRateAreReplayedExactlyOrRefused() {
    Corpus c = record("lr_schedule.java", List.of(kwargs("epochs=4")));

    c.replay("lr_used", "--iter", "epoch=1,3").only(epochs(1, 3)).assertExactOrRefused();
  }

  @Test
  void parallelSegmentsOfANestedStatementReadingACarriedLearningRateAreExactOrRefused() {
    Corpus c = record("lr_schedule_nested.java", List.of(kwargs("lr=0.2")));

    c.replay("update", "--jobs", "2").assertExactOrRefused();
  }

  // ---------------------------------------------------------------- where the statement sits

  @Test
  void aStatementInsideFlorIterationAfterTheLoopsIsReplayedExactly() {
    Corpus c = record("iteration_scope.java", List.of(kwargs("lr=0.1")));

    c.replay("residual").assertExact();
  }

  @Test
  void aStatementInALambdaThatAMethodRunsInsideTheNestedLoopIsReplayedExactly() {
    Corpus c = record("lambda_in_method.java", List.of(kwargs("lr=0.1")));

    c.replay("sampled_w1").assertExact();
  }

  @Test
  void anOuterLoopStoppedByAFlagThatTheNestedLoopSetIsReplayedOverTheRecordedEpochsOnly() {
    Corpus c = record("converged_flag.java", List.of(kwargs("lr=0.3")));
    Table truth = c.forwardTruth(0, "w1");
    assertThat(truth.size()).as("the run stops early: fewer epochs than the 6 asked for").isBetween(1, 5);

    c.replay("w1").assertExactOrRefused();
  }

  @Test
  void aStatementAfterALoopLeftByBreakIsLoggedOutsideTheLoopsInAForwardRun() {
    Corpus c = record("break_after.java", List.of(kwargs("budget=2")));

    assertThat(c.recordedPositions("final_w0")).as("final_w0, logged after the epoch loop that break left")
        .containsExactly("");
    assertThat(c.forwardTruth(0, "final_w1").columns()).as("final_w1, logged after the epoch loop that break left")
        .doesNotContain("epoch", "step");
  }

  @Test
  void aStatementAfterALoopLeftByBreakIsReplayedWhereAForwardRunLogsIt() {
    Corpus c = record("break_after.java", List.of(kwargs("budget=2")));

    c.replay("final_w1").assertExact();
  }

  @Test
  void aMavenProgramWhoseLoopsLiveInAMethodOtherThanMainIsReplayedExactlyOrRefused() {
    Corpus c = recordCompiled("maven/Train.java", List.of(kwargs("lr=0.1")));

    c.replay("grad1", "worst").assertExactOrRefused();
  }

  // ---------------------------------------------------------------- cheap strategies stay cheap

  @Test
  void aStatementReadingOnlyEnrolledStateSkipsTheNestedLoopsAndIsExact() throws IOException {
    Path trace = tmp.resolve("steps.trace");
    Corpus c = record("enrolled_outer.java", List.of(kwargs("lr=0.1")), trace);
    c.truth(0); // the ground truth's forward run traces its steps too: before counting
    long steps = Files.readAllLines(trace).size();
    assertThat(steps).as("3 epochs of 4 steps, in the recorded run and the ground truth").isEqualTo(24);

    // The recorded run checkpoints only the epochs its policy allows (none while the previous
    // checkpoint is still being written): the step loop is skipped exactly where the run has one.
    long checkpointed = c.project.query("SELECT count(*) AS n FROM records WHERE name = 'ckpt::epoch' AND run_id = '"
        + c.runIds.get(0) + "'").row(0).getLong("n");
    assertThat(checkpointed).as("the last epoch always has its checkpoint").isPositive();
    c.replay("w_norm").assertExact();
    assertThat(Files.readAllLines(trace)).as("the replay ran the steps of the epochs without a checkpoint only")
        .hasSize((int) (steps + (3 - checkpointed) * 4));
    assertThat(c.verdictLevels()).as("verdict levels").containsOnly("outer");
    long afterOuter = Files.readAllLines(trace).size();

    c.replay("final_w1").assertExact();
    assertThat(Files.readAllLines(trace)).as("the replay ran no step").hasSize((int) afterOuter);
    assertThat(c.verdictLevels()).as("verdict levels").contains("outside").doesNotContain("nested");
  }

  // ---------------------------------------------------------------- a program that is not deterministic

  @Test
  void aProgramReadingAnUnseededGeneratorInTheNestedLoopIsReportedAsDivergedAndStoresNoValue() {
    Corpus c = record("unseeded.java", List.of(kwargs("lr=0.1")));

    Replayed r = c.replay("x");

    assertThat(r.cli.exit()).as(r.cli.toString()).isNotZero();
    assertThat(r.cli.out()).as(r.cli.toString()).contains("DIVERGED").containsPattern("\"loss\" at epoch=\\d+");
    assertThat(c.values(c.project, "x")).as("no value of x in the dataframe").isEmpty();
    assertThat(c.project.query("SELECT count(*) AS n FROM logs WHERE name = 'x'").row(0).getLong("n"))
        .as("nor in the store").isZero();
  }

  // ================================================================ the corpus machinery

  static List<String> kwargs(String... pairs) {
    List<String> out = new ArrayList<>();
    out.add("--kwargs");
    out.addAll(List.of(pairs));
    return out;
  }

  /** Positions whose epoch is one of these. */
  static Predicate<String> epochs(int... selected) {
    Set<String> wanted = java.util.Arrays.stream(selected).mapToObj(e -> "epoch=" + e).collect(Collectors.toSet());
    return pos -> java.util.Arrays.stream(pos.split(" ")).anyMatch(wanted::contains);
  }

  private Corpus record(String resource, List<List<String>> runs) {
    return record(resource, runs, null);
  }

  /** Commits the recorded program, records its runs and writes today's program (uncommitted). */
  private Corpus record(String resource, List<List<String>> runs, Path trace) {
    String today = resource(resource);
    if (trace != null) today = today.replace("@TRACE@", trace.toString());
    Corpus c = new Corpus(resource, today, SOURCE, false, runs);
    c.project.write(SOURCE, recorded(today));
    c.project.commitAll("train");
    for (List<String> args : runs) c.runIds.add(c.forward(c.project, args));
    c.project.write(SOURCE, today);
    return c;
  }

  /** The same for a compiled program in the Maven layout, compiled to target/classes (ignored by git). */
  private Corpus recordCompiled(String resource, List<List<String>> runs) {
    String today = resource(resource);
    Corpus c = new Corpus(resource, today, MAVEN_MAIN, true, runs);
    c.project.write(".gitignore", "target/\n");
    c.project.write(MAVEN_MAIN, recorded(today));
    c.project.commitAll("train");
    for (List<String> args : runs) c.runIds.add(c.forward(c.project, args));
    c.project.write(MAVEN_MAIN, today); // target/classes still holds the recorded program
    return c;
  }

  /** One case: the project with its recorded runs, and today's program. */
  final class Corpus {
    final String name;
    final String today;
    final String file;
    final boolean compiled;
    final List<List<String>> args;
    final List<String> runIds = new ArrayList<>();
    final Project project;
    private final Map<Integer, Project> truths = new LinkedHashMap<>();

    Corpus(String name, String today, String file, boolean compiled, List<List<String>> args) {
      this.name = name;
      this.today = today;
      this.file = file;
      this.compiled = compiled;
      this.args = args;
      this.project = Project.init(tmp.resolve("repo"));
    }

    /** A forward run of the program in the project's working tree; returns its run id. */
    String forward(Project p, List<String> programArgs) {
      int before = p.runs().size();
      if (compiled) {
        Path classes = p.dir.resolve("target/classes");
        int ok = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
            "-cp", System.getProperty("java.class.path"), p.dir.resolve(file).toString());
        assertThat(ok).as("javac " + file).isZero();
        ChildJvm.mainClassName(p.dir, "target/classes" + File.pathSeparator + System.getProperty("java.class.path"),
            "demo.Train", programArgs.toArray(String[]::new)).run().assertSucceeded();
      } else {
        ChildJvm.source(p.dir, file, programArgs.toArray(String[]::new)).run().assertSucceeded();
      }
      List<Table.Row> all = p.runs();
      assertThat(all).hasSize(before + 1);
      return all.get(before).getString("run_id");
    }

    /** The ground truth: a forward run of today's program, with the arguments of run {@code i}, in a fresh repository. */
    Project truth(int i) {
      return truths.computeIfAbsent(i, k -> {
        Project truth = Project.init(tmp.resolve("truth-" + k));
        if (compiled) truth.write(".gitignore", "target/\n");
        truth.write(file, today);
        forward(truth, args.get(k));
        return truth;
      });
    }

    /** The ground truth's dataframe of {@code name}. */
    Table forwardTruth(int i, String name) {
      return MnistExampleTest.dataframe(truth(i), name);
    }

    Map<String, String> forwardTruthValues(int i, String name) {
      return values(truth(i), name);
    }

    /** {@code flordb replay NAMES... --yes FLAGS...} (names first, then flags starting with "--"). */
    Replayed replay(String... namesAndFlags) {
      List<String> names = new ArrayList<>();
      List<String> flags = new ArrayList<>();
      for (int i = 0; i < namesAndFlags.length; i++) {
        if (namesAndFlags[i].startsWith("--")) {
          flags.addAll(List.of(namesAndFlags).subList(i, namesAndFlags.length));
          break;
        }
        names.add(namesAndFlags[i]);
      }
      List<String> cmd = new ArrayList<>(List.of("replay"));
      cmd.addAll(names);
      cmd.add("--yes");
      cmd.addAll(flags);
      verdictsBefore = verdictFiles();
      Project.Cli r;
      AtomicBoolean killed = new AtomicBoolean();
      ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread t = new Thread(task, "corpus-watchdog");
        t.setDaemon(true);
        return t;
      });
      try {
        // A replay's JVM that hangs would hang flordb replay (it waits for its children without a
        // deadline): after REPLAY_DEADLINE, the test kills its own replay JVMs, and says so.
        watchdog.schedule(() -> ProcessHandle.current().descendants()
            .filter(h -> h.info().commandLine().orElse("").contains("--replay"))
            .forEach(h -> {
              killed.set(true);
              h.destroyForcibly();
            }), REPLAY_DEADLINE.toSeconds(), TimeUnit.SECONDS);
        r = project.cli(cmd.toArray(String[]::new));
      } finally {
        watchdog.shutdownNow();
      }
      assertThat(killed).as("a replay JVM of " + name + " was still running after " + REPLAY_DEADLINE
          + " and was killed by the test\n" + r).isFalse();
      System.out.println("[corpus] " + name + " " + String.join(" ", cmd) + " -> exit " + r.exit()
          + r.out().lines().filter(l -> l.contains("replay (--level") || l.contains("replayed again") || l.contains("iterations"))
              .map(l -> "\n[corpus]   " + l.strip()).collect(Collectors.joining()));
      return new Replayed(this, names, r);
    }

    private List<Path> verdictsBefore = List.of();

    private List<Path> verdictFiles() {
      Path dir = project.florDir().resolve("replays");
      if (!Files.exists(dir)) return List.of();
      try (Stream<Path> walk = Files.walk(dir)) {
        return walk.filter(f -> f.getFileName().toString().endsWith(".verdict.json")).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The "level" of every verdict the last replay wrote. */
    List<String> verdictLevels() {
      List<String> out = new ArrayList<>();
      for (Path f : verdictFiles()) {
        if (verdictsBefore.contains(f)) continue;
        try {
          java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"level\"\\s*:\\s*\"(\\w+)\"").matcher(Files.readString(f));
          out.add(m.find() ? m.group(1) : "(none in " + f.getFileName() + ")");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return out;
    }

    /** The positions at which the recorded run 0 logged {@code name}, as "epoch=0 step=1" ("" outside the loops). */
    List<String> recordedPositions(String name) {
      return new ArrayList<>(values(project, name, runIds.get(0), false).keySet());
    }

    Map<String, String> values(Project p, String name) {
      return values(p, name, null, false);
    }

    /**
     * One run's values of {@code name} in the dataframe, in table order: position ("epoch=0
     * step=1", "" outside the loops) to the value's text and, for a double, its bits.
     */
    Map<String, String> values(Project p, String name, String runId, boolean replayOnly) {
      Table t = MnistExampleTest.dataframe(p, name);
      Map<String, String> out = new LinkedHashMap<>();
      if (!t.columns().contains(name)) return out;
      for (Table.Row row : t) {
        if (runId != null && !runId.equals(row.get("run_id"))) continue;
        if (row.get(name) == null) continue;
        if (replayOnly && !"replay".equals(t.columns().contains("source") ? row.getString("source") : null)) continue;
        StringBuilder pos = new StringBuilder();
        for (String col : t.columns()) {
          if (Set.of("projid", "tstamp", "filename", "run_id", "source", name).contains(col)) continue;
          pos.append(pos.length() == 0 ? "" : " ").append(col).append('=').append(row.get(col));
        }
        Object v = row.get(name);
        String text = v instanceof Double d ? d + " (" + Long.toHexString(Double.doubleToRawLongBits(d)) + ")" : String.valueOf(v);
        String previous = out.put(pos.toString(), text);
        assertThat(previous).as("two values of " + name + " at " + pos + " in one run").isNull();
      }
      return out;
    }
  }

  /** What one {@code flordb replay} did, and the checks of its values against the ground truth. */
  static final class Replayed {
    final Corpus corpus;
    final List<String> names;
    final Project.Cli cli;
    private Predicate<String> selected = pos -> true;

    Replayed(Corpus corpus, List<String> names, Project.Cli cli) {
      this.corpus = corpus;
      this.names = names;
      this.cli = cli;
    }

    /** Compares only the positions that the replay's --iter selected. */
    Replayed only(Predicate<String> positions) {
      this.selected = positions;
      return this;
    }

    /** Exit 0 and every run filled in with exactly the ground truth. */
    void assertExact() {
      assertThat(cli.exit()).as(cli.toString()).isZero();
      assertExactOrRefused();
    }

    /**
     * For each run and name: the replayed values equal the ground truth at every selected
     * position, or the run was refused (exit code not 0, the console naming the statement and
     * the reason) and whatever it stored is still the ground truth. Never a different value.
     */
    void assertExactOrRefused() {
      for (int i = 0; i < corpus.runIds.size(); i++) {
        String run = corpus.runIds.get(i);
        for (String name : names) {
          Map<String, String> truth = new LinkedHashMap<>();
          corpus.forwardTruthValues(i, name).forEach((pos, v) -> {
            if (selected.test(pos)) truth.put(pos, v);
          });
          assertThat(truth).as("ground truth of " + name + " for run " + i).isNotEmpty();
          Map<String, String> replayed = corpus.values(corpus.project, name, run, true);
          String what = corpus.name + ": \"" + name + "\" in run " + i + " " + corpus.args.get(i) + "\n" + cli;
          for (Map.Entry<String, String> e : replayed.entrySet()) {
            assertThat(truth).as("a replayed value that a forward run logs differently or not at all; " + what)
                .containsEntry(e.getKey(), e.getValue());
          }
          if (replayed.equals(truth)) {
            System.out.println("[corpus] " + corpus.name + " \"" + name + "\" run " + i + ": exact, " + truth.size() + " values");
            continue;
          }
          // Not filled in (or only partly): that must be a refusal that says so.
          System.out.println("[corpus] " + corpus.name + " \"" + name + "\" run " + i + ": refused, "
              + replayed.size() + " of " + truth.size() + " values");
          assertThat(cli.exit()).as("values missing without a refusal; " + what).isNotZero();
          assertThat(cli.out()).as("the refusal names the statement; " + what).contains("\"" + name + "\"");
          assertThat(cli.out()).as("the refusal says why; " + what)
              .containsAnyOf("DIVERGED", "MISSING", "could not take", "refused");
        }
      }
    }
  }

  static String recorded(String today) {
    String out = today.lines().filter(l -> !l.endsWith(NEW)).map(l -> l + "\n").collect(Collectors.joining());
    assertThat(out).as("a program with new statements").isNotEqualTo(today);
    return out;
  }

  static String resource(String name) {
    try (InputStream in = ReplayCorpusTest.class.getResourceAsStream("/corpus/" + name)) {
      assertThat(in).as("resource /corpus/" + name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
