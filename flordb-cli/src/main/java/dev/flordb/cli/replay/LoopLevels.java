package dev.flordb.cli.replay;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.expr.MethodCallExpr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where a {@code Flor.log} statement sits relative to the program's {@code Flor.loop}s, found from
 * the program's syntax tree (JavaParser), for replay to decide how much of each loop to execute.
 *
 * <p><b>What is recognised.</b> A <em>log statement</em> is a call {@code Flor.log("name", value)}
 * (also {@code dev.flordb.Flor.log(...)}, or an unqualified {@code log(...)} when the file
 * statically imports {@code dev.flordb.Flor.log} or {@code dev.flordb.Flor.*} and no enclosing class
 * declares its own {@code log}). Its name must be a string literal; calls with any other first
 * argument are reported in {@link Result#nonLiteralLogs()} and cannot be selected. A <em>Flor
 * loop</em> is an enhanced {@code for} statement whose iterable is such a {@code Flor.loop(...)}
 * call; its name is the literal first argument (or the argument's source text otherwise).
 *
 * <p><b>Levels.</b> Counting the Flor loops whose body encloses a statement: none is {@link
 * Level#OUTSIDE_LOOPS}, one is {@link Level#OUTER_BODY}, two or more is {@link Level#NESTED}.
 *
 * <p><b>Where a statement executes</b> is found by {@link Places}, which follows the program from
 * {@code main}: a statement in another method is placed through the calls to it in the same file
 * (by simple name and argument count, narrowed by the receiver's declared type when it is a class
 * of the file), a statement in a lambda where the lambda is invoked; a call site's own enclosing
 * loops are added to those of its callers, up to {@code main}. When a statement is reached at
 * several depths, the deepest is taken (replaying at the deeper level also executes the
 * shallower ones). When any path cannot be followed — a method never called in the file (called
 * from another file, by reflection, or an overridden framework method), a method reference or a
 * lambda handed to a library, a statement outside every method, recursion through a Flor loop —
 * the level is {@link Level#UNKNOWN} with a reason, never a guess.
 *
 * <p>Thread-safe: no state is kept between calls.
 */
public final class LoopLevels {

  /** Where a statement sits relative to the Flor loops. */
  public enum Level {
    /** Not inside any Flor loop, for example after all loops. */
    OUTSIDE_LOOPS,
    /** Inside the body of an outermost Flor loop, but not inside a Flor loop nested in it. */
    OUTER_BODY,
    /** Inside a Flor loop that is itself inside another Flor loop. */
    NESTED,
    /** Could not be determined from this file; {@link LogStatement#reason()} says why. */
    UNKNOWN
  }

  /**
   * One selected log statement.
   *
   * @param name the logged name (the string literal)
   * @param line the 1-based line where the {@code log} call begins
   * @param loops the names of the Flor loops enclosing the statement, outermost first (through the
   *     call path when the statement is in a helper method; for {@link Level#UNKNOWN}, the deepest
   *     of the paths that could be followed, possibly empty)
   * @param level the statement's level
   * @param callPath empty when the statement is directly in {@code main}; otherwise the calls that
   *     lead to it, outermost first, each as {@code "method() at line N"} (the call site's line)
   * @param reason for {@link Level#UNKNOWN}, why; for a statement in a lambda that a library runs
   *     (taken as {@link Level#NESTED}), which; when the statement is reached at several levels,
   *     which ones (the deepest is taken); empty otherwise
   */
  public record LogStatement(
      String name, int line, List<String> loops, Level level, List<String> callPath, String reason) {
    public LogStatement {
      loops = List.copyOf(loops);
      callPath = List.copyOf(callPath);
    }

    /** The outermost enclosing Flor loop's name, if any. */
    public Optional<String> outermostLoop() {
      return loops.isEmpty() ? Optional.empty() : Optional.of(loops.get(0));
    }

    /** Whether the statement is in a method called from elsewhere (not directly in main). */
    public boolean inCalledMethod() {
      return !callPath.isEmpty();
    }
  }

  /** A {@code Flor.log} call whose name is not a string literal (it cannot be selected). */
  public record NonLiteralLog(int line, String call) {}

  /**
   * The analysis of one file.
   *
   * @param file the file name used in messages
   * @param statements the selected statements, in source order (a name logged at several places
   *     gives several entries)
   * @param outermostLoops the names of the program's outermost Flor loops (not nested in another
   *     Flor loop on any path that could be followed), in source order, without duplicates
   * @param nonLiteralLogs every {@code Flor.log} call of the file whose name is not a string literal
   */
  public record Result(
      String file, List<LogStatement> statements, List<String> outermostLoops, List<NonLiteralLog> nonLiteralLogs) {
    public Result {
      statements = List.copyOf(statements);
      outermostLoops = List.copyOf(outermostLoops);
      nonLiteralLogs = List.copyOf(nonLiteralLogs);
    }

    /** The selected statements that log {@code name}. */
    public List<LogStatement> statementsFor(String name) {
      return statements.stream().filter(s -> s.name().equals(name)).toList();
    }
  }

  private static final Pattern LINE_SELECTOR = Pattern.compile("@(\\d+)");

  private LoopLevels() {}

  /** Reads {@code file} (UTF-8) and analyses it; see {@link #analyze(String, String, List)}. */
  public static Result analyze(Path file, List<String> selectors) throws IOException {
    return analyze(file.getFileName().toString(), Files.readString(file), selectors);
  }

  /**
   * Finds the log statements selected by {@code selectors} in a Java source file and their levels.
   *
   * @param fileName the file's name, for messages
   * @param source the file's text
   * @param selectors logged names ({@code "loss"}) or 1-based line numbers ({@code "@42"}, every
   *     log statement whose call spans that line)
   * @throws IllegalArgumentException if the source does not parse, a selector matches no log
   *     statement (the message lists the names that are logged), or a line holds only log calls
   *     whose name is not a string literal; all such problems are reported at once, one a line
   */
  public static Result analyze(String fileName, String source, List<String> selectors) {
    if (selectors.isEmpty()) throw new IllegalArgumentException("name at least one logged name or @LINE to analyse in " + fileName);
    CompilationUnit cu = JavaSourceAnalyzer.parse(fileName, source);
    return new Analysis(fileName, cu).run(selectors);
  }

  /** The state of one analysis: the file's tree and what was found in it. */
  private static final class Analysis {
    private final String file;
    private final CompilationUnit cu;
    private final List<MethodCallExpr> namedLogs = new ArrayList<>();
    private final List<MethodCallExpr> otherLogs = new ArrayList<>();
    private Places places;

    Analysis(String file, CompilationUnit cu) {
      this.file = file;
      this.cu = cu;
      for (MethodCallExpr call : cu.findAll(MethodCallExpr.class)) {
        if (FlorCalls.isNamedLog(cu, call)) namedLogs.add(call);
        else if (FlorCalls.isLog(cu, call)) otherLogs.add(call);
      }
      Comparator<Node> order = Comparator.comparing((Node n) -> line(n)).thenComparing(n -> n.getBegin().map(p -> p.column).orElse(0));
      namedLogs.sort(order);
      otherLogs.sort(order);
    }

    Result run(List<String> selectors) {
      Set<MethodCallExpr> selected = new LinkedHashSet<>();
      List<String> unknownNames = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (String selector : selectors) {
        var m = LINE_SELECTOR.matcher(selector);
        if (m.matches()) {
          int lineNo = Integer.parseInt(m.group(1));
          List<MethodCallExpr> here = namedLogs.stream().filter(c -> spans(c, lineNo)).toList();
          if (!here.isEmpty()) {
            selected.addAll(here);
          } else {
            Optional<MethodCallExpr> other = otherLogs.stream().filter(c -> spans(c, lineNo)).findFirst();
            errors.add(other.isPresent()
                ? "the Flor.log call on line " + lineNo + " of " + file + ", " + other.get()
                    + ", does not name its value with a string literal; replay selects statements by their literal name"
                : "no Flor.log statement in " + file + " is on line " + lineNo + "; " + linesListing());
          }
        } else if (selector.isBlank() || selector.startsWith("@")) {
          errors.add("\"" + selector + "\" is neither a logged name nor @LINE (a 1-based line number)");
        } else {
          List<MethodCallExpr> named = namedLogs.stream().filter(c -> FlorCalls.nameOf(c).equals(selector)).toList();
          if (named.isEmpty()) unknownNames.add(selector);
          selected.addAll(named);
        }
      }
      if (!unknownNames.isEmpty()) {
        Set<String> names = new LinkedHashSet<>();
        namedLogs.stream().map(FlorCalls::nameOf).sorted().forEach(names::add);
        String msg = "no Flor.log statement in " + file + " logs "
            + unknownNames.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", ")) + "; "
            + (names.isEmpty() ? "it logs no names" : "the names it logs are: " + String.join(", ", names));
        if (!otherLogs.isEmpty()) {
          msg += "; " + otherLogs.size() + " more Flor.log call" + (otherLogs.size() == 1 ? " has a name that is" : "s have names that are")
              + " not a string literal (" + otherLogs.stream().map(c -> "line " + line(c) + ": " + c).collect(Collectors.joining(", ")) + ")";
        }
        errors.add(0, msg);
      }
      if (!errors.isEmpty()) throw new IllegalArgumentException(String.join("\n", errors));

      places = new Places(ProgramWalk.of(file, cu));
      List<LogStatement> statements = namedLogs.stream().filter(selected::contains).map(this::statement).toList();
      List<NonLiteralLog> nonLiteral = otherLogs.stream().map(c -> new NonLiteralLog(line(c), c.toString())).toList();
      return new Result(file, statements, places.outermostLoops(), nonLiteral);
    }

    private String linesListing() {
      if (namedLogs.isEmpty()) return "it has no Flor.log statement with a literal name";
      return "Flor.log statements are on lines "
          + namedLogs.stream().map(c -> line(c) + " (" + FlorCalls.nameOf(c) + ")").collect(Collectors.joining(", "));
    }

    private LogStatement statement(MethodCallExpr call) {
      Places.Placed placed = places.log(call);
      Optional<Places.Route> deepest = placed.deepest();
      List<String> loops = deepest.map(Places.Route::loops).orElse(List.of());
      List<String> callPath = deepest.map(Places.Route::calls).orElse(List.of());
      Level level;
      String reason;
      if (!placed.unknown().isEmpty() || placed.known().isEmpty() && placed.anywhere().isEmpty()) {
        level = Level.UNKNOWN;
        Set<String> why = new LinkedHashSet<>(placed.unknown());
        why.addAll(placed.anywhere());
        reason = String.join("; ", why);
      } else if (!placed.anywhere().isEmpty()) {
        // in a lambda that code outside the file runs: it may run in any loop, so the deepest is taken
        level = Level.NESTED;
        loops = placed.deepestLoops();
        reason = String.join("; ", placed.anywhere());
      } else {
        level = levelOf(loops.size());
        Set<Level> levels = new LinkedHashSet<>();
        placed.known().stream().map(p -> levelOf(p.loops().size())).sorted().forEach(levels::add);
        reason = levels.size() > 1
            ? "reached at several levels (" + levels.stream().map(Enum::name).collect(Collectors.joining(", ")) + "); the deepest is taken"
            : "";
      }
      return new LogStatement(FlorCalls.nameOf(call), line(call), loops, level, callPath, reason);
    }

    private static Level levelOf(int depth) {
      return depth == 0 ? Level.OUTSIDE_LOOPS : depth == 1 ? Level.OUTER_BODY : Level.NESTED;
    }

    private static int line(Node node) {
      return node.getBegin().map(p -> p.line).orElse(0);
    }

    private static boolean spans(Node node, int line) {
      return node.getRange().map(r -> r.begin.line <= line && line <= r.end.line).orElse(false);
    }
  }
}
