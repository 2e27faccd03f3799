package dev.flordb.internal.replay;

import dev.flordb.internal.records.Frame;
import java.nio.file.Path;
import java.util.List;

/**
 * What the replay of a run's loops needs from the run that replays them: the recorded run, the
 * options, its checkpoints and its context. The session's replay side ({@code internal.run.Replay})
 * implements it, so that the replay engine does not depend on the session's classes.
 */
public interface ReplayHost {
  /** The exit code of a replayed program whose replay diverged from the recorded run. */
  int DIVERGED_EXIT = 3;

  RecordedRun recorded();

  ReplayOptions replayOptions();

  ReplayOptions.Level replayLevel();

  boolean replayFromStart();

  /** How many JVMs to split the outermost loop across. */
  int replayJobs();

  /** The replay's outermost loop starts (any earlier one is over). */
  void replayLoopStarted(ReplayOuterLoop<?> loop);

  /** Starts one JVM per segment, or returns null when this program cannot be relaunched. */
  List<Process> startSegments(String loop, List<List<Long>> segments);

  /** After the other segments ended: their verdicts count in this one's. */
  void segmentsEnded(int count);

  /** The usable checkpoint at the end of that outermost iteration, or null. */
  Path checkpointFile(String loop, long index);

  /** Restores the enrolled objects in place from a checkpoint. */
  void restore(Path checkpoint);

  /** True while iterations run only to rebuild state: nothing is recorded. */
  void setSuppressed(boolean suppressed);

  /** Makes {@code f} the current context. */
  void enter(Frame f);

  /** At the end of an executed outermost iteration: its state must be the recorded checkpoint's. */
  void checkState(Frame iteration);

  /** After a rebuilt iteration: keep its state as a checkpoint for next time. */
  void checkpointIfMissing(Frame iteration);
}
