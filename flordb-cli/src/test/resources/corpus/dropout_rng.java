import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** SGD with dropout-like noise from a second, seeded generator that is not enrolled. */
public class Train {
  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 3);
    int steps = Flor.arg("steps", 4);
    long seed = Flor.arg("seed", 7L);
    Random rng = new Random(seed);
    Random noise = new Random(seed + 1);
    double[] w = {0.5, -0.25};
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double keep = noise.nextDouble() < 0.8 ? 1.25 : 0.0;
          double err = (w[0] * x + w[1] - (2 * x - 1)) * keep;
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          Flor.log("loss", err * err);
          Flor.log("keep", keep); // new
        }
        Flor.log("w0", w[0]);
      }
    }
  }
}
