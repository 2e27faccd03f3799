import dev.flordb.Flor;
import dev.flordb.Table;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Step 2, labels: an annotator labels the first {@code items} items, each label logged as {@code
 * label} inside {@code Flor.iteration("item", item, ...)}, the way an app logs what a person
 * enters. Items that already have a label (from an earlier run of this step, or a correction from
 * Feedback.java) are left alone, so running it again only labels new items.
 *
 * <pre>
 *   java -cp "$(../../flordb classpath | tail -n 1)" Label.java --kwargs items=1000
 * </pre>
 *
 * The annotator is simulated: the digit's true label from {@code ../mnist/digits.bin.gz}, except
 * that on items 3, 13, 23, ... they are hurried and write the next digit. Feedback.java fixes
 * those later.
 */
public class Label {
  public static void main(String[] args) throws IOException {
    byte[][] digits = readDigits();
    int items = Flor.arg("items", 1000);

    Set<Long> labelled = new HashSet<>();
    for (Table.Row r : Flor.dataframe("label")) labelled.add(r.getLong("item"));

    for (int item = 0; item < items; item++) {
      if (labelled.contains((long) item)) continue;
      try (var it = Flor.iteration("item", item)) {
        Flor.log("label", annotate(item, digits));
      }
    }
  }

  /** What the hurried annotator writes for an item: its label, but the next digit on every tenth item. */
  static int annotate(int item, byte[][] digits) {
    int truth = digits[digitOf(item, digits.length)][0];
    return item % 10 == 3 ? (truth + 1) % 10 : truth;
  }

  /** The digit that is item {@code item}, as in Featurise.java. */
  static int digitOf(int item, int count) {
    return (int) (item * 7919L % count);
  }

  /** The digits of {@code ../mnist/digits.bin.gz}, as in Featurise.java: a label byte, then 784 pixel bytes each. */
  static byte[][] readDigits() throws IOException {
    Path here = Path.of(System.getProperty("jdk.launcher.sourcefile", "Label.java")).toAbsolutePath().getParent();
    Path file = here.resolveSibling("mnist").resolve("digits.bin.gz");
    try (var in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
      byte[] header = new byte[6];
      in.readFully(header);
      if (!new String(header, 0, 5, "US-ASCII").equals("MNIST")) throw new IOException(file + " is not a digits file");
      byte[][] digits = new byte[in.readInt()][1 + 28 * 28];
      in.readUnsignedShort(); // 28, 28
      for (byte[] digit : digits) in.readFully(digit);
      return digits;
    }
  }
}
