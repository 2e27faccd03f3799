package dev.flordb.replay;

import dev.flordb.source.JavaSourceAnalyzer;
import dev.flordb.source.LoopLevels;

import dev.flordb.Table;
import dev.flordb.internal.replay.ReplayOptions.Level;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import dev.flordb.internal.source.SourceAnalyzer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.ObjectId;

/**
 * What {@code flordb replay} will do, decided before anything runs: which of today's log
 * statements to carry back, which recorded runs lack their values, grouped by code version; for
 * each version, where the statements go in its old code ({@link Propagator}) and how much of its
 * loops must run (where each statement executes in the patched code and what it reads, {@link
 * JavaSourceAnalyzer}); for each run, an estimate of the cost from its own forward timings.
 */
public final class ReplaySchedule {
  private static final Pattern LINE_SELECTOR = Pattern.compile("@\\d+");

  /**
   * What the user asked for. {@code file} places {@code @LINE} selectors; {@code where} filters
   * runs; {@code level} (null: as the analysis finds) and {@code fromStart} replace the strategy
   * for every run; {@code dryRun}: plan only, writing nothing (no ref, no object, no file).
   */
  public record Request(List<String> selectors, String file, String where, List<String> iter, List<String> overrides,
      int jobs, Level level, boolean fromStart, boolean dryRun) {}

  /** Runs whose program's sources are identical: patched, built and launched the same way. */
  public static final class Version {
    final ProgramLayout layout;
    final Map<String, ObjectId> files;
    final List<PastRun> runs = new ArrayList<>();
    /** Repository-relative path to the propagation into that file. */
    final Map<String, Propagator.Result> patches = new TreeMap<>();
    final Set<String> apply = new LinkedHashSet<>();
    public final List<String> problems = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    Level level = Level.OUTSIDE;
    /** Some statement reads state carried across outer iterations that no checkpoint restores: run them in order from the first. */
    boolean fromStart;
    /** Each placed statement's strategy and what forced it, as printed. */
    final List<String> strategies = new ArrayList<>();
    /** "v1", "v2", ... in the order of each version's first run. */
    String label;

    Version(ProgramLayout layout, Map<String, ObjectId> files) {
      this.layout = layout;
      this.files = files;
    }

    /** "v1", "v2", ... as the schedule prints it. */
    public String label() {
      return label;
    }

    /** The runs of this version that the replay takes. */
    public List<PastRun> runs() {
      return List.copyOf(runs);
    }

    public boolean runnable() {
      return !apply.isEmpty() && (layout.kind() != ProgramLayout.Kind.CUSTOM || layout.reason() == null);
    }

    String program() {
      return layout.sourceFile() != null ? layout.sourceFile() : runs.get(0).filename();
    }

    /** The patched files' new content, for the version's tree. */
    Map<String, byte[]> patchedFiles() {
      Map<String, byte[]> out = new TreeMap<>();
      patches.forEach((path, r) -> {
        if (r.changed()) out.put(path, r.patchedSource().getBytes(StandardCharsets.UTF_8));
      });
      return out;
    }
  }

  final Request request;
  public final List<String> names;
  /** Where each name is logged in today's code: path to line. */
  final Map<String, String> todayPlaces;
  /** Today's snapshot commit; null in a dry run, which writes none. */
  final ObjectId today;
  final String stamp;
  public final List<Version> versions;
  final List<String> notes;
  final ReplaySettings settings;
  /** Run id to the names it lacks a value of at some selected position ({@link Coverage}). */
  final Map<String, List<String>> lacking;
  /** Runs that lack the values but did not finish (crashed, failed, running), which replay cannot take. */
  final int unfinished;
  /** Build command to the seconds it took when last measured ({@link BuildTimes}). */
  private final Map<String, Double> buildTimes;

