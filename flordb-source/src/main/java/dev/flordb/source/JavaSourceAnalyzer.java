package dev.flordb.source;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Position;
import com.github.javaparser.Problem;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.expr.MethodCallExpr;
import dev.flordb.internal.source.SourceAnalyzer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The {@link SourceAnalyzer} of Java programs: where each log statement executes ({@link Places},
 * through the program's calls and lambdas) and what the statements to fill in depend on ({@link
 * Dependences}), from one file's syntax tree (JavaParser) and no compiled code. Registered as a
 * service of flordb-cli, so that a replayed program finds it on its class path.
 *
 * <p>Each statement's {@link Placement} is where it executes: a statement in a lambda runs where the
 * lambda is invoked, a statement in a method wherever that method is called from; reached at
 * several depths, the deepest is taken. A lambda handed to code the analysis cannot read makes it
 * {@link Placement#NESTED} (it may run in any loop), a place that cannot be followed at all
 * {@link Placement#UNKNOWN}; both say why.
 *
 * <p>Stateless and thread-safe.
 */
public final class JavaSourceAnalyzer implements SourceAnalyzer {
  /** For {@link java.util.ServiceLoader}. */
  public JavaSourceAnalyzer() {}

  @Override
  public Analysis analyze(String fileName, String source, Set<String> applied) {
    return analyze(fileName, source, applied, false);
  }

  /** One reading of the file for every statement (a replay checks itself against all of them). */
  @Override
  public Analysis analyzeAll(String fileName, String source, Set<String> applied) {
    return analyze(fileName, source, applied, true);
  }

  private Analysis analyze(String fileName, String source, Set<String> applied, boolean everyStatement) {
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(applied, "applied");
    CompilationUnit cu = parse(fileName, source);
    List<MethodCallExpr> logs = new ArrayList<>();
    for (MethodCallExpr c : cu.findAll(MethodCallExpr.class)) if (FlorCalls.isNamedLog(cu, c)) logs.add(c);
    logs.sort(Comparator.comparing((Node n) -> n.getBegin().orElseThrow()));
    Set<String> logged = logs.stream().map(FlorCalls::nameOf).collect(Collectors.toCollection(TreeSet::new));
    List<String> missing = applied.stream().filter(n -> !logged.contains(n)).sorted().toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("no Flor.log statement in " + fileName + " logs "
          + missing.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", ")) + "; "
          + (logged.isEmpty() ? "it logs no names" : "the names it logs are: " + String.join(", ", logged)));
    }
    ProgramWalk walk = ProgramWalk.of(fileName, cu);
    Places places = new Places(walk);
    List<Statement> statements = new ArrayList<>();
    if (everyStatement || !applied.isEmpty()) {
      Dependences dependences = new Dependences(walk);
      for (MethodCallExpr log : logs) {
        if (everyStatement || applied.contains(FlorCalls.nameOf(log))) statements.add(statement(log, places, dependences));
      }
    }
    return new Analysis(statements, places.sites(), places.outermostLoops());
  }

  private static Statement statement(MethodCallExpr log, Places places, Dependences dependences) {
    String name = FlorCalls.nameOf(log);
    Places.Placed p = places.log(log);
    List<String> reasons = new ArrayList<>();
    Placement placement;
    if (!p.unknown().isEmpty()) {
      placement = Placement.UNKNOWN;
      p.unknown().forEach(r -> reasons.add(about(name, r)));
      p.anywhere().forEach(r -> reasons.add(about(name, r)));
    } else if (!p.anywhere().isEmpty()) {
      placement = Placement.NESTED;
      p.anywhere().forEach(r -> reasons.add(about(name, r)));
    } else {
      int depth = p.deepestLoops().size();
      placement = depth == 0 ? Placement.OUTSIDE : depth == 1 ? Placement.OUTER : Placement.NESTED;
    }
    boolean nested = placement == Placement.NESTED || placement == Placement.UNKNOWN;
    Dependences.Verdict v = dependences.of(name, places.walk().logVisits(log), nested);
    for (String r : v.reasons()) if (!reasons.contains(r)) reasons.add(r);
    return new Statement(name, log.getBegin().orElseThrow().line, p.deepestLoops(), placement, v.runNestedLoops(),
        v.fromFirstIteration(), reasons);
  }

  /** A reason about a place ("it is in the lambda ...") said of the statement. */
  private static String about(String name, String reason) {
    return reason.startsWith("it ") ? name + reason.substring(2) : reason;
  }

  /**
   * Parses a Java source file at the newest language level JavaParser reads.
   *
   * @throws IllegalArgumentException "FILE does not parse as Java: syntax error at line L, column C: ..."
   */
  static CompilationUnit parse(String file, String source) {
    ParseResult<CompilationUnit> parsed =
        new JavaParser(new ParserConfiguration().setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_21)).parse(source);
    if (parsed.isSuccessful() && parsed.getResult().isPresent()) return parsed.getResult().get();
    if (parsed.getProblems().isEmpty()) throw new IllegalArgumentException(file + " does not parse as Java: syntax error");
    Problem first = parsed.getProblems().get(0);
    Optional<Position> at = first.getLocation().flatMap(l -> l.getBegin().getRange()).map(r -> r.begin);
    throw new IllegalArgumentException(file + " does not parse as Java: syntax error"
        + at.map(pos -> " at line " + pos.line + ", column " + pos.column).orElse("") + ": " + first.getMessage());
  }
}
