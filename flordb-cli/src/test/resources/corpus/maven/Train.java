package demo;

import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** A compiled program: main reads the arguments, fit() holds the loops. */
public class Train {
  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 3);
    int steps = Flor.arg("steps", 4);
    double[] w = fit(new Random(Flor.arg("seed", 7L)), lr, epochs, steps);
    Flor.log("final_w0", w[0]);
  }

  static double[] fit(Random rng, double lr, int epochs, int steps) {
    double[] w = {0.5, -0.25};
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        double worst = 0;
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          worst = Math.max(worst, err * err);
          Flor.log("loss", err * err);
          Flor.log("grad1", err); // new
        }
        Flor.log("w0", w[0]);
        Flor.log("worst", worst); // new
      }
    }
    return w;
  }
}
