import static dev.flordb.Flor.*;

import java.util.Map;
import java.util.Random;

/** Logistic regression with mini-batch SGD on a synthetic data set. */
public class Train {
  public static void main(String[] args) throws Exception {
    double lr = arg("lr", 0.1);
    int epochs = arg("epochs", 5);
    int batch = arg("batch_size", 32);

    Random rng = new Random(7);
    double[][] x = Data.features(rng, 2000);
    int[] y = Data.labels(x);
    double[] w = new double[x[0].length];
    int steps = x.length / batch;

    try (var checkpoints = checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : loop("epoch", 0, epochs)) {
        for (int step : loop("step", 0, steps)) {
          double[] grad = gradient(w, x, y, rng, batch);
          for (int j = 0; j < w.length; j++) w[j] -= lr * grad[j];
          log("grad_norm", norm(grad));
          if (step % 10 == 0) log("loss", loss(w, x, y));
        }
        log("acc", accuracy(w, x, y));
      }
    }
  }

  static double norm(double[] v) {
    double s = 0;
    for (double e : v) s += e * e;
    return Math.sqrt(s);
  }
}
