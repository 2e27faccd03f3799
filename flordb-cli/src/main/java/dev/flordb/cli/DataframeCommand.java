package dev.flordb.cli;

import dev.flordb.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "dataframe", description = {
    "The named values of every run as one table.",
    "The named values of every run as one table: one row per run and loop position,",
    "run-level values repeated on every row of their run. With no names: one row per run."})
final class DataframeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;
  @Mixin OutputFormat format;

  @Parameters(paramLabel = "NAME", arity = "0..*", description = "Logged names, for example: lr loss acc")
  List<String> names = new ArrayList<>();

  @Override
  public Integer call() {
    try (ProjectOptions.Project p = project.open()) {
      Table t = p.store().dataframe(names.toArray(new String[0]));
      List<String> missing = new ArrayList<>();
      for (String n : names) {
        if (t.column(n).stream().allMatch(v -> v == null)) missing.add(n);
      }
      if (!missing.isEmpty()) {
        Table known = p.store().query("SELECT DISTINCT name FROM logs WHERE kind IN ('log', 'arg') ORDER BY name");
        spec.commandLine().getErr().println("flordb: no run logged " + String.join(", ", missing)
            + "; the names logged are " + known.column("name"));
      }
      format.print(t, spec.commandLine().getOut());
      return 0;
    }
  }
}
