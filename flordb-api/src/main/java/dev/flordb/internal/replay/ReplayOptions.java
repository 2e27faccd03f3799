package dev.flordb.internal.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The replay flags of a program's command line (the same whether a person types them or a
 * driver passes them):
 *
 * <pre>
 * --replay RUN             the recorded run to fill in
 * --apply a,b              the names whose values to store (others are not recorded)
 * --level outside|outer|nested
 *                          where the deepest applied statement sits: after the loops, in the
 *                          outermost loop's body, or in a nested loop (found from the syntax tree
 *                          when the source is known, else required); nested also when a statement
 *                          reads state that a nested loop writes and no checkpoint restores
 * --from-start             execute the outermost loop's iterations in order from the first, for
 *                          statements that read state carried across iterations that no
 *                          checkpoint restores (found from the syntax tree with the level)
 * --iter LOOP=all|last|none|0,2,5
 *                          which iterations of the outermost loop to execute
 * --override NAME=VALUE  an arg to take from here rather than from the recorded run, for
 *                          settings that do not change the numbers (a data path, a device)
 * --jobs N                 split them into N segments run by N JVMs at once, each from its
 *                          segment's first checkpoint (default: the number of cores for
 *                          statements in nested loops, else 1)
 * </pre>
 */
public final class ReplayOptions {
  /** Where the deepest applied statement sits, which decides what replay may skip. */
  public enum Level {
    OUTSIDE, OUTER, NESTED;

    static Level parse(String s) {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "outside": return OUTSIDE;
        case "outer": return OUTER;
        case "nested": return NESTED;
        default:
          throw new IllegalArgumentException("--level takes outside, outer or nested, but got '" + s + "'");
      }
    }
  }

  public final String run;
  public final Set<String> apply;
  public final Level level; // null: to be found from the source
  /** True: every outermost iteration runs, in order, from the first (state is carried that no checkpoint holds). */
  public final boolean fromStart;
  private final Map<String, String> iter;
  /** Null: the default for the level. */
  public final Integer jobs;
  public final Map<String, String> overrides;

  private ReplayOptions(String run, Set<String> apply, Level level, boolean fromStart, Map<String, String> iter,
      Integer jobs, Map<String, String> overrides) {
    this.fromStart = fromStart;
    this.jobs = jobs;
    this.overrides = overrides;
    this.run = run;
    this.apply = apply;
    this.level = level;
    this.iter = iter;
  }

  /** The replay flags among a program's arguments, or null when it is not a replay. */
  public static ReplayOptions parse(List<String> args) {
    String run = null;
    Set<String> apply = new LinkedHashSet<>();
    Level level = null;
    Map<String, String> iter = new LinkedHashMap<>();
    Integer jobs = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    boolean fromStart = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals(FROM_START)) {
        fromStart = true;
        continue;
      }
      if (!FLAGS.contains(a)) continue;
      if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
        throw new IllegalArgumentException(a + " needs a value, for example --replay RUN --apply grad_norm");
      }
      String v = args.get(++i);
      switch (a) {
        case "--replay": run = v; break;
        case "--apply": apply.addAll(Arrays.asList(v.split(","))); break;
        case "--level": level = Level.parse(v); break;
        case "--override":
          int at = v.indexOf('=');
          if (at <= 0) throw new IllegalArgumentException("--override takes NAME=VALUE, but got '" + v + "'");
          overrides.put(v.substring(0, at), v.substring(at + 1));
          break;
        case "--jobs":
          try {
            jobs = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            jobs = 0;
          }
          if (jobs < 1) throw new IllegalArgumentException("--jobs takes a number of JVMs, 1 or more, but got '" + v + "'");
          break;
        default:
          int eq = v.indexOf('=');
          if (eq <= 0) throw new IllegalArgumentException("--iter takes LOOP=all|last|none|0,2,5, but got '" + v + "'");
          iter.put(v.substring(0, eq), v.substring(eq + 1));
      }
    }
    if (run == null) {
      if (!apply.isEmpty() || level != null || fromStart || !iter.isEmpty() || jobs != null || !overrides.isEmpty()) {
        throw new IllegalArgumentException("--apply, --level, --from-start, --iter, --jobs and --override go with --replay RUN (the run to fill in;"
            + " 'flordb runs' lists them)");
      }
      return null;
    }
    apply.removeIf(String::isBlank);
    if (apply.isEmpty()) {
      throw new IllegalArgumentException("--replay " + run + " needs --apply NAME[,NAME...]: the values to fill in");
    }
    return new ReplayOptions(run, apply, level, fromStart, iter, jobs, overrides);
  }

  static final Set<String> FLAGS = Set.of("--replay", "--apply", "--level", "--iter", "--jobs", "--override");
  /** The one replay flag without a value. */
  static final String FROM_START = "--from-start";

  /**
   * The program's arguments for one segment of this replay: the same, with {@code --iter} naming
   * the segment's iterations, {@code --jobs 1}, and the {@code --level} this replay found (so
   * that the segment does not parse the program again).
   */
  public static List<String> segmentArgs(List<String> programArgs, String loop, List<Long> iterations, Level level) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < programArgs.size(); i++) {
      String a = programArgs.get(i);
      if (a.equals("--iter") || a.equals("--jobs") || a.equals("--level")) {
        i++;
        continue;
      }
      out.add(a);
    }
    StringBuilder list = new StringBuilder();
    for (long i : iterations) list.append(list.length() == 0 ? "" : ",").append(i);
    out.addAll(List.of("--iter", loop + "=" + list, "--jobs", "1", "--level", level.name().toLowerCase(Locale.ROOT)));
    return out;
  }

  /** The iterations of {@code loop} to execute, of {@code count} recorded; sorted. */
  public TreeSet<Long> iterations(String loop, long count, Level effective) {
    String spec = iter.get(loop);
    TreeSet<Long> out = new TreeSet<>();
    if (spec == null) spec = effective == Level.OUTSIDE ? "none" : "all";
    switch (spec) {
      case "all":
        for (long i = 0; i < count; i++) out.add(i);
        return out;
      case "last":
        if (count > 0) out.add(count - 1);
        return out;
      case "none":
        return out;
      default:
        List<String> bad = new ArrayList<>();
        for (String part : spec.split(",")) {
          try {
            long i = Long.parseLong(part.trim());
            if (i < 0 || i >= count) bad.add(part.trim());
            else out.add(i);
          } catch (NumberFormatException e) {
            bad.add(part.trim());
          }
        }
        if (!bad.isEmpty()) {
          throw new IllegalArgumentException("--iter " + loop + "=" + spec + ": " + bad + " not iterations of the"
              + " recorded run, which has " + loop + " 0 to " + (count - 1) + "; use all, last, none or a list");
        }
        return out;
    }
  }
}
