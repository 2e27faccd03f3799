package dev.flordb.cli;

import dev.flordb.internal.git.SnapshotRemote;
import dev.flordb.internal.store.Store;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "pull",
    header = "Fetch the run snapshots from a git remote.",
    description = "Fetches refs/flor/* from REMOTE (what 'flordb push' sent: teammates' runs with"
        + " their code versions and record files) and, when it brought new ones, restores their"
        + " record files and rebuilds the query database as 'flordb unpack' does, so that their runs"
        + " can be read and replayed here (their checkpoints stay on their machines: a replay"
        + " recomputes them). No branch, tag, HEAD, index or working tree is touched.")
final class PullCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;

  @Parameters(index = "0", arity = "0..1", paramLabel = "REMOTE", defaultValue = "origin",
      description = "A remote's name (as 'git remote -v' lists) or a URL; default: origin.")
  String remote;

  @Override
  public Integer call() throws java.io.IOException {
    try (ProjectOptions.Project p = project.open()) {
      SnapshotRemote.Result r = SnapshotRemote.pull(p.git, remote);
      report(spec.commandLine().getOut(), spec.commandLine().getErr(), r, "took", remote);
      if (r.moved() > 0) {
        p.git.excludeFlorDir(); // .git/info/exclude, as a run does: git status stays as it was
        Store.UnpackReport u = Store.unpack(p.florDir, p.git);
        for (String w : u.warnings()) spec.commandLine().getErr().println("flordb: " + w);
        spec.commandLine().getOut().println("restored " + u.filesRestored() + " record file"
            + (u.filesRestored() == 1 ? "" : "s") + "; the store has " + u.runs() + " run" + (u.runs() == 1 ? "" : "s"));
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  static void report(PrintWriter out, PrintWriter err, SnapshotRemote.Result r, String verb, String remote) {
    out.println(verb + " " + r.moved() + " ref" + (r.moved() == 1 ? "" : "s") + " (" + r.upToDate() + " up to date) "
        + (verb.equals("pushed") ? "to " : "from ") + remote);
    for (String l : r.left()) {
      err.println("flordb: left " + l + ": the other side's is newer or unknown here"
          + (verb.equals("pushed") ? " ('flordb pull' first)" : ""));
    }
    out.flush();
    err.flush();
  }
}
