import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** SGD with momentum; the optimiser keeps its velocity and is not enrolled for checkpoints. */
public class Train {
  static final class Momentum {
    final double beta;
    final double[] velocity;

    Momentum(double beta, int n) {
      this.beta = beta;
      this.velocity = new double[n];
    }

    void step(double[] w, double[] grad, double lr) {
      for (int i = 0; i < w.length; i++) {
        velocity[i] = beta * velocity[i] + grad[i];
        w[i] -= lr * velocity[i];
      }
    }
  }

  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.05);
    int epochs = Flor.arg("epochs", 3);
    int steps = Flor.arg("steps", 4);
    Random rng = new Random(Flor.arg("seed", 7L));
    double[] w = {0.5, -0.25};
    Momentum opt = new Momentum(Flor.arg("beta", 0.9), w.length);
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          opt.step(w, new double[] {err * x, err}, lr);
          Flor.log("loss", err * err);
        }
        Flor.log("velocity0", opt.velocity[0]); // new
        Flor.log("w0", w[0]);
      }
    }
  }
}
