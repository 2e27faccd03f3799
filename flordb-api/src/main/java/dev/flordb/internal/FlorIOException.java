package dev.flordb.internal;

import dev.flordb.FlorException;

/** An I/O failure of the store, with the file and what to do in the message. */
public final class FlorIOException extends FlorException {
  private static final long serialVersionUID = 1L;

  public FlorIOException(String message, Throwable cause) {
    super(message, cause);
  }
}
