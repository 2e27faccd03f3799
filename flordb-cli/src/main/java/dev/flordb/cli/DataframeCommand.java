package dev.flordb.cli;

import dev.flordb.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "dataframe",
    header = "The named values of every run as one table.",
    description = "One row per run and loop position. The columns: projid, tstamp and filename (the"
        + " run); one per loop around the values, named after it, holding the iteration (from 0);"
        + " <loop>_value after it where the loop's elements are plain values; one per name; and"
        + " source (replay or forward) when some value was filled in by a replay. A value logged"
        + " outside the loops is repeated on every row of its run. With no names: one row per run"
        + " with every value it logged outside the loops.",
    footerHeading = "%nExample:%n",
    footer = "  flordb dataframe lr loss acc --csv > runs.csv")
final class DataframeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;
  @Mixin OutputFormat format;

  @Parameters(paramLabel = "NAME", arity = "0..*", description = "Logged names, for example: lr loss acc.")
  List<String> names = new ArrayList<>();

  @Override
  public Integer call() {
    for (String n : names) {
      if (n.isBlank()) throw new ParameterException(spec.commandLine(), "a NAME is empty; name logged values, for example: flordb dataframe lr acc");
    }
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
