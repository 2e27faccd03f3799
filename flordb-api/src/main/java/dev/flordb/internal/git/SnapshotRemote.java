package dev.flordb.internal.git;

import dev.flordb.FlorException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.TagOpt;

/**
 * Run snapshots, replay refs and replayed records ({@code refs/flor/*}) to and from a git remote,
 * and nothing else: no branch, no tag, not HEAD, the index or the working tree.
 *
 * <p>A run's ref is moved by its own clone only (each snapshot commit replaces the last, so
 * they do not fast-forward): of two commits for one ref, the later one wins, in both directions,
 * and a remote ref whose commit this clone has never seen is left alone by a push (pull first).
 */
public final class SnapshotRemote {
  static final String PREFIX = "refs/flor/";
  /** Where a pull puts the remote's refs before it takes them; removed afterwards. */
  static final String INCOMING = "refs/flor-incoming/";

  private SnapshotRemote() {}

  /** What a push or pull did: the refs it moved, and those it left because the other side's were newer or unknown. */
  public record Result(int moved, int upToDate, List<String> left) {}

  /** Pushes this clone's {@code refs/flor/*} to {@code remote} (a remote's name or a URL). */
  public static Result push(Snapshots git, String remote) {
    Repository repo = git.repository();
    try (Git g = Git.wrap(repo); RevWalk walk = new RevWalk(repo)) {
      Map<String, ObjectId> theirs = new HashMap<>();
      Collection<Ref> remoteRefs = g.lsRemote().setRemote(remote).call();
      for (Ref r : remoteRefs) if (r.getName().startsWith(PREFIX)) theirs.put(r.getName(), r.getObjectId());
      List<RefSpec> specs = new ArrayList<>();
      List<String> left = new ArrayList<>();
      int same = 0;
      for (Ref r : repo.getRefDatabase().getRefsByPrefix(PREFIX)) {
        ObjectId other = theirs.get(r.getName());
        if (r.getObjectId().equals(other)) {
          same++;
        } else if (other == null || newer(git, walk, r.getName(), r.getObjectId(), other) == Boolean.TRUE) {
          specs.add(new RefSpec("+" + r.getName() + ":" + r.getName()));
        } else {
          left.add(r.getName());
        }
      }
      if (specs.isEmpty()) return new Result(0, same, left);
      int moved = 0;
      for (PushResult pr : g.push().setRemote(remote).setRefSpecs(specs).call()) {
        for (RemoteRefUpdate u : pr.getRemoteUpdates()) {
          if (u.getStatus() == RemoteRefUpdate.Status.OK) moved++;
          else if (u.getStatus() == RemoteRefUpdate.Status.UP_TO_DATE) same++;
          else left.add(u.getRemoteName() + " (" + u.getStatus() + (u.getMessage() == null ? "" : ": " + u.getMessage()) + ")");
        }
      }
      return new Result(moved, same, left);
    } catch (GitAPIException | IOException e) {
      throw new FlorException("cannot push the run snapshots (refs/flor/*) to " + remote + ": " + e.getMessage()
          + " (give a remote's name, as in 'git remote -v', or a URL)", e);
    }
  }

  /** Fetches {@code remote}'s {@code refs/flor/*} and takes each one this clone lacks or has older. */
  public static Result pull(Snapshots git, String remote) {
    Repository repo = git.repository();
    try (Git g = Git.wrap(repo); RevWalk walk = new RevWalk(repo)) {
      g.fetch().setRemote(remote).setTagOpt(TagOpt.NO_TAGS).setRemoveDeletedRefs(false)
          .setRefSpecs(new RefSpec("+" + PREFIX + "*:" + INCOMING + "*")).call();
      int moved = 0;
      int same = 0;
      List<String> left = new ArrayList<>();
      try {
        for (Ref in : repo.getRefDatabase().getRefsByPrefix(INCOMING)) {
          String name = PREFIX + in.getName().substring(INCOMING.length());
          Ref mine = repo.exactRef(name);
          if (mine != null && mine.getObjectId().equals(in.getObjectId())) {
            same++;
            continue;
          }
          if (mine != null && newer(git, walk, name, in.getObjectId(), mine.getObjectId()) != Boolean.TRUE) {
            left.add(name);
            continue;
          }
          RefUpdate u = repo.updateRef(name);
          u.setNewObjectId(in.getObjectId());
          u.setForceUpdate(true);
          u.setRefLogMessage("flordb pull " + remote, false);
          RefUpdate.Result r = u.update();
          if (r == RefUpdate.Result.NEW || r == RefUpdate.Result.FORCED || r == RefUpdate.Result.FAST_FORWARD) moved++;
          else left.add(name + " (" + r + ")");
        }
      } finally {
        for (Ref in : repo.getRefDatabase().getRefsByPrefix(INCOMING)) {
          RefUpdate d = repo.updateRef(in.getName());
          d.setForceUpdate(true);
          d.delete();
        }
      }
      return new Result(moved, same, left);
    } catch (GitAPIException | IOException e) {
      throw new FlorException("cannot fetch the run snapshots (refs/flor/*) from " + remote + ": " + e.getMessage()
          + " (give a remote's name, as in 'git remote -v', or a URL)", e);
    }
  }

  /**
   * Whether commit {@code a} of ref {@code name} is later than {@code b}: for a run's ref, the one
   * that holds more of the run's records (they only grow), else the later commit; null when
   * {@code b} is not in this repository.
   */
  private static Boolean newer(Snapshots git, RevWalk walk, String name, ObjectId a, ObjectId b) throws IOException {
    RevCommit ca = walk.parseCommit(a);
    RevCommit cb;
    try {
      cb = walk.parseCommit(b);
    } catch (MissingObjectException e) {
      return null;
    }
    if (name.startsWith(Snapshots.REF_PREFIX)) {
      String run = name.substring(Snapshots.REF_PREFIX.length());
      long sa = size(git, a, run);
      long sb = size(git, b, run);
      if (sa != sb) return sa > sb;
    }
    return ca.getCommitTime() > cb.getCommitTime();
  }

  private static long size(Snapshots git, ObjectId commit, String run) throws IOException {
    org.eclipse.jgit.lib.ObjectLoader l = git.recordsInCommit(commit, run);
    return l == null ? -1 : l.getSize();
  }
}
