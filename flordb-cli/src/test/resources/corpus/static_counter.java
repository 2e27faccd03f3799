import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** SGD whose update method counts the updates in a static field. */
public class Train {
  static int updates;

  static void apply(double[] w, double err, double x, double lr) {
    w[0] -= lr * err * x;
    w[1] -= lr * err;
    if (Math.abs(err) > 0.1) updates++;
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
          apply(w, err, x, lr);
          Flor.log("loss", err * err);
        }
        Flor.log("updates", updates); // new
        Flor.log("w0", w[0]);
      }
    }
  }
}
