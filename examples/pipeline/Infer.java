import dev.flordb.Flor;
import dev.flordb.Table;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Step 5, inference: the exported model ({@code out/model.bin}, written by Select.java) predicts
 * every item of the feature store; each prediction is logged as {@code prediction} inside {@code
 * Flor.iteration("item", ...)}, with the model's run and epoch logged once, so that every
 * prediction can be traced to the checkpoint that made it.
 *
 * <pre>
 *   java -cp "$(../../flordb classpath | tail -n 1)" Infer.java --kwargs out=out
 * </pre>
 */
public class Infer {
  public static void main(String[] args) throws IOException {
    Path out = Path.of(Flor.arg("out", "out"));

    double[][] weights;
    try (var file = new DataInputStream(new BufferedInputStream(Files.newInputStream(out.resolve("model.bin"))))) {
      Flor.log("model_run", file.readUTF());
      Flor.log("model_epoch", file.readInt());
      weights = new double[file.readInt()][file.readInt()];
      for (double[] row : weights) for (int i = 0; i < row.length; i++) row[i] = file.readDouble();
    }

    // Each item's latest features: the dataframe lists runs oldest first, so the last one put wins.
    Map<Long, List<?>> features = new TreeMap<>();
    for (Table.Row r : Flor.dataframe("features")) features.put(r.getLong("item"), (List<?>) r.get("features"));
    for (Map.Entry<Long, List<?>> e : features.entrySet()) {
      try (var it = Flor.iteration("item", e.getKey())) {
        Flor.log("prediction", mostProbable(weights, e.getValue()));
      }
    }
  }

  /** The class with the highest score {@code weights · x}, where x is the features scaled to [0, 1] and a 1 for the bias (as in Train.java). */
  static int mostProbable(double[][] weights, List<?> features) {
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < weights.length; c++) {
      double score = weights[c][features.size()];
      for (int i = 0; i < features.size(); i++) score += weights[c][i] * ((Number) features.get(i)).doubleValue() / 255;
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  }
}
