package dev.flordb.cli;

import dev.flordb.Flor;

/**
 * A child program for the crash test: logs {@code v = 3 * step} in a long loop and, after each
 * {@code log} returns, prints {@code logged STEP} and flushes, so the test knows what was logged
 * and when. It runs until it is killed.
 */
public final class StepLoggerProgram {
  private StepLoggerProgram() {}

  public static void main(String[] args) throws InterruptedException {
    Flor.init(args);
    int steps = Flor.arg("steps", 1_000_000);
    for (int step : Flor.loop("step", 0, steps)) {
      Flor.log("v", 3L * step);
      System.out.println("logged " + step);
      System.out.flush();
      Thread.sleep(2);
    }
  }
}
