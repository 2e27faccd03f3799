package dev.flordb.internal.source;

import dev.flordb.internal.records.Frame;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a program's statements run, from {@link SourceAnalyzer.Analysis#sites()}, in the form the
 * log call uses: a value logged after a loop that the program left by {@code break} (Java tells
 * the loop's iterator nothing) is placed in the context it was logged in, not in the loop's last
 * iteration.
 */
public final class Sites {
  public final Map<String, Set<List<String>>> paths;
  public final Set<String> outermost;
  /** The deepest loop path of each name: a context no deeper than it is left as it is. */
  final Map<String, Integer> deepest = new java.util.HashMap<>();

  public Sites(Map<String, Set<List<String>>> paths, java.util.Collection<String> outermost) {
    this.paths = paths;
    this.outermost = Set.copyOf(outermost);
    paths.forEach((name, ps) -> {
      deepest.put(name, ps.stream().mapToInt(List::size).max().orElse(0));
    });
  }

  /** The name placed last and its deepest path: a loop logs the same few names, mostly the same String. */
  private Deepest last = new Deepest(null, Integer.MAX_VALUE);

  /** One name's deepest loop path ({@code Integer.MAX_VALUE}: no site known), read and replaced as one reference. */
  private static final class Deepest {
    final String name;
    final int depth;

    Deepest(String name, int depth) {
      this.name = name;
      this.depth = depth;
    }
  }

  /** The context a value of {@code name} logged in {@code ctx} belongs to. */
  public Frame place(String name, Frame ctx) {
    Deepest d = last;
    if (d.name != name) {
      Integer max = deepest.get(name);
      d = new Deepest(name, max == null ? Integer.MAX_VALUE : max);
      last = d;
    }
    if (ctx.depth + 1 <= d.depth) return ctx;
    for (Frame f = ctx; f != Frame.ROOT; f = f.parent) if (f.iteration) return ctx;
    // deeper than any place the statement is: keep the longest loop path of its that ctx starts with
    Frame best = null;
    for (List<String> p : paths.get(name)) {
      Frame f = ctx;
      while (f.depth + 1 > p.size()) f = f.parent;
      if (matches(f, p) && (best == null || f.depth > best.depth)) best = f;
    }
    return best != null ? best : ctx;
  }

  private static boolean matches(Frame f, List<String> path) {
    for (int i = path.size() - 1; i >= 0; i--, f = f.parent) {
      if (f == Frame.ROOT || !f.loop.equals(path.get(i))) return false;
    }
    return f == Frame.ROOT;
  }
}
