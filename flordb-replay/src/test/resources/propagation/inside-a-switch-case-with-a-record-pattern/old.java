import dev.flordb.Flor;

/** A linear model trained with a learning-rate schedule; the schedule's events are printed. */
public class Train {
  sealed interface Schedule permits Constant, StepDecay {}

  record Constant(double lr) implements Schedule {}

  record StepDecay(double lr, int every, double factor) implements Schedule {}

  public static void main(String[] args) {
    double rate = Flor.arg("lr", 0.1);
    Schedule schedule = new StepDecay(rate, 3, 0.1);
    double[] w = new double[4];
    for (int epoch : Flor.loop("epoch", 0, 5)) {
      switch (schedule) {
        case Constant c -> {}
        case StepDecay(double start, int every, double factor) when epoch % every == every - 1 -> {
          rate = rate * factor;
          System.out.printf("epoch %d: lr down to %f%n", epoch, rate);
        }
        case StepDecay s -> {}
      }
      Model.train(w, rate);
      Flor.log("loss", Model.loss(w));
    }
  }
}
