package dev.flordb.internal.git;

import dev.flordb.internal.records.RecordFormat;

import dev.flordb.FlorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.dircache.DirCacheIterator;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.FileTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.WorkingTreeIterator;
import org.eclipse.jgit.util.FS;

/**
 * Run snapshots in the user's git repository, written without disturbing it: objects go into the
 * object database and each run's commit is kept on a ref of our own,
 * {@code refs/flor/runs/<run>}. The user's branch, HEAD, index and working tree are only read.
 *
 * <p>A run's commit holds the working tree as it was when the run started (what {@code git add
 * -A} would take: tracked files plus untracked ones that are not ignored, but untracked files
 * that look like secrets and files too large for a code snapshot: see {@link SnapshotRules}) and
 * the run's record file at {@code .flor/records/<run>.jsonl}; its parent is the user's HEAD at that time (none in a
 * repository without commits). {@code commit()} and the end of the run re-point the ref to a new
 * commit with the longer record file, so there is exactly one commit per run.
 *
 * <p>A replay keeps what it ran on {@code refs/flor/replays/<stamp>/<run>}: the run's tree with the
 * statements carried in (its parent is the run's commit) and, once the replay is verified, its
 * record files at {@code .flor/records/<run>.replay-<id>.jsonl}, so that replayed values are kept
 * in git as the run's own are, and {@code unpack} restores both.
 */
public final class Snapshots implements AutoCloseable {
  public static final String REF_PREFIX = "refs/flor/runs/";
  public static final String RECORDS_DIR = ".flor/records/";
  /** Where replay keeps the code it ran: today's snapshot and each patched old version. */
  public static final String REPLAY_REF_PREFIX = "refs/flor/replays/";
  /** What a replay's record file has in its name: {@code <run>.replay-<stamp>.jsonl}. */
  public static final String REPLAY_RECORDS_INFIX = ".replay-";
  /** Where a run's notes (tags, notes, hiding, from {@code flordb serve}) are committed: {@code refs/flor/notes/<run>}. */
  public static final String NOTES_REF_PREFIX = "refs/flor/notes/";
  /** Notes record files are named {@code <run>.notes-<stamp>.jsonl}. */
  public static final String NOTES_RECORDS_INFIX = ".notes-";

  private static final String SHA1_IMPLEMENTATION = "org.eclipse.jgit.util.sha1.implementation";

  static {
    // JGit measures the file system's timestamp resolution on first use, which takes seconds;
    // do it in the background so that it never lands on a run.
    FS.FileStoreAttributes.setBackground(true);
    // JGit hashes with its own collision-detecting SHA-1 unless told otherwise, which runs at a
    // tenth of the speed of the JDK's (hardware-accelerated) one and dominated commit() of a large
    // record file. Collision detection guards objects received from others; FlorDB only hashes
    // objects it writes itself. A choice made by the user (this property) is kept.
    if (System.getProperty(SHA1_IMPLEMENTATION) == null) System.setProperty(SHA1_IMPLEMENTATION, "jdkNative");
  }

  /**
   * The zlib level of the objects FlorDB writes, unless the repository's configuration sets
   * {@code core.compression} or {@code core.looseCompression}: record files are large and
   * repetitive, and the fastest level makes them only about a tenth larger than the default one
   * in less than half the time ({@code git gc} recompresses them when it packs).
   */
  static final int COMPRESSION = 1;

  private final Repository repo;
  private final Path workTree;

  private Snapshots(Repository repo) {
    this.repo = repo;
    this.workTree = repo.getWorkTree().toPath();
    // In memory only, for this repository object: nothing of the user's configuration is written.
    StoredConfig config = repo.getConfig();
    if (config.getString("core", null, "compression") == null
        && config.getString("core", null, "looseCompression") == null) {
      config.setInt("core", null, "compression", COMPRESSION);
    }
  }

