package dev.flordb.cli;

import dev.flordb.Table;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "stat",
    header = "What the store holds: runs by status, records, names, sizes.",
    description = "Summarises the store of the project: where it is and its size, the runs by"
        + " status, the number of records, and each logged name with its kind and how many records"
        + " and runs have it.")
final class StatCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;

  @Override
  public Integer call() throws IOException {
    try (ProjectOptions.Project p = project.open()) {
      PrintWriter out = spec.commandLine().getOut();
      Table runs = p.store().query("SELECT status, count(*) AS runs FROM runs GROUP BY status ORDER BY status");
      Table totals = p.store().query("SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM logs) AS records,"
          + " (SELECT count(DISTINCT name) FROM logs WHERE kind IN ('log', 'arg')) AS names");
      Table names = p.store().query("SELECT name, kind, count(*) AS records, count(DISTINCT rid) AS runs"
          + " FROM logs WHERE kind IN ('log', 'arg') GROUP BY name, kind ORDER BY min(rowid)");
      Table.Row t = totals.row(0);
      out.println("project:  " + p.git.workTree().getFileName() + " (" + p.git.workTree() + ")");
      out.println("store:    " + p.florDir + " (" + human(size(p.florDir.resolve("records"))) + " of records, "
          + human(size(p.florDir.resolve("flor.db"))) + " database)");
      if (p.storeUrl != null) {
        try (dev.flordb.internal.store.SharedStore shared = dev.flordb.internal.store.SharedStore.open(p.storeUrl, p.git)) {
          out.println("shared:   " + shared.describe() + ": every clone's runs, counted below");
        }
      }
      out.println("runs:     " + t.get("runs") + statuses(runs));
      out.println("records:  " + t.get("records"));
      out.println("names:    " + t.get("names"));
      if (!names.isEmpty()) {
        out.println();
        names.print(out);
      }
      out.flush();
      return 0;
    }
  }

  private static String statuses(Table runs) {
    StringBuilder sb = new StringBuilder();
    for (Table.Row r : runs) {
      sb.append(sb.length() == 0 ? " (" : ", ").append(r.get("runs")).append(' ').append(r.get("status"));
    }
    return sb.length() == 0 ? "" : sb.append(')').toString();
  }

  private static long size(Path p) throws IOException {
    if (!Files.exists(p)) return 0;
    if (!Files.isDirectory(p)) return Files.size(p);
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return String.format("%.1f KiB", bytes / 1024.0);
    return String.format("%.1f MiB", bytes / (1024.0 * 1024));
  }
}
