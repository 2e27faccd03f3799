package dev.flordb.internal.run;

/**
 * The end of an {@code iteration} block or of a {@code checkpointing} scope; the front door hands
 * it to the user as a {@link dev.flordb.Scope}. Closing twice is closing once.
 */
@FunctionalInterface
public interface Closing extends AutoCloseable {
  @Override
  void close();
}