  /** Opens the repository that contains {@code dir}, or explains how to make one. */
  public static Snapshots open(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    FileRepositoryBuilder b = new FileRepositoryBuilder().readEnvironment().findGitDir(abs.toFile());
    if (b.getGitDir() == null) throw WorkTree.notARepository(abs);
    try {
      Repository r = b.setMustExist(true).build();
      if (r.isBare()) {
        r.close();
        throw WorkTree.bare(abs, b.getGitDir().toPath());
      }
      return new Snapshots(r);
    } catch (IOException e) {
      throw new FlorException("cannot open the git repository at " + b.getGitDir() + ": " + e.getMessage(), e);
    }
  }

  public Path workTree() {
    return workTree;
  }

  public Repository repository() {
    return repo;
  }

  /** The user's HEAD commit, or null in a repository without commits. */
  public ObjectId head() throws IOException {
    return repo.resolve(Constants.HEAD);
  }

  /** The short name of the user's current branch, or the commit id when HEAD is detached. */
  public String branch() throws IOException {
    return repo.getBranch();
  }

  /** Makes git ignore {@code .flor/} through {@code .git/info/exclude}, never the user's files. */
  public void excludeFlorDir() throws IOException {
    WorkTree.excludeFlorDir(repo.getDirectory().toPath());
  }

  /** The working tree as it is now: the entries of a snapshot, before the record file is added. */
  public static final class Tree {
    final List<DirCacheEntry> entries;
    /** Files left out for their size. */
    public final List<String> skipped;
    /** Untracked files left out because their names look like secrets'. */
    public final List<String> secrets;
    final long maxFileBytes;

    Tree(List<DirCacheEntry> entries, List<String> skipped, List<String> secrets, long maxFileBytes) {
      this.entries = entries;
      this.skipped = skipped;
      this.secrets = secrets;
      this.maxFileBytes = maxFileBytes;
    }

    /** What the snapshot left out, said once per run. */
    public List<String> warnings() {
      List<String> out = new ArrayList<>();
      if (!skipped.isEmpty()) {
        out.add("left out of this run's code snapshot (larger than " + mib(maxFileBytes) + "; add them to"
            + " .gitignore, or raise snapshot.max_file_mb in " + SnapshotRules.FILE + "): " + skipped);
      }
      if (!secrets.isEmpty()) {
        out.add("left out of this run's code snapshot, as they look like secrets (untracked files named as in"
            + " snapshot.exclude of " + SnapshotRules.FILE + " and its defaults): " + secrets);
      }
      return out;
    }

    private static String mib(long bytes) {
      if (bytes % (1 << 20) == 0) return (bytes >> 20) + " MiB";
      if (bytes >= 1 << 20) return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
      if (bytes >= 1 << 10) return String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
      return bytes + " bytes";
    }

    /** Its files (submodules aside), path to blob id, as {@link #files(ObjectId)} gives a commit's. */
    public Map<String, ObjectId> files() {
      Map<String, ObjectId> out = new java.util.TreeMap<>();
      for (DirCacheEntry e : entries) if (e.getFileMode() != FileMode.GITLINK) out.put(e.getPathString(), e.getObjectId());
      return out;
    }
  }

  /**
   * Captures the working tree: tracked files and untracked, unignored ones, minus {@code .flor/},
   * untracked files that look like secrets, and files whose content git does not hold yet that
   * are larger than the limit (see {@link SnapshotRules}).
   */
  public Tree captureWorkTree() throws IOException {
    return captureWorkTree(true);
  }

