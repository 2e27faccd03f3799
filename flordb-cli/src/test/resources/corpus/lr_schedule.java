import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** SGD with a learning rate halved after every epoch: lr is a local carried from epoch to epoch. */
public class Train {
  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    double decay = Flor.arg("decay", 0.5);
    int epochs = Flor.arg("epochs", 3);
    int steps = Flor.arg("steps", 4);
    Random rng = new Random(Flor.arg("seed", 7L));
    double[] w = {0.5, -0.25};
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        Flor.log("lr_used", lr); // new
        for (int step : Flor.loop("step", 0, steps)) {
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          Flor.log("loss", err * err);
        }
        Flor.log("w0", w[0]);
        lr *= decay;
      }
    }
  }
}
