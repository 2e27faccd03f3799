package dev.flordb.internal.run;

import static dev.flordb.internal.Failures.failure;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.store.SharedStore;
import dev.flordb.internal.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The project's repository as one run sees it: the working tree captured when the run starts, the
 * run's snapshot commit (written at once in the background, so that a run that crashes still has
 * its code version, then moved on by {@code commit()} and at the end to take in the records so
 * far), and the store {@code .flor/flor.db} opened on it for the run's own queries. A replay writes
 * no snapshot: it has the store only.
 */
final class RunRepository {
  /** The repository, the code as it was when the run started, and the user's HEAD then. */
  private record Start(Snapshots git, Snapshots.Tree tree, ObjectId head, String branch) {}

  private final Path florDir;
  private final String runId;
  private final String filename;
  private final String tstamp;
  private final RecordWriter writer;
  private final Console console;
  private final Args args;
  /** The repository and the code captured at the start; completes when the first commit is written. */
  private final CompletableFuture<Start> start;
  /** Stores a forward run's records while it goes on (null for a replay); see {@link #storeIfCalm}. */
  private final ScheduledExecutorService storing;
  // confined to the storing thread
  private long storedSize;
  private long lastSize;
  // guarded by this
  private Store store;
  private ObjectId lastCommit;
  /** The shared store that the run's reads go to (FLOR_STORE), or null. */
  private String storeUrl;