  /**
   * Captures the working tree; with {@code write} false, the blobs of changed and untracked files
   * are only hashed, not written (a dry run leaves the repository as it was): their content is
   * then read from the working tree, not from the object database.
   */
  public Tree captureWorkTree(boolean write) throws IOException {
    SnapshotRules rules = SnapshotRules.read(workTree);
    List<DirCacheEntry> entries = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> secrets = new ArrayList<>();
    DirCache index = repo.readDirCache(); // read only: never locked or written
    try (ObjectInserter ins = write ? repo.newObjectInserter() : new ObjectInserter.Formatter();
        ObjectReader reader = repo.newObjectReader();
        TreeWalk tw = new TreeWalk(repo, reader)) {
      int iIdx = tw.addTree(new DirCacheIterator(index));
      FileTreeIterator wt = new FileTreeIterator(repo);
      int wIdx = tw.addTree(wt);
      wt.setDirCacheIterator(tw, iIdx);
      while (tw.next()) {
        WorkingTreeIterator w = tw.getTree(wIdx, WorkingTreeIterator.class);
        DirCacheIterator d = tw.getTree(iIdx, DirCacheIterator.class);
        String path = tw.getPathString();
        if (w == null || path.equals(".flor")) continue; // deleted in the work tree, or our store
        if (d == null && w.isEntryIgnored()) continue;
        FileMode mode = w.getEntryFileMode();
        if (tw.isSubtree() && mode != FileMode.GITLINK) {
          tw.enterSubtree();
          continue;
        }
        DirCacheEntry e = new DirCacheEntry(path);
        if (mode == FileMode.GITLINK) {
          if (d == null) continue; // a nested repository that is not a submodule
          e.setFileMode(FileMode.GITLINK);
          e.setObjectId(d.getEntryObjectId());
          entries.add(e);
          continue;
        }
        if (d == null && rules.excludes(path)) {
          secrets.add(path);
          continue;
        }
        long length = w.getEntryContentLength();
        ObjectId id;
        DirCacheEntry tracked = d == null ? null : d.getDirCacheEntry();
        if (tracked != null && !w.isModified(tracked, false, reader)) {
          id = tracked.getObjectId(); // the staged blob is already in the object database: it costs nothing
        } else if (length > rules.maxFileBytes) {
          skipped.add(path);
          continue;
        } else {
          try (InputStream in = w.openEntryStream()) {
            id = write ? ins.insert(Constants.OBJ_BLOB, w.getEntryContentLength(), in)
                : ins.idFor(Constants.OBJ_BLOB, w.getEntryContentLength(), in);
          }
        }
        e.setFileMode(mode);
        e.setObjectId(id);
        e.setLength(length);
        entries.add(e);
      }
      if (write) ins.flush();
    }
    return new Tree(entries, skipped, secrets, rules.maxFileBytes);
  }

  /**
   * Writes the run's commit (code tree plus the first {@code length} bytes of its record file,
   * which may still be growing) and points {@code refs/flor/runs/<run>} at it. Returns the commit
   * id. The record file is streamed into the object database, never read into memory whole.
   */
  public ObjectId commitRun(Tree tree, String runId, Path records, long length, ObjectId parent, String message)
      throws IOException {
    try (ObjectInserter ins = repo.newObjectInserter()) {
      DirCache dc = DirCache.newInCore();
      DirCacheBuilder b = dc.builder();
      for (DirCacheEntry e : tree.entries) b.add(e);
      b.add(recordEntry(ins, runId + RecordFormat.SUFFIX, records, length));
      b.finish();
      return commit(ins, dc, parent, message, REF_PREFIX + runId);
    }
  }

  /**
   * The entry of {@code .flor/records/<name>} holding the first {@code length} bytes of {@code
   * file}, streamed into the object database, never read into memory whole.
   */
  private static DirCacheEntry recordEntry(ObjectInserter ins, String name, Path file, long length) throws IOException {
    DirCacheEntry rec = new DirCacheEntry(RECORDS_DIR + name);
    rec.setFileMode(FileMode.REGULAR_FILE);
    try (InputStream in = Files.newInputStream(file)) {
      rec.setObjectId(ins.insert(Constants.OBJ_BLOB, length, in));
    }
    rec.setLength(length);
    return rec;
  }

