package dev.flordb.web;

import dev.flordb.Table;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.RecordFormat;
import dev.flordb.internal.store.Store;
import dev.flordb.replay.RunFilter;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The JSON API under {@code /api/}: what the pages read and write, and what scripts may use.
 * Every answer is JSON; a refused request answers {@code {"error": "...", "status": N}}, the
 * message naming what was wrong. The README lists the endpoints.
 */
final class Api {
  /** Rows a dataframe or query answer holds at most unless {@code limit} says otherwise. */
  static final int DEFAULT_LIMIT = 100_000;

  private final Snapshots git;
  /** The store that dataframes, queries and conditions read: the local one, or it sharing the team's. */
  private final Store store;
  /** Whether {@link #store} reads the store a team shares (and this clone ships to it before each read). */
  private final boolean shared;
  /** The pages' reads of the store served: the shared one when there is one. */
  private final Reads reads;
  /** The local store's own rows: what this clone has the records and snapshots of. */
  private final Reads local;
  private final String project;
  private final Notes notes;
  private final Replays replays;
  private final List<String> warnings;
  private final RunSummaries summaries = new RunSummaries();
  private final RunSeries series;

  Api(Snapshots git, Store store, boolean shared, Reads reads, Reads local, String project, Notes notes, Replays replays,
      List<String> warnings) {
    this.git = git;
    this.store = store;
    this.shared = shared;
    this.reads = reads;
    this.local = local;
    this.project = project;
    this.notes = notes;
    this.replays = replays;
    this.warnings = warnings;
    this.series = new RunSeries(reads);
  }

