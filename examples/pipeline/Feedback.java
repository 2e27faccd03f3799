import dev.flordb.Flor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Step 6, the feedback loop: corrections from a person, logged as labels so that the next
 * Train.java run learns from them (it takes each item's latest label). Each correction is logged
 * as {@code label} inside {@code Flor.iteration("item", ...)}, and every {@code batch} corrections
 * are committed, the way a review app logs and commits what a person submits.
 *
 * <pre>
 *   java -cp "$(../../flordb classpath | tail -n 1)" Feedback.java --kwargs corrections=corrections.csv
 * </pre>
 *
 * The corrections file has a header line, then {@code item,label} per line.
 */
public class Feedback {
  public static void main(String[] args) throws IOException {
    Path corrections = Path.of(Flor.arg("corrections", "corrections.csv"));
    int batch = Flor.arg("batch", 10);

    List<String> lines = Files.readAllLines(corrections);
    for (int n = 1; n < lines.size(); n++) {
      String[] fields = lines.get(n).split(",");
      long item = Long.parseLong(fields[0].trim());
      int label = Integer.parseInt(fields[1].trim());
      try (var it = Flor.iteration("item", item)) {
        Flor.log("label", label);
      }
      if (n % batch == 0) Flor.commit(); // the last few at exit
    }
  }
}
