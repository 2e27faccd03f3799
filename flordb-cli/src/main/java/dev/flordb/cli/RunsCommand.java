package dev.flordb.cli;

import dev.flordb.Table;
import dev.flordb.internal.records.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code flordb runs}. The version is the code version (the run's snapshot without the record
 * files, runs.code_version), so runs of the same code show the same one though each has its own
 * snapshot commit; its first {@value #SHORT} hex digits are shown.
 */
@Command(name = "runs",
    header = "One line per run: when, program, version, status, arguments.",
    description = "Lists the recorded runs, oldest first: the start time (UTC), the program's path,"
        + " the code version (the first characters of the id of its snapshot's tree without the"
        + " record files: runs of the same code show the same version), the status (running,"
        + " finished, failed or crashed), the arguments given with --kwargs, and the run's id"
        + " (what Flor.restore takes).")
final class RunsCommand implements Callable<Integer> {
  static final int SHORT = 10;

  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;
  @Mixin OutputFormat format;

  @Override
  public Integer call() {
    try (ProjectOptions.Project p = project.open()) {
      Table raw = p.store().query("SELECT tstamp, filename, code_version, status, args, run_id FROM runs"
          + " ORDER BY tstamp, run_id");
      List<Object[]> rows = new ArrayList<>();
      for (Table.Row r : raw) {
        String version = r.getString("code_version");
        rows.add(new Object[] {
          r.get("tstamp"), r.get("filename"),
          version == null ? null : version.substring(0, Math.min(SHORT, version.length())),
          r.get("status"), args(r.getString("args")), r.get("run_id")
        });
      }
      Table t = Table.of(List.of("when", "program", "version", "status", "args", "run"), rows);
      format.print(t, spec.commandLine().getOut());
      return 0;
    }
  }

  private static String args(String json) {
    if (json == null) return "";
    Object parsed = Json.parse(json);
    if (!(parsed instanceof Map)) return json;
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) parsed).entrySet()) {
      if (sb.length() > 0) sb.append(' ');
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString();
  }
}