  void routes(RoutesConfig r) {
    r.get("/api/runs", ctx -> {
      List<Map<String, Object>> runs = runs(ctx.queryParam("where"), "1".equals(ctx.queryParam("hidden")));
      if ("csv".equals(ctx.queryParam("format"))) {
        csv(ctx, runs, ctx.queryParam("columns"));
        return;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("project", project);
      synchronized (summaries) {
        m.putAll(summaries.names());
      }
      m.put("runs", runs);
      m.put("warnings", warnings());
      json(ctx, m);
    });
    r.get("/api/runs/{run}", ctx -> json(ctx, run(ctx.pathParam("run"))));
    r.get("/api/runs/{run}/series", ctx -> {
      long rid = rid(ctx.pathParam("run"));
      List<String> names = list(ctx.queryParam("names"));
      if (names.isEmpty()) names = new ArrayList<>(summaries.of(rid).metrics.keySet());
      json(ctx, series.of(rid, names));
    });
    r.get("/api/runs/{run}/file", ctx -> {
      Map<String, Object> run = runRow(ctx.pathParam("run"));
      String path = ctx.queryParam("path");
      if (path == null || path.isBlank()) throw ApiError.badRequest("name the file: ?path=Train.java");
      String missing = noSnapshot(run);
      if (missing != null) throw ApiError.notFound(missing);
      ObjectId blob = git.files(ObjectId.fromString((String) run.get("version"))).get(path);
      if (blob == null) throw ApiError.notFound("the snapshot of run " + run.get("run_id") + " has no file " + Json.write(path));
      byte[] b = git.read(blob);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", path);
      m.put("text", new String(b, 0, Math.min(b.length, CodeDiff.MAX_BYTES), StandardCharsets.UTF_8));
      m.put("truncated", b.length > CodeDiff.MAX_BYTES);
      json(ctx, m);
    });
    r.get("/api/compare", ctx -> json(ctx, compare(list(ctx.queryParam("runs")))));
    r.get("/api/dataframe", ctx -> {
      List<String> names = list(ctx.queryParam("names"));
      json(ctx, table(store.dataframe(names.toArray(new String[0])), limit(ctx)));
    });
    r.get("/api/query", ctx -> {
      String sql = ctx.queryParam("sql");
      if (sql == null || sql.isBlank()) throw ApiError.badRequest("give the query: /api/query?sql=SELECT run_id, status FROM runs");
      json(ctx, table(store.query(sql), limit(ctx)));
    });
    r.post("/api/runs/{run}/tags", ctx -> {
      String run = recordedHere(ctx.pathParam("run"));
      String on = ctx.formParam("on");
      notes.tag(run, ctx.formParam("tag"), on == null || Boolean.parseBoolean(on));
      json(ctx, summary(run));
    });
    r.post("/api/runs/{run}/note", ctx -> {
      String run = recordedHere(ctx.pathParam("run"));
      notes.note(run, ctx.formParam("text"));
      json(ctx, summary(run));
    });
    r.post("/api/runs/{run}/hidden", ctx -> {
      String run = recordedHere(ctx.pathParam("run"));
      String hidden = ctx.formParam("hidden");
      if (hidden == null || !(hidden.equals("true") || hidden.equals("false"))) {
        throw ApiError.badRequest("hidden must be true or false, not " + Json.write(hidden));
      }
      notes.hide(run, Boolean.parseBoolean(hidden));
      json(ctx, summary(run));
    });
    r.get("/api/replay/candidates", ctx -> {
      store.sync();
      json(ctx, Map.of("candidates", Candidates.find(git.workTree(), local)));
    });
    r.get("/api/replay/plan", ctx -> json(ctx, replays.plan(list(ctx.queryParam("names")), ctx.queryParam("where"))));
    r.get("/api/replay", ctx -> json(ctx, replays.status()));
    r.post("/api/replay", ctx -> {
      ctx.status(202);
      json(ctx, replays.start(list(ctx.formParam("names")), ctx.formParam("where")));
    });
  }

  // ---------------------------------------------------------------- runs

  /** The store served, current: this clone's records read (and shipped to the shared store, when there is one). */
  private void sync() {
    store.sync();
    if (shared) store.shipToShared();
  }

  private void fresh() {
    sync();
    summaries.refresh(reads);
  }

  /** Every run (hidden ones only when asked), oldest first, with its summary; {@code where} as {@code flordb replay --where}. */
  List<Map<String, Object>> runs(String where, boolean withHidden) {
    fresh();
    Set<String> chosen = null;
    if (where != null && !where.isBlank()) {
      try {
        chosen = RunFilter.matching(store, where);
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest(e.getMessage().replace("--where", "where"));
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    // a run without a start time first, in either database (PostgreSQL puts NULL last)
    for (Map<String, Object> row : reads.rows("SELECT rid, run_id, projid, tstamp, filename, status, version, code_version,"
        + " args, start_ms, end_ms FROM runs ORDER BY start_ms IS NULL DESC, start_ms, run_id")) {
      if (chosen != null && !chosen.contains(row.get("run_id"))) continue;
      Map<String, Object> m = describe(row);
      if (!withHidden && Boolean.TRUE.equals(m.get("hidden"))) continue;
      out.add(m);
    }
    return out;
  }

  private Map<String, Object> describe(Map<String, Object> row) {
    Map<String, Object> m = new LinkedHashMap<>();
    long rid = (Long) row.get("rid");
    m.put("run_id", row.get("run_id"));
    m.put("projid", row.get("projid"));
    m.put("tstamp", row.get("tstamp"));
    m.put("filename", row.get("filename"));
    m.put("status", row.get("status"));
    m.put("version", row.get("version"));
    Object code = row.get("code_version");
    m.put("code_version", code);
    m.put("args", row.get("args") == null ? Map.of() : Json.parse((String) row.get("args")));
    m.put("start_ms", row.get("start_ms"));
    m.put("end_ms", row.get("end_ms"));
    synchronized (summaries) {
      RunSummaries.Run s = summaries.of(rid);
      m.put("values", new LinkedHashMap<>(s.values));
      Map<String, Object> metrics = new LinkedHashMap<>();
      s.metrics.forEach((k, v) -> metrics.put(k, v.json()));
      m.put("metrics", metrics);
      m.put("tags", s.tagList());
      m.put("note", s.note);
      m.put("hidden", s.hidden);
    }
    return m;
  }

  private Map<String, Object> summary(String run) {
    fresh();
    return describe(runRow(run));
  }

  /** The run's row, or a 404 naming the id. */
  Map<String, Object> runRow(String run) {
    runId(run);
    fresh();
    List<Map<String, Object>> rows = reads.rows("SELECT rid, run_id, projid, tstamp, filename, status, version,"
        + " code_version, args, start_ms, end_ms, host, error FROM runs WHERE run_id = ?", run);
    if (rows.isEmpty()) {
      throw ApiError.notFound("there is no run " + run + " in " + project + "; GET /api/runs lists the runs");
    }
    return rows.get(0);
  }

  boolean exists(String run) {
    if (!RecordFormat.isRunId(run)) return false;
    sync();
    return reads.scalar("SELECT 1 FROM runs WHERE run_id = ?", run) != null;
  }

  private static String runId(String run) {
    if (!RecordFormat.isRunId(run)) {
      throw ApiError.notFound("there is no run " + Json.write(run) + ": a run id looks like " + RecordFormat.RUN_ID_EXAMPLE);
    }
    return run;
  }

  private long rid(String run) {
    return (Long) runRow(run).get("rid");
  }

  /**
   * Why the files of the run's snapshot cannot be read here, or null when they can: a run of
   * another clone (in the shared store) has its snapshot in that clone until it is pushed and
   * pulled.
   */
  private String noSnapshot(Map<String, Object> run) throws IOException {
    String commit = (String) run.get("version");
    if (commit == null) return "run " + run.get("run_id") + " has no snapshot commit (it did not get as far as its first one)";
    if (git.repository().getObjectDatabase().has(ObjectId.fromString(commit))) return null;
    return "the snapshot of run " + run.get("run_id") + " (commit " + commit.substring(0, 12) + ") is not in this"
        + " clone: the run was recorded in another clone. There, 'flordb push' sends it; here, 'flordb pull' fetches it";
  }

  /** The run id, if this clone has the run's records (tags, notes and hiding are records of its own, next to them). */
  private String recordedHere(String run) {
    runRow(run);
    if (shared && local.scalar("SELECT 1 FROM runs WHERE run_id = ? AND header IS NOT NULL", run) == null) {
      throw new ApiError(409, "run " + run + " was recorded in another clone, and its tags, notes and hiding are"
          + " records kept with the run's own: 'flordb pull' here fetches its snapshot and records (after 'flordb push'"
          + " there), then this works");
    }
    return run;
  }

  /** One run: its row and summary, timings, checkpoints, captured output and the files of its code version. */
  Map<String, Object> run(String run) throws IOException {
    Map<String, Object> row = runRow(run);
    long rid = (Long) row.get("rid");
    Map<String, Object> m = describe(row);
    m.put("recorded_here", shared ? local.scalar("SELECT 1 FROM runs WHERE run_id = ? AND header IS NOT NULL", run) != null
        : true);
    m.put("host", row.get("host"));
    m.put("error", row.get("error"));
    // timings, checkpoints and output in one reading of the run's rows: a shared store's logs have no index to seek
    Map<String, Object> timings = new LinkedHashMap<>();
    List<Map<String, Object>> ckpts = new ArrayList<>();
    StringBuilder output = new StringBuilder();
    int[] lines = {0};
    reads.each("SELECT l.kind, l.name, l.value, l.type, l.source, c.loop, c.idx FROM logs l LEFT JOIN ctx c ON c.id = l.ctx"
        + " WHERE l.rid = ? AND ((l.name >= 'prof::' AND l.name < 'prof:;' AND l.kind = 'prof')"
        + " OR (l.name >= 'ckpt::' AND l.name < 'ckpt:;' AND l.kind = 'ckpt') OR l.name IN ('io::stdout', 'io::stderr'))"
        + " ORDER BY l.rowid", r -> {
          String kind = (String) r[0];
          String name = (String) r[1];
          if (name.equals("io::stdout") || name.equals("io::stderr")) {
            if (lines[0]++ < 5000) {
              String text = String.valueOf(r[2]);
              output.append(name.equals("io::stderr") ? "[err] " : "").append(text).append(text.endsWith("\n") ? "" : "\n");
            }
          } else if (kind.equals("prof")) {
            String key = name.substring("prof::".length());
            if (r[5] != null) key = r[5] + " / " + key;
            timings.put(key, RunSummaries.typed(r[2], (String) r[3]));
          } else if (r[5] != null) { // a checkpoint at its loop position
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("loop", r[5]);
            e.put("index", r[6]);
            e.put("source", r[4]);
            ckpts.add(e);
          }
        }, rid);
    m.put("timings", timings);
    m.put("checkpoints", ckpts);
    m.put("output", output.toString());
    m.put("output_truncated", lines[0] > 5000);
    List<String> files = new ArrayList<>();
    String missing = noSnapshot(row);
    if (missing == null) files.addAll(git.files(ObjectId.fromString((String) row.get("version"))).keySet());
    m.put("files", files);
    m.put("snapshot_missing", row.get("version") == null ? null : missing);
    return m;
  }

  Map<String, Object> compare(List<String> ids) throws IOException {
    if (ids.size() < 2) throw ApiError.badRequest("compare needs two runs or more: runs=RUN_A,RUN_B");
    if (ids.size() > 100) throw ApiError.badRequest("compare takes at most 100 runs, not " + ids.size());
    List<Map<String, Object>> runs = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      Map<String, Object> row = runRow(id);
      runs.add(describe(row));
      missing.add(noSnapshot(row));
    }
    List<Map<String, Object>> diffs = new ArrayList<>();
    Map<String, Object> first = runs.get(0);
    for (Map<String, Object> other : runs.subList(1, runs.size())) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("from", first.get("run_id"));
      d.put("to", other.get("run_id"));
      boolean same = first.get("code_version") != null && first.get("code_version").equals(other.get("code_version"));
      d.put("same_code", same);
      String why = missing.get(0) != null ? missing.get(0) : missing.get(diffs.size() + 1);
      if (!same && why != null) {
        d.put("diff", null);
        d.put("why", why);
      } else if (same) {
        d.put("diff", "");
      } else {
        d.put("diff", CodeDiff.between(git.repository(), ObjectId.fromString((String) first.get("version")),
            ObjectId.fromString((String) other.get("version"))));
      }
      diffs.add(d);
      if (diffs.size() >= 10) break; // the first against ten others is as much as a page shows
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runs", runs);
    m.put("diffs", diffs);
    return m;
  }

  // ---------------------------------------------------------------- helpers

  private List<String> warnings() {
    synchronized (warnings) {
      return new ArrayList<>(warnings);
    }
  }

  static List<String> list(String csv) {
    if (csv == null || csv.isBlank()) return new ArrayList<>();
    List<String> out = new ArrayList<>();
    for (String s : csv.split(",")) if (!s.isBlank()) out.add(s.trim());
    return out;
  }

  private static int limit(Context ctx) {
    String l = ctx.queryParam("limit");
    if (l == null) return DEFAULT_LIMIT;
    try {
      int n = Integer.parseInt(l);
      if (n < 0) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("limit must be a whole number of rows, 0 or more, not " + Json.write(l));
    }
  }

  /** A table as {@code {"columns": [...], "rows": [[...], ...], "total": N, "truncated": bool}}. */
  static Map<String, Object> table(Table t, int limit) {
    List<Object> rows = new ArrayList<>();
    for (int i = 0; i < Math.min(limit, t.size()); i++) rows.add(t.row(i).toMap().values());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("columns", t.columns());
    m.put("rows", rows);
    m.put("total", t.size());
    m.put("truncated", t.size() > limit);
    return m;
  }

  static void json(Context ctx, Object value) {
    ctx.contentType("application/json; charset=utf-8").result(Json.write(value));
  }

  /** The runs as CSV, with the columns asked for (else every one the table can show). */
  private static void csv(Context ctx, List<Map<String, Object>> runs, String columns) {
    List<String> cols = list(columns);
    if (cols.isEmpty()) {
      cols = new ArrayList<>(List.of("run_id", "tstamp", "filename", "status", "code_version"));
      java.util.Set<String> args = new java.util.TreeSet<>();
      java.util.Set<String> metrics = new java.util.TreeSet<>();
      java.util.Set<String> values = new java.util.TreeSet<>();
      for (Map<String, Object> r : runs) {
        for (String group : List.of("args", "metrics", "values")) {
          java.util.Set<String> into = group.equals("args") ? args : group.equals("metrics") ? metrics : values;
          if (r.get(group) instanceof Map<?, ?> g) for (Object k : g.keySet()) into.add(String.valueOf(k));
        }
      }
      for (String a : args) cols.add("args." + a);
      for (String v : values) cols.add("values." + v);
      for (String mName : metrics) for (String f : List.of("last", "min", "max")) cols.add("metrics." + mName + "." + f);
      cols.add("tags");
      cols.add("note");
    }
    List<Object[]> rows = new ArrayList<>();
    for (Map<String, Object> r : runs) {
      Object[] row = new Object[cols.size()];
      for (int i = 0; i < cols.size(); i++) row[i] = cell(r, cols.get(i));
      rows.add(row);
    }
    ctx.contentType("text/csv; charset=utf-8");
    ctx.header("Content-Disposition", "attachment; filename=\"runs.csv\"");
    ctx.result(Table.of(cols, rows).toCsv());
  }

  /** A cell of the runs table by its column name: a field, args.NAME, values.NAME or metrics.NAME.last|min|max. */
  @SuppressWarnings("unchecked")
  static Object cell(Map<String, Object> run, String column) {
    String[] parts = column.split("\\.", 2);
    if (parts.length == 1) {
      Object v = run.get(column);
      return v instanceof List<?> l ? String.join(" ", l.stream().map(String::valueOf).toList()) : v;
    }
    Object group = run.get(parts[0]);
    if (!(group instanceof Map)) return null;
    Map<String, Object> g = (Map<String, Object>) group;
    if (parts[0].equals("metrics")) {
      int dot = parts[1].lastIndexOf('.');
      if (dot < 0) return null;
      Object metric = g.get(parts[1].substring(0, dot));
      return metric instanceof Map<?, ?> mm ? mm.get(parts[1].substring(dot + 1)) : null;
    }
    return g.get(parts[1]);
  }

}
