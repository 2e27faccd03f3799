package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.internal.run.Session;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application example of issue 5, {@code examples/pipeline}: its six programs run as a user
 * runs them (Java's source launcher, from the example's directory, as its Makefile does) in a
 * fresh repository, on a few hundred digits, twice round the loop; then the first training run is
 * replayed with a hindsight statement. Each test checks what one step stored.
 */
class PipelineExampleTest {
  static final int FEATURISED = 300;
  static final int LABELLED = 200;
  /** The second turn labels more items first: 200 to 249, except those feedback labelled already. */
  static final int LABELLED_LATER = 250;
  static final String EPOCHS = "epochs=3";
  static final String HINDSIGHT = "        Flor.log(\"train_acc\", accuracy(weights, train));\n";

  @TempDir static Path tmp;
  /** Where the example's programs are in the project: their runs' filename starts with it. */
  static final String DIR = "examples/pipeline/";
  static Project project;
  static Path pipeline;
  /** corrections.csv: item to the label a person gave it. */
  static Map<Long, Long> corrections;
  /** The runs of each program, oldest first. */
  static Map<String, List<String>> runs;
  static String truthRun;

  @BeforeAll
  static void runThePipelineTwiceThenReplayTheFirstTraining() throws IOException {
    project = Project.init(tmp.resolve("proj"));
    pipeline = project.dir.resolve("examples/pipeline");
    copyExample(pipeline);
    corrections = readCorrections(pipeline.resolve("corrections.csv"));

    step("Featurise.java", "items=" + FEATURISED);
    step("Label.java", "items=" + LABELLED);
    turn();
    step("Label.java", "items=" + LABELLED_LATER);
    turn();

    // Hindsight: the training accuracy of the first training run, which was not logged.
    Path train = pipeline.resolve("Train.java");
    String edited = Files.readString(train).replace("        Flor.log(\"val_acc\", accuracy(weights, val));\n",
        "        Flor.log(\"val_acc\", accuracy(weights, val));\n" + HINDSIGHT);
    assertThat(edited).contains(HINDSIGHT);
    Files.writeString(train, edited);
    String first = runsOf("Train.java").get(0);
    Project.Cli replay = project.cli("replay", "train_acc", "--yes");
    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(replay.out()).as(replay.toString()).contains("Replayed 2 of 2 runs");
    // What the first run would have logged: the edited program, with its arguments (as_of included).
    step("Train.java", EPOCHS, "as_of=" + arg(first, "as_of"));
    runs = new LinkedHashMap<>();
    for (String program : List.of("Featurise.java", "Label.java", "Train.java", "Select.java", "Infer.java", "Feedback.java")) {
      runs.put(program, runsOf(program));
    }
    truthRun = runs.get("Train.java").get(2);
  }

  /** One turn of the loop, as one {@code make}. */
  private static void turn() {
    step("Train.java", EPOCHS);
    step("Select.java");
    step("Infer.java");
    step("Feedback.java", "corrections=corrections.csv"); // the app's way of entering them, without a browser
  }

  @Test
  void featuriseLogsOneVectorOf49GreyLevelsPerItem() {
    Table features = dataframe("features");
    assertThat(features.size()).isEqualTo(FEATURISED);
    for (int i = 0; i < FEATURISED; i++) {
      Table.Row r = features.row(i);
      assertThat(r.getString("filename")).isEqualTo(DIR + "Featurise.java");
      assertThat(r.getLong("item")).isEqualTo(i);
      List<?> vector = (List<?>) r.get("features");
      assertThat(vector).hasSize(49).allSatisfy(v -> assertThat((Long) v).isBetween(0L, 255L));
      assertThat(vector).as("item %d has ink", i).anySatisfy(v -> assertThat((Long) v).isPositive());
    }
  }

