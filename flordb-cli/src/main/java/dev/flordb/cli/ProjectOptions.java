package dev.flordb.cli;

import dev.flordb.internal.Snapshots;
import dev.flordb.internal.Store;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the project is: {@code -C DIR}, as with {@code git -C}. Mixed into every command that reads a store. */
final class ProjectOptions {
  @Option(names = "-C", paramLabel = "DIR", description = "Run as if started in DIR (default: the current directory).")
  Path dir;

  /** The repository and its store; close both. */
  Project open() {
    Snapshots git = Snapshots.open(dir == null ? Path.of("").toAbsolutePath() : dir);
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
