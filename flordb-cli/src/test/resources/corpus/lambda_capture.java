import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleConsumer;

/** A lambda, called in the step loop, adds every loss to a running total that it captured. */
public class Train {
  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 3);
    int steps = Flor.arg("steps", 4);
    Random rng = new Random(Flor.arg("seed", 7L));
    double[] w = {0.5, -0.25};
    double[] total = {0};
    DoubleConsumer track = loss -> total[0] += loss;
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          track.accept(err * err);
          Flor.log("loss", err * err);
        }
        Flor.log("running_total", total[0]); // new
        Flor.log("w0", w[0]);
      }
    }
  }
}
