import dev.flordb.Flor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;

/** SGD that appends a line to a trace file at every step; the new statement reads enrolled w only. */
public class Train {
  static final Path TRACE = Path.of("@TRACE@");

  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 3);
    int steps = Flor.arg("steps", 4);
    Random rng = new Random(Flor.arg("seed", 7L));
    double[] w = {0.5, -0.25};
    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        for (int step : Flor.loop("step", 0, steps)) {
          trace(epoch, step);
          double x = rng.nextGaussian();
          double err = w[0] * x + w[1] - (2 * x - 1);
          w[0] -= lr * err * x;
          w[1] -= lr * err;
          Flor.log("loss", err * err);
        }
        Flor.log("w_norm", Math.hypot(w[0], w[1])); // new
        Flor.log("w0", w[0]);
      }
      Flor.log("final_w1", w[1]); // new
    }
  }

  static void trace(int epoch, int step) {
    try {
      Files.writeString(TRACE, epoch + " " + step + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
