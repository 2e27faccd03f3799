package dev.flordb;

/**
 * What {@link Flor#checkpointing} and {@link Flor#iteration} return: a scope that ends when it is
 * closed, meant for try-with-resources. Unlike {@link AutoCloseable#close()}, its {@code close()}
 * throws no checked exception, so the block needs no {@code catch} and {@code main} no {@code
 * throws} clause:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   try (Scope c = Flor.checkpointing(Map.of("model", model))) {
 *     for (int epoch : Flor.loop("epoch", 0, 5)) { ... }
 *   }
 * }
 * }</pre>
 */
public interface Scope extends AutoCloseable {
  /** Ends the scope. Throws nothing; a scope is closed once, at the end of its block. */
  @Override
  void close();
}
