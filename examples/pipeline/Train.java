import dev.flordb.Flor;
import dev.flordb.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Step 3, the model registry: a softmax classifier trained on the store's features and latest
 * labels, its weights checkpointed at the end of every epoch and its accuracy logged, so that
 * Select.java can pick the best checkpoint by query.
 *
 * <pre>
 *   FLOR_CKPT_FRACTION=1 java -cp "$(../../flordb classpath | tail -n 1)" Train.java --kwargs epochs=10
 * </pre>
 *
 * The training set is every item that has features and a label, with its latest label: a
 * correction logged by Feedback.java replaces the annotator's. Items 4, 9, 14, ... are held out
 * to measure {@code val_acc}. Logged: the arguments; {@code train_items}, {@code val_items},
 * {@code feedback_labels} (how many of the labels are corrections) and {@code feedback_items}
 * (which items those are); per epoch {@code loss} (mean cross-entropy) and {@code val_acc}.
 */
public class Train {
  static final int CLASSES = 10;

  public static void main(String[] args) {
    int epochs = Flor.arg("epochs", 10);
    double lr = Flor.arg("lr", 0.1);
    long seed = Flor.arg("seed", 7L);
    // The store as it was when this run started. An arg, so that a replay of this run reads the
    // same training set, whatever was logged since.
    long asOf = Flor.arg("as_of", System.currentTimeMillis());

    Map<Long, Table.Row> features = latest("features", asOf);
    Map<Long, Table.Row> labels = latestLabels(asOf);
    Examples train = new Examples();
    Examples val = new Examples();
    List<Long> corrected = new ArrayList<>();
    for (Map.Entry<Long, Table.Row> e : labels.entrySet()) {
      Table.Row f = features.get(e.getKey());
      if (f == null) continue;
      Examples set = e.getKey() % 5 == 4 ? val : train;
      set.add(inputs((List<?>) f.get("features")), e.getValue().getLong("label").intValue());
      String program = e.getValue().getString("filename"); // its path in the repository
      if (program.equals("Feedback.java") || program.endsWith("/Feedback.java")) corrected.add(e.getKey());
    }
    Flor.log("train_items", train.size());
    Flor.log("val_items", val.size());
    Flor.log("feedback_labels", corrected.size());
    Flor.log("feedback_items", corrected);
    if (train.size() == 0) throw new IllegalStateException("no item has features and a label yet: run Featurise.java and Label.java first");

    Random rng = new Random(seed);
    double[][] weights = new double[CLASSES][train.x.get(0).length];
    try (var checkpoints = Flor.checkpointing(Map.of("weights", weights, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        Flor.log("loss", sgdEpoch(weights, train, lr, rng));
        Flor.log("val_acc", accuracy(weights, val));
      }
    }
  }

  /**
   * Each item's latest label among those logged before {@code asOf}, with the program that logged
   * it. By when each label was logged ({@code logs.t}), not when its run started: the feedback app
   * is one run that takes corrections for as long as it is up, before and after this run starts.
   */
  static Map<Long, Table.Row> latestLabels(long asOf) {
    Map<Long, Table.Row> latest = new TreeMap<>();
    for (Table.Row r : Flor.query("SELECT c.idx AS item, l.value AS label, r.filename FROM logs l"
        + " JOIN runs r ON r.rid = l.rid JOIN ctx c ON c.id = l.ctx"
        + " WHERE l.kind = 'log' AND l.name = 'label' AND c.loop = 'item' AND l.t < " + asOf
        + " ORDER BY l.t, r.tstamp, l.seq")) {
      latest.put(r.getLong("item"), r);
    }
    return latest;
  }

  /**
   * Each item's latest value of {@code name} among the runs that started before {@code asOf}.
   * The dataframe lists runs oldest first, so the last row put in the map wins.
   */
  static Map<Long, Table.Row> latest(String name, long asOf) {
    Map<Long, Table.Row> latest = new TreeMap<>();
    for (Table.Row r : Flor.dataframe(name)) {
      if (Instant.parse(r.getString("tstamp")).toEpochMilli() < asOf) latest.put(r.getLong("item"), r);
    }
    return latest;
  }

  /** Inputs and their labels, side by side. */
  static final class Examples {
    final List<double[]> x = new ArrayList<>();
    final List<Integer> y = new ArrayList<>();

    void add(double[] input, int label) {
      x.add(input);
      y.add(label);
    }

    int size() {
      return y.size();
    }
  }

  /** Grey levels scaled to [0, 1], then a constant 1 for the bias. */
  static double[] inputs(List<?> features) {
    double[] x = new double[features.size() + 1];
    for (int i = 0; i < features.size(); i++) x[i] = ((Number) features.get(i)).doubleValue() / 255;
    x[features.size()] = 1;
    return x;
  }

  /** Class probabilities: the softmax of the scores {@code weights · x}. */
  static double[] probabilities(double[][] weights, double[] x) {
    double[] p = new double[weights.length];
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < p.length; c++) {
      for (int i = 0; i < x.length; i++) p[c] += weights[c][i] * x[i];
      max = Math.max(max, p[c]);
    }
    double sum = 0;
    for (int c = 0; c < p.length; c++) sum += p[c] = Math.exp(p[c] - max);
    for (int c = 0; c < p.length; c++) p[c] /= sum;
    return p;
  }

  /** One pass of stochastic gradient descent, in an order drawn from {@code rng}; returns the mean cross-entropy. */
  static double sgdEpoch(double[][] weights, Examples data, double lr, Random rng) {
    List<Integer> order = new ArrayList<>();
    for (int n = 0; n < data.size(); n++) order.add(n);
    Collections.shuffle(order, rng);
    double loss = 0;
    for (int n : order) {
      double[] x = data.x.get(n);
      int y = data.y.get(n);
      double[] p = probabilities(weights, x);
      loss -= Math.log(p[y]);
      p[y] -= 1; // now the gradient of the loss with respect to the scores
      for (int c = 0; c < weights.length; c++) {
        for (int i = 0; i < x.length; i++) weights[c][i] -= lr * p[c] * x[i];
      }
    }
    return loss / data.size();
  }

  /** The fraction of examples whose most probable class is their label. */
  static double accuracy(double[][] weights, Examples data) {
    int correct = 0;
    for (int n = 0; n < data.size(); n++) {
      double[] p = probabilities(weights, data.x.get(n));
      int best = 0;
      for (int c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
      if (best == data.y.get(n)) correct++;
    }
    return (double) correct / data.size();
  }
}