  /**
   * Commits a captured working tree on {@code refs/flor/replays/<name>} (a replay keeps the code
   * it carried statements from this way, as a run keeps its own). Returns the commit id.
   */
  public ObjectId commitReplaySource(Tree tree, ObjectId parent, String name, String message) throws IOException {
    try (ObjectInserter ins = repo.newObjectInserter()) {
      DirCache dc = DirCache.newInCore();
      DirCacheBuilder b = dc.builder();
      for (DirCacheEntry e : tree.entries) b.add(e);
      b.finish();
      return commit(ins, dc, parent, message, REPLAY_REF_PREFIX + name);
    }
  }

  /**
   * Commits {@code base}'s tree with some files replaced (a patched old version, as replay ran it)
   * on {@code refs/flor/replays/<name>}, with {@code base} as its parent, so that {@code git diff
   * base ref} shows exactly what was changed. Returns the commit id.
   */
  public ObjectId commitPatched(ObjectId base, Map<String, byte[]> replaced, String name, String message)
      throws IOException {
    try (ObjectInserter ins = repo.newObjectInserter();
        RevWalk rw = new RevWalk(repo);
        TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(rw.parseCommit(base).getTree());
      tw.setRecursive(true);
      DirCache dc = DirCache.newInCore();
      DirCacheBuilder b = dc.builder();
      while (tw.next()) {
        DirCacheEntry e = new DirCacheEntry(tw.getPathString());
        e.setFileMode(tw.getFileMode(0));
        byte[] content = replaced.get(tw.getPathString());
        e.setObjectId(content == null ? tw.getObjectId(0) : ins.insert(Constants.OBJ_BLOB, content));
        b.add(e);
      }
      b.finish();
      return commit(ins, dc, base, message, REPLAY_REF_PREFIX + name);
    }
  }

  /**
   * Adds record files (a replay's verified values) to the commit on {@code
   * refs/flor/replays/<name>}, at {@code .flor/records/<file name>}, as a run's commit holds its
   * own record file: the commit is replaced by one with the same parent and message whose tree
   * also holds them. Returns the new commit id.
   */
  public synchronized ObjectId addReplayRecords(String name, List<Path> recordFiles) throws IOException {
    String ref = REPLAY_REF_PREFIX + name;
    Ref current = repo.exactRef(ref);
    if (current == null) throw new IOException("there is no " + ref + " to add the replay's records to");
    try (ObjectInserter ins = repo.newObjectInserter();
        RevWalk rw = new RevWalk(repo);
        TreeWalk tw = new TreeWalk(repo)) {
      RevCommit c = rw.parseCommit(current.getObjectId());
      Map<String, DirCacheEntry> added = new java.util.TreeMap<>();
      for (Path f : recordFiles) {
        DirCacheEntry rec = recordEntry(ins, f.getFileName().toString(), f, Files.size(f));
        added.put(rec.getPathString(), rec);
      }
      tw.addTree(c.getTree());
      tw.setRecursive(true);
      DirCache dc = DirCache.newInCore();
      DirCacheBuilder b = dc.builder();
      while (tw.next()) {
        if (added.containsKey(tw.getPathString())) continue;
        DirCacheEntry e = new DirCacheEntry(tw.getPathString());
        e.setFileMode(tw.getFileMode(0));
        e.setObjectId(tw.getObjectId(0));
        b.add(e);
      }
      for (DirCacheEntry e : added.values()) b.add(e);
      b.finish();
      return commit(ins, dc, c.getParentCount() > 0 ? c.getParent(0) : null, c.getFullMessage(), ref);
    }
  }

  /**
   * The replay record files kept in replay commits (see {@link #addReplayRecords}), file name to
   * blob id; where two commits hold a file of the same name, the longer one.
   */
  public Map<String, ObjectId> replayRecordFiles() throws IOException {
    return recordFilesUnder(REPLAY_REF_PREFIX, REPLAY_RECORDS_INFIX);
  }

