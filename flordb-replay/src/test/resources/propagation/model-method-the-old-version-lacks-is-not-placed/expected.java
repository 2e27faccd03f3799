import dev.flordb.Flor;
import java.util.Map;
import java.util.Random;

public class TrainMlp {
  public static void main(String[] args) throws Exception {
    int epochs = Flor.arg("epochs", 5);
    double lr = Flor.arg("lr", 0.05);
    Digits train = Digits.load("digits.bin.gz");
    Random rng = new Random(42);
    Mlp model = new Mlp(784, 128, 10, rng);

    try (var checkpoints = Flor.checkpointing(Map.of("model", model, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        double loss = model.trainEpoch(train, lr, rng);
        Flor.log("loss", loss);
      }
    }
  }

  static final class Mlp {
    final double[] w1;
    final double[] w2;

    Mlp(int in, int hidden, int out, Random rng) {
      w1 = new double[in * hidden];
      w2 = new double[hidden * out];
      for (int k = 0; k < w1.length; k++) w1[k] = rng.nextGaussian() * Math.sqrt(2.0 / in);
      for (int k = 0; k < w2.length; k++) w2[k] = rng.nextGaussian() * Math.sqrt(2.0 / hidden);
    }

    double trainEpoch(Digits data, double lr, Random rng) {
      return Sgd.epoch(this, data, lr, rng);
    }
  }
}
