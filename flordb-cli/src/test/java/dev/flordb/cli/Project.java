package dev.flordb.cli;

import dev.flordb.Table;
import dev.flordb.testing.TempRepo;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A user's project for the tests: a real git repository in a temporary directory (made with
 * {@code git init}, no commits), the {@code flordb} command run against it, and what the tests
 * read back from its store and its git state.
 */
final class Project extends TempRepo {
  private Project(Path dir) {
    super(dir);
  }

  /** {@code git init DIR}: a fresh repository with no commits. */
  public static Project init(Path dir) {
    return new Project(initialized(dir));
  }

  /** {@code git clone REMOTE DIR}: another clone of a project (a teammate's, or the training server's). */
  public static Project cloneOf(Path remote, Path dir) {
    try {
      Git.cloneRepository().setURI(remote.toUri().toString()).setDirectory(dir.toFile()).call().close();
      return new Project(dir.toRealPath());
    } catch (GitAPIException | IOException e) {
      throw new IllegalStateException("cannot clone " + remote + " into " + dir, e);
    }
  }

  /** {@code git init --bare DIR} and {@code git remote add origin DIR} here; then {@code git push origin main}. */
  public Path publish(Path bare) {
    try (Repository r = repository(); Git git = new Git(r)) {
      Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
      org.eclipse.jgit.lib.StoredConfig c = r.getConfig();
      c.setString("remote", "origin", "url", bare.toUri().toString());
      c.setString("remote", "origin", "fetch", "+refs/heads/*:refs/remotes/origin/*");
      c.save();
      git.push().setRemote("origin").add("main").call();
      return bare;
    } catch (GitAPIException | IOException e) {
      throw new IllegalStateException("cannot publish to " + bare, e);
    }
  }

  Path florDir() {
    return dir.resolve(".flor");
  }

  // ---------------------------------------------------------------- the command line

  /** What one {@code flordb} command line did: exit code, standard output and standard error. */
  record Cli(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  /** Runs {@code flordb ARGS...} in this JVM, as the launcher would, and captures what it printed. */
  static Cli flordb(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
      code = FlorCli.execute(o, e, args);
    }
    return new Cli(code, out.toString(), err.toString());
  }

  /** {@code flordb -C DIR ARGS...} for this project. */
  Cli cli(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "-C";
    all[1] = dir.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return flordb(all);
  }

  // ---------------------------------------------------------------- the store

  /** Any SQL over the project's store, through the store's own query path. */
  Table query(String sql) {
    try (Snapshots git = Snapshots.open(dir); Store store = Store.open(florDir(), git)) {
      return store.query(sql);
    }
  }

  /** The runs, oldest first: run id, tstamp, status, version, error. */
  List<Table.Row> runs() {
    List<Table.Row> rows = new ArrayList<>();
    query("SELECT run_id, tstamp, status, version, error FROM runs ORDER BY tstamp, run_id").forEach(rows::add);
    return rows;
  }

  /** A run recorded in this JVM (no child process), with a start time of the test's choosing. */
  Session session(long startMillis, String program, String... programArgs) {
    return Session.builder(dir).program(program, programArgs).startMillis(startMillis).quiet(true).start();
  }

  /** {@code refs/flor/runs/RUN}, or null. */
  ObjectId runRef(String runId) {
    try (org.eclipse.jgit.lib.Repository r = repository()) {
      Ref ref = r.exactRef(Snapshots.REF_PREFIX + runId);
      return ref == null ? null : ref.getObjectId();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The code version of a run: see {@link TempRepo#codeTree(ObjectId)}. */
  ObjectId codeTree(String runId) {
    return codeTree(runRef(runId));
  }
}
