package dev.flordb.internal;

import dev.flordb.FlorException;

/**
 * Makes the {@link FlorException}s of the mechanisms that the front door calls directly (the
 * run), so that their package does not import the API's package that imports it: the front door
 * depends on the run, the run and everything below it on this.
 */
public final class Failures {
  private Failures() {}

  /** A failure described by {@code message}: what went wrong, on what, and what to do. */
  public static FlorException failure(String message) {
    return new FlorException(message);
  }

  /** A failure described by {@code message}, caused by {@code cause}. */
  public static FlorException failure(String message, Throwable cause) {
    return new FlorException(message, cause);
  }
}
