import dev.flordb.Flor;
import dev.flordb.Scope;
import java.util.Map;
import java.util.Random;

/** Training, then an evaluation that logs each held-out example in a Flor.iteration context. */
public class Train {
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
          Flor.log("loss", err * err);
        }
        Flor.log("w0", w[0]);
      }
    }
    for (int i = 0; i < 3; i++) {
      double x = i - 1.0;
      try (Scope example = Flor.iteration("example", i)) {
        double pred = w[0] * x + w[1];
        Flor.log("pred", pred);
        Flor.log("residual", pred - (2 * x - 1)); // new
      }
    }
  }
}
