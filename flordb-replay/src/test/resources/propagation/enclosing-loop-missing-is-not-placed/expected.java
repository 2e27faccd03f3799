import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

/** Full-batch gradient descent: one step per epoch. */
public class Train {
  public static void main(String[] args) throws Exception {
    double lr = Flor.arg("lr", 0.5);
    int epochs = Flor.arg("epochs", 50);

    Random rng = new Random(7);
    Data data = Data.synthetic(rng, 2000);
    double[] w = new double[data.features()];
    int[] all = data.shuffledOrder(rng);

    try (var checkpoints = Flor.checkpointing(Map.of("w", w))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        double[] grad = data.gradient(w, all, 0, all.length);
        for (int j = 0; j < w.length; j++) w[j] -= lr * grad[j];
        Flor.log("loss", data.loss(w, all, 0, all.length));
      }
    }
  }
}
