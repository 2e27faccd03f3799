package dev.flordb.web;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run's metrics over their loop positions, for its charts: per name, its points in the order
 * they were logged, each with its position ({@code epoch=1 step=30}), the source (forward or
 * replay) and an x: the iteration index for a value logged in one loop, else its ordinal among the
 * name's positions (a step counter across epochs). Read by name and run through the index on
 * {@code logs(name, rid)}, and the run's positions through {@code ctx(rid, ...)}.
 */
final class RunSeries {
  /** Points per name at most; a longer series is thinned evenly, its last point kept. */
  static final int MAX_POINTS = 20_000;

  private final Reads reads;

  RunSeries(Reads reads) {
    this.reads = reads;
  }

  private record Pos(long parent, String loop, long idx) {}

  Map<String, Object> of(long rid, List<String> names) {
    Map<Long, Pos> ctx = new HashMap<>();
    reads.each("SELECT id, parent, loop, idx FROM ctx WHERE rid = ?", r -> ctx.put((Long) r[0],
        new Pos((Long) r[1], (String) r[2], (Long) r[3])), rid);
    Map<Long, String[]> described = new HashMap<>();
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : names) {
      List<Object[]> points = new ArrayList<>();
      reads.each("SELECT ctx, value, type, source FROM logs WHERE name = ? AND rid = ? AND kind = 'log' AND ctx != 0"
          + " ORDER BY rowid", r -> points.add(r), name, rid);
      if (points.isEmpty()) continue;
      List<Object> xs = new ArrayList<>();
      List<Object> ys = new ArrayList<>();
      List<Object> positions = new ArrayList<>();
      List<Object> sources = new ArrayList<>();
      String loops = null;
      int step = Math.max(1, (points.size() + MAX_POINTS - 1) / MAX_POINTS);
      Map<Long, Integer> ordinal = new HashMap<>();
      for (int i = 0; i < points.size(); i++) {
        Object[] p = points.get(i);
        long id = (Long) p[0];
        String[] d = described.computeIfAbsent(id, k -> describe(ctx, k));
        if (loops == null) loops = d[0];
        Integer o = ordinal.computeIfAbsent(id, k -> ordinal.size());
        if (i % step != 0 && i != points.size() - 1) continue;
        Object v = RunSummaries.typed(p[1], (String) p[2]);
        if (!(v instanceof Number)) continue;
        xs.add(d[2] != null ? (Object) Long.parseLong(d[2]) : o);
        ys.add(v);
        positions.add(d[1]);
        sources.add(p[3]);
      }
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("loops", loops);
      s.put("x", xs);
      s.put("y", ys);
      s.put("position", positions);
      s.put("source", sources);
      s.put("count", points.size());
      out.put(name, s);
    }
    return out;
  }

  /** Loops ("epoch/step"), the position ("epoch=1 step=3"), and the index when the position is one loop deep. */
  private static String[] describe(Map<Long, Pos> ctx, long id) {
    List<Pos> chain = new ArrayList<>();
    for (long at = id; at != 0 && ctx.containsKey(at) && chain.size() < 64; at = ctx.get(at).parent()) chain.add(0, ctx.get(at));
    StringBuilder loops = new StringBuilder();
    StringBuilder pos = new StringBuilder();
    for (Pos p : chain) {
      if (loops.length() > 0) {
        loops.append('/');
        pos.append(' ');
      }
      loops.append(p.loop());
      pos.append(p.loop()).append('=').append(p.idx());
    }
    return new String[] {loops.toString(), pos.toString(), chain.size() == 1 ? String.valueOf(chain.get(0).idx()) : null};
  }
}
