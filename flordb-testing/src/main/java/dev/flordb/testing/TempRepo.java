package dev.flordb.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A user's repository for the tests: a real git repository in a temporary directory (made with
 * {@code git init}, no commits), what a user does to it (write files, commit them), and what the
 * tests read back from it (refs, commits, the files a commit holds, the state a run must leave
 * as it found).
 */
public class TempRepo {
  public final Path dir;

  protected TempRepo(Path dir) {
    this.dir = dir;
  }

  /** {@code git init DIR}: a fresh repository with no commits. */
  public static TempRepo init(Path dir) {
    return new TempRepo(initialized(dir));
  }

  /** An existing repository's working tree. */
  public static TempRepo open(Path dir) {
    return new TempRepo(dir);
  }

  /** Makes DIR a fresh repository and returns its real path. */
  protected static Path initialized(Path dir) {
    try {
      Files.createDirectories(dir);
      Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call().close();
      return dir.toRealPath();
    } catch (GitAPIException | IOException e) {
      throw new IllegalStateException("cannot make a git repository in " + dir, e);
    }
  }

  /** Writes a file of the working tree (creating its directories). */
  public Path write(String relative, String text) {
    try {
      Path f = dir.resolve(relative);
      Files.createDirectories(f.getParent());
      Files.writeString(f, text, StandardCharsets.UTF_8);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- git

  protected Repository repository() {
    try {
      return new FileRepositoryBuilder().setWorkTree(dir.toFile()).setMustExist(true).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the user does: stages every file of the working tree and commits it on the current branch. */
  public ObjectId commitAll(String message) {
    try (Repository r = repository(); Git git = new Git(r)) {
      git.add().addFilepattern(".").call();
      return git.commit().setMessage(message).setAuthor("A User", "user@example.com")
          .setCommitter("A User", "user@example.com").setSign(false).call().getId();
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The refs under a prefix (such as {@code refs/flor/replays/}), name to commit. */
  public Map<String, ObjectId> refs(String prefix) {
    try (Repository r = repository()) {
      Map<String, ObjectId> out = new java.util.TreeMap<>();
      for (Ref ref : r.getRefDatabase().getRefsByPrefix(prefix)) out.put(ref.getName(), ref.getObjectId());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A commit, with its parents and message. */
  public RevCommit commit(ObjectId id) {
    try (Repository r = repository(); RevWalk rw = new RevWalk(r)) {
      RevCommit c = rw.parseCommit(id);
      rw.parseBody(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The code version of a run's snapshot commit, computed apart from the store's way: its files
   * without {@code .flor/}, put in an index of their own and named as {@code git write-tree} would.
   */
  public ObjectId codeTree(ObjectId commit) {
    try (Repository r = repository(); RevWalk rw = new RevWalk(r); TreeWalk tw = new TreeWalk(r)) {
      tw.addTree(rw.parseCommit(commit).getTree());
      tw.setRecursive(true);
      DirCache dc = DirCache.newInCore();
      DirCacheBuilder b = dc.builder();
      while (tw.next()) {
        if (tw.getPathString().startsWith(".flor/")) continue;
        DirCacheEntry e = new DirCacheEntry(tw.getPathString());
        e.setFileMode(tw.getFileMode(0));
        e.setObjectId(tw.getObjectId(0));
        b.add(e);
      }
      b.finish();
      try (ObjectInserter idsOnly = new ObjectInserter.Formatter() {
        @Override
        public ObjectId insert(int type, byte[] data, int off, int len) {
          return idFor(type, data, off, len); // names the trees without writing them
        }
      }) {
        return dc.writeTree(idsOnly);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text of a file in a commit, or null if the commit does not hold it. */
  public String fileInCommit(ObjectId commit, String path) {
    try (Repository r = repository(); RevWalk rw = new RevWalk(r)) {
      RevCommit c = rw.parseCommit(commit);
      try (TreeWalk tw = TreeWalk.forPath(r, path, c.getTree())) {
        if (tw == null) return null;
        return new String(r.open(tw.getObjectId(0), Constants.OBJ_BLOB).getBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The paths of every file a commit holds. */
  public List<String> filesInCommit(ObjectId commit) {
    List<String> out = new ArrayList<>();
    try (Repository r = repository(); RevWalk rw = new RevWalk(r); TreeWalk tw = new TreeWalk(r)) {
      tw.addTree(rw.parseCommit(commit).getTree());
      tw.setRecursive(true);
      while (tw.next()) out.add(tw.getPathString());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What a run must leave as it found it: the HEAD file and the commit it names, the index file's
   * bytes (absent in a fresh repository), what {@code git status --porcelain} shows, and every ref
   * other than FlorDB's own.
   */
  public record GitState(String headFile, String headCommit, String indexSha256, List<String> status, List<String> userRefs) {}

  public GitState gitState() {
    try (Repository r = repository(); Git git = new Git(r)) {
      Path gitDir = r.getDirectory().toPath();
      Path index = gitDir.resolve("index");
      ObjectId head = r.resolve(Constants.HEAD);
      TreeSet<String> refs = new TreeSet<>();
      for (Ref ref : r.getRefDatabase().getRefs()) {
        if (!ref.getName().startsWith("refs/flor/")) refs.add(ref.getName() + " " + ref.getObjectId());
      }
      return new GitState(
          Files.readString(gitDir.resolve("HEAD")),
          head == null ? null : head.name(),
          Files.exists(index) ? sha256(Files.readAllBytes(index)) : null,
          porcelain(git.status().call()),
          List.copyOf(refs));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code git status --porcelain}: one "XY path" line per path and state, sorted. */
  private static List<String> porcelain(Status s) {
    Map<String, Set<String>> byCode = new LinkedHashMap<>();
    byCode.put("A ", s.getAdded());
    byCode.put("M ", s.getChanged());
    byCode.put("D ", s.getRemoved());
    byCode.put(" M", s.getModified());
    byCode.put(" D", s.getMissing());
    byCode.put("UU", s.getConflicting());
    byCode.put("??", s.getUntracked());
    TreeSet<String> lines = new TreeSet<>();
    byCode.forEach((code, paths) -> paths.forEach(p -> lines.add(code + " " + p)));
    return List.copyOf(lines);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
