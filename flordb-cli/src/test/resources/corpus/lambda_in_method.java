import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** The step loop reports through a lambda that a helper method runs every other step. */
public class Train {
  static void every(int step, int period, Runnable report) {
    if (step % period == 0) report.run();
  }

  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 3);
    int steps = Flor.arg("steps", 4);
    Random rng = new Random(Flor.arg("seed", 7L));
    double[] w = {0.5, -0.25};
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          double sq = err * err;
          every(step, 2, () -> {
            Flor.log("sampled_loss", sq);
            Flor.log("sampled_w1", w[1]); // new
          });
        }
        Flor.log("w0", w[0]);
      }
    }
  }
}
