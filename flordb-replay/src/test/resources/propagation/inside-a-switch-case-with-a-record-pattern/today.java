import dev.flordb.Flor;

/** A linear model trained with a learning-rate schedule; the schedule's events are printed. */
public class Train {
  sealed interface Schedule permits Constant, StepDecay {}

  record Constant(double lr) implements Schedule {}

  record StepDecay(double lr, int every, double factor) implements Schedule {}

  public static void main(String[] args) {
    double lr = Flor.arg("lr", 0.1);
    Schedule schedule = new StepDecay(lr, 2, 0.5);
    double[] weights = new double[4];
    for (int epoch : Flor.loop("epoch", 0, 5)) {
      switch (schedule) {
        case StepDecay(var start, var every, var factor) when epoch > 0 && epoch % every == 0 -> {
          lr *= factor;
          System.out.println("epoch " + epoch + ": lr down to " + lr);
          Flor.log("decayed_to", lr);
        }
        case StepDecay d -> {
          System.out.println("epoch " + epoch + ": lr stays " + lr);
        }
        case Constant c -> {}
      }
      Model.train(weights, lr);
      Flor.log("loss", Model.loss(weights));
    }
  }
}
