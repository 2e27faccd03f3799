package dev.flordb.testing;

/** Programs that several modules' tests read, written as users write them. */
public final class Programs {
  private Programs() {}

  /**
   * A trainer whose epoch loop holds the kinds of state a hindsight statement may read: a local
   * summed in the step loop ({@code total}), a scalar carried across epochs ({@code decay}), and
   * enrolled arrays ({@code w}); with statements after the loops.
   */
  public static final String TRAINING = """
      import dev.flordb.Flor;
      import java.util.Map;
      import java.util.Random;

      public class Prog {
        public static void main(String[] args) {
          double[] w = new double[4];
          Random rng = new Random(1);
          double decay = 1.0;
          try (var c = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
            for (int epoch : Flor.loop("epoch", 0, 4)) {
              double total = 0;
              for (int step : Flor.loop("step", 0, 10)) {
                double loss = rng.nextDouble();
                w[0] -= 0.1 * loss * decay;
                total += loss;
              }
              Flor.log("sum_loss", total);
              Flor.log("decay_now", decay);
              Flor.log("w_norm", Math.sqrt(w[0] * w[0]));
              decay *= 0.7;
            }
          }
          Flor.log("final_decay", decay);
          Flor.log("final_w", w[0]);
        }
      }
      """;
}
