package dev.flordb.internal.records;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Streams one run's records to its file.
 *
 * <h2>The logging thread does as little as it can</h2>
 *
 * {@link #append} stores what a record is made of (its context, name, kind and the value itself)
 * in a slot of a batch, under a short lock, and returns. A background thread turns batches into
 * lines of JSON (formatting numbers, building each loop position's context text once) and hands
 * them to the operating system every {@code flushMillis}, so that a crash or {@code kill -9} of the
 * program loses at most that much; {@link #sync} forces them to the disk ({@code commit()} and
 * exit). Values that may change after they are logged (arrays, lists, maps, other objects) are
 * encoded at once, on the logging thread; numbers, strings and booleans, which cannot change, are
 * encoded later. If the background thread falls far behind, the logging thread encodes and writes
 * a batch itself, so that memory stays bounded.
 *
 * <h2>A full disk never stops the program</h2>
 *
 * A failed or short write keeps the records: in memory up to {@link #MAX_UNWRITTEN_BYTES}, then in a
 * spill file in another writable place ({@link Spill}), named in the one warning the program
 * prints. Every flush tries again, spill file first, so the record file gets exactly the bytes in
 * order once space returns. If the program ends first, the spill file stays where {@code flordb}
 * finds it and puts it back ({@link Spill#recover}). Nothing here throws into the program.
 */
public final class RecordWriter implements Closeable {
  /** Records per batch. */
  private static final int BATCH = 4096;
  /** Above this many records waiting to be encoded, the logging thread encodes and writes them itself. */
  private static final int MAX_WAITING_RECORDS = 256 * BATCH;
  /** Above this many records waiting, the flusher is woken before its next round. */
  private static final int WAKE_FLUSHER_RECORDS = 64 * BATCH;
  /** Bytes kept in memory when the file cannot be written; beyond, they go to the spill file. */
  static final int MAX_UNWRITTEN_BYTES = 32 << 20;
  private final int maxUnwrittenBytes;

  /** How the record file and the spill file are opened: a seam for tests that make writes fail. */
  public interface Opener {
    /**
     * Opens a new record file for appending ({@code recordFile}), or a spill file for writing at
     * positions (created if missing).
     */
    FileChannel open(Path file, boolean recordFile) throws IOException;

    Opener FILES = (file, recordFile) -> recordFile
        ? FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
        : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private final Path file;
  /** {@code {"run":"<id>","seq":} */
  private final byte[] lineStart;
  /** Reopened (for appending) when an interrupt of a writing thread closed it. */
  private FileChannel channel;
  private final Opener opener;
  private final Thread flusher;
  private final long flushNanos;
  private final Consumer<String> warn;
  private final Spill spill;
  /**
   * The wall clock, read once per record for its {@code t}: the run's ({@code ticker::millis}),
   * one class per JVM at this call site, so that it inlines to the clock read itself.
   */
  private final LongSupplier millis;

  // ---- guarded by this: the records not yet encoded
  private Batch filling = new Batch();
  private final List<Batch> full = new ArrayList<>();
  private final List<Batch> pool = new ArrayList<>();
  private int waiting;
  private long seq;
  private boolean closed;
  /** Set when close() begins: the flusher stops, and close() writes what is left. */
  private boolean closing;
  private boolean flusherWoken;

  // ---- guarded by writeLock: encoding and the file
  private final Object writeLock = new Object();
  private final Buffer out = new Buffer(1 << 16);
  /** Encoded bytes a write did not take, in order, after whatever the spill file holds. */
  private final Buffer unwritten = new Buffer(0);
  /** Bytes handed to the operating system so far (the file is new: this is its size). */
  private long written;
  private boolean failing;

  /** A writer whose records' times {@code t} are read from {@code millis} (milliseconds since the epoch). */
  public RecordWriter(Path file, String runId, long flushMillis, Consumer<String> warn, LongSupplier millis)
      throws IOException {
    this(file, runId, flushMillis, warn, Opener.FILES, Spill.forRecordFile(file), MAX_UNWRITTEN_BYTES, millis);
  }

  /** With the file layer and the spill place given, and how much to keep in memory before spilling: for tests. */
  RecordWriter(Path file, String runId, long flushMillis, Consumer<String> warn, Opener opener, Spill spill,
      int maxUnwrittenBytes) throws IOException {
    // the writer's own tests bring no clock: the JVM's
    this(file, runId, flushMillis, warn, opener, spill, maxUnwrittenBytes, System::currentTimeMillis);
  }

  private RecordWriter(Path file, String runId, long flushMillis, Consumer<String> warn, Opener opener, Spill spill,
      int maxUnwrittenBytes, LongSupplier millis) throws IOException {
    this.millis = millis;
    this.maxUnwrittenBytes = maxUnwrittenBytes;
    this.file = file;
    StringBuilder sb = new StringBuilder("{\"run\":");
    Json.writeString(sb, runId);
    sb.append(",\"seq\":");
    this.lineStart = sb.toString().getBytes(StandardCharsets.UTF_8);
    this.warn = warn;
    this.flushNanos = flushMillis * 1_000_000L;
    this.spill = spill;
    // CREATE_NEW: two runs never share a file, even if their ids were to collide.
    this.channel = opener.open(file, true);
    this.opener = opener;
    spill.opener(opener);
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
    long t = millis.getAsLong();
    // What may change after this call, or runs the program's own code (toString), is encoded now.
    String text = encodesLater(type, value) ? null : encodeNow(name, type, value);
    boolean writeNow;
    boolean wake = false;
    long mySeq;
    synchronized (this) {
      if (closed) throw new IllegalStateException("the run's record file is closed: " + file);
      mySeq = seq++;
      Batch b = filling;
      int i = b.n++;
      b.t[i] = t;
      b.ctx[i] = ctx;
      b.kind[i] = kind;
      b.name[i] = name;
      b.type[i] = type;
      b.value[i] = text == null ? value : text;
      b.encoded[i] = text != null;
      b.source[i] = source;
      if (b.n == BATCH) {
        full.add(b);
        filling = pool.isEmpty() ? new Batch() : pool.remove(pool.size() - 1);
      }
      waiting++;
      writeNow = waiting > MAX_WAITING_RECORDS;
      if (!writeNow && !flusherWoken && waiting > WAKE_FLUSHER_RECORDS) {
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

  /** Numbers, strings and booleans cannot change once logged: they are formatted by the flusher. */
  private static boolean encodesLater(Values type, Object value) {
    return value == null || value instanceof String || value instanceof Number && type != Values.REPR
        && type != Values.JSON || value instanceof Boolean || value instanceof Character;
  }

  /** The value's JSON now; a {@code toString()} that throws is recorded as such and reported, never thrown. */
  private String encodeNow(String name, Values type, Object value) {
    try {
      return valueText(type, value);
    } catch (RuntimeException | StackOverflowError e) {
      warn.accept("the value logged as '" + name + "' (a " + value.getClass().getName() + ") could not be written: its"
          + " toString() threw " + e + "; it is recorded as that error. Log a number, a string or a Map instead.");
      StringBuilder sb = new StringBuilder();
      Json.writeString(sb, "<" + value.getClass().getName() + ": toString() threw " + e + ">");
      return sb.toString();
    }
  }

  /** The value as JSON, in the form its type is stored in. */
  public static String valueText(Values type, Object value) {
    if (value == null) return "null";
    if (type == Values.FLOAT && value instanceof Double) {
      double d = (Double) value;
      if (Double.isFinite(d)) return DoubleText.toString(d); // as Json.write does
    }
    StringBuilder sb = new StringBuilder(16);
    type.writeValue(sb, value);
    return sb.toString();
  }

  /** Hands everything appended so far to the operating system (survives a kill of the JVM). */
  public void flush() {
    synchronized (writeLock) {
      List<Batch> batches = new ArrayList<>();
      long firstSeq;
      synchronized (this) {
        flusherWoken = false;
        batches.addAll(full);
        full.clear();
        if (filling.n > 0) {
          batches.add(filling);
          filling = pool.isEmpty() ? new Batch() : pool.remove(pool.size() - 1);
        }
        firstSeq = seq - waiting;
        waiting = 0;
      }
      // nothing new, nothing failed, nothing left by a round that threw: nothing to do
      if (batches.isEmpty() && !failing && out.length == 0 && unwritten.length == 0) return;
      long s = firstSeq;
      for (Batch b : batches) {
        encode(b, s);
        s += b.n;
      }
      write();
      synchronized (this) {
        for (Batch b : batches) {
          b.clear();
          if (pool.size() < 4) pool.add(b);
        }
      }
    }
  }

  /** Encodes a batch's records as lines into {@link #out}. */
  private void encode(Batch b, long firstSeq) {
    Buffer o = out;
    for (int i = 0; i < b.n; i++) {
      o.put(lineStart);
      o.putLong(firstSeq + i);
      o.putAscii(",\"t\":");
      o.putLong(b.t[i]);
      o.putAscii(",\"ctx\":");
      o.put(b.ctx[i].json());
      o.putAscii(",\"kind\":\"");
      o.putText(b.kind[i]);
      o.putAscii("\",\"name\":");
      o.putJsonString(b.name[i]);
      o.putAscii(",\"type\":\"");
      o.putAscii(b.type[i].wire);
      o.putAscii("\",\"value\":");
      Object v = b.value[i];
      if (b.encoded[i]) {
        o.putText((String) v);
      } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
        o.putLong(((Number) v).longValue());
      } else {
        o.putText(valueText(b.type[i], v));
      }
      o.putAscii(",\"src\":\"");
      o.putText(b.source[i]);
      o.putAscii("\"}\n");
    }
  }

  /**
   * Writes what is waiting, in order: the spill file's bytes, then those kept in memory, then the
   * newly encoded ones. Whatever a write does not take is kept for the next round.
   */
  private void write() {
    try {
      if (closedByInterrupt || !channel.isOpen()) reopen();
      if (spill.holdsBytes()) spill.writeBackTo(channel, n -> written += n);
      if (unwritten.length > 0) writeFully(unwritten);
      if (out.length > 0) writeFully(out);
      if (failing) {
        failing = false;
        warn.accept("records are written to " + file + " again; none was lost");
      }
    } catch (java.nio.channels.ClosedChannelException e) {
      // a thread interrupted while it wrote (the program's own, cancelling its work) closed the
      // channel: the bytes written are in the file, the rest is kept; the next round reopens it
      closedByInterrupt = true;
      keep(new IOException("the record file was closed by an interrupt; it is opened again", e));
    } catch (IOException e) {
      keep(e);
    }
  }

  private void reopen() throws IOException {
    channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    closedByInterrupt = false;
  }

  private boolean closedByInterrupt;

  /** Writes a buffer; the part written is dropped from it and counted, also when a write fails. */
  private void writeFully(Buffer b) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b.bytes, 0, b.length);
    int stalls = 0;
    try {
      while (buf.hasRemaining()) {
        if (channel.write(buf) == 0 && ++stalls > 100) throw new IOException("the file takes no more bytes");
      }
    } finally {
      int done = buf.position();
      written += done;
      if (done == b.length) {
        b.length = 0;
      } else {
        b.dropFirst(done);
      }
    }
  }

  /** A write failed: keep everything not written, in memory and beyond a bound in the spill file. */
  private void keep(IOException e) {
    if (out.length > 0) {
      unwritten.put(out.bytes, 0, out.length);
      out.length = 0;
    }
    String spilled = null;
    if (unwritten.length > maxUnwrittenBytes || spill.holdsBytes()) {
      // once bytes are in the spill file, later ones go after them
      if (spill.append(unwritten, written)) {
        unwritten.length = 0;
        spilled = spill.file().toString();
      }
    }
    if (!failing) {
      failing = true;
      warn.accept("could not write records to " + file + " (" + e.getMessage() + "); the program goes on and the"
          + " records are kept: in memory (up to " + (maxUnwrittenBytes >> 20) + " MiB), then in " + spill.file()
          + ", and written to " + file.getFileName() + " when space returns. Free disk space or fix permissions.");
    } else if (spilled != null && spill.justStarted()) {
      warn.accept("records for " + file.getFileName() + " are now kept in " + spilled);
    }
  }

  /** Flushes and forces the file to disk: what has been appended survives a power loss (when it could be written). */
  public void sync() {
    flush();
    synchronized (writeLock) {
      if (failing) return; // said already; the records wait in memory or the spill file
      try {
        channel.force(false);
      } catch (IOException e) {
        warn.accept("could not force " + file + " to the disk (" + e.getMessage() + "); the records are with the"
            + " operating system, and survive the program but maybe not a power loss");
      }
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

  /** Whether some records could not be written to the file yet (a full disk). */
  public boolean behind() {
    synchronized (writeLock) {
      return failing;
    }
  }

  private void flushLoop() {
    while (true) {
      synchronized (this) {
        if (closing) return;
      }
      LockSupport.parkNanos(flushNanos);
      synchronized (this) {
        if (closing) return; // close() writes the rest itself
      }
      try {
        flush();
      } catch (RuntimeException e) {
        warn.accept("the record writer of " + file + " failed (" + e + "); it tries again");
      }
    }
  }

  @Override
  public void close() {
    // a thread asked to stop still ends its run: its interrupt would close the channel mid-write,
    // so the flag is set aside for the last writes and put back after them
    boolean interrupted = Thread.interrupted();
    try {
      closeWriting();
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  private void closeWriting() {
    synchronized (this) {
      closing = true;
    }
    // Woken, not interrupted: an interrupt that reaches the flusher inside a write closes the
    // channel (ClosedByInterruptException), and every later record would go to the spill file.
    LockSupport.unpark(flusher);
    try {
      flusher.join(10_000); // it stops at its next step; the last writes are this thread's
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      sync();
    } finally {
      synchronized (this) {
        closed = true;
      }
      synchronized (writeLock) {
        if (failing) {
          // the program ends before space returned: what is still in memory goes to the spill file
          if (unwritten.length > 0 && spill.append(unwritten, written)) unwritten.length = 0;
          warn.accept(unwritten.length == 0
              ? "the last records of this run could not be written to " + file + "; they are kept in " + spill.file()
                  + " and any flordb command puts them back once there is space"
              : "the last " + unwritten.length + " bytes of records of this run could be written neither to " + file
                  + " nor to " + spill.file() + " and are lost");
        }
        try {
          channel.close();
        } catch (IOException ignored) {
          // the data was forced above, or is kept in the spill file
        }
        spill.close();
      }
    }
  }

  /** A batch of records waiting to be encoded, as parallel arrays. */
  private static final class Batch {
    final long[] t = new long[BATCH];
    final Frame[] ctx = new Frame[BATCH];
    final String[] kind = new String[BATCH];
    final String[] name = new String[BATCH];
    final Values[] type = new Values[BATCH];
    /** The value, or its JSON text when {@link #encoded}. */
    final Object[] value = new Object[BATCH];
    final boolean[] encoded = new boolean[BATCH];
    final String[] source = new String[BATCH];
    int n;

    void clear() {
      Arrays.fill(ctx, 0, n, null);
      Arrays.fill(name, 0, n, null);
      Arrays.fill(value, 0, n, null);
      n = 0;
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
        bytes = Arrays.copyOf(bytes, Math.max(Math.max(16, bytes.length << 1), length + more));
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
