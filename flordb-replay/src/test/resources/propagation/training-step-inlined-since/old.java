import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

public class Train {
  public static void main(String[] args) throws Exception {
    double lr = Flor.arg("lr", 0.1);
    int epochs = Flor.arg("epochs", 5);
    int batchSize = Flor.arg("batch_size", 32);

    Random rng = new Random(7);
    Data data = Data.synthetic(rng, 2000);
    double[] w = new double[data.features()];

    try (var checkpoints = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        int[] order = data.shuffledOrder(rng);
        for (int step : Flor.loop("step", 0, order.length / batchSize)) {
          double loss = trainStep(data, w, order, step * batchSize, batchSize, lr);
          if (step % 10 == 0) Flor.log("loss", loss);
        }
        Flor.log("acc", data.accuracy(w));
      }
    }
  }

  /** One SGD step on the mini-batch order[from, from + size); returns the batch's loss after the step. */
  static double trainStep(Data data, double[] w, int[] order, int from, int size, double lr) {
    double[] grad = data.gradient(w, order, from, size);
    for (int j = 0; j < w.length; j++) w[j] -= lr * grad[j];
    return data.loss(w, order, from, size);
  }
}
