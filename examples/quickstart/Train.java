import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/**
 * A small training program: logistic regression trained with mini-batch SGD on a synthetic,
 * seeded two-class data set. Hyper-parameters come from Flor.arg (set them with
 * --kwargs lr=0.05 epochs=8), the loss is logged every step and the held-out accuracy once per
 * epoch.
 *
 *   java -cp "$(./flordb classpath)" examples/quickstart/Train.java --kwargs lr=0.05
 */
public class Train {
  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 5);
    int batchSize = Flor.arg("batch_size", 32);
    long seed = Flor.arg("seed", 7L);

    Random rng = new Random(seed);
    int features = 8;
    double[] truth = new double[features];
    for (int j = 0; j < features; j++) truth[j] = rng.nextGaussian();
    double[][] x = new double[2000][features];
    int[] y = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      double z = 0;
      for (int j = 0; j < features; j++) {
        x[i][j] = rng.nextGaussian();
        z += truth[j] * x[i][j];
      }
      y[i] = z + 0.5 * rng.nextGaussian() > 0 ? 1 : 0;
    }
    int train = 1600;
    double[] w = new double[features];
    int steps = train / batchSize;

    // The state replay restores instead of re-training, saved at the end of each epoch.
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double[] grad = new double[features];
          double loss = 0;
          for (int b = 0; b < batchSize; b++) {
            int i = rng.nextInt(train);
            double p = sigmoid(dot(w, x[i]));
            loss -= y[i] == 1 ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12);
            for (int j = 0; j < features; j++) grad[j] += (p - y[i]) * x[i][j] / batchSize;
          }
          for (int j = 0; j < features; j++) w[j] -= lr * grad[j];
          if (step % 10 == 0) Flor.log("loss", loss / batchSize);
        }
        int correct = 0;
        for (int i = train; i < x.length; i++) {
          if ((sigmoid(dot(w, x[i])) > 0.5 ? 1 : 0) == y[i]) correct++;
        }
        Flor.log("acc", (double) correct / (x.length - train));
      }
    }
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
