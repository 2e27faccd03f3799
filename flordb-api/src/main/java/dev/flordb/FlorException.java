package dev.flordb;

/**
 * A problem FlorDB cannot work around: no git repository, a store it cannot read or write, a
 * query that failed. The message names the bad value or file and says what to do next. Bad
 * arguments to the API are reported as {@link IllegalArgumentException} instead.
 */
public class FlorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}: what went wrong, on what, and what to do. */
  public FlorException(String message) {
    super(message);
  }

  /** A failure described by {@code message}, caused by {@code cause}. */
  public FlorException(String message, Throwable cause) {
    super(message, cause);
  }
}
