package dev.flordb.replay;

import dev.flordb.Table;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;

/**
 * A recorded run as replay schedules it: its snapshot commit, how it was launched, and the
 * forward timings that estimate what replaying it costs.
 */
public record PastRun(String runId, String tstamp, String filename, String status, ObjectId version,
    Map<String, Object> launch, Timings timings) {

  /**
   * What the run's profiling records say, in seconds (0 where the run has none).
   *
   * @param launch the part of {@code setup} before the program's first FlorDB call: the JVM's
   *     start and, for a program run from source, its compilation
   * @param outerLoops the outermost loops' total time
   * @param nestedLoops the time of the loops directly inside an outermost loop's iterations
   * @param outerIterations the outermost loops' iteration count
   * @param supplied time spent on values logged through a supplier ({@code Flor.logLazily(name, () -> ...)}),
   *     which a replay skips unless it fills that name in: outside loops, in an outermost loop's
   *     body, in nested loops
   */
  record Timings(double setup, double launch, double teardown, double run, double outerLoops, double nestedLoops,
      long outerIterations, Supplied supplied) {}

  record Supplied(double outsideLoops, double outerBody, double nestedLoops) {}

  /** Every run of the store, oldest first. */
  static List<PastRun> all(Store store) {
    Map<String, Map<String, Double>> prof = new HashMap<>();
    // A range on the indexed name rather than LIKE, which SQLite would answer with a full scan.
    Table rows = store.query("SELECT r.run_id, l.name, l.value, l.ctx FROM logs l JOIN runs r ON r.rid = l.rid"
        + " WHERE l.name >= 'prof::' AND l.name < 'prof:;' AND l.kind = 'prof'"
        + " AND (l.ctx = 0 OR l.ctx IN (SELECT id FROM ctx WHERE depth = 0))");
    for (Table.Row r : rows) {
      String name = r.getString("name");
      boolean root = r.getLong("ctx") == 0;
      String key = !name.endsWith("::loop_s") && !name.endsWith("::iterations") ? name
          : (root ? "outer" : "nested") + (name.endsWith("::loop_s") ? "_loop_s" : "_iterations");
      if (!root && !key.startsWith("nested")) continue;
      Object v = r.get("value");
      if (v instanceof Number) prof.computeIfAbsent(r.getString("run_id"), k -> new HashMap<>())
          .merge(key, ((Number) v).doubleValue(), Double::sum);
    }
    List<PastRun> out = new ArrayList<>();
    for (Table.Row r : store.query("SELECT run_id, tstamp, filename, status, version, header FROM runs"
        + " ORDER BY start_ms, run_id")) {
      Map<String, Double> p = prof.getOrDefault(r.getString("run_id"), Map.of());
      Timings t = new Timings(p.getOrDefault("prof::setup_s", 0.0), p.getOrDefault("prof::launch_s", 0.0),
          p.getOrDefault("prof::teardown_s", 0.0),
          p.getOrDefault("prof::run_s", 0.0), p.getOrDefault("outer_loop_s", 0.0),
          p.getOrDefault("nested_loop_s", 0.0), Math.round(p.getOrDefault("outer_iterations", 0.0)),
          new Supplied(p.getOrDefault("prof::supplied_outside_loops_s", 0.0),
              p.getOrDefault("prof::supplied_outer_body_s", 0.0), p.getOrDefault("prof::supplied_nested_loops_s", 0.0)));
      String version = r.getString("version");
      out.add(new PastRun(r.getString("run_id"), r.getString("tstamp"), r.getString("filename"),
          r.getString("status"), version == null ? null : ObjectId.fromString(version), launchOf(r.getString("header")),
          t));
    }
    return out;
  }

  private static Map<String, Object> launchOf(String header) {
    Object h = header == null ? null : Json.parse(header);
    Object launch = h instanceof Map ? ((Map<?, ?>) h).get("launch") : null;
    Map<String, Object> out = new LinkedHashMap<>();
    if (launch instanceof Map) ((Map<?, ?>) launch).forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  String shortVersion() {
    return version == null ? "none" : version.abbreviate(7).name();
  }

  /**
   * The directory the run was started in, which its relative paths are relative to and replay
   * starts it in again; the work tree when that directory is unknown or gone.
   */
  Path directory(Path workTree) {
    String cwd = launchString("cwd");
    if (cwd == null) return workTree;
    Path moved = movedDirectory(Path.of(cwd).toAbsolutePath().normalize(), workTree.toAbsolutePath().normalize());
    if (moved != null) return moved;
    return Files.isDirectory(Path.of(cwd)) ? Path.of(cwd) : workTree;
  }

  /**
   * A run recorded in another clone of the project (pulled with {@code flordb pull}) was started
   * in a directory of that clone: the same directory of this one, found from where its program
   * sits in both. Null when the run was started in this clone, or that cannot be told.
   */
  /**
   * A path of the run's launch as it is in this clone: for a run pulled from another clone, a
   * path in that clone becomes the same path in this one (see {@link #directory}).
   */
  Path inThisClone(Path recorded, Path workTree) {
    Path abs = recorded.toAbsolutePath().normalize();
    Path root = workTree.toAbsolutePath().normalize();
    String cwd = launchString("cwd");
    if (abs.startsWith(root) || cwd == null) return recorded;
    Path otherCwd = Path.of(cwd).toAbsolutePath().normalize();
    Path hereCwd = movedDirectory(otherCwd, root);
    if (hereCwd == null || !abs.startsWith(otherCwd)) return recorded;
    return hereCwd.resolve(otherCwd.relativize(abs).toString());
  }

  private Path movedDirectory(Path cwd, Path workTree) {
    String main = launchString("main");
    if (cwd.startsWith(workTree) || main == null || filename == null || launch.get("outside_repository") != null) {
      return null;
    }
    Path program = cwd.resolve(main).normalize();
    Path inRepo = Path.of(filename);
    if (program.getNameCount() <= inRepo.getNameCount() || !program.endsWith(inRepo)) return null;
    Path otherRoot = program.getRoot().resolve(program.subpath(0, program.getNameCount() - inRepo.getNameCount()));
    if (!cwd.startsWith(otherRoot)) return null;
    Path here = workTree.resolve(otherRoot.relativize(cwd).toString());
    return Files.isDirectory(here) ? here : null;
  }

  /** A launch detail as a string, or null. */
  String launchString(String key) {
    Object v = launch.get(key);
    return v == null ? null : v.toString();
  }

  /** A launch detail that is a list of strings. */
  List<String> launchList(String key) {
    List<String> out = new ArrayList<>();
    if (launch.get(key) instanceof List) for (Object o : (List<?>) launch.get(key)) out.add(String.valueOf(o));
    return out;
  }
}
