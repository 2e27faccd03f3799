package dev.flordb.cli;

import dev.flordb.Table;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --csv} or {@code --json} instead of aligned text. */
final class OutputFormat {
  @Option(names = "--csv", description = "Write CSV.")
  boolean csv;

  @Option(names = "--json", description = "Write a JSON array of row objects.")
  boolean json;

  void print(Table t, PrintWriter out) {
    if (csv && json) throw new IllegalArgumentException("choose one of --csv and --json");
    if (csv) t.writeCsv(out);
    else if (json) t.writeJson(out);
    else t.print(out);
    out.flush();
  }
}
