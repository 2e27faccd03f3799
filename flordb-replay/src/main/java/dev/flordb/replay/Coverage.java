package dev.flordb.replay;

import dev.flordb.source.LoopLevels;

import dev.flordb.Table;
import dev.flordb.internal.store.Store;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which positions of each recorded run already have the values to fill in, and the shape of its
 * outermost loops, read from the store once per schedule: what "a run that lacks the values"
 * means, so that a partial replay ({@code --iter epoch=last}) can be completed later
 * ({@code --iter epoch=all}) and a complete run is left alone.
 *
 * <p>A name is <em>complete</em> in a run when every selected position has a value (of any
 * source):
 *
 * <ul>
 *   <li>a statement outside every loop: the run has a value;
 *   <li>a statement in the outermost loop's body: every selected iteration of that loop has one;
 *   <li>a statement in a nested loop: every selected iteration of the outermost loop has at least
 *       one, anywhere inside it.
 * </ul>
 *
 * The selected iterations are those {@code --iter LOOP=SPEC} names for the statement's outermost
 * loop (all of them when it names none), the same that the replay executes. Where the analysis
 * cannot tell the statement's level, the nested rule holds, unless the run's values of it are all
 * outside the loops.
 */
public final class Coverage {
  /** Run id to outermost loop name to its number of iterations. */
  private final Map<String, Map<String, Long>> outerLoops = new HashMap<>();
  /** Run id to name to outermost loop name to the iterations of it that hold a value. */
  private final Map<String, Map<String, Map<String, Set<Long>>>> filled = new HashMap<>();
  /** Run id to the names it has any value of. */
  private final Map<String, Set<String>> anywhere = new HashMap<>();
  private final Store store;
  private Map<String, Set<String>> nestedLoops;

  private Coverage(Store store) {
    this.store = store;
  }

  /** What the store holds of {@code names} in every run. */
  static Coverage read(Store store, Collection<String> names) {
    Coverage c = new Coverage(store);
    for (Table.Row r : store.query("SELECT r.run_id, l.name, l.value FROM logs l JOIN runs r ON r.rid = l.rid"
        + " WHERE l.name >= 'prof::' AND l.name < 'prof:;' AND l.kind = 'prof' AND l.ctx = 0")) {
      String name = r.getString("name");
      if (!name.endsWith("::iterations") || !(r.get("value") instanceof Number)) continue;
      String loop = name.substring("prof::".length(), name.length() - "::iterations".length());
      c.outerLoops.computeIfAbsent(r.getString("run_id"), k -> new TreeMap<>())
          .merge(loop, ((Number) r.get("value")).longValue(), Math::max);
    }
    if (names.isEmpty()) return c;
    String in = String.join(", ", names.stream().map(RunFilter::quote).toList());
    for (Table.Row r : store.query("SELECT DISTINCT r.run_id, l.name FROM logs l JOIN runs r ON r.rid = l.rid"
        + " WHERE l.kind = 'log' AND l.name IN (" + in + ")")) {
      c.anywhere.computeIfAbsent(r.getString("run_id"), k -> new LinkedHashSet<>()).add(r.getString("name"));
    }
    // Each value's outermost position: climb from its own position to the one at depth 0.
    for (Table.Row r : store.query("WITH RECURSIVE up(rid, name, id) AS ("
        + " SELECT DISTINCT rid, name, ctx FROM logs WHERE kind = 'log' AND name IN (" + in + ") AND ctx != 0"
        + " UNION SELECT up.rid, up.name, c.parent FROM up JOIN ctx c ON c.id = up.id WHERE c.depth > 0)"
        + " SELECT DISTINCT r.run_id, up.name, c.loop, c.idx FROM up JOIN ctx c ON c.id = up.id"
        + " JOIN runs r ON r.rid = up.rid WHERE c.depth = 0")) {
      c.filled.computeIfAbsent(r.getString("run_id"), k -> new HashMap<>())
          .computeIfAbsent(r.getString("name"), k -> new HashMap<>())
          .computeIfAbsent(r.getString("loop"), k -> new TreeSet<>()).add(r.getLong("idx"));
    }
    return c;
  }

  /** The run's outermost loops and their iteration counts, as its profiling recorded them. */
  Map<String, Long> outerLoops(String runId) {
    return outerLoops.getOrDefault(runId, Map.of());
  }