  private ReplaySchedule(Request request, List<String> names, Map<String, String> todayPlaces, ObjectId today,
      String stamp, List<Version> versions, List<String> notes, ReplaySettings settings,
      Map<String, List<String>> lacking, int unfinished, Map<String, Double> buildTimes) {
    this.request = request;
    this.names = names;
    this.todayPlaces = todayPlaces;
    this.today = today;
    this.stamp = stamp;
    this.versions = versions;
    this.notes = notes;
    this.settings = settings;
    this.lacking = lacking;
    this.unfinished = unfinished;
    this.buildTimes = buildTimes;
  }

  /**
   * Today's code as captured: its files, and their text, from the object database, or (in a dry
   * run, which writes no object) from the working tree it was just captured from.
   */
  private record Today(Map<String, ObjectId> files, Path workTree, boolean fromWorkTree) {
    String text(Snapshots git, String path) {
      if (!fromWorkTree) return ReplaySchedule.text(git, files.get(path));
      try {
        return java.nio.file.Files.readString(workTree.resolve(path), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Snapshots today's code (unless it is a dry run) and plans the replay; nothing runs yet.
   *
   * @throws IllegalArgumentException for what the user must change first: a name today's code
   *     does not log, a syntax error in today's code, an {@code --iter} that does not fit a run
   */
  public static ReplaySchedule plan(Snapshots git, Store store, Request request, String stamp) throws IOException {
    Path workTree = git.workTree();
    ReplaySettings settings = ReplaySettings.read(workTree);
    List<PastRun> all = PastRun.all(store);
    if (all.isEmpty()) throw new IllegalArgumentException("there are no recorded runs in " + workTree + " to replay");

    Snapshots.Tree todayTree = git.captureWorkTree(!request.dryRun());
    Today todayFiles = new Today(todayTree.files(), workTree, request.dryRun());

    Map<PastRun, Map<String, ObjectId>> filesOf = new LinkedHashMap<>();
    Map<PastRun, ProgramLayout> layoutOf = new LinkedHashMap<>();
    for (PastRun r : all) {
      if (r.version() == null) continue;
      Map<String, ObjectId> files = git.files(r.version());
      filesOf.put(r, files);
      layoutOf.put(r, ProgramLayout.of(r, workTree, files, settings != null));
    }

    // Today's statements: in the sources of the programs that were run.
    Map<String, List<String>> selectorsByFile = new TreeMap<>();
    Map<String, String> todayPlaces = new LinkedHashMap<>();
    Map<String, LoopLevels.LogStatement> statements = new LinkedHashMap<>();
    try {
      locate(git, request, todayFiles, layoutOf.values(), selectorsByFile, todayPlaces, statements);
    } catch (IllegalArgumentException e) {
      // say first what the runs themselves said when they started: their program was not in this repository
      Set<String> outside = new TreeSet<>();
      for (PastRun r : all) if (r.launchString("outside_repository") != null) outside.add(r.launchString("outside_repository"));
      if (outside.isEmpty()) throw e;
      throw new IllegalArgumentException(e.getMessage() + "\n" + outside.size() + " program" + (outside.size() == 1 ? " was" : "s were")
          + " outside this repository when " + (outside.size() == 1 ? "its runs" : "their runs") + " were recorded here "
          + outside + ", so no snapshot holds " + (outside.size() == 1 ? "it" : "them")
          + ": the runs whose program was outside this repository when they ran cannot be replayed", e);
    }
    List<String> names = new ArrayList<>(todayPlaces.keySet());

    Coverage coverage = Coverage.read(store, names);
    Set<String> chosen = request.where() == null ? null : RunFilter.matching(store, request.where());
    Map<String, Version> byKey = new LinkedHashMap<>();
    Map<String, Integer> skipped = new LinkedHashMap<>();
    Map<String, List<String>> lacking = new LinkedHashMap<>();
    List<PastRun> candidates = new ArrayList<>();
    Set<String> iterProblems = new LinkedHashSet<>();
    for (Map.Entry<PastRun, ProgramLayout> e : layoutOf.entrySet()) {
      PastRun r = e.getKey();
      if (selectorsByFile.keySet().stream().noneMatch(e.getValue()::ownsSource)) {
        skipped.merge("of other programs", 1, Integer::sum);
      } else if (chosen != null && !chosen.contains(r.runId())) {
        skipped.merge("outside --where", 1, Integer::sum);
      } else {
        // --iter must fit every run it would replay, checked before anything runs.
        if ("finished".equals(r.status())) iterProblems.addAll(coverage.iterProblems(r, request.iter()));
        candidates.add(r);
      }
    }
    if (!iterProblems.isEmpty()) {
      List<String> shown = new ArrayList<>(iterProblems).subList(0, Math.min(5, iterProblems.size()));
      throw new IllegalArgumentException(String.join("\n", shown) + (iterProblems.size() > shown.size()
          ? "\n... and " + (iterProblems.size() - shown.size()) + " more like these" : ""));
    }
    int unfinished = 0;
    for (PastRun r : candidates) {
      List<String> missing = coverage.lacking(r, statements, request.iter());
      if (missing.isEmpty()) {
        skipped.merge("that already have the values", 1, Integer::sum);
      } else if (!"finished".equals(r.status())) {
        skipped.merge("not finished (" + r.status() + ")", 1, Integer::sum);
        unfinished++;
      } else if (r.launchString("outside_repository") != null) {
        skipped.merge("whose program was outside this repository when they ran (" + r.launchString("outside_repository")
            + "), so their snapshots do not hold it", 1, Integer::sum);
      } else {
        lacking.put(r.runId(), missing);
        ProgramLayout layout = layoutOf.get(r);
        Map<String, ObjectId> files = filesOf.get(r);
        byKey.computeIfAbsent(versionKey(layout, files), k -> new Version(layout, files)).runs.add(r);
      }
    }
    List<String> notes = new ArrayList<>();
    skipped.forEach((why, n) -> notes.add(n + (n == 1 ? " run " : " runs ") + why));

    List<Version> versions = new ArrayList<>(byKey.values());
    for (int i = 0; i < versions.size(); i++) versions.get(i).label = "v" + (i + 1);
    // Each version's matching is independent (and its parsers cold): one per core at once.
    versions.parallelStream().forEach(v -> {
      try {
        propagate(git, v, selectorsByFile, todayFiles);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (request.level() != null) {
      for (Version v : versions) {
        if (!v.runnable()) continue;
        if (v.level != request.level()) {
          v.notes.add("--level " + lower(request.level()) + " as you chose (the analysis found "
              + lower(v.level) + ")");
        }
        v.level = request.level();
      }
    }
    // Kept only once the plan holds: a refused request leaves no ref behind, and a dry run none at all.
    ObjectId today = request.dryRun() ? null : git.commitReplaySource(todayTree, git.head(), stamp + "/today",
        "flordb replay " + String.join(" ", request.selectors()) + ": today's code");
    return new ReplaySchedule(request, names, todayPlaces, today, stamp, versions, notes, settings, lacking,
        unfinished, BuildTimes.read(workTree.resolve(".flor")));
  }

  static String lower(Level l) {
    return l.name().toLowerCase(Locale.ROOT);
  }

  /** Finds the selected statements in today's sources of the recorded programs. */
  private static void locate(Snapshots git, Request request, Today today, Iterable<ProgramLayout> layouts,
      Map<String, List<String>> selectorsByFile, Map<String, String> todayPlaces,
      Map<String, LoopLevels.LogStatement> statements) throws IOException {
    Map<String, ObjectId> todayFiles = today.files();
    List<String> names = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (String s : request.selectors()) (LINE_SELECTOR.matcher(s).matches() ? lines : names).add(s);
    Set<String> candidates = new LinkedHashSet<>();
    Set<String> mainFiles = new LinkedHashSet<>();
    for (ProgramLayout l : layouts) {
      for (String path : todayFiles.keySet()) if (l.ownsSource(path)) candidates.add(path);
      if (l.sourceFile() != null && todayFiles.containsKey(l.sourceFile())) mainFiles.add(l.sourceFile());
    }
    if (!lines.isEmpty()) {
      String file = request.file() != null ? request.file() : mainFiles.size() == 1 ? mainFiles.iterator().next() : null;
      if (file == null) {
        throw new IllegalArgumentException(lines + " name lines, but the runs' programs are " + mainFiles
            + "; say which file with --file PATH");
      }
      if (!todayFiles.containsKey(file)) throw new IllegalArgumentException("--file " + file + " is not in today's code");
      String source = today.text(git, file);
      SyntaxCheck.requireParses(file, source);
      LoopLevels.Result r = LoopLevels.analyze(file, source, lines);
      selectorsByFile.computeIfAbsent(file, k -> new ArrayList<>()).addAll(lines);
      for (LoopLevels.LogStatement s : r.statements()) {
        todayPlaces.putIfAbsent(s.name(), file + ":" + s.line());
        statements.putIfAbsent(s.name(), s);
      }
    }
    Set<String> unfound = new LinkedHashSet<>(names);
    for (String path : candidates) {
      List<String> here = new ArrayList<>();
      String source = null;
      for (String name : names) {
        if (source == null) source = today.text(git, path);
        if (!source.contains("\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")) continue;
        try {
          LoopLevels.Result r = LoopLevels.analyze(path, source, List.of(name));
          here.add(name);
          unfound.remove(name);
          todayPlaces.putIfAbsent(name, path + ":" + r.statements().get(0).line());
          statements.putIfAbsent(name, r.statements().get(0));
        } catch (IllegalArgumentException notLoggedHere) {
          // the name appears in the file, but not as a logged name; unless the file does not parse
          SyntaxCheck.requireParses(path, source);
        }
      }
      if (!here.isEmpty()) selectorsByFile.computeIfAbsent(path, k -> new ArrayList<>()).addAll(here);
    }
    if (!unfound.isEmpty()) {
      throw new IllegalArgumentException("today's code has no Flor.log(\"" + String.join("\" / \"", unfound)
          + "\", ...) statement in " + (candidates.isEmpty() ? "the recorded programs" : candidates)
          + "; add the statement where the value is computed, then replay");
    }
  }

  /** Equal keys: the same program, with byte-identical sources. */
  private static String versionKey(ProgramLayout layout, Map<String, ObjectId> files) {
    StringBuilder key = new StringBuilder(layout.toString());
    files.forEach((path, blob) -> {
      boolean relevant = layout.kind() == ProgramLayout.Kind.SOURCE ? path.equals(layout.sourceFile())
          : layout.kind() == ProgramLayout.Kind.CUSTOM || layout.ownsSource(path)
              || layout.resourceRoots().stream().anyMatch(r -> path.startsWith(r + "/"));
      if (relevant) key.append('\n').append(path).append(' ').append(blob.name());
    });
    return key.toString();
  }

  private static void propagate(Snapshots git, Version v, Map<String, List<String>> selectorsByFile,
      Today today) throws IOException {
    if (v.layout.kind() == ProgramLayout.Kind.CUSTOM && v.layout.reason() != null) {
      v.problems.add("cannot rebuild this program: " + v.layout.reason() + "; name its build and launch commands in "
          + ReplaySettings.FILE + " (see the README)");
      return;
    }
    for (Map.Entry<String, List<String>> e : selectorsByFile.entrySet()) {
      String path = e.getKey();
      if (!v.layout.ownsSource(path)) continue;
      ObjectId old = v.files.get(path);
      if (old == null) {
        v.problems.add(path + " does not exist in this version, so " + e.getValue() + " has nowhere to go");
        continue;
      }
      Propagator.Result r;
      try {
        r = Propagator.propagate(path, today.text(git, path), text(git, old), e.getValue());
      } catch (IllegalArgumentException bad) {
        v.problems.add(bad.getMessage());
        continue;
      }
      v.patches.put(path, r);
      List<String> placed = new ArrayList<>();
      for (Propagator.Outcome o : r.outcomes()) {
        if (o.kind() == Propagator.Kind.NOT_PLACED) {
          v.problems.add("\"" + o.name() + "\" (today's line " + o.todayLine() + "): " + o.explanation());
        } else {
          placed.add(o.name());
          v.notes.add("\"" + o.name() + "\" " + (o.kind() == Propagator.Kind.INSERTED ? "inserted at" : "already at")
              + " " + path + ":" + o.oldLine());
        }
      }
      if (placed.isEmpty()) continue;
      v.apply.addAll(placed);
      levelIn(v, path, r.patchedSource(), placed);
    }
  }

  /**
   * The strategy of the placed statements in the patched file, from where each executes and what it
   * reads ({@link JavaSourceAnalyzer}): the deepest level, where a statement that needs the nested
   * loops counts as nested, one after the loops that needs the outer iterations as in the outer
   * body, and one whose place is unknown as nested; from the first iteration when any statement
   * reads state carried across outer iterations.
   */
  private static void levelIn(Version v, String path, String patched, List<String> placed) {
    for (SourceAnalyzer.Statement s : new JavaSourceAnalyzer().analyze(path, patched, new LinkedHashSet<>(placed)).statements()) {
      Level l = levelOf(s);
      if (l.compareTo(v.level) > 0) v.level = l;
      v.fromStart |= s.fromFirstIteration();
      v.strategies.addAll(describe(s, path));
    }
  }

  static Level levelOf(SourceAnalyzer.Statement s) {
    switch (s.placement()) {
      case OUTSIDE: return s.runNestedLoops() ? Level.NESTED : s.fromFirstIteration() ? Level.OUTER : Level.OUTSIDE;
      case OUTER: return s.runNestedLoops() ? Level.NESTED : Level.OUTER;
      default: return Level.NESTED;
    }
  }

  /** A statement's strategy in words, then each reason on a line of its own (indented by two). */
  static List<String> describe(SourceAnalyzer.Statement s, String path) {
    String outer = s.loops().isEmpty() ? "outer loop" : s.loops().get(0) + " loop";
    String first = s.loops().isEmpty() ? "from its first iteration" : "from the first " + s.loops().get(0);
    String nested = s.runNestedLoops() || s.placement() == SourceAnalyzer.Placement.NESTED
        || s.placement() == SourceAnalyzer.Placement.UNKNOWN ? "nested loops run" : "nested loops skipped";
    String words;
    switch (s.placement()) {
      case OUTSIDE:
        words = !s.runNestedLoops() && !s.fromFirstIteration() ? "after the loops: the final state is restored"
            : "after the loops: the " + outer + " runs again " + first + ", " + nested;
        break;
      case OUTER:
        words = "in the " + outer + " body: " + nested + (s.fromFirstIteration() ? ", " + first : "");
        break;
      case NESTED:
        words = "in the " + (s.loops().size() > 1 ? s.loops().get(s.loops().size() - 1) + " loop" : "nested loops") + ": "
            + nested + (s.fromFirstIteration() ? ", " + first : "");
        break;
      default:
        words = "where it runs cannot be told: " + nested + (s.fromFirstIteration() ? ", " + first : "");
    }
    List<String> out = new ArrayList<>();
    out.add("\"" + s.name() + "\" (" + path + ":" + s.line() + "): " + words);
    for (String r : s.reasons()) out.add("  " + r);
    return out;
  }

  private static String text(Snapshots git, ObjectId blob) {
    try {
      return new String(git.read(blob), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------------------ estimates

  public List<PastRun> runs() {
    List<PastRun> out = new ArrayList<>();
    for (Version v : versions) if (v.runnable()) out.addAll(v.runs);
    return out;
  }

  /** JVMs each replay of a nested-level statement is split into, so that all of them fit in --jobs. */
  int segmentsPerRun(Version v) {
    if (v.level != Level.NESTED || v.fromStart) return 1; // from the start: each iteration needs the one before
    return Math.max(1, request.jobs() / Math.max(1, Math.min(request.jobs(), runs().size())));
  }

  /** How many runs replay at once. */
  int concurrentRuns() {
    int segments = versions.stream().filter(Version::runnable).mapToInt(this::segmentsPerRun).max().orElse(1);
    return Math.max(1, request.jobs() / segments);
  }

  /** Seconds that replaying {@code run} at the version's level should take, from its forward timings; NaN if unknown. */
  double estimate(Version v, PastRun run) {
    PastRun.Timings t = run.timings();
    if (t.run() <= 0) return Double.NaN;
    double fraction = iterationFraction(t.outerIterations(), v.fromStart);
    PastRun.Supplied skipped = t.supplied(); // values a replay does not compute
    // A program run from source is compiled once per version, not once per run as it was.
    double setup = v.layout.kind() == ProgramLayout.Kind.SOURCE ? t.setup() - t.launch() : t.setup();
    double base = Math.max(0, setup + t.teardown() - skipped.outsideLoops());
    switch (v.level) {
      case OUTSIDE: return base;
      case OUTER: return base + Math.max(0, t.outerLoops() - t.nestedLoops() - skipped.outerBody()) * fraction;
      default:
        double loops = Math.max(0, t.outerLoops() - skipped.outerBody() - skipped.nestedLoops());
        return base + loops * fraction / segmentsPerRun(v);
    }
  }

  /**
   * The share of the outer iterations that {@code --iter} selects; {@code upToLast}: the share
   * executed when every iteration up to the last selected one runs (from the start).
   */
  private double iterationFraction(long iterations, boolean upToLast) {
    double fraction = 1;
    for (String spec : request.iter()) {
      String value = spec.substring(spec.indexOf('=') + 1).trim().toLowerCase(Locale.ROOT);
      if (value.equals("none")) fraction = 0;
      else if (value.equals("last")) fraction = iterations > 0 && !upToLast ? 1.0 / iterations : 1;
      else if (!value.equals("all")) fraction = iterations > 0 ? Math.min(1, (upToLast ? lastIndex(value) + 1 : value.split(",").length) / (double) iterations) : 1;
    }
    return fraction;
  }

  private static int lastIndex(String indices) {
    int last = 0;
    for (String i : indices.split(",")) {
      try {
        last = Math.max(last, Integer.parseInt(i.trim()));
      } catch (NumberFormatException e) {
        // ReplayOptions refuses it when the run starts
      }
    }
    return last;
  }

  /**
   * Total seconds of work, and the time it should take with --jobs (longest first onto the least
   * loaded). Before the first run, its version is compiled when it is a program run from source
   * (about what its forward runs took to launch); later versions are compiled while earlier ones
   * run.
   */
  public double[] totals() {
    double compile = versions.stream().filter(Version::runnable).findFirst()
        .filter(v -> v.layout.kind() == ProgramLayout.Kind.SOURCE)
        .map(v -> v.runs.stream().mapToDouble(r -> r.timings().launch()).min().orElse(0)).orElse(0.0);
    List<Double> costs = new ArrayList<>();
    for (Version v : versions) {
      if (v.runnable()) for (PastRun r : v.runs) costs.add(estimate(v, r));
    }
    double build = builds(costs);
    double work = compile + build;
    PriorityQueue<Double> lanes = new PriorityQueue<>();
    for (int i = 0; i < concurrentRuns(); i++) lanes.add(0.0);
    costs.sort((a, b) -> Double.compare(b, a));
    for (double c : costs) {
      double cost = Double.isNaN(c) ? 0 : c;
      work += cost;
      lanes.add(lanes.poll() + cost);
    }
    double span = 0;
    for (double l : lanes) span = Math.max(span, l);
    span += compile + build;
    return new double[] {work, span};
  }

  /**
   * The project's own build commands' share of {@link #totals}: the first version's build comes
   * before any run (returned); later versions' builds take a lane each while earlier versions run
   * (added to {@code costs}). Builds not measured yet count as 0 (the schedule says so).
   */
  private double builds(List<Double> costs) {
    double first = -1;
    for (Version v : versions) {
      if (!v.runnable()) continue;
      double b = buildSeconds(v);
      if (Double.isNaN(b)) b = 0;
      if (first < 0) first = b;
      else if (b > 0) costs.add(b);
    }
    costs.sort((a, b) -> Double.compare(b, a));
    return Math.max(0, first);
  }

  /** The build command ({@code flordb.properties}) this version runs before its runs, or null. */
  String buildCommand(Version v) {
    return v.layout.kind() == ProgramLayout.Kind.CUSTOM && settings != null ? settings.build() : null;
  }

  /** How long the version's build takes, as last measured; 0 without a build command, NaN when never measured. */
  double buildSeconds(Version v) {
    String command = buildCommand(v);
    return command == null ? 0 : buildTimes.getOrDefault(command, Double.NaN);
  }

  String strategy(Version v, PastRun run) {
    long n = run.timings().outerIterations();
    String iterations = n > 0 ? Math.round(n * iterationFraction(n, v.fromStart)) + "/" + n + " iterations" : "all iterations";
    if (v.fromStart) {
      String selected = n > 0 ? " (" + Math.round(n * iterationFraction(n, false)) + " selected)" : "";
      return (v.level == Level.OUTER ? "outer body: " : "inner loop: ") + iterations + " in order from the first" + selected
          + (v.level == Level.OUTER ? ", inner loops skipped" : ", in full") + ", one segment";
    }
    switch (v.level) {
      case OUTSIDE: return "after loops: final state restored";
      case OUTER: return "outer body: " + iterations + ", inner loops skipped";
      default:
        int k = segmentsPerRun(v);
        return "inner loop: " + iterations + " in full" + (k > 1 ? ", " + k + " segments" : "");
    }
  }

  /**
   * The schedule's rows as {@link #print} shows them, one per run: {@code run}, {@code tstamp},
   * {@code version}, {@code fill_in}, {@code strategy} (with what forced it) and {@code
   * estimate_s} (seconds, NaN when the run has no timings).
   */
  public List<Map<String, Object>> rows() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Version v : versions) {
      if (!v.runnable()) continue;
      for (PastRun r : v.runs) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", r.runId());
        row.put("tstamp", r.tstamp());
        row.put("version", v.label);
        row.put("fill_in", new ArrayList<>(v.apply));
        row.put("strategy", strategy(v, r) + chosen());
        row.put("estimate_s", estimate(v, r));
        out.add(row);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------ printing

  public void print(PrintWriter out) {
    out.println("Fill in " + String.join(", ", names.stream().map(n -> n + " (" + todayPlaces.get(n) + ")").toList()));
    if (today != null) {
      out.println("Today's code is kept as " + Snapshots.REPLAY_REF_PREFIX + stamp + "/today (" + today.abbreviate(7).name() + ")");
    } else {
      out.println("Dry run: nothing is written (no ref, no file); a replay keeps today's code as "
          + Snapshots.REPLAY_REF_PREFIX + "STAMP/today");
    }
    for (String n : notes) out.println("Not replayed: " + n);
    if (versions.isEmpty()) {
      out.println(unfinished == 0 ? "Nothing to replay: every run of these programs has the values."
          : "Nothing to replay: " + runs(unfinished) + " that lack" + (unfinished == 1 ? "s" : "")
              + " the values did not finish, and replay needs a run that finished.");
      out.flush();
      return;
    }
    out.println();
    out.println(versions.size() + (versions.size() == 1 ? " code version:" : " code versions:"));
    for (Version v : versions) {
      out.println("  " + v.label + "  " + v.program() + ", " + v.runs.size() + (v.runs.size() == 1 ? " run" : " runs")
          + " (snapshot " + String.join(", ", v.runs.stream().map(PastRun::shortVersion).toList()) + ")");
      for (String n : v.notes) out.println("      " + n);
      for (String n : v.strategies) out.println("      " + n);
      for (String p : v.problems) out.println("      not placed: " + p);
      if (!v.runnable()) {
        out.println("      this version is not replayed");
        continue;
      }
      for (String c : commands(v)) out.println("      " + c);
    }
    out.println();
    List<Object[]> rows = new ArrayList<>();
    for (Version v : versions) {
      if (!v.runnable()) continue;
      for (PastRun r : v.runs) {
        rows.add(new Object[] {r.tstamp(), v.label, String.join(",", v.apply), strategy(v, r) + chosen(),
            seconds(estimate(v, r)), r.runId()});
      }
    }
    if (!rows.isEmpty()) {
      Table.of(List.of("run started", "version", "fill in", "strategy", "estimate", "run"), rows).print(out);
      double[] t = totals();
      out.println();
      out.println("Estimated " + seconds(t[0]) + " of work for " + rows.size() + (rows.size() == 1 ? " run" : " runs")
          + (request.jobs() > 1 ? ", about " + seconds(t[1]) + " with --jobs " + request.jobs() : "") + buildNote()
          + ".");
      if (!(request.level() == Level.NESTED && request.fromStart())) {
        out.println("A run whose replay diverges from what it recorded is replayed again with " + SAFER + ".");
      }
    }
    out.flush();
  }

  /** The strategy that replays a run when the chosen one diverges: every iteration, from the start, in one JVM. */
  static final String SAFER = "--level nested --from-start --jobs 1";

  /** What the strategy column adds when the user chose the strategy. */
  private String chosen() {
    if (request.level() == null && !request.fromStart()) return "";
    List<String> flags = new ArrayList<>();
    if (request.level() != null) flags.add("--level " + lower(request.level()));
    if (request.fromStart()) flags.add("--from-start");
    return " (" + String.join(" ", flags) + ", chosen by you)";
  }

  /** What runs for a version, as the schedule shows it: its build, then each run's command. */
  private List<String> commands(Version v) {
    List<String> out = new ArrayList<>();
    String build = buildCommand(v);
    double measured = buildSeconds(v);
    switch (v.layout.kind()) {
      case SOURCE:
        out.add("build: " + v.layout.sourceFile() + " compiled once for this version (the JDK's compiler)");
        out.add("run:   java " + v.layout.sourceFile() + " ARGS...");
        break;
      case CLASSES:
        out.add("build: " + String.join(", ", v.layout.sourceRoots()) + " compiled (the JDK's compiler)");
        out.add("run:   java " + v.runs.get(0).launchString("main") + " ARGS...");
        break;
      default:
        if (build != null) {
          out.add("build: sh -c '" + build + "' in a copy of the version, "
              + (Double.isNaN(measured) ? "not measured yet" : "took " + seconds(measured) + " last time"));
        }
        out.add("run:   " + settings.launch() + " ARGS...");
    }
    StringBuilder flags = new StringBuilder("       with the run's own ARGS and --replay RUN --apply "
        + String.join(",", v.apply) + " --level " + lower(v.level) + " --jobs " + segmentsPerRun(v));
    if (request.fromStart()) flags.append(" --from-start");
    for (String i : request.iter()) flags.append(" --iter ").append(i);
    for (String o : request.overrides()) flags.append(" --override ").append(o);
    out.add(flags.toString());
    return out;
  }

  /** What the estimate says of builds: included as measured, or left out until measured. */
  private String buildNote() {
    List<Version> unmeasured = new ArrayList<>();
    double measured = 0;
    for (Version v : versions) {
      if (!v.runnable() || buildCommand(v) == null) continue;
      if (Double.isNaN(buildSeconds(v))) unmeasured.add(v);
      else measured += buildSeconds(v);
    }
    if (unmeasured.isEmpty()) return measured > 0 ? " (builds included, as measured last time)" : "";
    return " (without the build" + (unmeasured.size() == 1 ? " of " : "s of ") + String.join(", ",
        unmeasured.stream().map(v -> v.label).toList()) + ", not measured yet: this replay measures it)";
  }

  private static String runs(int n) {
    return n + (n == 1 ? " run" : " runs");
  }

  static String seconds(double s) {
    return Double.isNaN(s) ? "?" : String.format(Locale.ROOT, "%.1f s", s);
  }
}
