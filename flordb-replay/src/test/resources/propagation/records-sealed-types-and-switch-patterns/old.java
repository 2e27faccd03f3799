import dev.flordb.Flor;

/** A linear model trained with a learning-rate schedule chosen on the command line. */
public class Train {
  sealed interface Schedule permits Constant, StepDecay {}

  record Constant(double lr) implements Schedule {}

  record StepDecay(double lr, int every, double factor) implements Schedule {}

  static double rate(Schedule schedule, int epoch) {
    return switch (schedule) {
      case Constant c -> c.lr();
      case StepDecay(double lr, int every, double factor) -> lr * Math.pow(factor, epoch / every);
    };
  }

  public static void main(String[] args) {
    Schedule schedule = Flor.arg("schedule", "step").equals("step") ? new StepDecay(0.1, 2, 0.5) : new Constant(0.1);
    double[] w = new double[4];
    for (int epoch : Flor.loop("epoch", 0, 5)) {
      double alpha = rate(schedule, epoch);
      for (int step : Flor.loop("step", 0, 10)) {
        double[] g = Model.gradient(w, step);
        for (int j = 0; j < w.length; j++) w[j] -= alpha * g[j];
      }
      Flor.log("loss", Model.loss(w));
    }
  }
}
