import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/**
 * Logistic regression with mini-batch SGD on a seeded synthetic data set (today: the norm of
 * the weights logged too).
 */
public class Train {
  static final int FEATURES = 8;

  public static void main(String[] args) throws Exception {
    double lr = Flor.arg("lr", 0.05);
    int epochs = Flor.arg("epochs", 3);
    int batchSize = Flor.arg("batch_size", 32);
    long seed = Flor.arg("seed", 7L);

    Random rng = new Random(seed);
    double[] truth = new double[FEATURES];
    for (int j = 0; j < FEATURES; j++) truth[j] = rng.nextGaussian();
    double[][] x = new double[2000][FEATURES];
    int[] y = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      double z = 0;
      for (int j = 0; j < FEATURES; j++) {
        x[i][j] = rng.nextGaussian();
        z += truth[j] * x[i][j];
      }
      y[i] = z + 0.5 * rng.nextGaussian() > 0 ? 1 : 0;
    }
    int train = 1600;
    int validation = 1800;
    double[] weights = new double[FEATURES];

    try (var checkpoints = Flor.checkpointing(Map.of("w", weights, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, train / batchSize)) {
          double loss = trainStep(weights, x, y, train, batchSize, lr, rng);
          if (step % 10 == 0) Flor.log("loss", loss);
        }
        Flor.log("val_acc", accuracy(weights, x, y, train, validation));
        Flor.log("acc", accuracy(weights, x, y, validation, x.length));
        Flor.log("wnorm", Math.sqrt(dot(weights, weights)));
      }
    }
  }

  /** One step of SGD on a random batch; returns the batch's mean loss. */
  static double trainStep(double[] weights, double[][] x, int[] y, int train, int batchSize, double lr,
      Random rng) {
    double[] grad = new double[FEATURES];
    double loss = 0;
    for (int b = 0; b < batchSize; b++) {
      int i = rng.nextInt(train);
      double p = sigmoid(dot(weights, x[i]));
      loss -= y[i] == 1 ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12);
      for (int j = 0; j < FEATURES; j++) grad[j] += (p - y[i]) * x[i][j] / batchSize;
    }
    for (int j = 0; j < FEATURES; j++) weights[j] -= lr * grad[j];
    return loss / batchSize;
  }

  static double accuracy(double[] weights, double[][] x, int[] y, int from, int to) {
    int correct = 0;
    for (int i = from; i < to; i++) {
      if ((sigmoid(dot(weights, x[i])) > 0.5 ? 1 : 0) == y[i]) correct++;
    }
    return (double) correct / (to - from);
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
