package dev.flordb.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Streams one run's records to its file. {@link #append} only formats the line into a memory
 * buffer; a background thread hands the buffer to the operating system every
 * {@code flushMillis}, so that a crash or {@code kill -9} of the program loses at most that much,
 * and {@link #sync} forces it to the disk ({@code commit()} and exit).
 *
 * <p>A failed write keeps the data in memory and is retried; nothing already logged is dropped.
 */
public final class RecordWriter implements Closeable {
  /** Above this many buffered characters the logging thread writes the buffer itself. */
  private static final int MAX_BUFFERED_CHARS = 8 << 20;

  private final Path file;
  private final String runJson;
  private final FileChannel channel;
  private final Thread flusher;
  private final long flushNanos;
  private final Consumer<String> warn;

  private StringBuilder pending = new StringBuilder(1 << 16);
  private StringBuilder spare = new StringBuilder(1 << 16);
  private long seq;
  private boolean closed;
  private boolean warnedWriteFailure;
  /** Guards the channel, so that buffers reach the file in the order they were filled. */
  private final Object writeLock = new Object();

  public RecordWriter(Path file, String runId, long flushMillis, Consumer<String> warn) throws IOException {
    this.file = file;
    StringBuilder sb = new StringBuilder();
    Json.writeString(sb, runId);
    this.runJson = sb.toString();
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
    boolean writeNow;
    long mySeq;
    synchronized (this) {
      if (closed) throw new IllegalStateException("the run's record file is closed: " + file);
      mySeq = seq++;
      StringBuilder b = pending;
      b.append("{\"run\":").append(runJson)
          .append(",\"seq\":").append(mySeq)
          .append(",\"t\":").append(t)
          .append(",\"ctx\":").append(ctx.json)
          .append(",\"kind\":\"").append(kind)
          .append("\",\"name\":");
      Json.writeString(b, name);
      b.append(",\"type\":\"").append(type.wire)
          .append("\",\"value\":");
      if (value == null) {
        b.append("null");
      } else {
        type.writeValue(b, value);
      }
      b.append(",\"src\":\"").append(source).append("\"}\n");
      writeNow = b.length() > MAX_BUFFERED_CHARS;
    }
    if (writeNow) flush();
    return mySeq;
  }

  /** Hands everything appended so far to the operating system (survives a kill of the JVM). */
  public void flush() {
    synchronized (writeLock) {
      StringBuilder toWrite;
      synchronized (this) {
        if (pending.length() == 0) return;
        toWrite = pending;
        pending = spare;
        spare = null;
      }
      byte[] bytes = toWrite.toString().getBytes(StandardCharsets.UTF_8);
      try {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) channel.write(buf);
        toWrite.setLength(0);
        if (toWrite.capacity() > (MAX_BUFFERED_CHARS << 1)) toWrite = new StringBuilder(1 << 16);
        synchronized (this) {
          spare = toWrite;
        }
      } catch (IOException e) {
        // Keep the unwritten records: put them back in front of whatever came since.
        synchronized (this) {
          toWrite.append(pending);
          spare = pending;
          spare.setLength(0);
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

  private void flushLoop() {
    while (true) {
      synchronized (this) {
        if (closed) return;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(flushNanos);
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
}
