package dev.flordb.cli;

import dev.flordb.internal.git.SnapshotRemote;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "push",
    header = "Push the run snapshots to a git remote.",
    description = "Pushes refs/flor/* (the runs' snapshot commits with their record files, replays'"
        + " refs and replayed records) to REMOTE, so that other clones can 'flordb pull' them. No"
        + " branch, tag, HEAD, index or working tree is touched, here or there. A ref the remote has"
        + " newer (more of the run's records) is left as it is.")
final class PushCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;

  @Parameters(index = "0", arity = "0..1", paramLabel = "REMOTE", defaultValue = "origin",
      description = "A remote's name (as 'git remote -v' lists) or a URL; default: origin.")
  String remote;

  @Override
  public Integer call() {
    try (ProjectOptions.Project p = project.open()) {
      SnapshotRemote.Result r = SnapshotRemote.push(p.git, remote);
      PullCommand.report(spec.commandLine().getOut(), spec.commandLine().getErr(), r, "pushed", remote);
      return 0;
    }
  }
}
