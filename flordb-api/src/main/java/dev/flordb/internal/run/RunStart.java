package dev.flordb.internal.run;

import static dev.flordb.internal.Failures.failure;
import dev.flordb.internal.git.WorkTree;
import dev.flordb.internal.records.Liveness;
import dev.flordb.internal.records.RecordFormat;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.replay.ReplayLevels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * How a run starts: the project's {@code .flor} directory made ready, the run's {@code tstamp}
 * made unique in the project, its record file created under a fresh run id (or a replay's file
 * under its stamp), and the header that opens a forward run's records.
 */
final class RunStart {
  private RunStart() {}

  static final DateTimeFormatter RUN_ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);
  /**
   * A run's {@code tstamp}: ISO 8601 in UTC, always with microseconds, so that tstamps sort as
   * times do ({@link Instant#toString()} drops a zero fraction: "...:00Z" would sort after
   * "...:00.250Z"). Unique within the project's store: see {@link #uniqueStartMicros}.
   */
  static final DateTimeFormatter TSTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private static final Object TSTAMP_LOCK = new Object();

  /**
   * Keeps {@code .flor} out of {@code git status} and creates {@code .flor/records}. Returns
   * whether {@code .flor} is excluded already (else the opened repository does it).
   */
  static boolean prepare(Path workTree, Path florDir) {
    try {
      boolean excluded = WorkTree.excludeFlorDirIn(workTree);
      Files.createDirectories(florDir.resolve("records"));
      return excluded;
    } catch (IOException e) {
      throw failure("cannot create FlorDB's store in " + florDir + ": " + e.getMessage()
          + ". Check that the directory is writable.", e);
    }
  }

  /** The run's tstamp: its start, unique in the project for a forward run; a replay's is its own start. */
  static String tstamp(Path florDir, long startMillis, boolean replay) {
    long micros = replay ? startMillis * 1000 : uniqueStartMicros(florDir, startMillis * 1000);
    return TSTAMP.format(Instant.EPOCH.plusNanos(micros * 1000));
  }

  /**
   * The run's start in microseconds, made unique in the project: runs started together (the JVM
   * gives start times in steps of 10 ms) get the next free microsecond, under a lock on
   * {@code .flor/tstamp.lock}, which also keeps the last one given.
   */
  static long uniqueStartMicros(Path florDir, long startMicros) {
    Path lock = florDir.resolve("tstamp.lock");
    // a file lock excludes other processes; threads of this one take turns first (a second lock
    // of the same file in one JVM is an OverlappingFileLockException, not a wait)
    synchronized (TSTAMP_LOCK) {
      return uniqueStartMicrosLocked(lock, florDir, startMicros);
    }
  }

  private static long uniqueStartMicrosLocked(Path lock, Path florDir, long startMicros) {
    try {
      Files.createDirectories(florDir);
      try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.READ,
              StandardOpenOption.WRITE);
          FileLock held = ch.lock()) {
        ByteBuffer buf = ByteBuffer.allocate(8);
        long last = ch.read(buf, 0) == 8 ? buf.flip().getLong() : 0;
        long mine = Math.max(startMicros, last + 1);
        buf.clear();
        buf.putLong(mine).flip();
        ch.write(buf, 0);
        return mine;
      }
    } catch (IOException e) {
      return startMicros; // a read-only or full disk: the run id stays unique, the tstamp may be shared
    }
  }

  /** A run id (or a replay's stamp): the time, then random digits, so two never collide by chance. */
  static String newId(long millis) {
    return RUN_ID_TIME.format(Instant.ofEpochMilli(millis)) + "-"
        + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  }

  /** A forward run's new record file and the run id it is named by. */
  record RecordFile(String runId, RecordWriter writer) {}

  /**
   * Creates a forward run's record file, under a run id no other run of the project has; its
   * records' times are read from {@code millis}.
   */
  static RecordFile create(Path florDir, long startMillis, long flushMillis, Consumer<String> warn,
      LongSupplier millis) {
    for (int attempt = 0; ; attempt++) {
      String id = newId(startMillis);
      try {
        return new RecordFile(id, new RecordWriter(florDir.resolve("records").resolve(id + RecordFormat.SUFFIX), id,
            flushMillis, warn, millis));
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) throw failure("cannot find a free run id in " + florDir, e);
      } catch (IOException e) {
        throw failure("cannot create the run's record file in " + florDir + ": " + e.getMessage(), e);
      }
    }
  }

  /** Creates the record file of a replay of {@code runId}, under the replay's stamp taken at {@code nowMillis}. */
  static RecordWriter createForReplay(Path florDir, String runId, long nowMillis, long flushMillis,
      Consumer<String> warn, LongSupplier millis) {
    String stamp = newId(nowMillis);
    try {
      return new RecordWriter(florDir.resolve("records").resolve(runId + ".replay-" + stamp + RecordFormat.SUFFIX),
          runId, flushMillis, warn, millis);
    } catch (IOException e) {
      throw failure("cannot create the replay's record file in " + florDir + ": " + e.getMessage(), e);
    }
  }

  /** The record that opens a forward run's file: who ran what, when, where, with which arguments. */
  static Map<String, Object> header(String projid, String tstamp, String filename, long startMillis,
      Map<String, String> kwargs, Launch launch) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("format", RecordFormat.VERSION);
    h.put("projid", projid);
    h.put("tstamp", tstamp);
    h.put("filename", filename);
    h.put("start_ms", startMillis);
    h.put("pid", ProcessHandle.current().pid());
    h.put("pid_start_ms", ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    h.put("host", Liveness.hostName());
    h.put("user", System.getProperty("user.name"));
    h.put("kwargs", kwargs);
    h.put("launch", launch.details);
    return h;
  }

  /** The program's file when it is not in the repository the run is recorded in (the launch says so), else null. */
  static Path sourceOutsideWorkTree(Launch launch) {
    Object outside = launch.details.get("outside_repository");
    return outside == null ? null : Path.of(outside.toString());
  }

  /** Runs each task on a new daemon thread of that name: work a program's exit need not wait for. */
  static Executor daemonThreads(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      t.start();
    };
  }
}