  /**
   * The notes record files kept in notes commits (see {@link #commitNotes}), file name to blob
   * id; where two commits hold a file of the same name, the longer one.
   */
  public Map<String, ObjectId> noteRecordFiles() throws IOException {
    return recordFilesUnder(NOTES_REF_PREFIX, NOTES_RECORDS_INFIX);
  }

  /**
   * Commits a run's notes record files on {@code refs/flor/notes/<run>}, as {@code
   * .flor/records/<file name>}, with the ref's previous commit as parent: every change a person
   * makes to a run's tags, notes or visibility is a version of its own. Returns the commit id.
   */
  public synchronized ObjectId commitNotes(String runId, List<Path> recordFiles, String message) throws IOException {
    String ref = NOTES_REF_PREFIX + runId;
    Ref current = repo.exactRef(ref);
    try (ObjectInserter ins = repo.newObjectInserter()) {
      DirCache dc = DirCache.newInCore();
      DirCacheBuilder b = dc.builder();
      for (Path f : new java.util.TreeSet<>(recordFiles)) {
        b.add(recordEntry(ins, f.getFileName().toString(), f, Files.size(f)));
      }
      b.finish();
      return commit(ins, dc, current == null ? null : current.getObjectId(), message, ref);
    }
  }

  private Map<String, ObjectId> recordFilesUnder(String refPrefix, String infix) throws IOException {
    Map<String, ObjectId> out = new java.util.TreeMap<>();
    Map<String, Long> sizes = new java.util.HashMap<>();
    try (RevWalk rw = new RevWalk(repo); ObjectReader reader = repo.newObjectReader()) {
      for (Ref r : repo.getRefDatabase().getRefsByPrefix(refPrefix)) {
        RevCommit c = rw.parseCommit(r.getObjectId());
        try (TreeWalk tw = TreeWalk.forPath(reader, RECORDS_DIR.substring(0, RECORDS_DIR.length() - 1), c.getTree())) {
          if (tw == null || !tw.isSubtree()) continue;
          tw.enterSubtree();
          while (tw.next()) {
            String file = tw.getNameString();
            if (tw.isSubtree() || !file.contains(infix) || !file.endsWith(RecordFormat.SUFFIX)) continue;
            long size = reader.getObjectSize(tw.getObjectId(0), Constants.OBJ_BLOB);
            if (size > sizes.getOrDefault(file, -1L)) {
              sizes.put(file, size);
              out.put(file, tw.getObjectId(0));
            }
          }
        }
      }
    }
    return out;
  }

  /** A blob, to be streamed (record files can exceed what JGit reads into memory at once). */
  public ObjectLoader open(ObjectId blob) throws IOException {
    return repo.open(blob, Constants.OBJ_BLOB);
  }

  private ObjectId commit(ObjectInserter ins, DirCache dc, ObjectId parent, String message, String ref)
      throws IOException {
    ObjectId treeId = dc.writeTree(ins);
    CommitBuilder c = new CommitBuilder();
    c.setTreeId(treeId);
    if (parent != null) c.setParentId(parent);
    PersonIdent who = ident();
    c.setAuthor(who);
    c.setCommitter(who);
    c.setMessage(message);
    ObjectId commit = ins.insert(c);
    ins.flush();

    // Another process that writes refs at the same moment (a replay, a second run, git itself)
    // can hold or break the lock of the ref directory for an instant: try again a few times.
    for (int attempt = 1; ; attempt++) {
      RefUpdate.Result r;
      try {
        RefUpdate u = repo.updateRef(ref);
        u.setNewObjectId(commit);
        u.setForceUpdate(true); // our own ref: a later commit() of the same run replaces it
        u.disableRefLog();
        r = u.update();
      } catch (IllegalStateException lockLost) { // JGit: "Lock on ... not held"
        if (attempt >= 5) throw new IOException("could not update " + ref + ": " + lockLost.getMessage(), lockLost);
        pause(attempt);
        continue;
      }
      switch (r) {
        case NEW:
        case FORCED:
        case FAST_FORWARD:
        case NO_CHANGE:
          return commit;
        case LOCK_FAILURE:
          if (attempt < 5) {
            pause(attempt);
            continue;
          }
          throw new IOException("could not update " + ref + ": " + r);
        default:
          throw new IOException("could not update " + ref + ": " + r);
      }
    }
  }

