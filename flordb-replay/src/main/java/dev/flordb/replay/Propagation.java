package dev.flordb.replay;

import dev.flordb.source.Scopes;

import dev.flordb.source.FlorCalls;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.comments.Comment;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.SimpleName;
import com.github.javaparser.ast.expr.ThisExpr;
import com.github.javaparser.ast.nodeTypes.NodeWithBody;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.BreakStmt;
import com.github.javaparser.ast.stmt.ContinueStmt;
import com.github.javaparser.ast.stmt.DoStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.ThrowStmt;
import com.github.javaparser.ast.stmt.WhileStmt;
import com.github.javaparser.ast.stmt.YieldStmt;
import com.github.javaparser.ast.type.Type;
import dev.flordb.replay.Propagator.Kind;
import dev.flordb.replay.Propagator.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One call of {@link Propagator#propagate}: decides, statement by statement in today's order,
 * where each selected log statement goes in the old version, then makes all the insertions at
 * once. See {@link Propagator} for the rules.
 */
public final class Propagation {
  private static final int SNIPPET_LENGTH = 70;

  private final String fileName;
  private final SourceText today;
  private final SourceText old;
  private final CompilationUnit todayUnit;
  private final CompilationUnit oldUnit;
  private final List<MethodCallExpr> oldLogs;
  private TreeMatch match;
  /** Where each statement inserted so far went, so that the statement after it can follow it. */
  private final Map<Statement, Spot> inserted = new IdentityHashMap<>();
  private final List<Insertion> insertions = new ArrayList<>();

  /**
   * A place in the old version: before {@code block}'s statement at {@code index} (or at its end),
   * at character {@code offset}, the statement's text going between {@code prefix} and {@code
   * suffix} (an indentation and a line separator for a line of its own, spaces when it shares a
   * line), its continuation lines indented by {@code indent}; {@code where} says it in words.
   */
  private record Spot(BlockStmt block, int index, int offset, String prefix, String suffix, String indent, String where) {
    Spot where(String words) {
      return new Spot(block, index, offset, prefix, suffix, indent, words);
    }
  }

  /**
   * Text to insert at {@code offset} of the old version; {@code sequence} orders insertions at one
   * offset; the carried statement begins at {@code statementStart}, its log call {@code callLines}
   * lines further down (below an {@code if} that guards it).
   */
  private record Insertion(int sequence, int offset, String text, int statementStart, int callLines) {
    boolean precedes(Insertion other) {
      return offset < other.offset || (offset == other.offset && sequence < other.sequence);
    }
  }

  /**
   * What was decided for one selected statement: its insertion, or where the old version already
   * logs the name ({@code presentAt}, an offset of the old version), or neither.
   */
  private record Decision(String name, int todayLine, Kind kind, Insertion insertion, int presentAt, String explanation) {}

  /** Why a statement cannot be placed; thrown from deep in the decision, caught once. */
  private static final class Refusal extends Exception {
    Refusal(String reason) {
      super(reason, null, false, false);
    }
  }

  Propagation(String fileName, SourceText today, CompilationUnit todayUnit, SourceText old, CompilationUnit oldUnit) {
    this.fileName = fileName;
    this.today = today;
    this.old = old;
    this.todayUnit = todayUnit;
    this.oldUnit = oldUnit;
    this.oldLogs = oldUnit.findAll(MethodCallExpr.class).stream().filter(c -> FlorCalls.isNamedLog(oldUnit, c)).toList();
  }

  Propagator.Result run(List<MethodCallExpr> selected) {
    Optional<Propagator.Result> same = sameFileBesides(selected);
    if (same.isPresent()) return same.get();
    List<Decision> decisions = selected.stream().map(this::decide).toList();
    String patched = patched();
    SourceText patchedText = new SourceText(patched);
    List<Outcome> outcomes = decisions.stream().map(d -> {
      int line = d.kind == Kind.NOT_PLACED ? -1
          : patchedText.lineAt(patchedOffset(d)) + (d.insertion == null ? 0 : d.insertion.callLines);
      String explanation = d.kind == Kind.ALREADY_PRESENT
          ? "the old version already logs \"" + d.name + "\" (line " + line + "); nothing inserted" : d.explanation;
      return new Outcome(d.name, d.todayLine, d.kind, line, explanation);
    }).toList();
    return new Propagator.Result(patched, outcomes, fileName, old.text);
  }

  /**
   * When the old version is today's file without the selected statements (the code did not change
   * otherwise, as for runs of today's version), they go exactly where they are today: no tree
   * matching is needed, and none could place them better.
   */
  private Optional<Propagator.Result> sameFileBesides(List<MethodCallExpr> selected) {
    StringBuilder without = new StringBuilder();
    int from = 0;
    List<Outcome> outcomes = new ArrayList<>();
    for (MethodCallExpr call : selected) {
      Optional<Statement> statement = logStatement(call);
      if (statement.isEmpty()) return Optional.empty();
      int begin = today.begin(statement.get());
      int end = today.end(statement.get());
      int lastLine = today.lineAt(end - 1);
      boolean wholeLines = today.firstOnLine(begin) && today.text.substring(end, today.lineEnd(lastLine)).isBlank();
      int start = today.lineStart(today.lineAt(begin));
      if (!wholeLines || start < from) return Optional.empty();
      without.append(today.text, from, start);
      from = today.nextLineStart(lastLine);
      int line = call.getBegin().orElseThrow().line;
      outcomes.add(new Outcome(FlorCalls.nameOf(call), line, Kind.INSERTED, line,
          "inserted where it is today (the rest of the file is the same)"));
    }
    without.append(today.text.substring(from));
    if (outcomes.isEmpty() || !without.toString().equals(old.text)) return Optional.empty();
    return Optional.of(new Propagator.Result(today.text, outcomes, fileName, old.text));
  }

  private Decision decide(MethodCallExpr call) {
    String name = FlorCalls.nameOf(call);
    int line = call.getBegin().orElseThrow().line;
    List<MethodCallExpr> present = oldLogs.stream().filter(c -> FlorCalls.nameOf(c).equals(name)).toList();
    if (!present.isEmpty()) {
      MethodCallExpr existing = present.size() == 1 ? present.get(0) : counterpartLog(call, present).orElse(present.get(0));
      return new Decision(name, line, Kind.ALREADY_PRESENT, null, old.begin(existing), "");
    }
    try {
      Statement statement = carried(call);
      requireLoopsMatched(statement);
      return insert(name, line, statement, candidates(statement, enclosingBlock(statement)));
    } catch (Refusal refusal) {
      return new Decision(name, line, Kind.NOT_PLACED, null, -1, refusal.getMessage());
    }
  }

  /**
   * Inserts at the first candidate spot where every name the statement uses is in scope (a
   * neighbour GumTree matched with a look-alike elsewhere leads to a spot where they are not);
   * when there is none, the nearest spot's reason is the refusal.
   */
  private Decision insert(String name, int line, Statement statement, List<Spot> candidates) throws Refusal {
    Refusal nearest = null;
    for (Spot spot : candidates) {
      try {
        return insert(name, line, statement, spot);
      } catch (Refusal refusal) {
        if (nearest == null) nearest = refusal;
      }
    }
    throw nearest;
  }

  private Decision insert(String name, int line, Statement statement, Spot spot) throws Refusal {
    requireInsideLoops(statement, spot);
    Map<String, String> renames = new LinkedHashMap<>();
    String text = spot.prefix + textFor(statement, spot, renames) + spot.suffix;
    int callLines = line - line(statement);
    Insertion insertion = new Insertion(insertions.size(), spot.offset, text, spot.offset + spot.prefix.length(), callLines);
    insertions.add(insertion);
    inserted.put(statement, spot);
    String renamed = renames.isEmpty() ? "" : "; renamed " + renames.entrySet().stream()
        .map(e -> "`" + e.getKey() + "` to `" + e.getValue() + "`").collect(Collectors.joining(", "));
    return new Decision(name, line, Kind.INSERTED, insertion, -1, "inserted " + spot.where + renamed);
  }

  /** Among old logs of the same name, the one GumTree matched with today's statement. */
  private Optional<MethodCallExpr> counterpartLog(MethodCallExpr call, List<MethodCallExpr> candidates) {
    return statementAround(call).flatMap(match()::counterpart)
        .flatMap(s -> candidates.stream().filter(s::isAncestorOf).findFirst());
  }

  private TreeMatch match() {
    if (match == null) match = TreeMatch.of(fileName, today, old, oldUnit);
    return match;
  }

  // ---- what can be carried over ----

  /**
   * The statement to carry: the log statement, or the {@code if} without {@code else} that guards
   * only it ({@code if (step % 10 == 0) Flor.log("loss", loss);}), condition and all.
   */
  private Statement carried(MethodCallExpr call) throws Refusal {
    Optional<Statement> carried = logStatement(call);
    if (carried.isPresent()) return carried.get();
    String enclosing = statementAround(call).map(s -> snippet(today, s)).orElse(call.toString());
    throw new Refusal("the log call is part of a larger statement, `" + enclosing
        + "`; only a statement that is just a log call can be carried into another version");
  }

  /** The log statement of a log call, with the {@code if} that guards only it; empty when the call is part of a larger statement. */
  private static Optional<Statement> logStatement(MethodCallExpr call) {
    if (!(call.getParentNode().orElse(null) instanceof ExpressionStmt statement)) return Optional.empty();
    Statement carried = statement;
    for (Optional<IfStmt> guard = guard(carried); guard.isPresent(); guard = guard(carried)) carried = guard.get();
    return Optional.of(carried);
  }

  /** The {@code if} without {@code else} whose whole then-branch is {@code statement}, with or without braces. */
  private static Optional<IfStmt> guard(Statement statement) {
    Node branch = statement.getParentNode().orElse(null) instanceof BlockStmt block && block.getStatements().size() == 1 ? block : statement;
    return branch.getParentNode().filter(IfStmt.class::isInstance).map(IfStmt.class::cast)
        .filter(i -> i.getThenStmt() == branch && i.getElseStmt().isEmpty());
  }

  private static Optional<Statement> statementAround(Node node) {
    return around(node, Statement.class::isInstance).map(Statement.class::cast);
  }

  /** The nearest ancestor of {@code node} that {@code is} accepts. */
  private static Optional<Node> around(Node node, Predicate<Node> is) {
    for (Optional<Node> p = node.getParentNode(); p.isPresent(); p = p.get().getParentNode()) {
      if (is.test(p.get())) return p;
    }
    return Optional.empty();
  }

  private BlockStmt enclosingBlock(Statement statement) throws Refusal {
    if (statement.getParentNode().orElse(null) instanceof BlockStmt block) return block;
    throw new Refusal("the statement is not directly inside a block (it is the body of an if without braces, or a case of a switch),"
        + " so it has no neighbouring statements to be placed by");
  }

  /** A statement in a loop that the old version lacks would run a different number of times there. */
  private void requireLoopsMatched(Statement statement) throws Refusal {
    for (Statement loop : enclosingLoops(statement)) {
      if (loopCounterpart(loop).isEmpty()) {
        throw new Refusal("the enclosing loop `" + loopHeader(today, loop) + "` at today's line " + line(loop)
            + " has no counterpart in the old version");
      }
    }
  }

  /**
   * A spot found next to a look-alike outside the counterpart of a loop around the statement, in
   * the same method, would run it a different number of times. (A spot in another method is
   * accepted: that is where a loop body's code goes when it is extracted into a method.)
   */
  private void requireInsideLoops(Statement statement, Spot spot) throws Refusal {
    Node method = around(spot.block, CallableDeclaration.class::isInstance).orElse(null);
    for (Statement loop : enclosingLoops(statement)) {
      Optional<Statement> oldLoop = loopCounterpart(loop);
      if (oldLoop.isPresent() && around(oldLoop.get(), CallableDeclaration.class::isInstance).orElse(null) == method
          && !oldLoop.get().isAncestorOf(spot.block)) {
        throw new Refusal("the place next to its neighbours, " + spot.where + ", is outside `" + loopHeader(old, oldLoop.get())
            + "`, the old version's counterpart of the loop around it at today's line " + line(loop));
      }
    }
  }

  /**
   * A Flor loop's counterpart is the old version's Flor loop of the same name, for its name is
   * what runs record (GumTree may pair an inner loop with an outer one); other loops are matched
   * by GumTree.
   */
  private Optional<Statement> loopCounterpart(Statement loop) {
    Optional<String> name = FlorCalls.loopName(todayUnit, loop);
    if (name.isEmpty()) return match().counterpart(loop);
    List<ForEachStmt> named = oldUnit.findAll(ForEachStmt.class).stream().filter(l -> FlorCalls.loopName(oldUnit, l).equals(name)).toList();
    if (named.size() == 1) return Optional.of(named.get(0));
    return match().counterpart(loop).filter(l -> FlorCalls.loopName(oldUnit, l).equals(name));
  }

  /** The block matching a block of today's; the body of a Flor loop is the body of its counterpart. */
  private Optional<BlockStmt> counterpartBlock(BlockStmt block) {
    if (block.getParentNode().orElse(null) instanceof ForEachStmt loop && FlorCalls.loopName(todayUnit, loop).isPresent()) {
      return loopCounterpart(loop).map(l -> ((ForEachStmt) l).getBody()).filter(BlockStmt.class::isInstance).map(BlockStmt.class::cast);
    }
    return match().counterpart(block);
  }

  private static List<Statement> enclosingLoops(Node node) {
    List<Statement> loops = new ArrayList<>();
    for (Optional<Node> p = node.getParentNode(); p.isPresent(); p = p.get().getParentNode()) {
      Node n = p.get();
      if (n instanceof CallableDeclaration || n instanceof TypeDeclaration || n instanceof LambdaExpr) break;
      if (n instanceof ForStmt || n instanceof ForEachStmt || n instanceof WhileStmt || n instanceof DoStmt) loops.add((Statement) n);
    }
    return loops;
  }

  // ---- where it goes ----

  /**
   * Where the statement may go, best first: next to the neighbours in its block that the old
   * version has, nearest first (at each distance the one before it first), then at the start (or,
   * for the last statement, the end) of the block matching its block.
   */
  private List<Spot> candidates(Statement statement, BlockStmt block) throws Refusal {
    List<Statement> siblings = block.getStatements();
    int k = Scopes.indexOf(siblings, statement);
    List<Spot> spots = new ArrayList<>();
    for (int d = 1; d < siblings.size(); d++) {
      if (k - d >= 0) afterCounterpart(siblings.get(k - d)).ifPresent(spots::add);
      if (k + d < siblings.size()) beforeCounterpart(siblings.get(k + d)).ifPresent(spots::add);
    }
    boolean last = k > 0 && k == siblings.size() - 1;
    String why = spots.isEmpty() ? "none of the statements around it today has a match" : "no place next to its neighbours fits";
    counterpartBlock(block).ifPresent(b -> {
      Spot spot = last ? atEnd(b) : atStart(b);
      spots.add(spot.where(spot.where + ", in the block matching its enclosing block `" + blockHeader(today, block)
          + "` at today's line " + line(block) + "; " + why));
    });
    if (spots.isEmpty()) {
      throw new Refusal("neither the statements around it nor its enclosing block `" + blockHeader(today, block)
          + "` at today's line " + line(block) + " have a counterpart in the old version");
    }
    return spots;
  }

  private Optional<Spot> afterCounterpart(Statement todayNeighbour) {
    Spot previous = inserted.get(todayNeighbour);
    if (previous != null) {
      return Optional.of(previous.where("right after `" + snippet(today, todayNeighbour) + "`, inserted just before, as in today's version"));
    }
    return oldStatement(todayNeighbour).map(s -> because(after(s), s, todayNeighbour));
  }

  private Optional<Spot> beforeCounterpart(Statement todayNeighbour) {
    return oldStatement(todayNeighbour).map(s -> because(before(s), s, todayNeighbour));
  }

  /**
   * The old statement matched with a neighbour of today's, if it is itself among a block's
   * statements. A log statement's match is the old log statement of the same name when there is
   * one (the name is what runs record, and the logged expression often changes); other
   * statements' are GumTree's.
   */
  private Optional<Statement> oldStatement(Statement todayNeighbour) {
    return loggedName(todayUnit, todayNeighbour).flatMap(this::oldLogStatement)
        .or(() -> match().counterpart(todayNeighbour))
        .filter(s -> s.getParentNode().orElse(null) instanceof BlockStmt);
  }

  /** The name that {@code statement} logs, when it is a log statement (guarded or not). */
  private static Optional<String> loggedName(CompilationUnit unit, Statement statement) {
    List<MethodCallExpr> logs = statement.findAll(MethodCallExpr.class).stream().filter(c -> FlorCalls.isNamedLog(unit, c)).toList();
    return logs.size() == 1 && logStatement(logs.get(0)).orElse(null) == statement
        ? Optional.of(FlorCalls.nameOf(logs.get(0))) : Optional.empty();
  }

  private Optional<Statement> oldLogStatement(String name) {
    List<MethodCallExpr> named = oldLogs.stream().filter(c -> FlorCalls.nameOf(c).equals(name)).toList();
    return named.size() == 1 ? logStatement(named.get(0)) : Optional.empty();
  }

  private Spot because(Spot spot, Statement oldNeighbour, Statement todayNeighbour) {
    String todayText = snippet(today, todayNeighbour);
    return spot.where(spot.where + (todayText.equals(snippet(old, oldNeighbour))
        ? ", as in today's version (line " + line(todayNeighbour) + ")"
        : ", which matches `" + todayText + "` at today's line " + line(todayNeighbour)));
  }

  private Spot atStart(BlockStmt block) {
    return block.getStatements().isEmpty() ? inEmpty(block) : before(block.getStatement(0));
  }

  private Spot atEnd(BlockStmt block) {
    return block.getStatements().isEmpty() ? inEmpty(block) : after(block.getStatements().getLast().orElseThrow());
  }

  /** After an old statement: on a line of its own after the statement's last line, unless code follows it on that line. */
  private Spot after(Statement statement) {
    if (isJump(statement)) return before(statement); // code after return, break, ... would not compile
    BlockStmt block = (BlockStmt) statement.getParentNode().orElseThrow();
    int index = Scopes.indexOf(block.getStatements(), statement) + 1;
    String indent = old.indentOf(line(statement));
    int end = old.end(statement);
    int lastLine = old.lineAt(end - 1);
    String where = "after `" + snippet(old, statement) + "`";
    if (blankOrComment(old.text.substring(end, old.lineEnd(lastLine)))) {
      return new Spot(block, index, old.nextLineStart(lastLine), indent, old.lineSeparator(), indent, where);
    }
    return new Spot(block, index, end, " ", "", indent, where);
  }

  /** Before an old statement and the comment lines directly above it, on a line of its own unless code precedes it on its line. */
  private Spot before(Statement statement) {
    BlockStmt block = (BlockStmt) statement.getParentNode().orElseThrow();
    int index = Scopes.indexOf(block.getStatements(), statement);
    String indent = old.indentOf(line(statement));
    int start = old.begin(statement);
    String where = "before `" + snippet(old, statement) + "`";
    if (old.firstOnLine(start)) {
      return new Spot(block, index, old.lineStart(firstCommentLineAbove(line(statement))), indent, old.lineSeparator(), indent, where);
    }
    return new Spot(block, index, start, "", " ", indent, where);
  }

  private Spot inEmpty(BlockStmt block) {
    int open = old.begin(block);
    int close = old.end(block) - 1;
    int closeLine = old.lineAt(close);
    String where = "into the empty block of `" + blockHeader(old, block) + "`";
    if (old.firstOnLine(close) && old.lineAt(open) < closeLine) {
      String indent = old.indentOf(closeLine) + old.indentUnit();
      return new Spot(block, 0, old.lineStart(closeLine), indent, old.lineSeparator(), indent, where);
    }
    return new Spot(block, 0, open + 1, " ", old.text.charAt(open + 1) == '}' ? " " : "", old.indentOf(old.lineAt(open)), where);
  }

  /** The first line of the run of whole-line comments directly above {@code line} (or {@code line}). */
  private int firstCommentLineAbove(int line) {
    int first = line;
    boolean climbed = true;
    while (climbed) {
      climbed = false;
      for (Comment c : oldUnit.getAllComments()) {
        if (line(c) < first && c.getEnd().orElseThrow().line == first - 1 && old.firstOnLine(old.begin(c))
            && old.text.substring(old.end(c), old.lineEnd(first - 1)).isBlank()) {
          first = line(c);
          climbed = true;
        }
      }
    }
    return first;
  }

  private static boolean blankOrComment(String rest) {
    String r = rest.strip();
    return r.isEmpty() || r.startsWith("//") || (r.startsWith("/*") && r.endsWith("*/") && r.indexOf("*/") == r.length() - 2);
  }

  private static boolean isJump(Statement s) {
    return s instanceof ReturnStmt || s instanceof ThrowStmt || s instanceof BreakStmt || s instanceof ContinueStmt || s instanceof YieldStmt;
  }

  // ---- what it says there ----

  /** A name the statement uses, where today's version declares it, and how to look a name up at a spot of the old version. */
  private record Use(SimpleName name, SimpleName declared, Function<String, Optional<SimpleName>> inOld) {}

  /**
   * Today's statement as it must read at {@code spot}: each name it uses that is declared
   * outside it is renamed to its counterpart in the old version, and must be in scope there.
   */
  private String textFor(Statement statement, Spot spot, Map<String, String> renames) throws Refusal {
    int base = today.begin(statement);
    StringBuilder text = new StringBuilder(today.of(statement));
    for (Use use : uses(statement, spot)) {
      String oldName = oldName(use);
      if (oldName.equals(use.name.asString())) continue;
      renames.put(use.name.asString(), oldName);
      text.replace(today.begin(use.name) - base, today.end(use.name) - base, oldName);
    }
    return reindent(text.toString(), today.indentOf(line(statement)), spot.indent);
  }

  /**
   * The variables, fields and methods of this file that the statement uses, last first (so that
   * renaming one keeps the offsets of the others); names declared elsewhere (a class, an import,
   * a supertype) or inside the statement (a lambda's parameters) are left as written.
   */
  private List<Use> uses(Statement statement, Spot spot) {
    List<Use> uses = new ArrayList<>();
    for (NameExpr n : statement.findAll(NameExpr.class)) {
      Scopes.variable(n, n.getNameAsString())
          .ifPresent(d -> uses.add(new Use(n.getName(), d, name -> Scopes.variableAt(spot.block, spot.index, name))));
    }
    for (MethodCallExpr m : statement.findAll(MethodCallExpr.class)) {
      int arguments = m.getArguments().size();
      if (m.getScope().isEmpty()) {
        Scopes.method(m, m.getNameAsString(), arguments)
            .ifPresent(d -> uses.add(new Use(m.getName(), d, name -> Scopes.method(spot.block, name, arguments))));
      } else if (m.getScope().get() instanceof NameExpr variable) {
        classOf(variable).ifPresent(type -> Scopes.method(type, m.getNameAsString(), arguments).ifPresent(d -> uses.add(
            new Use(m.getName(), d, name -> oldClass(type).flatMap(t -> Scopes.method(t, name, arguments))))));
      }
    }
    for (FieldAccessExpr f : statement.findAll(FieldAccessExpr.class)) {
      if (f.getScope() instanceof ThisExpr self && self.getTypeName().isEmpty()) {
        Scopes.field(f, f.getNameAsString()).ifPresent(d -> uses.add(new Use(f.getName(), d, name -> Scopes.field(spot.block, name))));
      } else if (f.getScope() instanceof NameExpr variable) {
        classOf(variable).ifPresent(type -> Scopes.field(type, f.getNameAsString()).ifPresent(d -> uses.add(
            new Use(f.getName(), d, name -> oldClass(type).flatMap(t -> Scopes.field(t, name))))));
      }
    }
    uses.removeIf(u -> statement.isAncestorOf(u.declared));
    uses.sort(Comparator.comparingInt((Use u) -> u.name.getBegin().orElseThrow().line)
        .thenComparingInt(u -> u.name.getBegin().orElseThrow().column).reversed());
    return uses;
  }

  /** The class of this file that a variable is declared with, as in {@code model.weightNorm()}. */
  private static Optional<TypeDeclaration<?>> classOf(NameExpr variable) {
    return Scopes.variable(variable, variable.getNameAsString()).flatMap(Scopes::classOf);
  }

  /** The old version's class of the same name (classes are found by name, not matched). */
  private Optional<TypeDeclaration<?>> oldClass(TypeDeclaration<?> type) {
    return Scopes.type(oldUnit, type.getNameAsString());
  }

  /**
   * The name to use in the old version: the counterpart of the declaration when it is in scope at
   * the spot, else the same name when something of that name is in scope there.
   */
  private String oldName(Use use) throws Refusal {
    Optional<SimpleName> counterpart = match().counterpartDeclaration(use.declared).filter(c -> sameType(use.declared, c));
    if (counterpart.isPresent() && use.inOld.apply(counterpart.get().asString()).filter(v -> v == counterpart.get()).isPresent()) {
      return counterpart.get().asString();
    }
    String name = use.name.asString();
    if (use.inOld.apply(name).isPresent()) return name;
    String what = "`" + name + "`, declared at today's line " + line(use.declared) + ",";
    throw new Refusal(counterpart
        .map(c -> what + " matches `" + c.asString() + "` at the old version's line " + line(c)
            + ", which is not in scope where the statement would go")
        .orElse(what + " has no counterpart in the old version"));
  }

  /** A renamed variable keeps its type; a pairing across types is GumTree matching look-alikes. */
  private static boolean sameType(SimpleName a, SimpleName b) {
    Optional<Type> x = Scopes.declaredType(a);
    Optional<Type> y = Scopes.declaredType(b);
    return x.isEmpty() || y.isEmpty() || isImplicit(x.get()) || isImplicit(y.get()) || x.get().asString().equals(y.get().asString());
  }

  private static boolean isImplicit(Type type) {
    return type.isVarType() || type.isUnknownType();
  }

  /** Continuation lines keep their indentation relative to the statement's first line. */
  private String reindent(String text, String todayIndent, String oldIndent) {
    String[] lines = text.split("\r\n|\r|\n", -1);
    StringBuilder out = new StringBuilder(lines[0]);
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      out.append(old.lineSeparator()).append(line.startsWith(todayIndent) ? oldIndent + line.substring(todayIndent.length()) : line);
    }
    return out.toString();
  }

  // ---- the patched text ----

  /** The old text with every insertion; insertions at one offset keep the order they were decided in (today's order). */
  private String patched() {
    List<Insertion> ordered = insertions.stream().sorted(Comparator.comparingInt(Insertion::offset).thenComparingInt(Insertion::sequence)).toList();
    StringBuilder out = new StringBuilder(old.text.length() + 256);
    int from = 0;
    for (Insertion insertion : ordered) {
      out.append(old.text, from, insertion.offset).append(insertion.text);
      from = insertion.offset;
    }
    return out.append(old.text, from, old.text.length()).toString();
  }

  /** Where a decision's log statement begins in the patched text. */
  private int patchedOffset(Decision d) {
    int oldOffset = d.insertion != null ? d.insertion.statementStart : d.presentAt;
    int shift = 0;
    for (Insertion i : insertions) {
      if (d.insertion != null ? i.precedes(d.insertion) : i.offset <= d.presentAt) shift += i.text.length();
    }
    return oldOffset + shift;
  }

  // ---- words ----

  private static int line(Node node) {
    return node.getBegin().orElseThrow().line;
  }

  /** A statement's first line, shortened, and {@code ... }} for the rest of a block. */
  private static String snippet(SourceText source, Node node) {
    List<String> lines = source.of(node).lines().toList();
    String first = shorten(lines.get(0).strip());
    return lines.size() > 1 && first.endsWith("{") ? first + " ... }" : first;
  }

  private static String loopHeader(SourceText source, Statement loop) {
    return header(source, loop, ((NodeWithBody<?>) loop).getBody());
  }

  private static String blockHeader(SourceText source, BlockStmt block) {
    return header(source, block.getParentNode().orElse(block), block);
  }

  /** What introduces {@code body} in {@code owner}: a loop's or method's header, {@code if (...)}, {@code try}, ... */
  private static String header(SourceText source, Node owner, Node body) {
    if (owner instanceof DoStmt loop) return "do ... while (" + shorten(source.of(loop.getCondition())) + ")";
    String head = source.text.substring(source.begin(owner), source.begin(body)).strip().replaceAll("\\s+", " ");
    return shorten(owner instanceof BlockStmt || head.isEmpty() ? "{ ... }" : head);
  }

  private static String shorten(String s) {
    return s.length() <= SNIPPET_LENGTH ? s : s.substring(0, SNIPPET_LENGTH - 3) + "...";
  }
}
