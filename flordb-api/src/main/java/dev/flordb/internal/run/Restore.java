package dev.flordb.internal.run;

import static dev.flordb.internal.Failures.failure;
import dev.flordb.internal.checkpoint.Checkpoints;
import dev.flordb.internal.checkpoint.StateCodec;
import dev.flordb.internal.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@link dev.flordb.Flor#restore}: puts the state a recorded run checkpointed into the program's
 * live objects, in place, after checking what it was asked and saying what to do when the run,
 * its checkpoint or its objects do not fit. The run's own replay restores through its checkpoints
 * instead ({@link dev.flordb.internal.replay.ReplayHost#restore(Path)}).
 */
final class Restore {
  private Restore() {}

  /** Refuses a restore at a loop iteration that names no loop. */
  static void requireLoop(String loop) {
    if (loop == null || loop.isBlank()) {
      throw new IllegalArgumentException("Flor.restore needs the name of the run's outermost loop, for example"
          + " \"epoch\", but got " + (loop == null ? "null" : "\"" + loop + "\"")
          + "; Flor.restore(run, objects) takes the run's last checkpoint");
    }
  }

  /** Refuses what cannot be restored, before anything is read. */
  static void check(String runId, String loop, long index, Map<String, ?> namedObjects) {
    if (runId == null || runId.isBlank()) {
      throw new IllegalArgumentException("Flor.restore needs the id of a recorded run, but got " + (runId == null
          ? "null" : "\"" + runId + "\"") + "; Flor.query(\"SELECT run_id, filename, tstamp FROM runs\") lists them");
    }
    if (loop != null && index < 0) {
      throw new IllegalArgumentException("Flor.restore: iteration " + index + " of \"" + loop + "\" is negative;"
          + " iterations count from 0");
    }
    if (namedObjects == null || namedObjects.isEmpty()) {
      throw new IllegalArgumentException("Flor.restore needs the objects to restore into, by the names the run gave"
          + " Flor.checkpointing, for example Flor.restore(run, Map.of(\"weights\", weights))");
    }
    namedObjects.forEach((name, live) -> {
      if (live == null) {
        throw new IllegalArgumentException("Flor.restore: \"" + name + "\" is null; pass an object built the way the"
            + " run built it, which is restored in place");
      }
    });
  }

  /**
   * Restores {@code namedObjects} from the checkpoint at the end of {@code loop}'s iteration
   * {@code index}, or with {@code loop} null the last one, of the run {@code runId} that {@code
   * store} knows (its records read up to now).
   */
  static void into(Store store, Path florDir, Path workTree, Console console, String runId, String loop, long index,
      Map<String, ?> namedObjects) {
    List<Store.CheckpointEntry> written = store.checkpointsOf(runId);
    if (written == null) {
      throw new IllegalArgumentException("Flor.restore: there is no run \"" + runId + "\" in " + workTree
          + "; 'flordb runs' lists the runs, and Flor.query(\"SELECT run_id, filename, tstamp FROM runs\") finds one");
    }
    Store.CheckpointEntry at = loop == null && !written.isEmpty() ? written.get(0) : new Store.CheckpointEntry(loop, index);
    if (!written.contains(at)) {
      throw failure("run " + runId + " has no checkpoint" + (loop == null ? "" : " at " + at) + ": "
          + (written.isEmpty() ? "it wrote none (it enrolled nothing with Flor.checkpointing, ran with"
              + " FLOR_CHECKPOINTS=0, or ended before the end of an outermost iteration)"
              : "it has checkpoints at " + describe(written) + " (FLOR_CKPT_FRACTION=1 checkpoints every iteration)"));
    }
    Path file = Checkpoints.file(florDir, runId, at.loop(), at.index());
    Map<String, StateCodec.Snapshot> state;
    try {
      state = Checkpoints.read(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw failure("run " + runId + " wrote a checkpoint at " + at + ", but " + file + " is gone:"
          + " checkpoints are kept only under .flor/checkpoints of the machine that ran the run, not in git."
          + " Replaying the run rebuilds missing checkpoints.", e);
    } catch (IOException | IllegalArgumentException e) {
      throw failure("cannot read the checkpoint " + file + ": " + e.getMessage(), e);
    }
    List<String> absent = new ArrayList<>(namedObjects.keySet());
    absent.removeAll(state.keySet());
    if (!absent.isEmpty()) {
      throw new IllegalArgumentException("Flor.restore: the checkpoint of run " + runId + " at " + at + " holds "
          + state.keySet() + ", not " + absent + "; use the names the run gave Flor.checkpointing");
    }
    for (Map.Entry<String, ?> e : namedObjects.entrySet()) {
      List<String> warnings;
      try {
        warnings = state.get(e.getKey()).restoreInto(e.getValue());
      } catch (IllegalStateException | IllegalArgumentException bad) {
        throw new IllegalArgumentException("Flor.restore: \"" + e.getKey() + "\" cannot hold the checkpoint of run "
            + runId + " at " + at + " (" + bad.getMessage() + "); build it the way the run did: the same"
            + " class, the same array lengths", bad);
      }
      for (String w : warnings) console.warn("Flor.restore \"" + e.getKey() + "\": " + w);
    }
  }

  /** "epoch 0, 1, 4": the iterations with a checkpoint, by loop. */
  private static String describe(List<Store.CheckpointEntry> checkpoints) {
    Map<String, TreeSet<Long>> byLoop = new LinkedHashMap<>();
    for (Store.CheckpointEntry c : checkpoints) byLoop.computeIfAbsent(c.loop(), k -> new TreeSet<>()).add(c.index());
    StringBuilder sb = new StringBuilder();
    byLoop.forEach((loop, indices) -> {
      if (sb.length() > 0) sb.append("; ");
      sb.append(loop).append(' ');
      int shown = 0;
      for (long i : indices) {
        if (shown++ == 20) {
          sb.append(", ... (").append(indices.size()).append(" in all)");
          break;
        }
        sb.append(shown > 1 ? ", " : "").append(i);
      }
    });
    return sb.toString();
  }
}
