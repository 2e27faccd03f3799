package dev.flordb.web;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run's metrics over their loop positions, for its charts: per name, its points in the order
 * they were logged, each with its position ({@code epoch=1 step=30}), the source (forward or
 * replay) and an x: the iteration index for a value logged in one loop, else its ordinal among the
 * name's positions (a step counter across epochs). Read by name and run (the local store's index
 * on {@code logs(name, rid)}), each point with its own position joined; the enclosing positions
 * are read only for the points kept, whose series are thinned to {@link #MAX_POINTS}.
 */
final class RunSeries {
  /** Points per name at most; a longer series is thinned evenly, its last point kept. */
  static final int MAX_POINTS = 20_000;

  private final Reads reads;

  RunSeries(Reads reads) {
    this.reads = reads;
  }

  private record Pos(long parent, String loop, long idx) {}

  /** A name's points as read, in columns. */
  private static final class Points {
    int n;
    long[] ctx = new long[1024];
    long[] parent = new long[1024];
    long[] idx = new long[1024];
    int[] depth = new int[1024];
    String[] loop = new String[1024];
    Object[] value = new Object[1024];
    String[] type = new String[1024];
    String[] source = new String[1024];
    private final Map<String, String> words = new HashMap<>();

    void add(Object[] r) {
      if (n == ctx.length) {
        int cap = n * 2;
        ctx = Arrays.copyOf(ctx, cap);
        parent = Arrays.copyOf(parent, cap);
        idx = Arrays.copyOf(idx, cap);
        depth = Arrays.copyOf(depth, cap);
        loop = Arrays.copyOf(loop, cap);
        value = Arrays.copyOf(value, cap);
        type = Arrays.copyOf(type, cap);
        source = Arrays.copyOf(source, cap);
      }
      ctx[n] = (Long) r[0];
      value[n] = r[1];
      type[n] = word((String) r[2]);
      source[n] = word((String) r[3]);
      parent[n] = (Long) r[4];
      loop[n] = word((String) r[5]);
      idx[n] = (Long) r[6];
      depth[n] = ((Long) r[7]).intValue();
      n++;
    }

    /** One copy of each of the few words a series repeats (types, sources, loops). */
    private String word(String s) {
      if (s == null) return null;
      String w = words.putIfAbsent(s, s);
      return w == null ? s : w;
    }
  }

  Map<String, Object> of(long rid, List<String> names) {
    Map<Long, Pos> enclosing = new HashMap<>();
    int[] enclosingDepth = {0}; // the positions of depths below it are in enclosing
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : names) {
      Points p = new Points();
      reads.each("SELECT l.ctx, l.value, l.type, l.source, c.parent, c.loop, c.idx, c.depth FROM logs l"
          + " JOIN ctx c ON c.id = l.ctx WHERE l.name = ? AND l.rid = ? AND l.kind = 'log' AND l.ctx != 0 ORDER BY l.rowid",
          p::add, name, rid);
      if (p.n == 0) continue;
      int deepest = 0;
      for (int i = 0; i < p.n; i++) deepest = Math.max(deepest, p.depth[i]);
      if (deepest > enclosingDepth[0]) {
        enclosing.clear();
        reads.each("SELECT id, parent, loop, idx FROM ctx WHERE rid = ? AND depth < ?",
            r -> enclosing.put((Long) r[0], new Pos((Long) r[1], (String) r[2], (Long) r[3])), rid, deepest);
        enclosingDepth[0] = deepest;
      }
      List<Object> xs = new ArrayList<>();
      List<Object> ys = new ArrayList<>();
      List<Object> positions = new ArrayList<>();
      List<Object> sources = new ArrayList<>();
      String loops = null;
      int step = Math.max(1, (p.n + MAX_POINTS - 1) / MAX_POINTS);
      LongOrdinals ordinal = new LongOrdinals();
      for (int i = 0; i < p.n; i++) {
        int o = ordinal.of(p.ctx[i]);
        if (i % step != 0 && i != p.n - 1) continue; // the first point is kept: it names the loops
        String[] d = describe(enclosing, p, i);
        if (loops == null) loops = d[0];
        Object v = RunSummaries.typed(p.value[i], p.type[i]);
        if (!(v instanceof Number)) continue;
        xs.add(p.depth[i] == 0 ? (Object) p.idx[i] : o);
        ys.add(v);
        positions.add(d[1]);
        sources.add(p.source[i]);
      }
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("loops", loops);
      s.put("x", xs);
      s.put("y", ys);
      s.put("position", positions);
      s.put("source", sources);
      s.put("count", p.n);
      out.put(name, s);
    }
    return out;
  }

  /** Loops ("epoch/step") and the position ("epoch=1 step=3") of point {@code i}. */
  private static String[] describe(Map<Long, Pos> enclosing, Points p, int i) {
    List<Pos> chain = new ArrayList<>();
    chain.add(new Pos(p.parent[i], p.loop[i], p.idx[i]));
    for (long at = p.parent[i]; at != 0 && enclosing.containsKey(at) && chain.size() < 64; at = enclosing.get(at).parent()) {
      chain.add(0, enclosing.get(at));
    }
    StringBuilder loops = new StringBuilder();
    StringBuilder pos = new StringBuilder();
    for (Pos q : chain) {
      if (loops.length() > 0) {
        loops.append('/');
        pos.append(' ');
      }
      loops.append(q.loop());
      pos.append(q.loop()).append('=').append(q.idx());
    }
    return new String[] {loops.toString(), pos.toString()};
  }

  /** The ordinal of each position id in the order they first come (0, 1, ...), without boxing a million of them. */
  private static final class LongOrdinals {
    private long[] keys = new long[1 << 10];
    private int[] values = new int[1 << 10];
    private int size;

    int of(long key) {
      long k = key + 1; // 0 marks an empty slot; ids are positive
      int mask = keys.length - 1;
      int h = Long.hashCode(k * 0x9E3779B97F4A7C15L) & mask;
      while (keys[h] != 0) {
        if (keys[h] == k) return values[h];
        h = (h + 1) & mask;
      }
      keys[h] = k;
      values[h] = size;
      if (++size * 2 > keys.length) grow();
      return size - 1;
    }

    private void grow() {
      long[] oldKeys = keys;
      int[] oldValues = values;
      keys = new long[oldKeys.length * 2];
      values = new int[oldKeys.length * 2];
      int mask = keys.length - 1;
      for (int j = 0; j < oldKeys.length; j++) {
        if (oldKeys[j] == 0) continue;
        int h = Long.hashCode(oldKeys[j] * 0x9E3779B97F4A7C15L) & mask;
        while (keys[h] != 0) h = (h + 1) & mask;
        keys[h] = oldKeys[j];
        values[h] = oldValues[j];
      }
    }
  }
}
