package dev.flordb.cli;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.run.Settings;
import dev.flordb.internal.store.SharedStore;
import dev.flordb.internal.store.Store;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Where the project is: {@code -C DIR}, as with {@code git -C}. Mixed into every command that reads a store. */
final class ProjectOptions {
  @Option(names = "-C", paramLabel = "DIR", description = "Run as if started in DIR (default: the current directory).")
  Path dir;

  @Spec(Spec.Target.MIXEE) CommandSpec command;

  /**
   * The repository and its store; close both. What the store finds wrong with the record files
   * (and notes on a dataframe) is printed to the command's standard error, each once.
   */
  Project open() {
    Path where = dir;
    if (where == null && command.parent() != null && command.parent().userObject() instanceof FlorCli) {
      where = ((FlorCli) command.parent().userObject()).dir;
    }
    if (where == null) {
      where = Path.of("").toAbsolutePath();
    } else if (!Files.isDirectory(where)) {
      throw new ParameterException(command.commandLine(), "-C " + where + ": "
          + (Files.exists(where) ? "is a file, not a directory" : "no such directory")
          + "; give the directory of the project's git repository (or one inside it)");
    }
    Snapshots git = Snapshots.open(where);
    PrintWriter err = command.commandLine().getErr();
    String storeUrl = null;
    if (command.parent() != null && command.parent().userObject() instanceof FlorCli) {
      storeUrl = ((FlorCli) command.parent().userObject()).store;
    }
    try {
      if (storeUrl == null) storeUrl = Settings.fromEnvironment().storeUrl(git.workTree());
    } catch (RuntimeException e) {
      git.close();
      throw e;
    }
    return new Project(git, git.workTree().resolve(".flor"), storeUrl, w -> {
      err.println("flordb: " + w);
      err.flush();
    });
  }

  static final class Project implements AutoCloseable {
    final Snapshots git;
    final Path florDir;
    /** The store the team shares (--store, FLOR_STORE, store.url), or null. */
    final String storeUrl;
    private final Consumer<String> warnings;
    private Store store;

    Project(Snapshots git, Path florDir, String storeUrl, Consumer<String> warnings) {
      this.git = git;
      this.florDir = florDir;
      this.storeUrl = storeUrl;
      this.warnings = warnings;
    }

    /** The store that commands read: the local one, whose reads go to the shared store when there is one. */
    Store store() {
      if (store == null) {
        store = Store.open(florDir, git, warnings);
        if (storeUrl != null) store.share(SharedStore.open(storeUrl, git));
      }
      return store;
    }

    @Override
    public void close() {
      if (store != null) store.close();
      git.close();
    }
  }
}
