package dev.flordb.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Streams one run's records to its file. {@link #append} only encodes the line into a memory
 * buffer (UTF-8 bytes, ready to write); a background thread hands the buffer to the operating
 * system every {@code flushMillis}, and sooner when a lot has been logged, so that a crash or
 * {@code kill -9} of the program loses at most that much, and {@link #sync} forces it to the disk
 * ({@code commit()} and exit).
 *
 * <p>A failed write keeps the data in memory and is retried; nothing already logged is dropped.
 */
public final class RecordWriter implements Closeable {
  /** Above this many buffered bytes the logging thread writes the buffer itself. */
  private static final int MAX_BUFFERED_BYTES = 8 << 20;
  /** Above this many buffered bytes the flusher is woken before its next round. */
  private static final int WAKE_FLUSHER_BYTES = 1 << 20;

  private final Path file;
  /** {@code {"run":"<id>","seq":} */
  private final byte[] lineStart;
  private final FileChannel channel;
  private final Thread flusher;
  private final long flushNanos;
  private final Consumer<String> warn;

  private Buffer pending = new Buffer(1 << 16);
  private Buffer spare = new Buffer(1 << 16);
  private long seq;
  private boolean closed;
  private boolean flusherWoken;
  private boolean warnedWriteFailure;
  /** Bytes handed to the operating system so far (the file is new: this is its size). */
  private long written;
  /** Guards the channel, so that buffers reach the file in the order they were filled. */
  private final Object writeLock = new Object();

  public RecordWriter(Path file, String runId, long flushMillis, Consumer<String> warn) throws IOException {
    this.file = file;
    StringBuilder sb = new StringBuilder("{\"run\":");
    Json.writeString(sb, runId);
    sb.append(",\"seq\":");
    this.lineStart = sb.toString().getBytes(StandardCharsets.UTF_8);
    this.warn = warn;
    this.flushNanos = flushMillis * 1_000_000L;
    // CREATE_NEW: two runs never share a file, even if their ids were to collide.
    this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    this.flusher = new Thread(this::flushLoop, "flordb-record-flusher");
    flusher.setDaemon(true);
    flusher.start();
  }

  public Path file() {
    return file;
  }

  /**
   * Appends one record. Returns its sequence number.
   *
   * @param type how {@code value} is written (see {@link Values#classify})
   */
  public long append(Frame ctx, String kind, String name, Values type, Object value, String source) {
    long t = System.currentTimeMillis();
    // The value's JSON text is made before taking the lock: it may run the value's toString().
    boolean isLong = type == Values.INT && (value instanceof Long || value instanceof Integer
        || value instanceof Short || value instanceof Byte);
    String text = isLong ? null : valueText(type, value);
    boolean writeNow;
    boolean wake = false;
    long mySeq;
    synchronized (this) {
      if (closed) throw new IllegalStateException("the run's record file is closed: " + file);
      mySeq = seq++;
      Buffer b = pending;
      b.put(lineStart);
      b.putLong(mySeq);
      b.putAscii(",\"t\":");
      b.putLong(t);
      b.putAscii(",\"ctx\":");
      b.put(ctx.json);
      b.putAscii(",\"kind\":\"");
      b.putText(kind);
      b.putAscii("\",\"name\":");
      b.putJsonString(name);
      b.putAscii(",\"type\":\"");
      b.putAscii(type.wire);
      b.putAscii("\",\"value\":");
      if (isLong) {
        b.putLong(((Number) value).longValue());
      } else {
        b.putText(text);
      }
      b.putAscii(",\"src\":\"");
      b.putText(source);
      b.putAscii("\"}\n");
      writeNow = b.length > MAX_BUFFERED_BYTES;
      if (!writeNow && !flusherWoken && b.length > WAKE_FLUSHER_BYTES) {
        flusherWoken = true;
        wake = true;
      }
    }
    if (writeNow) {
      flush();
    } else if (wake) {
      LockSupport.unpark(flusher);
    }
    return mySeq;
  }

  /** The value as JSON, in the form its type is stored in. */
  static String valueText(Values type, Object value) {
    if (value == null) return "null";
    if (type == Values.FLOAT && value instanceof Double) {
      double d = (Double) value;
      if (Double.isFinite(d)) return Double.toString(d); // as Json.write does
    }
    StringBuilder sb = new StringBuilder(16);
    type.writeValue(sb, value);
    return sb.toString();
  }

  /** Hands everything appended so far to the operating system (survives a kill of the JVM). */
  public void flush() {
    synchronized (writeLock) {
      Buffer toWrite;
      synchronized (this) {
        flusherWoken = false;
        if (pending.length == 0) return;
        toWrite = pending;
        pending = spare;
        spare = null;
      }
      ByteBuffer buf = ByteBuffer.wrap(toWrite.bytes, 0, toWrite.length);
      try {
        while (buf.hasRemaining()) channel.write(buf);
        written += toWrite.length;
        toWrite.length = 0;
        if (toWrite.bytes.length > (MAX_BUFFERED_BYTES << 1)) toWrite = new Buffer(1 << 16);
        synchronized (this) {
          spare = toWrite;
        }
      } catch (IOException e) {
        // Keep the unwritten records: put them back in front of whatever came since.
        written += buf.position();
        synchronized (this) {
          toWrite.dropFirst(buf.position());
          toWrite.put(pending.bytes, 0, pending.length);
          spare = pending;
          spare.length = 0;
          pending = toWrite;
        }
        if (!warnedWriteFailure) {
          warnedWriteFailure = true;
          warn.accept("could not write records to " + file + " (" + e.getMessage()
              + "); they are kept in memory and retried. Free disk space or fix permissions.");
        }
        throw new FlorIOException("could not write records to " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /** Flushes and forces the file to disk: what has been appended survives a power loss. */
  public void sync() {
    flush();
    try {
      synchronized (writeLock) {
        channel.force(false);
      }
    } catch (IOException e) {
      throw new FlorIOException("could not sync " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The size of the file once everything appended so far has been handed to the operating system:
   * its first {@code size} bytes are whole records, and stay as they are.
   */
  public long flushedSize() {
    synchronized (writeLock) {
      flush();
      return written;
    }
  }

  private void flushLoop() {
    while (true) {
      synchronized (this) {
        if (closed) return;
      }
      LockSupport.parkNanos(flushNanos);
      try {
        flush();
      } catch (RuntimeException e) {
        // reported once by flush(); retried on the next round
      }
    }
  }

  @Override
  public void close() {
    try {
      sync();
    } finally {
      synchronized (this) {
        closed = true;
      }
      flusher.interrupt();
      try {
        channel.close();
      } catch (IOException ignored) {
        // the data was forced above
      }
    }
  }

  /** A growable byte buffer that encodes what is put into it as UTF-8. */
  static final class Buffer {
    byte[] bytes;
    int length;

    Buffer(int capacity) {
      bytes = new byte[capacity];
    }

    private void ensure(int more) {
      if (length + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length << 1, length + more));
      }
    }

    void put(byte[] b) {
      put(b, 0, b.length);
    }

    void put(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, bytes, length, len);
      length += len;
    }

    /** Text known to be ASCII (the constant parts of a line). */
    void putAscii(String s) {
      int n = s.length();
      ensure(n);
      for (int i = 0; i < n; i++) bytes[length++] = (byte) s.charAt(i);
    }

    /** Any text, as UTF-8. */
    void putText(String s) {
      int n = s.length();
      ensure(n);
      int start = length;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          length = start;
          put(s.getBytes(StandardCharsets.UTF_8));
          return;
        }
        bytes[length++] = (byte) c;
      }
    }

    /** A JSON string literal, escaped as {@link Json#writeString} does. */
    void putJsonString(String s) {
      int n = s.length();
      ensure(n + 2);
      int start = length;
      bytes[length++] = '"';
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
          length = start;
          StringBuilder sb = new StringBuilder(n + 8);
          Json.writeString(sb, s);
          putText(sb.toString());
          return;
        }
        bytes[length++] = (byte) c;
      }
      bytes[length++] = '"';
    }

    /** A long in decimal, as {@link Long#toString(long)} writes it. */
    void putLong(long v) {
      if (v == Long.MIN_VALUE) {
        putAscii(Long.toString(v));
        return;
      }
      ensure(20);
      if (v < 0) {
        bytes[length++] = '-';
        v = -v;
      }
      int digits = 1;
      for (long x = v; x >= 10; x /= 10) digits++;
      int end = length + digits;
      for (int i = end - 1; i >= length; i--) {
        bytes[i] = (byte) ('0' + (int) (v % 10));
        v /= 10;
      }
      length = end;
    }

    void dropFirst(int n) {
      System.arraycopy(bytes, n, bytes, 0, length - n);
      length -= n;
    }
  }
}
