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
 * {@link #append} stores what a record is made of in a slot of a batch, under a short lock, and
 * returns: its name and kind, its context as the loop's shared {@link Frame.Prefix} and the index
 * (or the frame itself where the position has an element), and a double's or an integer's bits
 * rather than the boxed value, so that nothing the program allocated per step stays alive until
 * it is written (the garbage collector then has only dead objects to pass over). A background
 * thread turns batches into lines of JSON (formatting numbers straight into bytes, the constant
 * parts of lines kept once) and hands them to the operating system every {@code flushMillis}, so
 * that a crash or {@code kill -9} of the program loses at most that much; {@link #sync} forces them
 * to the disk ({@code commit()} and exit). Values that may change after they are logged (arrays,
 * lists, maps, other objects) are encoded at once, on the logging thread; numbers, strings and
 * booleans, which cannot change, are encoded later. A flusher that finds more batches waiting
 * after a round goes on without sleeping; if it still falls far behind, the logging thread encodes
 * and writes a batch itself, so that memory stays bounded.
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
  static final int MAX_WAITING_RECORDS = 256 * BATCH;
  /** Above this many records waiting, the flusher is woken before its next round. */
  private static final int WAKE_FLUSHER_RECORDS = 16 * BATCH;
  /** Encoded bytes handed to the operating system at once while a long backlog is encoded. */
  private static final int WRITE_CHUNK = 1 << 20;
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
   * The wall clock, read once per record for its {@code t}: the JVM's {@link CoarseClock}, or a
   * test's; one class per JVM at this call site, so that it inlines to the read itself.
   */
  private final LongSupplier millis;

  // ---- guarded by this: the records not yet encoded
  private Batch filling = new Batch();
  private final List<Batch> full = new ArrayList<>();
  private final List<Batch> pool = new ArrayList<>();
  private long seq;
  /** The sequence number of the first record not yet taken by a flush: {@code seq - flushedSeq} records wait. */
  private long flushedSeq;
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
    // The slot takes the value's bits where it has them (a double, an integer), so that nothing
    // the program made stays alive until the flusher writes it: the garbage collector has only
    // dead objects to pass over. What may change after this call, or runs the program's own
    // code (toString), is encoded now.
    byte form;
    long bits = 0;
    Object ref = null;
    if (value instanceof Double && type == Values.FLOAT) {
      form = DOUBLE;
      bits = Double.doubleToRawLongBits((Double) value);
    } else if (type == Values.INT && (value instanceof Long || value instanceof Integer || value instanceof Short
        || value instanceof Byte)) {
      form = LONG;
      bits = ((Number) value).longValue();
    } else if (encodesLater(type, value)) {
      form = LATER;
      ref = value;
    } else {
      form = TEXT;
      ref = encodeNow(name, type, value);
    }
    return slot(t, ctx, shape(kind, type, form, source), name, bits, ref);
  }

  /**
   * {@link #append} of a logged double ({@code kind} "log", type {@link Values#FLOAT}): the common
   * record, on a path of its own, so that the compiled code of a training loop's log is not
   * thrown away when the first record of another kind (a loop's profile, at the end of its first
   * run) goes through {@code append}.
   */
  public long appendDouble(Frame ctx, String name, double value, String source) {
    Shape shape = logDouble;
    if (shape.source != source) logDouble = shape = shape.from(source);
    return slot(millis.getAsLong(), ctx, shape, name, Double.doubleToRawLongBits(value), null);
  }

  /** {@link #append} of a logged integer ({@code kind} "log", type {@link Values#INT}), on a path of its own as {@link #appendDouble}. */
  public long appendLong(Frame ctx, String name, long value, String source) {
    Shape shape = logLong;
    if (shape.source != source) logLong = shape = shape.from(source);
    return slot(millis.getAsLong(), ctx, shape, name, value, null);
  }

  /** The shapes of logged doubles and integers, kept for their source; racy, and benign: shapes are immutable. */
  private Shape logDouble = shape("log", Values.FLOAT, DOUBLE, "forward");
  private Shape logLong = shape("log", Values.INT, LONG, "forward");

  // The logging thread's part of every record: as few bytecodes and stores as it can be, since a
  // training loop's first thousands of logs run interpreted. What is rare (a full batch, a
  // backlog) is in methods of their own.
  private long slot(long t, Frame ctx, Shape shape, String name, long bits, Object ref) {
    // a loop position without an element: its loop's shared prefix and the index, not the frame
    Object where = ctx.value == null && ctx.prefix != null ? ctx.prefix : ctx;
    long mySeq;
    boolean writeBacklog = false;
    synchronized (this) {
      if (closed) throw closedError();
      Batch b = filling;
      int i = b.n;
      b.t[i] = t;
      b.ctx[i] = where;
      b.index[i] = ctx.index;
      b.shape[i] = shape;
      b.name[i] = name;
      b.bits[i] = bits;
      b.value[i] = ref;
      b.n = i + 1;
      mySeq = seq++;
      if (i + 1 == BATCH) writeBacklog = batchFilled(b);
    }
    // Taken only when the flusher fell a long way behind. Waking the flusher is done in
    // batchFilled, under the lock: a branch here on that rarer event, not yet seen when the JIT
    // compiles this method early in a run, would be compiled out and cost a deoptimization (and
    // a recompilation) in the middle of the run's first loop when the first wake-up comes.
    if (writeBacklog) flush();
    return mySeq;
  }

  private IllegalStateException closedError() {
    return new IllegalStateException("the run's record file is closed: " + file);
  }

  /**
   * Under the lock: a full batch waits for the flusher, which is woken when many records wait.
   * True when so many wait that the logging thread must write them itself (outside the lock).
   */
  private boolean batchFilled(Batch b) {
    full.add(b);
    filling = pool.isEmpty() ? new Batch() : pool.remove(pool.size() - 1);
    long waiting = seq - flushedSeq;
    if (waiting > MAX_WAITING_RECORDS) return true;
    if (!flusherWoken && waiting > WAKE_FLUSHER_RECORDS) {
      flusherWoken = true;
      LockSupport.unpark(flusher);
    }
    return false;
  }

  /** How a slot holds its value: encoded later from the object; JSON text; a double's bits; an integer. */
  private static final byte LATER = 0;
  private static final byte TEXT = 1;
  private static final byte DOUBLE = 2;
  private static final byte LONG = 3;

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
        firstSeq = flushedSeq;
        flushedSeq = seq;
      }
      // nothing new, nothing failed, nothing left by a round that threw: nothing to do
      if (batches.isEmpty() && !failing && out.length == 0 && unwritten.length == 0) return;
      long s = firstSeq;
      for (Batch b : batches) {
        encode(b, s);
        s += b.n;
        // a long backlog goes out in pieces, so that the buffer stays small and cache-warm
        if (out.length >= WRITE_CHUNK && !failing) write();
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
    // A method per line: the JIT compiles a method after a few hundred calls, but a loop's body
    // only after tens of thousands of rounds, which a run's first batches would spend interpreted.
    for (int i = 0; i < b.n; i++) encodeLine(b, i, firstSeq + i);
  }

  private void encodeLine(Batch b, int i, long seq) {
    Buffer o = out;
    Object where = b.ctx[i];
    Shape shape = b.shape[i];
    Middle m = middle(shape, b.name[i]);
    if (where instanceof Frame.Prefix) {
      head(seq, b.t[i], (Frame.Prefix) where);
      o.put(head, 0, headLength);
      o.putLong(b.index[i]);
      o.put(m.afterIndex);
    } else {
      head(seq, b.t[i], null);
      o.put(head, 0, headLength);
      o.put(((Frame) where).json());
      o.put(m.bytes);
    }
    switch (shape.form) {
      case DOUBLE:
        double d = Double.longBitsToDouble(b.bits[i]);
        if (Double.isFinite(d)) {
          o.putDouble(d);
        } else {
          o.putText(valueText(Values.FLOAT, d));
        }
        break;
      case LONG:
        o.putLong(b.bits[i]);
        break;
      case TEXT:
        o.putText((String) b.value[i]);
        break;
      default:
        o.putText(valueText(shape.type, b.value[i]));
    }
    o.put(shape.end);
  }

  private static final byte[] NO_ELEMENT = {',', 'n', 'u', 'l', 'l', ']', ']'};

  // ---- the constant parts of lines, kept by the encoding thread (under writeLock)
  /**
   * The start of the line being encoded, up to its context and maybe a loop's prefix of it: {@code
   * {"run":"<id>","seq":<seq>,"t":<t>,"ctx":}. The sequence number is counted up in place.
   */
  private byte[] head = new byte[0];
  private int headLength;
  /** Where the sequence number's digits end in {@link #head}. */
  private int seqEnd;
  /** Where the context starts in {@link #head}: what follows is {@link #headPrefix}'s bytes. */
  private int ctxStart;
  /** The prefix whose bytes end {@link #head}, or null. */
  private Frame.Prefix headPrefix;
  private long headSeq = -1;
  private long headT = Long.MIN_VALUE;
  private final java.util.Map<String, Middle> middles = new java.util.HashMap<>();
  private Shape lastShape;
  private String lastName;
  private Middle lastMiddle;

  /**
   * Makes {@link #head} the start of the line of record {@code seq} at time {@code t}, up to its
   * context, and then {@code prefix}'s bytes (the context up to the index) when there is one: the
   * records of one millisecond in one loop differ there only in the sequence number.
   */
  private void head(long seq, long t, Frame.Prefix prefix) {
    if (t != headT || seq != headSeq + 1 || !countUp()) {
      byte[] tail = (",\"t\":" + t + ",\"ctx\":").getBytes(StandardCharsets.US_ASCII);
      int n = lineStart.length + Digits.MAX_LONG_LENGTH + tail.length;
      if (head.length < n) head = Arrays.copyOf(head, n);
      System.arraycopy(lineStart, 0, head, 0, lineStart.length);
      seqEnd = Digits.writeLong(head, lineStart.length, seq);
      System.arraycopy(tail, 0, head, seqEnd, tail.length);
      ctxStart = seqEnd + tail.length;
      headLength = ctxStart;
      headPrefix = null;
      headT = t;
    }
    headSeq = seq;
    if (prefix != headPrefix) {
      byte[] p = prefix == null ? NOTHING : prefix.bytes();
      if (head.length < ctxStart + p.length) head = Arrays.copyOf(head, ctxStart + p.length);
      System.arraycopy(p, 0, head, ctxStart, p.length);
      headLength = ctxStart + p.length;
      headPrefix = prefix;
    }
  }

  private static final byte[] NOTHING = {};

  /** Adds one to the sequence number in {@link #head}; false when it would need one more digit. */
  private boolean countUp() {
    for (int i = seqEnd - 1; i >= lineStart.length; i--) {
      if (head[i] != '9') {
        head[i]++;
        return true;
      }
      head[i] = '0';
    }
    return false; // all nines, now zeros: head() writes it again, a digit longer
  }

  /** {@code ,"kind":"<kind>","name":<name>,"type":"<type>","value":} */
  private Middle middle(Shape shape, String name) {
    if (name == lastName && shape == lastShape) return lastMiddle;
    String kind = shape.kind;
    Values type = shape.type;
    Middle first = middles.get(name);
    Middle m = first;
    while (m != null && !(m.type == type && m.kind.equals(kind))) m = m.next;
    if (m == null) {
      StringBuilder sb = new StringBuilder(",\"kind\":");
      Json.writeString(sb, kind);
      sb.append(",\"name\":");
      Json.writeString(sb, name);
      sb.append(",\"type\":\"").append(type.wire).append("\",\"value\":");
      m = new Middle(kind, type, sb.toString().getBytes(StandardCharsets.UTF_8), first);
      // a program that makes up names without end (one per step) must not fill the memory
      if (middles.size() >= 4096) middles.clear();
      middles.put(name, m);
    }
    lastShape = shape;
    lastName = name;
    lastMiddle = m;
    return m;
  }

  /** The middle part of the lines of one kind, name and type; others of the same name follow {@link #next}. */
  private static final class Middle {
    final String kind;
    final Values type;
    final byte[] bytes;
    /** {@link #NO_ELEMENT}, then {@link #bytes}: what follows the index of a loop position without an element. */
    final byte[] afterIndex;
    final Middle next;

    Middle(String kind, Values type, byte[] bytes, Middle next) {
      this.kind = kind;
      this.type = type;
      this.bytes = bytes;
      this.afterIndex = Arrays.copyOf(NO_ELEMENT, NO_ELEMENT.length + bytes.length);
      System.arraycopy(bytes, 0, afterIndex, NO_ELEMENT.length, bytes.length);
      this.next = next;
    }
  }

  /**
   * What a record is besides its name, context and value: its kind, its value's type and how its
   * slot holds the value, and its source; one object for all the records of a kind, so that a
   * slot stores one reference for them. Interned: equal shapes are the same object.
   */
  private static final class Shape {
    final String kind;
    final Values type;
    final byte form;
    final String source;
    /** {@code ,"src":"<source>"}} and the line's end. */
    final byte[] end;

    Shape(String kind, Values type, byte form, String source) {
      this.kind = kind;
      this.type = type;
      this.form = form;
      this.source = source;
      StringBuilder sb = new StringBuilder(",\"src\":");
      Json.writeString(sb, source);
      this.end = sb.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    boolean is(String kind, Values type, byte form, String source) {
      return this.kind.equals(kind) && this.type == type && this.form == form && this.source.equals(source);
    }

    /** This shape with another source. */
    Shape from(String source) {
      return shape(kind, type, form, source);
    }
  }

  /** The shapes of this JVM's records: a few dozen at most, since kinds and sources are FlorDB's own. */
  private static final List<Shape> SHAPES = new ArrayList<>();
  /** The shape last found (null before the first): records of one kind come in runs. */
  private static volatile Shape lastFound;

  private static Shape shape(String kind, Values type, byte form, String source) {
    Shape last = lastFound;
    if (last != null && last.is(kind, type, form, source)) return last;
    synchronized (SHAPES) {
      for (Shape sh : SHAPES) if (sh.is(kind, type, form, source)) return lastFound = sh;
      Shape made = new Shape(kind, type, form, source);
      SHAPES.add(made);
      return lastFound = made;
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
      boolean behind;
      synchronized (this) {
        if (closing) return;
        // Encode on while the backlog is long (append wakes this thread when it gets so), rather
        // than leave it to grow until the logging thread has to write it itself; otherwise wait
        // for the next round. Not after every batch: a training loop that just started runs
        // interpreted until the JIT compiles it, and this thread would take the core the
        // compilers need (the record file is still written every flushMillis).
        behind = seq - flushedSeq > WAKE_FLUSHER_RECORDS;
      }
      if (!behind) LockSupport.parkNanos(flushNanos);
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

  /**
   * A batch of records waiting to be encoded, as parallel arrays. A record's context is its
   * frame, or for a loop position without an element the loop's {@link Frame.Prefix} and the
   * index; its value is its bits, its JSON text or the object itself ({@link #form}).
   */
  private static final class Batch {
    final long[] t = new long[BATCH];
    final Object[] ctx = new Object[BATCH];
    final long[] index = new long[BATCH];
    final Shape[] shape = new Shape[BATCH];
    final String[] name = new String[BATCH];
    final long[] bits = new long[BATCH];
    final Object[] value = new Object[BATCH];
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

    /** A long in decimal, as {@link Long#toString(long)} writes it. */
    void putLong(long v) {
      ensure(Digits.MAX_LONG_LENGTH);
      length = Digits.writeLong(bytes, length, v);
    }

    /** A finite double as {@link DoubleText} writes it. */
    void putDouble(double v) {
      ensure(DoubleText.MAX_LENGTH);
      length = DoubleText.write(bytes, length, v, scratch);
    }

    private final byte[] scratch = new byte[DoubleText.DIGITS];

    void dropFirst(int n) {
      System.arraycopy(bytes, n, bytes, 0, length - n);
      length -= n;
    }
  }
}