  /**
   * Of {@code statements} (name to where today's code logs it), the names whose values the run
   * lacks at some selected position ({@code --iter} iterations outside the run's range, which
   * {@link #iterProblems} reports, are left out).
   */
  List<String> lacking(PastRun run, Map<String, LoopLevels.LogStatement> statements, List<String> iter) {
    List<String> out = new ArrayList<>();
    Set<String> any = anywhere.getOrDefault(run.runId(), Set.of());
    Map<String, Long> loops = outerLoops(run.runId());
    statements.forEach((name, s) -> {
      Map<String, Set<Long>> inLoops = filled.getOrDefault(run.runId(), Map.of()).getOrDefault(name, Map.of());
      String loop = s.level() == LoopLevels.Level.OUTSIDE_LOOPS ? null : loopOf(s, loops);
      // Where the analysis cannot tell, values that are all outside the loops say where it is.
      if (s.level() == LoopLevels.Level.UNKNOWN && any.contains(name) && inLoops.isEmpty()) loop = null;
      if (loop == null) {
        if (!any.contains(name)) out.add(name);
        return;
      }
      if (!inLoops.getOrDefault(loop, Set.of()).containsAll(selected(loop, loops.get(loop), iter))) out.add(name);
    });
    return out;
  }

  /** The outermost loop of the run that holds the statement: the one it names, else the run's only one. */
  private static String loopOf(LoopLevels.LogStatement s, Map<String, Long> loops) {
    Optional<String> named = s.outermostLoop();
    if (named.isPresent() && loops.containsKey(named.get())) return named.get();
    return loops.size() == 1 ? loops.keySet().iterator().next() : null;
  }

  /** The iterations of {@code loop} that {@code --iter} selects (all when it names none), within 0..count-1. */
  static Set<Long> selected(String loop, long count, List<String> iter) {
    String spec = "all";
    for (String i : iter) {
      int eq = i.indexOf('=');
      if (i.substring(0, eq).trim().equals(loop)) spec = i.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
    }
    Set<Long> out = new TreeSet<>();
    switch (spec) {
      case "all":
        for (long k = 0; k < count; k++) out.add(k);
        break;
      case "last":
        if (count > 0) out.add(count - 1);
        break;
      case "none":
        break;
      default:
        for (String part : spec.split(",")) {
          try {
            long k = Long.parseLong(part.trim());
            if (k >= 0 && k < count) out.add(k);
          } catch (NumberFormatException e) {
            // reported by iterProblems
          }
        }
    }
    return out;
  }

  /**
   * What is wrong with {@code --iter} for this run, one sentence each: a loop that is not its
   * outermost, a spec that is not all, last, none or a list of numbers, an iteration outside its
   * range. Empty when nothing is.
   */
  List<String> iterProblems(PastRun run, List<String> iter) {
    List<String> out = new ArrayList<>();
    Map<String, Long> loops = outerLoops(run.runId());
    String which = "run " + run.runId() + " (started " + run.tstamp() + ")";
    for (String i : iter) {
      int eq = i.indexOf('=');
      String loop = i.substring(0, eq).trim();
      String spec = i.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
      List<Long> numbers = new ArrayList<>();
      if (!List.of("all", "last", "none").contains(spec)) {
        for (String part : spec.split(",", -1)) {
          try {
            numbers.add(Long.parseLong(part.trim()));
          } catch (NumberFormatException e) {
            out.add("--iter " + i + ": '" + part.trim() + "' is not an iteration number; --iter takes LOOP=all,"
                + " LOOP=last, LOOP=none or a list of iteration numbers such as LOOP=0,2,5");
            numbers = null;
            break;
          }
        }
        if (numbers == null) continue;
      }
      Long count = loops.get(loop);
      if (count == null) {
        String outermost = loops.isEmpty() ? "it has no loop that finished" : "its outermost loop is "
            + String.join(" and ", loops.keySet());
        out.add("--iter " + i + ": " + (nestedLoops(run.runId()).contains(loop)
            ? "\"" + loop + "\" is a nested loop in " + which + ", and --iter picks iterations of the outermost loop only; "
            : which + " has no outermost loop named \"" + loop + "\"; ") + outermost);
        continue;
      }
      List<Long> outside = numbers.stream().filter(k -> k < 0 || k >= count).toList();
      if (!outside.isEmpty()) {
        out.add("--iter " + i + ": " + which + " has " + (count == 0 ? "no " + loop + " iterations"
            : loop + " 0 to " + (count - 1)) + ", so " + outside + (outside.size() == 1 ? " is" : " are")
            + " outside its range (--where can leave such runs out)");
      }
    }
    return out;
  }

  /** The names of the loops nested in an outermost one, read only when a message needs them. */
  private Set<String> nestedLoops(String runId) {
    if (nestedLoops == null) {
      nestedLoops = new LinkedHashMap<>();
      for (Table.Row r : store.query("SELECT DISTINCT r.run_id, c.loop FROM ctx c JOIN runs r ON r.rid = c.rid"
          + " WHERE c.depth > 0")) {
        nestedLoops.computeIfAbsent(r.getString("run_id"), k -> new LinkedHashSet<>()).add(r.getString("loop"));
      }
    }
    return nestedLoops.getOrDefault(runId, Set.of());
  }
}
