package dev.flordb.internal.checkpoint;


import dev.flordb.internal.records.Frame;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.zip.CRC32C;

/**
 * A run's checkpoints: the enrolled objects' state at the end of outermost-loop iterations,
 * captured on the training thread ({@link StateCodec}, a quick copy) and written by a background
 * thread, so that checkpointing does not stall training.
 *
 * <h2>On disk</h2>
 *
 * {@code .flor/checkpoints/<run>/<loop>/<index>.ckpt} (ignored by git with the rest of
 * {@code .flor/}: replay can recompute them), written to a temporary file in
 * {@code .flor/checkpoints/.tmp/} and moved into place, so a file that exists is complete; the
 * temporary files of programs that were killed are removed by the next run. Format version 2,
 * big-endian:
 *
 * <pre>
 * int    0x464C434B ("FLCK")
 * byte   2 (version)
 * int    number of objects
 * then per object: UTF name, int length, length bytes of {@link StateCodec} encoding
 * long   CRC-32C of all the bytes before it
 * </pre>
 *
 * Version 1 files (the same without the checksum) are still read. A file whose checksum does not
 * match is damaged: it is named in a warning, set aside as {@code <index>.ckpt.damaged}, and a
 * replay uses the nearest earlier good checkpoint instead.
 *
 * <p>Memory stays bounded: a checkpoint is skipped while the previous one is still being written
 * (the last iteration's, which replay needs to skip the loop, and those of a policy that asks for
 * every iteration wait for it instead), so captures never pile up when the state is large and
 * iterations are short.
 *
 * Each written checkpoint is recorded as a {@code ckpt} record named {@code ckpt::<loop>} in the
 * context of its iteration, with the file (relative to {@code .flor/}), its size and its costs.
 */
public final class Checkpoints implements AutoCloseable {
  static final int MAGIC = 0x464C434B;
  static final int VERSION = 2;
  /** One capture in memory at a time, besides the live state. */
  private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(1);
  /** The files this process wrote (a replay removes them again when it diverged: their state may be wrong). */
  private final List<Path> writtenHere = java.util.Collections.synchronizedList(new ArrayList<>());
  /** Checkpoint files found whole by their checksum, and those found damaged. */
  private final java.util.Set<Path> verified = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Receives a finished checkpoint's record: its iteration, name and value. */
  public interface Recorder {
    void record(Frame iteration, String name, Map<String, Object> value);
  }

