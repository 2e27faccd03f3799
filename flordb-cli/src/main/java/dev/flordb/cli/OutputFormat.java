package dev.flordb.cli;

import dev.flordb.Table;
import java.io.PrintWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** {@code --csv} or {@code --json} instead of aligned text; picocli refuses both at once (bad usage). */
final class OutputFormat {
  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Choice choice;

  static final class Choice {
    @Option(names = "--csv", required = true, description = "Write CSV (RFC 4180).")
    boolean csv;

    @Option(names = "--json", required = true, description = "Write a JSON array of row objects.")
    boolean json;
  }

  void print(Table t, PrintWriter out) {
    if (choice != null && choice.csv) t.writeCsv(out);
    else if (choice != null && choice.json) t.writeJson(out);
    else t.print(out);
    out.flush();
  }
}
