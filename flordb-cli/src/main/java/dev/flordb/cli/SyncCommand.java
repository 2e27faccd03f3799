package dev.flordb.cli;

import dev.flordb.internal.store.SharedStore;
import dev.flordb.internal.store.Store;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "sync",
    header = "Ship this clone's records to the store the team shares.",
    description = "Ships to the shared store (--store, FLOR_STORE or store.url in flordb.properties)"
        + " every record this clone's record files hold and the store lacks: runs recorded offline,"
        + " while the store was down, or before it was set. Each record file goes in one transaction"
        + " from where the store's copy of it ends, so running it again, or after it was interrupted,"
        + " stores every record exactly once. Commands that read do the same first.")
final class SyncCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;

  @Override
  public Integer call() {
    try (ProjectOptions.Project p = project.open()) {
      if (p.storeUrl == null) {
        throw new ParameterException(spec.commandLine(), "no shared store to sync with: give --store"
            + " jdbc:postgresql://HOST:PORT/DB, set FLOR_STORE, or set store.url in flordb.properties");
      }
      Store store = p.store();
      store.sync();
      SharedStore.Shipped s = store.shipToShared();
      PrintWriter out = spec.commandLine().getOut();
      out.println(s.records() == 0 ? "the shared store has every record of this clone"
          : "shipped " + s.records() + " record" + (s.records() == 1 ? "" : "s") + " of " + s.files() + " record file"
              + (s.files() == 1 ? "" : "s") + " to the shared store");
      out.flush();
      return 0;
    }
  }
}
