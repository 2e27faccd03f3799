package dev.flordb.cli;

import dev.flordb.internal.store.Store;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "unpack",
    header = "Rebuild the query database from the record files.",
    description = "Rebuilds the query database, flor.db in the project's .flor directory, from the"
        + " record files beside it, first restoring any record file that is missing from the runs'"
        + " snapshot commits (refs/flor/runs/*) and the replayed values' record files from the"
        + " replays' commits (refs/flor/replays/*/RUN). The database is only a cache of the record"
        + " files: this is the way back from a damaged or deleted one, or from a clone that has the"
        + " snapshots but no .flor directory.")
final class UnpackCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;

  @Override
  public Integer call() {
    try (ProjectOptions.Project p = project.open()) {
      Store.UnpackReport r = Store.unpack(p.florDir, p.git);
      PrintWriter out = spec.commandLine().getOut();
      for (String w : r.warnings()) spec.commandLine().getErr().println("flordb: " + w);
      out.println("restored " + r.filesRestored() + " record file" + (r.filesRestored() == 1 ? "" : "s")
          + (r.replayFilesRestored() == 0 ? "" : " and " + r.replayFilesRestored() + " replay record file"
              + (r.replayFilesRestored() == 1 ? "" : "s"))
          + (r.noteFilesRestored() == 0 ? "" : " and " + r.noteFilesRestored() + " notes file"
              + (r.noteFilesRestored() == 1 ? "" : "s"))
          + " from git; rebuilt " + p.florDir.resolve(Store.DB_FILE) + ": " + r.runs() + " run"
          + (r.runs() == 1 ? "" : "s") + ", " + r.records() + " records");
      out.flush();
      return 0;
    }
  }
}
