package dev.flordb.internal.run;

import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.Json;

import java.io.PrintStream;
import java.util.Locale;

/**
 * What FlorDB itself prints: the echo of logged values, progress bars and warnings. It writes to
 * the streams the program had before output capture was installed, so nothing is echoed twice
 * and FlorDB's own lines are not captured as the program's output.
 */
public final class Console {
  private static final long PROGRESS_EVERY_NANOS = 200_000_000L;

  private final PrintStream out;
  private final PrintStream err;
  private final boolean interactive;
  /** Paces progress bars. */
  private final Ticker ticker;
  private volatile boolean quiet;
  private boolean progressShown;
  private long lastProgressNanos;

  Console(PrintStream out, PrintStream err, boolean quiet, boolean interactive, Ticker ticker) {
    this.ticker = ticker;
    this.out = out;
    this.err = err;
    this.quiet = quiet;
    this.interactive = interactive;
  }

  static boolean detectInteractive() {
    String term = System.getenv("TERM");
    return System.console() != null && System.getenv("CI") == null && !"dumb".equals(term);
  }

  void quiet(boolean q) {
    quiet = q;
  }

  boolean quiet() {
    return quiet;
  }

  PrintStream out() {
    return out;
  }

  void echo(Frame ctx, String name, Object value) {
    if (quiet) return;
    StringBuilder sb = new StringBuilder(64);
    if (ctx != Frame.ROOT) {
      sb.append('[');
      ctx.describe(sb);
      sb.append("] ");
    }
    sb.append(name).append(": ");
    try {
      sb.append(value != null && value.getClass().isArray() ? Json.write(value) : String.valueOf(value));
    } catch (RuntimeException | StackOverflowError e) {
      sb.append("<").append(value.getClass().getName()).append(": toString() threw ").append(e).append('>');
    }
    synchronized (this) {
      clearProgress();
      out.println(sb);
    }
  }

  /** A warning from FlorDB; printed even when quiet, since it asks the user to act. */
  synchronized void warn(String message) {
    clearProgress();
    err.println("flordb: " + message);
    err.flush();
  }

  synchronized void info(String message) {
    if (quiet) return;
    clearProgress();
    err.println("flordb: " + message);
  }

  /** Whether {@link #progress} can show a bar for a loop of {@code total} iterations: on an interactive terminal only. */
  boolean showsProgress(long total) {
    return interactive && total > 0;
  }

  /** Shows a progress bar for a loop of known size, on an interactive terminal only. */
  void progress(String loop, long done, long total, double secondsPerIteration) {
    if (quiet || !interactive || total <= 0) return;
    long now = ticker.nanos();
    synchronized (this) {
      if (done < total && now - lastProgressNanos < PROGRESS_EVERY_NANOS) return;
      lastProgressNanos = now;
      int width = 24;
      int filled = (int) (width * done / total);
      StringBuilder sb = new StringBuilder("\r");
      sb.append(loop).append(' ').append(done).append('/').append(total).append(" [");
      for (int i = 0; i < width; i++) sb.append(i < filled ? '=' : i == filled ? '>' : ' ');
      sb.append("] ").append(String.format(Locale.ROOT, "%.2fs/it", secondsPerIteration));
      sb.append("\u001b[K");
      err.print(sb);
      err.flush();
      progressShown = true;
    }
  }

  synchronized void endProgress() {
    clearProgress();
  }

  private void clearProgress() {
    if (progressShown) {
      err.print("\r\u001b[K");
      err.flush();
      progressShown = false;
    }
  }
}
