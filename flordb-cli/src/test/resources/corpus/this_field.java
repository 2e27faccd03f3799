import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** A trainer object whose field keeps a moving average of the loss; the loops live in fit(). */
public class Train {
  private final double lr;
  private final Random rng;
  private final double[] w = {0.5, -0.25};
  private double ema;

  Train(double lr, long seed) {
    this.lr = lr;
    this.rng = new Random(seed);
  }

  public static void main(String[] args) {
    Train t = new Train(Flor.arg("lr", 0.1), Flor.arg("seed", 7L));
    t.fit(Flor.arg("epochs", 3), Flor.arg("steps", 4));
  }

  void fit(int epochs, int steps) {
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          ema = 0.9 * ema + 0.1 * err * err;
          Flor.log("loss", err * err);
        }
        Flor.log("ema", this.ema); // new
        Flor.log("w0", w[0]);
      }
    }
  }
}