  private static void pause(int attempt) throws IOException {
    try {
      Thread.sleep(10L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting to update a ref", e);
    }
  }

  /**
   * The files of a commit (but FlorDB's own {@code .flor/}), path to blob id: two runs whose
   * files are equal ran the same code, whatever their commits.
   */
  public Map<String, ObjectId> files(ObjectId commit) throws IOException {
    Map<String, ObjectId> out = new java.util.TreeMap<>();
    walkFiles(commit, (path, tw) -> out.put(path, tw.getObjectId(0)));
    return out;
  }

  /** The content of a blob. */
  public byte[] read(ObjectId blob) throws IOException {
    return repo.open(blob, Constants.OBJ_BLOB).getBytes();
  }

  /**
   * Writes a commit's files (but {@code .flor/}) under {@code dir}, which replay runs old
   * versions from: the user's working tree is never touched.
   */
  public void materialize(ObjectId commit, Path dir) throws IOException {
    walkFiles(commit, (path, tw) -> {
      Path target = dir.resolve(path);
      Files.createDirectories(target.getParent());
      ObjectLoader blob = repo.open(tw.getObjectId(0), Constants.OBJ_BLOB);
      if (tw.getFileMode(0) == FileMode.SYMLINK) {
        Files.createSymbolicLink(target, Path.of(new String(blob.getBytes(), StandardCharsets.UTF_8)));
        return;
      }
      try (var out = Files.newOutputStream(target)) {
        blob.copyTo(out);
      }
      if (tw.getFileMode(0) == FileMode.EXECUTABLE_FILE) target.toFile().setExecutable(true);
    });
  }

  private interface FileVisitor {
    void visit(String path, TreeWalk at) throws IOException;
  }

  private void walkFiles(ObjectId commit, FileVisitor visitor) throws IOException {
    try (RevWalk rw = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(rw.parseCommit(commit).getTree());
      while (tw.next()) {
        if (tw.getPathString().equals(".flor")) continue;
        if (tw.isSubtree()) {
          tw.enterSubtree();
        } else if (tw.getFileMode(0) != FileMode.GITLINK) {
          visitor.visit(tw.getPathString(), tw);
        }
      }
    }
  }

  private PersonIdent ident() {
    String name = repo.getConfig().getString("user", null, "name");
    String email = repo.getConfig().getString("user", null, "email");
    return new PersonIdent(name == null ? "FlorDB" : name, email == null ? "flordb@localhost" : email);
  }

  /** Every recorded run's snapshot commit, by run id (refs whose name is not a run id are not runs'). */
  public Map<String, ObjectId> runRefs() throws IOException {
    Map<String, ObjectId> out = new LinkedHashMap<>();
    for (Ref r : repo.getRefDatabase().getRefsByPrefix(REF_PREFIX)) {
      String run = r.getName().substring(REF_PREFIX.length());
      if (RecordFormat.isRunId(run)) out.put(run, r.getObjectId());
    }
    return out;
  }

  /** The record file kept in a run's snapshot commit, or null if the commit has none. */
  public ObjectLoader recordsInCommit(ObjectId commit, String runId) throws IOException {
    try (RevWalk rw = new RevWalk(repo)) {
      RevCommit c = rw.parseCommit(commit);
      try (TreeWalk tw = TreeWalk.forPath(repo, RECORDS_DIR + runId + RecordFormat.SUFFIX, c.getTree())) {
        if (tw == null) return null;
        // a loader, not bytes: a long run's records exceed JGit's in-memory limit (50 MiB)
        return repo.open(tw.getObjectId(0), Constants.OBJ_BLOB);
      }
    }
  }

  @Override
  public void close() {
    repo.close();
  }
}
