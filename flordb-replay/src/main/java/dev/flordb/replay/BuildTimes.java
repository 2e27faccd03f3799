package dev.flordb.replay;

import dev.flordb.internal.records.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long the project's own build command ({@code replay.build} in {@code flordb.properties})
 * took when replay last ran it, for the next schedule's estimate: forward runs' timings cannot
 * say, and a build is often most of a replay (measured: a schedule that left it out estimated
 * 2.0 s for a replay that took 14.1 s). Kept in {@code .flor/replays/builds.jsonl}, one line per
 * build: {@code {"command": "...", "seconds": 12.3, "t": 1795672206123}}; a cache, not committed.
 */
public final class BuildTimes {
  static final String FILE = "builds.jsonl";

  private BuildTimes() {}

  /** Command to the seconds its last build took; empty when none was measured (or the file is unreadable). */
  static Map<String, Double> read(Path florDir) {
    Path file = florDir.resolve("replays").resolve(FILE);
    Map<String, Double> out = new HashMap<>();
    if (!Files.isRegularFile(file)) return out;
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        try {
          Object o = Json.parse(line);
          if (!(o instanceof Map)) continue;
          Object command = ((Map<?, ?>) o).get("command");
          Object seconds = ((Map<?, ?>) o).get("seconds");
          if (command != null && seconds instanceof Number) out.put(command.toString(), ((Number) seconds).doubleValue());
        } catch (RuntimeException cut) {
          // a line cut short by a kill: the others count
        }
      }
    } catch (IOException e) {
      return out; // an estimate without the build, as before any was measured
    }
    return out;
  }

  /** Appends one measurement. */
  static synchronized void record(Path florDir, String command, double seconds) throws IOException {
    Path dir = florDir.resolve("replays");
    Files.createDirectories(dir);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("command", command);
    line.put("seconds", Math.round(seconds * 1000) / 1000.0);
    line.put("t", System.currentTimeMillis());
    Files.write(dir.resolve(FILE), List.of(Json.write(line)), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
