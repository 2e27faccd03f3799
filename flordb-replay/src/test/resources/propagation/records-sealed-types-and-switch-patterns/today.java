import dev.flordb.Flor;

/** A linear model trained with a learning-rate schedule chosen on the command line. */
public class Train {
  sealed interface Schedule permits Constant, StepDecay, Warmup {}

  record Constant(double lr) implements Schedule {}

  record StepDecay(double lr, int every, double factor) implements Schedule {}

  record Warmup(int epochs, Schedule after) implements Schedule {}

  static double rate(Schedule schedule, int epoch) {
    return switch (schedule) {
      case Constant c -> c.lr();
      case StepDecay(double lr, int every, double factor) when every > 0 -> lr * Math.pow(factor, epoch / every);
      case StepDecay d -> d.lr();
      case Warmup(int epochs, Schedule after) when epoch < epochs -> rate(after, 0) * (epoch + 1) / epochs;
      case Warmup w -> rate(w.after(), epoch - w.epochs());
    };
  }

  static Schedule parse(String spec) {
    return switch (spec) {
      case "step" -> new StepDecay(0.1, 2, 0.5);
      case "warmup" -> new Warmup(2, new Constant(0.1));
      default -> new Constant(Double.parseDouble(spec));
    };
  }

  public static void main(String[] args) {
    Schedule schedule = parse(Flor.arg("schedule", "step"));
    double[] weights = new double[4];
    for (int epoch : Flor.loop("epoch", 0, 5)) {
      double lr = rate(schedule, epoch);
      for (int step : Flor.loop("step", 0, 10)) {
        double[] grad = Model.gradient(weights, step);
        for (int j = 0; j < weights.length; j++) weights[j] -= lr * grad[j];
      }
      Flor.log("lr", lr);
      Flor.log("loss", Model.loss(weights));
    }
  }
}