  @Test
  void labelLogsTheAnnotatorsLabelsAndLaterOnlyLabelsItemsThatHaveNone() {
    List<String> labelRuns = runs.get("Label.java");
    assertThat(labelRuns).hasSize(2);
    Map<Long, Long> first = labels(labelRuns.get(0));
    assertThat(first.keySet()).containsExactlyElementsOf(range(0, LABELLED));
    assertThat(first.values()).allSatisfy(label -> assertThat(label).isBetween(0L, 9L));
    // The hurried annotator wrote the next digit on items 3, 13, 23, ...: those are what the person corrected.
    corrections.forEach((item, label) -> {
      if (item < LABELLED) assertThat(first.get(item)).as("item %d", item).isEqualTo((label + 1) % 10);
    });

    List<Long> expectedLater = range(LABELLED, LABELLED_LATER).stream()
        .filter(item -> !corrections.containsKey(item)).collect(Collectors.toList());
    assertThat(labels(labelRuns.get(1)).keySet()).containsExactlyElementsOf(expectedLater);
  }

  @Test
  void feedbackLogsEveryCorrectionAsTheLabelOfItsItem() {
    List<String> feedbackRuns = runs.get("Feedback.java");
    assertThat(feedbackRuns).hasSize(2);
    for (String run : feedbackRuns) {
      assertThat(labels(run)).isEqualTo(corrections);
      assertThat(project.query("SELECT status, version FROM runs WHERE run_id = '" + run + "'").row(0).toMap())
          .containsEntry("status", "finished").doesNotContainEntry("version", null);
    }
    // The latest label of a corrected item is the correction, whatever came before or after it.
    Table latest = project.query("SELECT r.iteration AS item, r.value AS label, r.filename FROM records r"
        + " WHERE r.name = 'label' AND r.loop = 'item' AND r.tstamp = (SELECT max(s.tstamp) FROM records s"
        + " WHERE s.name = 'label' AND s.loop = 'item' AND s.iteration = r.iteration)");
    Map<Long, Long> correctedNow = new TreeMap<>();
    for (Table.Row r : latest) {
      if (corrections.containsKey(r.getLong("item"))) {
        assertThat(r.getString("filename")).isEqualTo(DIR + "Feedback.java");
        correctedNow.put(r.getLong("item"), r.getLong("label"));
      }
    }
    assertThat(correctedNow).isEqualTo(corrections);
  }

  @Test
  void eachTrainingTakesTheLatestLabelsSoTheSecondLearnsFromTheFirstOnesFeedback() {
    List<String> trainRuns = runs.get("Train.java");
    Map<String, Object> first = runLevel(trainRuns.get(0));
    assertThat(first).containsEntry("train_items", 160L).containsEntry("val_items", 40L)
        .containsEntry("feedback_labels", 0L);

    // Items 0..249 from the annotator, and the corrected items among those with features (3, 13, ..., 293).
    long correctedWithFeatures = corrections.keySet().stream().filter(item -> item < FEATURISED).count();
    assertThat(correctedWithFeatures).isEqualTo(30);
    Map<String, Object> second = runLevel(trainRuns.get(1));
    assertThat(second).containsEntry("feedback_labels", correctedWithFeatures)
        .containsEntry("feedback_items", corrections.keySet().stream().filter(item -> item < FEATURISED)
            .map(String::valueOf).collect(Collectors.joining(",", "[", "]")))
        .containsEntry("val_items", 50L).containsEntry("train_items", 250 - 50 + 5L);

    for (String run : trainRuns.subList(0, 2)) {
      assertThat(perEpoch(run, "loss")).hasSize(3).isSortedAccordingTo(Comparator.reverseOrder());
      List<Double> valAcc = perEpoch(run, "val_acc");
      assertThat(valAcc).hasSize(3);
      assertThat(valAcc.get(2)).as("far above chance (0.1)").isBetween(0.5, 1.0);
    }
  }

