package dev.flordb.internal.replay;

import java.util.Map;

import dev.flordb.FlorException;
import dev.flordb.internal.source.AnalysisCache;
import dev.flordb.internal.source.SourceAnalyzer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides what a replay must execute from the program's source, through the {@link
 * SourceAnalyzer} on the class path (it is in the self-contained jar), so that the API artifact
 * itself needs no parser: the deepest level of the applied statements, nested when one of them
 * reads state that a nested loop writes, and from the first iteration when one reads state carried
 * across iterations that no checkpoint holds. The same analysis says which of the program's own
 * statements a strategy reproduces, which is what the replay checks itself against.
 */
public final class ReplayLevels {
  /** What to execute, and why. */
  public record Strategy(ReplayOptions.Level level, boolean fromStart, List<String> reasons) {}

  private ReplayLevels() {}

  /** The strategy the statements of {@code apply} need. */
  public static Strategy strategy(SourceAnalyzer.Analysis analysis, Set<String> apply) {
    ReplayOptions.Level deepest = ReplayOptions.Level.OUTSIDE;
    boolean fromStart = false;
    List<String> reasons = new ArrayList<>();
    for (SourceAnalyzer.Statement st : analysis.statements()) {
      if (!apply.contains(st.name())) continue;
      ReplayOptions.Level l = levelOf(st);
      if (l.compareTo(deepest) > 0) deepest = l;
      fromStart |= st.fromFirstIteration();
      reasons.addAll(st.reasons());
    }
    return new Strategy(deepest, fromStart, reasons);
  }

  /** The level that executes a statement with everything it reads. */
  private static ReplayOptions.Level levelOf(SourceAnalyzer.Statement st) {
    if (st.runNestedLoops()) return ReplayOptions.Level.NESTED;
    switch (st.placement()) {
      case OUTSIDE: return ReplayOptions.Level.OUTSIDE;
      case OUTER: return ReplayOptions.Level.OUTER;
      default: return ReplayOptions.Level.NESTED;
    }
  }

  /**
   * The names whose every statement a replay at {@code level} (from the first iteration or not)
   * reproduces exactly, if the analysis is right: what the replay compares with the recorded values.
   */
  public static Set<String> reproducedBy(SourceAnalyzer.Analysis analysis, ReplayOptions.Level level, boolean fromStart) {
    Set<String> exact = new HashSet<>();
    Set<String> not = new HashSet<>();
    for (SourceAnalyzer.Statement st : analysis.statements()) {
      boolean ok = levelOf(st).compareTo(level) <= 0 && (fromStart || !st.fromFirstIteration())
          && st.placement() != SourceAnalyzer.Placement.UNKNOWN;
      (ok ? exact : not).add(st.name());
    }
    exact.removeAll(not);
    return exact;
  }

  /** The program's source file, when the launch knows it (a single-file program). */
  public static Path sourceOf(Map<String, Object> launch) {
    Object main = launch.get("source_file");
    return main == null ? null : Path.of(main.toString());
  }

  /**
   * The program's main source file: a single-file program's, else (a compiled program) the one
   * that {@code replaySource} names (flordb replay passes the patched file), else the main class's
   * file in the usual source roots of the work tree; null when none is found.
   */
  public static Path sourceOf(Map<String, Object> launch, Path workTree, String replaySource) {
    Path single = sourceOf(launch);
    if (single != null) return single;
    if (replaySource != null && !replaySource.isBlank()) return Path.of(replaySource);
    Object main = launch.get("main");
    if (!"class".equals(launch.get("mode")) || main == null) return null;
    String relative = main.toString().replace('.', '/') + ".java";
    for (String root : List.of("src/main/java", "src/test/java", "src", "")) {
      Path candidate = workTree.resolve(root).resolve(relative);
      if (Files.isRegularFile(candidate)) return candidate;
    }
    return null;
  }

  /**
   * The analysis of every literal-named statement of the program whose place is known, and of the
   * statements of {@code apply} (kept in {@code florDir}'s cache: every replayed run of a version
   * but the first reads it there); null when the source or the analyser is not at hand.
   *
   * @throws IllegalArgumentException when the source does not parse
   */
  public static SourceAnalyzer.Analysis analyzeAll(Path florDir, Path source, Set<String> apply) {
    if (source == null) return null;
    AnalysisCache cache = AnalysisCache.of(florDir, source); // null: no analyser, or the source cannot be read
    if (cache != null) return cache.all(apply);
    if (SourceAnalyzer.find() == null) return null;
    throw new FlorException("cannot read the program's source " + source);
  }

  /** Why no strategy could be found: what to pass instead. */
  public static IllegalArgumentException noAnalysis(Path source, Set<String> apply) {
    if (source == null) {
      return new IllegalArgumentException("replay needs to know where " + apply + " sit in the program's loops;"
          + " for a compiled program pass --level outside|outer|nested [--from-start] (flordb replay finds it for you)");
    }
    return new IllegalArgumentException("pass --level outside|outer|nested [--from-start]: the syntax-tree analysis"
        + " is not on the class path (it is in flordb-all.jar: java -cp \"$(./flordb classpath)\" ...)");
  }
}
