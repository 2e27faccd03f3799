import dev.flordb.Flor;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Step 1, the feature store: a compact feature vector for each item, logged as {@code features}
 * in the loop {@code item}. An item is a handwritten digit of {@code ../mnist/digits.bin.gz}; its
 * features are its 28 x 28 pixels averaged over 4 x 4 blocks: 7 x 7 = 49 grey levels, 0 to 255.
 *
 * <pre>
 *   java -cp "$(../../flordb classpath | tail -n 1)" Featurise.java --kwargs items=2000
 * </pre>
 *
 * The other steps read the features from the store ({@code Flor.dataframe("features")}), never
 * the images. Featurising again (say, with a new feature) logs a new run; readers take each item's
 * latest features.
 */
public class Featurise {
  static final int SIDE = 28;
  static final int BLOCK = 4;

  public static void main(String[] args) throws IOException {
    byte[][] digits = readDigits();
    int items = Flor.arg("items", 2000);
    if (items > digits.length) throw new IllegalArgumentException("items=" + items + ", but there are " + digits.length + " digits");

    for (int item : Flor.loop("item", 0, items)) {
      Flor.log("features", downsample(digits[digitOf(item, digits.length)]));
    }
  }

  /**
   * The digit that is item {@code item}: 7,919 is prime, so this visits every digit once; since
   * the file is sorted by class, the first items of any number mix all ten classes.
   */
  static int digitOf(int item, int count) {
    return (int) (item * 7919L % count);
  }

  /** The mean grey level of each 4 x 4 block, row by row; {@code digit[0]} is its label, then 784 pixels. */
  static int[] downsample(byte[] digit) {
    int side = SIDE / BLOCK;
    int[] features = new int[side * side];
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        features[(y / BLOCK) * side + x / BLOCK] += digit[1 + y * SIDE + x] & 0xff;
      }
    }
    for (int i = 0; i < features.length; i++) features[i] = Math.round(features[i] / (float) (BLOCK * BLOCK));
    return features;
  }

  /** The digits of {@code ../mnist/digits.bin.gz} (format in examples/mnist/README.md): a label byte, then 784 pixel bytes each. */
  static byte[][] readDigits() throws IOException {
    Path here = Path.of(System.getProperty("jdk.launcher.sourcefile", "Featurise.java")).toAbsolutePath().getParent();
    Path file = here.resolveSibling("mnist").resolve("digits.bin.gz");
    try (var in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
      byte[] header = new byte[6];
      in.readFully(header);
      if (!new String(header, 0, 5, "US-ASCII").equals("MNIST")) throw new IOException(file + " is not a digits file");
      byte[][] digits = new byte[in.readInt()][1 + SIDE * SIDE];
      in.readUnsignedShort(); // 28, 28
      for (byte[] digit : digits) in.readFully(digit);
      return digits;
    }
  }
}
