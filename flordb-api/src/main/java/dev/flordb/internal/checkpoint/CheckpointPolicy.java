package dev.flordb.internal.checkpoint;

/**
 * When to checkpoint at the end of an outermost-loop iteration: never more often than
 * {@code minIntervalSeconds}, and only when the cost of a checkpoint (capture on the training
 * thread plus writing in the background, as last measured) stays within {@code maxFraction} of
 * the time the program ran since the previous one. So cheap state is saved every iteration, and
 * heavy state in fast loops is spaced out until it costs that fraction. A fraction of 1 turns
 * the cost rule off: every iteration the interval allows is checkpointed, whatever it costs.
 *
 * <p>Pure: it is told the times, so tests and replay can reason about it without a clock.
 */
public final class CheckpointPolicy {
  public static final double DEFAULT_FRACTION = 0.1;
  public static final double DEFAULT_INTERVAL_SECONDS = 0;

  final double maxFraction;
  final double minIntervalSeconds;

  public CheckpointPolicy(double maxFraction, double minIntervalSeconds) {
    if (!(maxFraction > 0 && maxFraction <= 1)) {
      throw new IllegalArgumentException("the checkpoint cost fraction must be in (0, 1], but was "
          + maxFraction + "; for example FLOR_CKPT_FRACTION=0.1");
    }
    if (!(minIntervalSeconds >= 0)) {
      throw new IllegalArgumentException("the checkpoint interval must be 0 or more seconds, but was "
          + minIntervalSeconds + "; for example FLOR_CKPT_INTERVAL_S=60");
    }
    this.maxFraction = maxFraction;
    this.minIntervalSeconds = minIntervalSeconds;
  }

  /**
   * @param sinceLastSeconds time since the previous checkpoint ended (or since the loop began)
   * @param lastCostSeconds what the previous checkpoint cost, or a negative number if none was taken
   * @param writesPending checkpoints still being written in the background
   */
  /** Whether every iteration is to be checkpointed (a fraction of 1 or more, no interval). */
  boolean everyIteration() {
    return maxFraction >= 1 && minIntervalSeconds <= 0;
  }

  boolean shouldTake(double sinceLastSeconds, double lastCostSeconds, int writesPending) {
    if (sinceLastSeconds < minIntervalSeconds) return false;
    if (maxFraction >= 1) return true;
    if (writesPending > 1) return false; // the writer is behind: never stall training on it
    if (lastCostSeconds < 0) return true;
    return lastCostSeconds <= maxFraction * sinceLastSeconds;
  }
}
