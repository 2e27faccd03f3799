package dev.flordb.web;

import dev.flordb.Flor;
import java.nio.file.Files;
import java.nio.file.Path;

/** A run that stays running until the test lets it end (the file named by its argument appears). */
public class SlowTrainer {
  public static void main(String[] args) throws Exception {
    Path go = Path.of(args[0]);
    for (int step : Flor.loop("step", 0, 3)) Flor.log("loss", 1.0 / (step + 1));
    Flor.commit();
    while (!Files.exists(go)) Thread.sleep(20);
  }
}
