package dev.flordb.internal.replay;

import dev.flordb.internal.records.Frame;

import dev.flordb.FlorException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The outermost loop of a replay, cut down to what the applied statements need. Its plan is made
 * when the loop starts: each selected iteration starts from the state at the end of the one
 * before it, which is either already live (the previous iteration just ran), restored from a
 * checkpoint, or rebuilt by re-executing iterations from the nearest earlier checkpoint (or the
 * start) with nothing recorded; the checkpoints that rebuilding produces are kept, never replacing
 * one the run wrote. After the loop, the state of its last iteration is made live, so that the
 * code after the loop sees what it saw originally.
 */
public final class ReplayOuterLoop<T> implements Iterator<T> {
  private record Step(long index, boolean rebuild, Path restoreBefore) {}

  private final ReplayHost host;
  private final String name;
  private final Iterator<T> items;
  private final boolean indexIsValue;
  private final List<Step> plan = new ArrayList<>();
  private Path finalRestore;
  private int next;
  private long consumed = -1;
  private Frame current;
  private boolean currentRebuilds;
  private boolean finished;
  /** The JVMs replaying the other segments, waited for when this loop ends. */
  private List<Process> others = List.of();

  // planning state
  private long stateAt = -1;
  private Path pendingRestore;
  private final long recordedCount;

  public ReplayOuterLoop(ReplayHost host, String name, Iterator<T> items, boolean indexIsValue) {
    this.host = host;
    this.name = name;
    this.items = items;
    this.indexIsValue = indexIsValue;
    Long count = host.recorded().outerIterations.get(name);
    if (count == null) {
      throw new FlorException("the recorded run " + host.recorded().runId + " never finished a loop named \""
          + name + "\" (it crashed, or the loop was renamed); replay needs the run's loop as recorded");
    }
    List<Long> selected = new ArrayList<>(host.replayOptions().iterations(name, count, host.replayLevel()));
    this.recordedCount = count;
    host.replayLoopStarted(this);
    if (host.replayFromStart()) {
      // State is carried across iterations that no checkpoint holds: every iteration runs, in order.
      java.util.Set<Long> stored = new java.util.HashSet<>(selected);
      for (long i = 0; i < count; i++) plan.add(new Step(i, !stored.contains(i), null));
      return;
    }
    int jobs = Math.min(host.replayJobs(), selected.size());
    if (jobs > 1) {
      List<List<Long>> segments = split(selected, jobs);
      List<Process> started = host.startSegments(name, segments.subList(1, segments.size()));
      if (started != null) {
        others = started;
        selected = segments.get(0);
      }
    }
    for (long t : selected) {
      reach(t - 1);
      plan.add(new Step(t, false, takePending()));
      stateAt = t;
    }
    reach(count - 1);
    finalRestore = takePending();
  }

  /** Plans the steps that make the live state the one at the end of iteration {@code k}. */
  private void reach(long k) {
    if (stateAt == k) return;
    Path at = k >= 0 ? host.checkpointFile(name, k) : null;
    if (at != null) {
      pendingRestore = at;
      stateAt = k;
      return;
    }
    long from = stateAt;
    for (long i = k - 1; i > stateAt; i--) {
      Path c = host.checkpointFile(name, i);
      if (c != null) {
        from = i;
        pendingRestore = c;
        break;
      }
    }
    for (long i = from + 1; i <= k; i++) plan.add(new Step(i, true, takePending()));
    stateAt = k;
  }

  /** Contiguous segments of nearly equal length, in order. */
  static List<List<Long>> split(List<Long> iterations, int parts) {
    List<List<Long>> out = new ArrayList<>();
    int n = iterations.size();
    for (int k = 0; k < parts; k++) {
      List<Long> seg = iterations.subList(k * n / parts, (k + 1) * n / parts);
      if (!seg.isEmpty()) out.add(seg);
    }
    return out;
  }

  private Path takePending() {
    Path p = pendingRestore;
    pendingRestore = null;
    return p;
  }

  @Override
  public boolean hasNext() {
    if (finished) return false;
    if (next < plan.size()) return true;
    endStep();
    finished = true;
    awaitOthers();
    if (finalRestore != null) host.restore(finalRestore);
    host.setSuppressed(false);
    host.enter(Frame.ROOT);
    return false;
  }

  @Override
  public T next() {
    if (!hasNext()) throw new NoSuchElementException();
    endStep();
    Step step = plan.get(next++);
    if (step.restoreBefore != null) host.restore(step.restoreBefore);
    T item = null;
    while (consumed < step.index) {
      if (!items.hasNext()) {
        throw new FlorException("loop \"" + name + "\" has fewer iterations than the recorded run ("
            + (consumed + 1) + "); replay needs the items the run had");
      }
      item = items.next();
      consumed++;
    }
    host.setSuppressed(step.rebuild);
    currentRebuilds = step.rebuild;
    current = new Frame(Frame.ROOT, name, step.index, indexIsValue ? null : item);
    host.enter(current);
    return item;
  }

  private void awaitOthers() {
    List<Integer> failed = new ArrayList<>();
    for (Process p : others) {
      try {
        int code = p.waitFor();
        if (code != 0 && code != ReplayHost.DIVERGED_EXIT) failed.add(code);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroy();
        failed.add(-1);
      }
    }
    host.segmentsEnded(others.size());
    if (!failed.isEmpty()) {
      throw new FlorException(failed.size() + " of the replay's " + (others.size() + 1) + " segments failed (exit "
          + failed + "; their output is above); what they filled in is kept. Replay the rest again, or with --jobs 1");
    }
  }

  /**
   * At the end of an executed iteration: its state must be the one the run checkpointed there;
   * after a rebuilt iteration, keep its state as a checkpoint for next time.
   */
  private void endStep() {
    if (current != null) {
      host.checkState(current);
      if (currentRebuilds) host.checkpointIfMissing(current);
    }
    current = null;
  }

  /**
   * The program went on past this loop without finishing it (a {@code break}, a {@code return}):
   * fine if it did so in the last iteration it was to execute, as the recorded run did; else the
   * replay did not have the run's shape. Returns the message for the latter, or null.
   */
  public String leftEarly() {
    if (finished) return null;
    finished = true;
    String shape = null;
    if (next < plan.size()) {
      shape = "the replay left the " + name + " loop in " + name + " " + (current == null ? "?" : current.index)
          + ", where the recorded run went on to " + name + " " + (recordedCount - 1);
    }
    current = null; // its end state is not the iteration's end state: no check, no checkpoint
    host.setSuppressed(false);
    host.enter(Frame.ROOT);
    return shape;
  }

  public boolean finished() {
    return finished;
  }
}
