package dev.flordb.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "query", description = {
    "Any SQL over the store (read-only).",
    "Any SQL over the store, read-only. Tables: runs, logs, ctx; view: records.",
    "Example: flordb query \"SELECT name, count(*) FROM logs GROUP BY name\""})
final class QueryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;
  @Mixin OutputFormat format;

  @Parameters(paramLabel = "SQL", description = "The query (quote it).")
  String sql;

  @Override
  public Integer call() {
    try (ProjectOptions.Project p = project.open()) {
      format.print(p.store().query(sql), spec.commandLine().getOut());
      return 0;
    }
  }
}
