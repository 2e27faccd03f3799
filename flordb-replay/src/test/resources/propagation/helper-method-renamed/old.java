import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** Logistic regression with mini-batch SGD on a synthetic data set. */
public class Train {
  public static void main(String[] args) throws Exception {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 5);
    int batchSize = Flor.arg("batch_size", 32);

    Random rng = new Random(7);
    double[][] x = Data.features(rng, 2000);
    int[] y = Data.labels(x);
    double[] w = new double[x[0].length];
    int steps = x.length / batchSize;

    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double[] grad = gradient(w, x, y, rng, batchSize);
          for (int j = 0; j < w.length; j++) w[j] -= lr * grad[j];
          if (step % 10 == 0) Flor.log("loss", loss(w, x, y));
        }
        Flor.log("acc", accuracy(w, x, y));
        System.out.println("|w| = " + l2(w));
      }
    }
  }

  static double l2(double[] v) {
    double s = 0;
    for (double e : v) s += e * e;
    return Math.sqrt(s);
  }
}
