package dev.flordb.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "query",
    header = "Any SQL over the store (read-only).",
    description = "Runs one SQL statement over the query database and prints the rows it returns."
        + " Tables: runs (one row per run: run_id, filename, tstamp, status, args, ...), logs (one"
        + " row per logged value) and ctx (loop positions); view: records (each logged value with"
        + " its run's run_id, tstamp and filename, its innermost loop and iteration, kind, name and"
        + " value). A statement that would change the store fails.",
    footerHeading = "%nExample:%n",
    footer = "  flordb query \"SELECT name, count(*) AS n FROM logs GROUP BY name\"")
final class QueryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;
  @Mixin OutputFormat format;

  @Parameters(paramLabel = "SQL", description = "The query, quoted as one argument.")
  String sql;

  @Override
  public Integer call() {
    if (sql.isBlank()) {
      throw new ParameterException(spec.commandLine(), "the query is empty; for example: flordb query"
          + " \"SELECT run_id, status FROM runs\"");
    }
    try (ProjectOptions.Project p = project.open()) {
      format.print(p.store().query(sql), spec.commandLine().getOut());
      return 0;
    }
  }
}
