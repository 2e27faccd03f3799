package dev.flordb.internal.run;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * Tees {@code System.out} and {@code System.err}: every byte still reaches the original stream
 * at once, and every completed line becomes an {@code io::stdout} or {@code io::stderr} record in
 * the loop context of the thread that wrote it. At most {@code limitChars} per stream are kept,
 * then a single note says that the rest was not captured.
 */
public final class OutputCapture {
  interface Sink {
    void line(String stream, String text);
  }

  private final PrintStream originalOut;
  private final PrintStream originalErr;
  private Tee outTee;
  private Tee errTee;
  private PrintStream capturingOut;
  private PrintStream capturingErr;
  /** System.out and System.err as they were before {@link #install}, put back by {@link #uninstall}. */
  private PrintStream replacedOut;
  private PrintStream replacedErr;

  OutputCapture(PrintStream originalOut, PrintStream originalErr) {
    this.originalOut = originalOut;
    this.originalErr = originalErr;
  }

  synchronized void install(Sink sink, long limitChars) {
    if (outTee != null) return;
    String enc = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
    Charset cs = enc != null && Charset.isSupported(enc) ? Charset.forName(enc) : Charset.defaultCharset();
    outTee = new Tee(originalOut, "io::stdout", sink, limitChars, cs);
    errTee = new Tee(originalErr, "io::stderr", sink, limitChars, cs);
    capturingOut = new PrintStream(outTee, true, cs);
    capturingErr = new PrintStream(errTee, true, cs);
    replacedOut = System.out;
    replacedErr = System.err;
    System.setOut(capturingOut);
    System.setErr(capturingErr);
  }

  /** Stops capturing: partial lines are recorded; later writes still pass through. */
  synchronized void uninstall() {
    if (outTee == null) return;
    capturingOut.flush();
    capturingErr.flush();
    outTee.finish();
    errTee.finish();
    if (System.out == capturingOut) System.setOut(replacedOut);
    if (System.err == capturingErr) System.setErr(replacedErr);
    outTee = null;
    errTee = null;
  }

  private static final class Tee extends OutputStream {
    private final PrintStream target;
    private final String name;
    private final Sink sink;
    private final long limit;
    private final Charset charset;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private long captured;
    private boolean truncated;
    private boolean closed;

    Tee(PrintStream target, String name, Sink sink, long limit, Charset charset) {
      this.target = target;
      this.name = name;
      this.sink = sink;
      this.limit = limit;
      this.charset = charset;
    }

    @Override
    public synchronized void write(int b) {
      target.write(b);
      if (closed) return;
      if (b == '\n') {
        emit();
      } else {
        line.write(b);
        if (line.size() > 64 * 1024) emit(); // an endless line: capture it in pieces
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      target.write(b, off, len);
      if (closed) return;
      int start = off;
      for (int i = off; i < off + len; i++) {
        if (b[i] == '\n') {
          line.write(b, start, i - start);
          emit();
          start = i + 1;
        }
      }
      line.write(b, start, off + len - start);
      if (line.size() > 64 * 1024) emit();
    }

    private void emit() {
      String text = line.toString(charset);
      line.reset();
      if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
      if (truncated) return;
      if (captured + text.length() > limit) {
        truncated = true;
        sink.line(name, "[flordb: output beyond " + limit + " characters was not captured]");
        return;
      }
      captured += text.length() + 1;
      sink.line(name, text);
    }

    @Override
    public synchronized void flush() {
      target.flush();
    }

    synchronized void finish() {
      if (closed) return;
      if (line.size() > 0) emit();
      closed = true;
      target.flush();
    }
  }
}
