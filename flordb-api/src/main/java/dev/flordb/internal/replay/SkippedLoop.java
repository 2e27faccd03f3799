package dev.flordb.internal.replay;


import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A nested loop that a replay does not execute (no applied statement is inside it): it yields
 * nothing, and on leaving it restores the checkpoint taken at the end of the current outermost
 * iteration, so that the code after the loop sees the state it saw originally.
 */
public final class SkippedLoop<T> implements Iterator<T> {
  private final ReplayHost host;
  private final Path endOfIteration;
  private boolean left;

  public SkippedLoop(ReplayHost host, Path endOfIteration) {
    this.host = host;
    this.endOfIteration = endOfIteration;
  }

  @Override
  public boolean hasNext() {
    if (!left) {
      left = true;
      host.restore(endOfIteration);
    }
    return false;
  }

  @Override
  public T next() {
    throw new NoSuchElementException();
  }
}
