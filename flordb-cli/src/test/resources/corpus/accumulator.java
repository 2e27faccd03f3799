import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** Least squares on a line, y = 2x - 1, by SGD; the mean loss of an epoch is summed in the step loop. */
public class Train {
  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 3);
    int steps = Flor.arg("steps", 4);
    Random rng = new Random(Flor.arg("seed", 7L));
    double[] w = {0.5, -0.25};
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        double sum = 0;
        int seen = 0;
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          sum += err * err;
          seen++;
          Flor.log("loss", err * err);
        }
        Flor.log("mean_loss", sum / seen); // new
        Flor.log("w0", w[0]);
      }
    }
  }
}
