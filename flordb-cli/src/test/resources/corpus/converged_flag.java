import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** Early stopping: the step loop sets a flag when the loss is small, and the epoch loop stops on it. */
public class Train {
  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.3);
    int epochs = Flor.arg("epochs", 6);
    int steps = Flor.arg("steps", 4);
    double tol = Flor.arg("tol", 0.05);
    Random rng = new Random(Flor.arg("seed", 7L));
    double[] w = {0.5, -0.25};
    boolean converged = false;
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          if (err * err < tol) converged = true;
          Flor.log("loss", err * err);
        }
        Flor.log("w0", w[0]);
        Flor.log("w1", w[1]); // new
        if (converged) break;
      }
    }
  }
}
