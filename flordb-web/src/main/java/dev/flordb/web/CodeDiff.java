package dev.flordb.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.filter.NotTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/**
 * The unified diff between two runs' snapshot commits, without FlorDB's own {@code .flor/} (the
 * record files differ between any two runs and are not code): what {@code git diff
 * refs/flor/runs/A refs/flor/runs/B -- . ':!.flor'} prints.
 */
final class CodeDiff {
  /** More than this is cut, with a line saying so: a browser does not need a megabyte of diff. */
  static final int MAX_BYTES = 1 << 20;

  private CodeDiff() {}

  static String between(Repository repo, ObjectId a, ObjectId b) throws IOException {
    try (RevWalk rw = new RevWalk(repo)) {
      RevCommit ca = rw.parseCommit(a);
      RevCommit cb = rw.parseCommit(b);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (DiffFormatter df = new DiffFormatter(out)) {
        df.setRepository(repo);
        df.setDiffComparator(RawTextComparator.DEFAULT);
        df.setDetectRenames(true);
        df.setPathFilter(NotTreeFilter.create(PathFilter.create(".flor")));
        df.format(ca.getTree(), cb.getTree());
      }
      String text = out.toString(StandardCharsets.UTF_8);
      if (text.length() > MAX_BYTES) {
        text = text.substring(0, MAX_BYTES) + "\n... the diff goes on; see it whole with: git diff " + a.name() + " "
            + b.name() + " -- . ':!.flor'\n";
      }
      return text;
    }
  }
}