  @Test
  void selectExportsTheCheckpointWithTheBestValidationAccuracyOfAllTrainingSoFar() throws IOException {
    List<String> selectRuns = runs.get("Select.java");
    assertThat(selectRuns).hasSize(2);
    for (String select : selectRuns) {
      // Every (run, epoch) with a checkpoint, trained before this selection: the best accuracy, then the newest.
      Table best = project.query("SELECT m.run_id, m.iteration AS epoch FROM records m"
          + " JOIN records c ON c.ctx = m.ctx AND c.kind = 'ckpt'"
          + " WHERE m.filename = '" + DIR + "Train.java' AND m.name = 'val_acc'"
          + " AND m.tstamp < (SELECT tstamp FROM runs WHERE run_id = '" + select + "')"
          + " ORDER BY m.value DESC, m.tstamp DESC, m.iteration DESC LIMIT 1");
      Map<String, Object> chosen = runLevel(select);
      assertThat(chosen.get("model_run")).as("selection %s", select).isEqualTo(best.row(0).getString("run_id"));
      assertThat(chosen.get("model_epoch")).isEqualTo(best.row(0).getLong("epoch"));
    }

    // The exported model is that checkpoint's weights.
    Map<String, Object> last = runLevel(selectRuns.get(1));
    double[][] checkpointed = new double[10][];
    try (Session s = Session.builder(project.dir).program("Check.java").quiet(true).start()) {
      s.restoreAt((String) last.get("model_run"), "epoch", (Long) last.get("model_epoch"), Map.of("weights", checkpointed));
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(pipeline.resolve("out/model.bin"))))) {
      assertThat(in.readUTF()).isEqualTo(last.get("model_run"));
      assertThat((long) in.readInt()).isEqualTo(last.get("model_epoch"));
      double[][] exported = new double[in.readInt()][in.readInt()];
      for (double[] row : exported) for (int i = 0; i < row.length; i++) row[i] = in.readDouble();
      assertThat(in.read()).as("end of file").isEqualTo(-1);
      assertThat(exported).hasDimensions(10, 50).isDeepEqualTo(checkpointed);
    }
  }

  @Test
  void inferLogsAPredictionForEveryItemAndTheModelThatMadeIt() {
    List<String> inferRuns = runs.get("Infer.java");
    assertThat(inferRuns).hasSize(2);
    for (int turn = 0; turn < 2; turn++) {
      Map<String, Object> selected = runLevel(runs.get("Select.java").get(turn));
      Map<String, Object> model = runLevel(inferRuns.get(turn));
      assertThat(model).containsEntry("model_run", selected.get("model_run"))
          .containsEntry("model_epoch", selected.get("model_epoch"));

      Map<Long, Long> predictions = values(inferRuns.get(turn), "prediction");
      assertThat(predictions.keySet()).containsExactlyElementsOf(range(0, FEATURISED));
      Map<Long, Long> annotated = labels(runs.get("Label.java").get(0));
      long agree = annotated.keySet().stream().filter(item -> predictions.get(item).equals(annotated.get(item))).count();
      assertThat((double) agree / annotated.size()).as("agreement with the annotator").isGreaterThan(0.6);
    }
  }

  @Test
  void aReplayOfTheFirstTrainingAfterFeedbackFillsInExactlyWhatItWouldHaveLogged() {
    String first = runs.get("Train.java").get(0);
    // as_of pins the training set: the run made now with the first one's as_of trains on the same data.
    assertThat(runLevel(truthRun)).containsEntry("feedback_labels", 0L).containsEntry("train_items", 160L);
    assertThat(bits(perEpoch(truthRun, "val_acc"))).isEqualTo(bits(perEpoch(first, "val_acc")));
    assertThat(bits(perEpoch(truthRun, "loss"))).isEqualTo(bits(perEpoch(first, "loss")));

    List<Double> replayed = perEpoch(first, "train_acc");
    assertThat(replayed).hasSize(3);
    assertThat(bits(replayed)).isEqualTo(bits(perEpoch(truthRun, "train_acc")));
    assertThat(project.query("SELECT DISTINCT source FROM records WHERE run_id = '" + first + "' AND name = 'train_acc'")
        .column("source")).containsExactly("replay");
  }

  // ---------------------------------------------------------------- running the steps

  private static ChildJvm.Finished step(String program, String... kwargs) {
    return step(pipeline, program, kwargs);
  }

  /** One step of the example in {@code dir}, run as the Makefile runs it; it must succeed and print no error. */
  static ChildJvm.Finished step(Path dir, String program, String... kwargs) {
    List<String> args = new ArrayList<>();
    if (kwargs.length > 0) args.add("--kwargs");
    args.addAll(List.of(kwargs));
    ChildJvm.Finished f = ChildJvm.source(dir, program, args.toArray(new String[0])).run().assertSucceeded();
    assertThat(f.err()).as("what %s printed on standard error", program).isEmpty();
    return f;
  }

  /** examples/pipeline of this source tree and the digits it reads from ../mnist, into a project's examples/. */
  static void copyExample(Path target) {
    Path examples = MnistExampleTest.exampleDir().getParent();
    try {
      Files.createDirectories(target);
      for (String f : List.of("Featurise.java", "Label.java", "Train.java", "Select.java", "Infer.java", "Feedback.java",
          "corrections.csv")) {
        Files.copy(examples.resolve("pipeline").resolve(f), target.resolve(f));
      }
      Files.createDirectories(target.resolveSibling("mnist"));
      Files.copy(examples.resolve("mnist/digits.bin.gz"), target.resolveSibling("mnist").resolve("digits.bin.gz"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<Long, Long> readCorrections(Path file) throws IOException {
    Map<Long, Long> out = new TreeMap<>();
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0)).isEqualTo("item,label");
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      out.put(Long.parseLong(f[0]), Long.parseLong(f[1]));
    }
    return out;
  }

  // ---------------------------------------------------------------- reading the store

  static Table dataframe(String... names) {
    return MnistExampleTest.dataframe(project, names);
  }

  private static List<String> runsOf(String program) {
    List<String> out = new ArrayList<>();
    project.query("SELECT run_id FROM runs WHERE filename = '" + DIR + program + "' ORDER BY tstamp, run_id")
        .forEach(r -> out.add(r.getString("run_id")));
    return out;
  }

  private static Object arg(String run, String name) {
    return project.query("SELECT value FROM records WHERE run_id = '" + run + "' AND kind = 'arg' AND name = '" + name + "'")
        .row(0).get("value");
  }

  /** A run's values logged outside all loops. */
  private static Map<String, Object> runLevel(String run) {
    Map<String, Object> out = new LinkedHashMap<>();
    project.query("SELECT name, value FROM records WHERE run_id = '" + run + "' AND ctx = 0 AND kind IN ('log', 'arg')")
        .forEach(r -> out.put(r.getString("name"), r.get("value")));
    return out;
  }

  /** Item to value of {@code name}, as one run logged them. */
  private static Map<Long, Long> values(String run, String name) {
    Map<Long, Long> out = new TreeMap<>();
    project.query("SELECT iteration, value FROM records WHERE run_id = '" + run + "' AND loop = 'item' AND name = '" + name + "'")
        .forEach(r -> out.put(r.getLong("iteration"), r.getLong("value")));
    return out;
  }

  private static Map<Long, Long> labels(String run) {
    return values(run, "label");
  }

  /** One run's values of {@code name}, epoch by epoch. */
  private static List<Double> perEpoch(String run, String name) {
    List<Double> out = new ArrayList<>();
    project.query("SELECT value FROM records WHERE run_id = '" + run + "' AND loop = 'epoch' AND name = '" + name + "'"
        + " ORDER BY iteration").forEach(r -> out.add(r.getDouble("value")));
    return out;
  }

  private static List<String> bits(List<Double> values) {
    return values.stream().map(v -> Long.toHexString(Double.doubleToRawLongBits(v))).collect(Collectors.toList());
  }

  private static List<Long> range(long from, long to) {
    return LongStream.range(from, to).boxed().collect(Collectors.toList());
  }
}
