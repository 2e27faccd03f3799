package dev.flordb.cli;

import dev.flordb.internal.Snapshots;
import dev.flordb.internal.Store;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Where the project is: {@code -C DIR}, as with {@code git -C}. Mixed into every command that reads a store. */
final class ProjectOptions {
  @Option(names = "-C", paramLabel = "DIR", description = "Run as if started in DIR (default: the current directory).")
  Path dir;

  @Spec(Spec.Target.MIXEE) CommandSpec command;

  /** The repository and its store; close both. */
  Project open() {
    Path where = dir;
    if (where == null && command.parent() != null && command.parent().userObject() instanceof FlorCli) {
      where = ((FlorCli) command.parent().userObject()).dir;
    }
    if (where == null) where = Path.of("").toAbsolutePath();
    Snapshots git = Snapshots.open(where);
    return new Project(git, git.workTree().resolve(".flor"));
  }

  static final class Project implements AutoCloseable {
    final Snapshots git;
    final Path florDir;
    private Store store;

    Project(Snapshots git, Path florDir) {
      this.git = git;
      this.florDir = florDir;
    }

    Store store() {
      if (store == null) store = Store.open(florDir, git);
      return store;
    }

    @Override
    public void close() {
      if (store != null) store.close();
      git.close();
    }
  }
}
