import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** An epoch budget: the epoch loop is left by break, and the final weights are logged after it. */
public class Train {
  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 4);
    int budget = Flor.arg("budget", 2);
    int steps = Flor.arg("steps", 3);
    Random rng = new Random(Flor.arg("seed", 7L));
    double[] w = {0.5, -0.25};
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          Flor.log("loss", err * err);
        }
        Flor.log("w0", w[0]);
        if (epoch + 1 == budget) break;
      }
    }
    Flor.log("final_w0", w[0]);
    Flor.log("final_w1", w[1]); // new
  }
}
