import dev.flordb.Flor;
import dev.flordb.Table;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Step 4, model selection: the best checkpoint of all Train.java runs by validation accuracy,
 * found by a query over the store and exported to {@code out/model.bin} for Infer.java.
 *
 * <pre>
 *   java -cp "$(../../flordb classpath | tail -n 1)" Select.java --kwargs out=out
 * </pre>
 *
 * Not every epoch has a checkpoint (FlorDB spaces them out by cost, unless {@code
 * FLOR_CKPT_FRACTION=1}), so the query only considers epochs that have one: each checkpoint is a
 * {@code ckpt::epoch} record in its epoch's context. {@code Flor.restore} then fills the weights
 * in from that checkpoint, wherever the store keeps it. Logged: which checkpoint was chosen.
 *
 * <p>{@code model.bin}: the run id (modified UTF-8, as {@code DataOutput.writeUTF}), the epoch,
 * the number of classes and of inputs (ints), then the weights row by row (doubles), big-endian.
 */
public class Select {
  public static void main(String[] args) throws IOException {
    Path out = Path.of(Flor.arg("out", "out"));

    Table best = Flor.query("""
        SELECT m.run_id, m.iteration AS epoch, m.value AS val_acc
        FROM records m JOIN records c ON c.ctx = m.ctx AND c.name = 'ckpt::epoch'
        WHERE (m.filename = 'Train.java' OR m.filename LIKE '%/Train.java') AND m.name = 'val_acc'
        ORDER BY val_acc DESC, m.tstamp DESC, epoch DESC
        LIMIT 1""");
    if (best.isEmpty()) throw new IllegalStateException("no Train.java run has a checkpoint yet: run Train.java first");
    String run = Flor.log("model_run", best.row(0).getString("run_id"));
    long epoch = Flor.log("model_epoch", best.row(0).getLong("epoch"));
    Flor.log("model_val_acc", best.row(0).getDouble("val_acc"));

    double[][] weights = new double[10][]; // one row per class, made by restore
    Flor.restore(run, "epoch", epoch, Map.of("weights", weights));

    Files.createDirectories(out);
    try (var file = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(out.resolve("model.bin"))))) {
      file.writeUTF(run);
      file.writeInt((int) epoch);
      file.writeInt(weights.length);
      file.writeInt(weights[0].length);
      for (double[] row : weights) for (double w : row) file.writeDouble(w);
    }
    System.out.println("exported " + out.resolve("model.bin") + ": run " + run + ", epoch " + epoch);
  }
}