  private RunRepository(Path florDir, String runId, String filename, String tstamp, RecordWriter writer,
      Console console, Args args, Path workTree, boolean excluded, boolean snapshot) {
    this.florDir = florDir;
    this.runId = runId;
    this.filename = filename;
    this.tstamp = tstamp;
    this.writer = writer;
    this.console = console;
    this.args = args;
    this.start = snapshot ? openAndCapture(workTree, excluded)
        : CompletableFuture.failedFuture(failure("a replay writes no snapshot"));
    this.storing = snapshot ? Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "flordb-store");
      t.setDaemon(true);
      t.setPriority(Thread.MIN_PRIORITY);
      return t;
    }) : null;
    if (storing != null) {
      storing.scheduleWithFixedDelay(this::storeIfCalm, STORE_PERIOD_MS, STORE_PERIOD_MS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * A forward run's: opens the repository and captures the working tree on the calling thread, so
   * that the snapshot holds the code as it was when the run started even if a file is saved while
   * the run goes on; the first commit is written in the background. {@code excluded}: whether
   * {@code .flor} is kept out of {@code git status} already.
   */
  static RunRepository capture(Path workTree, boolean excluded, Path florDir, String runId, String filename,
      String tstamp, RecordWriter writer, Console console, Args args) {
    return new RunRepository(florDir, runId, filename, tstamp, writer, console, args, workTree, excluded, true);
  }

  /** A replay's: the store, and no snapshot. */
  static RunRepository withoutSnapshot(Path florDir, String runId, RecordWriter writer, Console console) {
    return new RunRepository(florDir, runId, null, null, writer, console, null, null, true, false);
  }

  private CompletableFuture<Start> openAndCapture(Path workTree, boolean excluded) {
    Start s;
    Snapshots git = null;
    try {
      git = Snapshots.open(workTree);
      if (!excluded) git.excludeFlorDir();
      Snapshots.Tree tree = git.captureWorkTree();
      for (String w : tree.warnings()) console.warn(w); // files left out for their size, and secrets
      s = new Start(git, tree, git.head(), git.branch());
    } catch (IOException | RuntimeException e) {
      if (git != null) git.close();
      console.warn("could not snapshot the working tree in git (" + e + "); the run's records are"
          + " kept in " + writer.file());
      return CompletableFuture.failedFuture(failure("snapshot failed: " + e.getMessage(), e));
    }
    return CompletableFuture.supplyAsync(() -> firstCommit(s), RunStart.daemonThreads("flordb-snapshot"));
  }

  /** A first commit right away: a run that crashes still has its code version. */
  private Start firstCommit(Start s) {
    try {
      synchronized (this) {
        if (lastCommit == null) lastCommit = commitSnapshot(s);
      }
    } catch (IOException | RuntimeException e) {
      console.warn("could not write the run's snapshot commit (" + e + "); its records are kept in "
          + writer.file() + " and the end of the run tries again");
    }
    return s;
  }

  private ObjectId commitSnapshot(Start s) throws IOException {
    long recordBytes = writer.flushedSize();
    StringBuilder msg = new StringBuilder();
    msg.append("flordb run ").append(runId).append(": ").append(filename).append("\n\n");
    msg.append("program: ").append(filename).append('\n');
    msg.append("started: ").append(tstamp).append('\n');
    msg.append("branch: ").append(s.branch).append(s.head == null ? " (no commits yet)" : " at " + s.head.name()).append('\n');
    args.describe(msg, runId);
    return s.git.commitRun(s.tree, runId, writer.file(), recordBytes, s.head, msg.toString());
  }

  /** Points the run's snapshot commit at the records written so far (once the first commit is there). */
  void snapshotNow() {
    Start s;
    try {
      s = start.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (ExecutionException e) {
      return; // already reported (or a replay's); the records are safe on disk
    }
    try {
      synchronized (this) {
        lastCommit = commitSnapshot(s);
      }
    } catch (IOException | RuntimeException e) {
      console.warn("could not update the run's snapshot commit (" + e.getMessage() + "); its records"
          + " are safe in " + writer.file());
    }
  }

  /** The run's snapshot commit so far (null until the first snapshot is written). */
  synchronized ObjectId snapshotCommit() {
    return lastCommit;
  }

  /**
   * Record files from this size on are stored in the query database at the end of their run: below
   * it, the next read stores them in well under a second (and a small program does not load SQLite
   * at its end).
   */
  static final long STORE_AT_END_BYTES = 1 << 20;

  /** How often a forward run looks whether to store its records while it goes on. */
  static final long STORE_PERIOD_MS = 2000;

  /**
   * While the program computes more than it logs, its records go into the query database as they
   * come, a MiB or more at a time, on a thread of low priority, so that its end has only the last
   * ones to store. A program that logged more than a MiB since the last look is left alone: it
   * does little but log, and storing would take the core its record writer needs; its end
   * stores them.
   */
  private void storeIfCalm() {
    long size = sizeOf(writer.file());
    long grown = size - lastSize;
    lastSize = size;
    if (grown <= STORE_AT_END_BYTES && size - storedSize >= STORE_AT_END_BYTES && !start.isCompletedExceptionally()) {
      storeRecords();
      storedSize = size;
    }
  }

  private static long sizeOf(Path file) {
    try {
      return java.nio.file.Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Stores the run's records in the query database. A failure is not said here: the store is a
   * cache of the record files, and the next read stores them (and names any damage).
   */
  private void storeRecords() {
    try {
      store().storeRecords(writer.file());
    } catch (RuntimeException e) {
      // the next read stores the records and reports what is wrong
    }
  }

  /** Makes the run's reads ({@code Flor.dataframe}, {@code Flor.query}) read the shared store at {@code url} (null: none). */
  synchronized void shareReadsWith(String url) {
    this.storeUrl = url;
  }

  /** The store, opened on first use. */
  Store store() {
    // Wait for the background start outside the lock: its first commit takes the same lock.
    Snapshots git = git();
    synchronized (this) {
      if (store == null) {
        Store opened = Store.open(florDir, git, console::warn); // damage found in the records is said at once
        if (storeUrl != null && git != null) {
          try {
            opened.share(SharedStore.open(storeUrl, git));
          } catch (RuntimeException e) {
            opened.close(); // not kept unshared: the next use tries the shared store again
            throw e;
          }
        }
        store = opened;
      }
      return store;
    }
  }

  /** The repository, once the first snapshot commit is written; null if opening it failed. */
  private Snapshots git() {
    try {
      return start.get().git;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      return null;
    }
  }

  /**
   * Stores nothing more while the run goes on (its end stores the rest): a store under way
   * finishes first. The end of a run calls it before it ships the records, which it does first.
   */
  void stopStoring() {
    if (storing == null) return;
    storing.shutdown(); // a store under way finishes: the end stores only what it left
    try {
      storing.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * At the end of the run, with its record file closed: the last snapshot commit and, for a
   * forward run of at least {@link #STORE_AT_END_BYTES} of records, the records stored in the
   * query database at the same time (on another thread), so that the first read after the run
   * finds it current; then the store and the repository are closed.
   */
  void close() {
    stopStoring();
    CompletableFuture<Void> stored = null;
    if (!start.isCompletedExceptionally() && sizeOf(writer.file()) >= STORE_AT_END_BYTES) {
      stored = CompletableFuture.runAsync(this::storeRecords, RunStart.daemonThreads("flordb-store"));
    }
    snapshotNow();
    if (stored != null) stored.join();
    synchronized (this) {
      if (store != null) store.close();
    }
    Snapshots git = start.isDone() && !start.isCompletedExceptionally() ? start.join().git : null;
    if (git != null) git.close();
  }
}
