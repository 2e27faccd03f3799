package dev.flordb.internal.store;

import java.io.IOException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.CanonicalTreeParser;

/**
 * The code version of a run: the git tree id of its snapshot without FlorDB's own {@code .flor/}
 * (the run's record file), so runs of the same code have the same version though each has its
 * own snapshot commit. It is the id {@code git write-tree} gives for those files, so a run of a
 * clean working tree has the tree id of the user's commit ({@code git rev-parse HEAD^{tree}}).
 */
public final class CodeVersion {
  /** How many hex digits of the version {@code flordb runs} shows. */
  static final int SHORT = 10;

  private CodeVersion() {}

  /** The code version of a snapshot commit. */
  static ObjectId of(Repository repo, ObjectId commit) throws IOException {
    try (RevWalk rw = new RevWalk(repo); ObjectReader reader = repo.newObjectReader()) {
      ObjectId tree = rw.parseCommit(commit).getTree();
      CanonicalTreeParser entries = new CanonicalTreeParser(null, reader, tree);
      TreeFormatter code = new TreeFormatter();
      boolean hasFlor = false;
      for (; !entries.eof(); entries.next()) {
        if (entries.getEntryPathString().equals(".flor")) {
          hasFlor = true;
          continue;
        }
        code.append(entries.getEntryPathBuffer(), 0, entries.getEntryPathLength(), entries.getEntryFileMode(),
            entries.getEntryObjectId());
      }
      if (!hasFlor) return tree.copy();
      try (ObjectInserter.Formatter f = new ObjectInserter.Formatter()) {
        return f.idFor(Constants.OBJ_TREE, code.toByteArray());
      }
    }
  }
}