  private final Path florDir;
  private final Path runDir;
  private final CheckpointPolicy policy;
  private final Recorder recorder;
  private final Consumer<String> warn;
  private final LongSupplier nanos;
  private final Map<String, Object> enrolled = new LinkedHashMap<>();
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "flordb-checkpoint-writer");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger pending = new AtomicInteger();
  private volatile double lastCostSeconds = -1;
  private long lastEndNanos = -1;
  private boolean warnedFailure;
  /** In replay: recomputed checkpoints fill gaps and never replace one the run wrote. */
  private final boolean keepExisting;
  /** False with {@code FLOR_CHECKPOINTS=0}: nothing is written, enrolled objects can still be restored. */
  private final boolean enabled;

  public Checkpoints(Path florDir, String runId, CheckpointPolicy policy, Recorder recorder, Consumer<String> warn) {
    // a caller without a run (the tests of checkpoints alone) times with the JVM's clock
    this(florDir, runId, policy, recorder, warn, false, true, System::nanoTime);
  }

  /**
   * {@code nanos}: the run's monotonic clock ({@code ticker::nanos}), which times the intervals
   * the policy weighs and what each checkpoint cost.
   */
  public Checkpoints(Path florDir, String runId, CheckpointPolicy policy, Recorder recorder, Consumer<String> warn,
      boolean keepExisting, boolean enabled, LongSupplier nanos) {
    this.nanos = nanos;
    this.keepExisting = keepExisting;
    this.enabled = enabled;
    this.florDir = florDir;
    this.runDir = florDir.resolve("checkpoints").resolve(runId);
    this.policy = policy;
    this.recorder = recorder;
    this.warn = warn;
    removeTemporaryFilesOfEndedPrograms(florDir);
  }

  private static Path tmpDir(Path florDir) {
    return florDir.resolve("checkpoints").resolve(".tmp");
  }

  /** Temporary files are named {@code <pid>-<anything>.tmp}: those of processes that are gone are left by a kill. */
  static void removeTemporaryFilesOfEndedPrograms(Path florDir) {
    Path dir = tmpDir(florDir);
    if (!Files.isDirectory(dir)) return;
    try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tmp")) {
      for (Path f : ds) {
        String n = f.getFileName().toString();
        int dash = n.indexOf('-');
        try {
          long pid = Long.parseLong(n.substring(0, dash));
          if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
        } catch (RuntimeException notOurs) {
          // not a name of ours: left as it is
          continue;
        }
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // a later run tries again
    }
  }

  /** Enrols named objects, checking now that each can be checkpointed. */
  public synchronized void enrol(Map<String, ?> objects) {
    for (Map.Entry<String, ?> e : objects.entrySet()) StateCodec.validate(e.getKey(), e.getValue());
    for (Map.Entry<String, ?> e : objects.entrySet()) {
      if (enrolled.containsKey(e.getKey()) && enrolled.get(e.getKey()) != e.getValue()) {
        throw new IllegalArgumentException("Flor.checkpointing: \"" + e.getKey() + "\" is already enrolled"
            + " for another object; give each object its own name");
      }
    }
    enrolled.putAll(objects);
  }

  public synchronized void unenrol(Map<String, ?> objects) {
    for (String name : objects.keySet()) enrolled.remove(name);
  }

  synchronized boolean active() {
    return !enrolled.isEmpty();
  }

  /** Marks the start of the outermost loop: the first interval is measured from here. */
  public synchronized void loopStarted(long nanos) {
    if (lastEndNanos < 0) lastEndNanos = nanos;
  }

  /**
   * At the end of an outermost iteration: checkpoints if the policy says so (or {@code force},
   * for the loop's last iteration, whose state replay restores to skip the loop).
   */
  public synchronized void iterationEnded(Frame iteration, boolean force) {
    if (!enabled || enrolled.isEmpty()) return;
    long now = nanos.getAsLong();
    double since = lastEndNanos < 0 ? Double.MAX_VALUE : (now - lastEndNanos) / 1e9;
    if (!force && !policy.shouldTake(since, lastCostSeconds, pending.get())) return;
    if (force || keepExisting || policy.everyIteration()) {
      // the last iteration's, a replay's, or every iteration asked for: wait for the one being written
      inFlight.acquireUninterruptibly();
    } else if (!inFlight.tryAcquire()) {
      return; // the previous one is still being written: skip this one rather than hold a second copy
    }
    Map<String, StateCodec.Snapshot> state = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Object> e : enrolled.entrySet()) {
        state.put(e.getKey(), StateCodec.capture(e.getKey(), e.getValue()));
      }
    } catch (RuntimeException | Error e) {
      inFlight.release();
      throw e;
    }
    long captured = nanos.getAsLong();
    double captureSeconds = (captured - now) / 1e9;
    lastEndNanos = captured;
    pending.incrementAndGet();
    writer.execute(() -> {
      try {
        write(iteration, state, captureSeconds);
      } catch (Throwable t) {
        warn.accept("the checkpoint writer failed (" + t + "); training goes on without this checkpoint");
      } finally {
        pending.decrementAndGet();
        inFlight.release();
      }
    });
  }

  private void write(Frame iteration, Map<String, StateCodec.Snapshot> state, double captureSeconds) {
    long t0 = nanos.getAsLong();
    Path file = fileFor(iteration.loop, iteration.index);
    try {
      if (keepExisting && Files.exists(file)) return;
      Files.createDirectories(file.getParent());
      Files.createDirectories(tmpDir(florDir));
      Path tmp = tmpDir(florDir).resolve(ProcessHandle.current().pid() + "-" + runDir.getFileName() + "-"
          + iteration.loop.hashCode() + "-" + iteration.index + ".tmp");
      Map<String, byte[]> encoded = new LinkedHashMap<>();
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        DataOutputStream out = new DataOutputStream(new java.util.zip.CheckedOutputStream(os, crc));
        out.writeInt(MAGIC);
        out.writeByte(VERSION);
        out.writeInt(state.size());
        for (Map.Entry<String, StateCodec.Snapshot> e : state.entrySet()) {
          byte[] bytes = e.getValue().encode();
          encoded.put(e.getKey(), bytes);
          out.writeUTF(e.getKey());
          out.writeInt(bytes.length);
          out.write(bytes);
        }
        out.flush();
        new DataOutputStream(os).writeLong(crc.getValue());
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      writtenHere.add(file);
      double writeSeconds = (nanos.getAsLong() - t0) / 1e9;
      lastCostSeconds = captureSeconds + writeSeconds;
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("file", florDir.relativize(file).toString());
      v.put("bytes", Files.size(file));
      v.put("objects", new ArrayList<>(state.keySet()));
      // what a replay that executes this iteration must end in (ReplayCheck)
      v.put("state_hash", Long.toHexString(stateHash(encoded)));
      v.put("capture_s", captureSeconds);
      v.put("write_s", writeSeconds);
      recorder.record(iteration, "ckpt::" + iteration.loop, v);
    } catch (IOException | RuntimeException e) {
      if (!warnedFailure) {
        warnedFailure = true;
        warn.accept("could not write a checkpoint to " + file + " (" + e.getMessage() + "); training goes on"
            + " without it, and replay will recompute from an earlier one. Free disk space or fix permissions.");
      }
    }
  }

  /**
   * Reads a checkpoint file written by {@link #write}: object name to state. The file is mapped,
   * not read: the snapshots' primitive arrays stay in the page cache until a restore copies them
   * into the live arrays, so a restore allocates nothing of the size of the state (a copy of
   * several megabytes, made three times over, was most of a replay's restore). A checkpoint file
   * is never written in place (it is written aside and moved), so the mapping does not change.
   */
  public static Map<String, StateCodec.Snapshot> read(Path file) throws IOException {
    ByteBuffer in;
    try (FileChannel channel = FileChannel.open(file)) {
      in = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
    }
    try {
      int magic = in.getInt();
      if (magic != MAGIC) throw new IOException(file + " is not a FlorDB checkpoint");
      int version = in.get();
      if (version != 1 && version != VERSION) {
        throw new IOException(file + " has checkpoint format " + version + "; this flordb reads 1 to " + VERSION);
      }
      if (version >= 2) {
        if (in.capacity() < 17) throw new EOFException(file + " is cut short");
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(in.duplicate().position(0).limit(in.capacity() - 8));
        if (crc.getValue() != in.getLong(in.capacity() - 8)) {
          throw new IOException(file + " is damaged: its checksum does not match its content");
        }
        in.limit(in.capacity() - 8);
      }
      int n = in.getInt();
      Map<String, StateCodec.Snapshot> out = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String name = utf(in);
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) throw new EOFException(file + " is cut short");
        out.put(name, StateCodec.decode(in.slice(in.position(), length), Thread.currentThread().getContextClassLoader()));
        in.position(in.position() + length);
      }
      return out;
    } catch (BufferUnderflowException e) {
      throw new EOFException(file + " is cut short");
    }
  }

  /** A string as {@link DataOutputStream#writeUTF} writes it. */
  private static String utf(ByteBuffer in) throws IOException {
    byte[] b = new byte[2 + (in.getShort(in.position()) & 0xffff)];
    in.get(b);
    return DataInputStream.readUTF(new DataInputStream(new ByteArrayInputStream(b)));
  }

  /** Restores the enrolled objects in place from a checkpoint file; returns warnings. */
  public synchronized List<String> restore(Path file) throws IOException {
    List<String> warnings = new ArrayList<>();
    for (Map.Entry<String, StateCodec.Snapshot> e : read(file).entrySet()) {
      Object live = enrolled.get(e.getKey());
      if (live == null) {
        warnings.add("the checkpoint holds \"" + e.getKey() + "\", which the program did not enrol; it was not restored");
        continue;
      }
      warnings.addAll(e.getValue().restoreInto(live));
    }
    return warnings;
  }

  /** The hash of the enrolled objects' state now, as {@link #write} records it; null when nothing is enrolled. */
  public synchronized Long liveStateHash() {
    if (enrolled.isEmpty()) return null;
    Map<String, byte[]> encoded = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : enrolled.entrySet()) {
      encoded.put(e.getKey(), StateCodec.capture(e.getKey(), e.getValue()).encode());
    }
    return stateHash(encoded);
  }

  /**
   * The checkpoint at the end of this iteration when it exists and is whole; a damaged one is
   * named in a warning and set aside (so that a replay rebuilds it), and null returned.
   */
  public Path usable(String loop, long index) {
    Path file = fileFor(loop, index);
    if (verified.contains(file)) return file;
    if (!Files.isRegularFile(file)) return null;
    try {
      read(file);
      verified.add(file);
      return file;
    } catch (IOException | RuntimeException e) {
      Path aside = file.resolveSibling(file.getFileName() + ".damaged");
      try {
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException moveFailed) {
        aside = file;
      }
      warn.accept("the checkpoint " + file + " cannot be used (" + e.getMessage() + "); it is set aside as "
          + aside.getFileName() + " and the replay starts from an earlier one");
      return null;
    }
  }

  /** The hash a checkpoint's state is compared by: CRC-32C and length of each object's name and encoding. */
  public static long stateHash(Map<String, byte[]> encoded) {
    CRC32C crc = new CRC32C();
    long length = 0;
    // by name: the order of a Map.of given to Flor.checkpointing differs from one JVM to the next
    for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(encoded).entrySet()) {
      byte[] name = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      crc.update(name);
      crc.update(e.getValue());
      length += name.length + e.getValue().length;
    }
    return (length << 32) ^ crc.getValue();
  }

  /** Where the checkpoint at the end of this iteration is (or would be) kept. */
  Path fileFor(String loop, long index) {
    return runDir.resolve(loop).resolve(index + ".ckpt");
  }

  /** Where any run's checkpoint at the end of this iteration is (or would be) kept. */
  public static Path file(Path florDir, String runId, String loop, long index) {
    return florDir.resolve("checkpoints").resolve(runId).resolve(loop).resolve(index + ".ckpt");
  }

  /** Removes the checkpoints this process wrote, once they are all written (see {@link #close}). */
  public void removeWrittenHere() {
    close();
    synchronized (writtenHere) {
      for (Path f : writtenHere) {
        try {
          Files.deleteIfExists(f);
        } catch (IOException e) {
          warn.accept("could not remove " + f + ", a checkpoint a replay that diverged rebuilt: delete it by hand");
        }
      }
      writtenHere.clear();
    }
  }

  /** Waits for the checkpoints still being written. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(10, TimeUnit.MINUTES)) {
        warn.accept("checkpoints were still being written after 10 minutes; the last ones may be missing");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
