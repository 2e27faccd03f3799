package dev.flordb.internal.run;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.SharedStore;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Ships a running program's record file to the shared store ({@code FLOR_STORE}), on a thread of
 * its own: at least once a second, at once after {@code commit()}, and a last time at the end of
 * the run. It reads the record file, never the logging path: the file is written first and stays
 * the truth, and what has not been shipped waits there (shipping is idempotent, see {@link
 * SharedStore}). A store that is slow, down or unreachable is said once; the run goes on, and
 * {@code flordb sync} ships the rest later.
 */
final class Shipper {
  /** The longest time between two shippings. */
  static final long PERIOD_MS = 1000;
  /** After a failure, the time before trying again. */
  static final long RETRY_MS = 5000;
  /** How long the end of a run waits for its last records to reach a store that is up. */
  static final long FINAL_WAIT_MS = 30_000;
  /**
   * Below this many processors the end of a run ships its records before it stores them locally
   * ({@link #recordsClosed}): on two cores, storing a million records in {@code flor.db}, writing
   * the last snapshot commit and shipping at once take twice as long each, and the shared store is
   * where the team (and, with {@code FLOR_STORE} set, this clone's own reads) look for them.
   */
  static final int PARALLEL_END_PROCESSORS = 4;

  private final String url;
  private final Path workTree;
  private final Path recordFile;
  private final String runId;
  private final Console console;
  private final Thread thread;
  // guarded by this
  private boolean wake;
  private boolean ending;
  private ObjectId finalCommit;
  private boolean done;
  private boolean warned;
  /** How many bytes of the record file the shared store has, as far as this shipper knows. */
  private long shippedBytes;
  /** When the end of the run stops waiting for the store (set by {@link #recordsClosed}), in nanoTime. */
  private long endDeadline;
  private boolean endStarted;
  private volatile boolean healthy = true;
  // the shipping thread's own
  private Snapshots git;
  private SharedStore store;
  /** The record file's size when it was last shipped whole: a file that has not grown is not shipped again. */
  private long shippedSize = -1;

  private Shipper(String url, Path workTree, Path recordFile, String runId, Console console) {
    this.url = url;
    this.workTree = workTree;
    this.recordFile = recordFile;
    this.runId = runId;
    this.console = console;
    this.thread = new Thread(this::loop, "flordb-ship");
    thread.setDaemon(true);
  }

  /** Starts shipping the run's record file to the store at {@code url}; null when there is none. */
  static Shipper start(String url, Path workTree, Path recordFile, String runId, Console console) {
    if (url == null) return null;
    Shipper s = new Shipper(url, workTree, recordFile, runId, console);
    s.thread.start();
    return s;
  }

  /** Ships soon (after {@code commit()}), without waiting for it. */
  synchronized void poke() {
    wake = true;
    notifyAll();
  }

  /**
   * The run's record file is closed, at {@code size} bytes: ships the rest at once and, on a
   * machine of fewer than {@link #PARALLEL_END_PROCESSORS} processors, returns once the store has
   * it (or is down, or {@link #FINAL_WAIT_MS} have passed), so that the rest of the run's end
   * comes after the shipping rather than slowing it down; on more, returns at once.
   */
  void recordsClosed(long size) {
    boolean wait = Runtime.getRuntime().availableProcessors() < PARALLEL_END_PROCESSORS;
    synchronized (this) {
      startEnd();
      wake = true;
      notifyAll();
      if (wait) waitForTheEnd(() -> shippedBytes >= size || !healthy || done);
    }
  }

  /** Waits, holding this, until {@code over} holds or the end's deadline passes (or the thread is interrupted). */
  private void waitForTheEnd(java.util.function.BooleanSupplier over) {
    while (!over.getAsBoolean()) {
      long left = TimeUnit.NANOSECONDS.toMillis(endDeadline - System.nanoTime());
      if (left <= 0) return;
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The end of the run's waiting begins: at most {@link #FINAL_WAIT_MS} from now, however many steps it takes. */
  private void startEnd() {
    if (endStarted) return;
    endStarted = true;
    endDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FINAL_WAIT_MS);
  }

  /**
   * At the end of the run (its record file closed, its last snapshot commit written): ships the
   * rest and the run's snapshot commit, waiting at most {@link #FINAL_WAIT_MS} (from {@link
   * #recordsClosed}) for a store that is up, and not at all for one that is not.
   */
  void finish(ObjectId snapshotCommit) {
    synchronized (this) {
      startEnd();
      finalCommit = snapshotCommit;
      ending = true;
      notifyAll();
      waitForTheEnd(() -> done || !healthy);
      if (!done && !warned) {
        console.warn("the shared store did not take the last of this run's records in time; they wait in "
            + recordFile + ", and 'flordb sync' ships them");
      }
    }
  }

  private void loop() {
    // connected before the first shipping, which is often the end of the run: it then only ships
    connect();
    while (true) {
      boolean last;
      synchronized (this) {
        long wait = healthy ? PERIOD_MS : RETRY_MS;
        long until = System.currentTimeMillis() + wait;
        while (!wake && !ending) {
          long left = until - System.currentTimeMillis();
          if (left <= 0) break;
          try {
            wait(left);
          } catch (InterruptedException e) {
            return;
          }
        }
        wake = false;
        last = ending;
      }
      boolean ok = shipOnce(last);
      if (last && (ok || !healthy)) {
        synchronized (this) {
          done = ok;
          healthy = ok && healthy;
          notifyAll();
        }
        close();
        return;
      }
    }
  }

  private void connect() {
    try {
      if (git == null) git = Snapshots.open(workTree);
      store = SharedStore.open(url, git);
      store.connect();
    } catch (Exception e) { // as a failed shipping: said once, tried again later
      failed(e);
    }
  }

  private boolean shipOnce(boolean last) {
    try {
      if (store == null) {
        if (git == null) git = Snapshots.open(workTree);
        store = SharedStore.open(url, git);
      }
      long size = java.nio.file.Files.size(recordFile);
      if (size != shippedSize || last) {
        store.shipFile(recordFile);
        shippedSize = size;
        synchronized (this) {
          shippedBytes = size;
          notifyAll();
        }
      }
      if (last) store.shipped(runId, git, finalCommit);
      healthy = true;
      return true;
    } catch (Exception e) { // whatever the store or its driver throws, the run goes on
      failed(e);
      return false;
    }
  }

  private void failed(Exception e) {
    healthy = false;
    synchronized (this) {
      if (!warned) {
        warned = true;
        console.warn("the shared store cannot take this run's records (" + e.getMessage() + "); they wait in "
            + recordFile + ", and 'flordb sync' ships them");
      }
      notifyAll();
    }
    if (store != null) store.close();
    store = null;
  }

  private void close() {
    if (store != null) store.close();
    if (git != null) git.close();
  }
}
