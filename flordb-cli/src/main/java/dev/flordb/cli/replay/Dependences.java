package dev.flordb.cli.replay;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.UnaryExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.type.Type;
import dev.flordb.cli.replay.ProgramWalk.Exit;
import dev.flordb.cli.replay.ProgramWalk.Guard;
import dev.flordb.cli.replay.ProgramWalk.LogVisit;
import dev.flordb.cli.replay.Roots.Created;
import dev.flordb.cli.replay.Roots.Field;
import dev.flordb.cli.replay.Roots.FlorLoop;
import dev.flordb.cli.replay.Roots.Kind;
import dev.flordb.cli.replay.Roots.Local;
import dev.flordb.cli.replay.Roots.Opaque;
import dev.flordb.cli.replay.Roots.Place;
import dev.flordb.cli.replay.Roots.Root;
import dev.flordb.cli.replay.Roots.Self;
import dev.flordb.cli.replay.Roots.Static;
import dev.flordb.cli.replay.Roots.Value;
import dev.flordb.cli.replay.Roots.Write;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a statement to fill in depends on, and so how much of the program a replay must execute
 * for it to log the value the original run would have logged. The reads of the statement (its
 * value and the conditions it runs under) are followed back through the writes that reach them
 * ({@link ProgramWalk}: through locals, fields, the program's own methods, aliases), and each
 * piece of state found is classified:
 *
 * <ul>
 *   <li>reachable from an object enrolled with {@code Flor.checkpointing}: restored from the
 *       checkpoints, no constraint (and not followed further);
 *   <li>written inside a Flor loop nested in the outer loop, which the strategy would skip: that
 *       loop must run ({@link Verdict#runNestedLoops});
 *   <li>declared before the outer loop and written inside it (carried from one outer iteration to
 *       the next, with no checkpoint to restore it): the outer iterations must run in order from
 *       the first ({@link Verdict#fromFirstIteration}); for a statement after the loops, any such
 *       write inside a loop that ran before it;
 *   <li>anything the analysis cannot see into (a library's static state, reflection, code of
 *       another file, a lambda run by a library at a place that cannot be told): both.
 * </ul>
 *
 * <p>The outermost loops' own exits are readers too: a {@code break} or {@code return} of the outer
 * loop guarded by a condition on such state constrains every statement that runs in or after
 * that loop; an exit from inside a nested loop needs that loop to run.
 *
 * <p>The reasons say what forced each flag and how to avoid it, in words a user acts on.
 */
final class Dependences {
  /** The constraints on one statement, and why. */
  record Verdict(boolean runNestedLoops, boolean fromFirstIteration, List<String> reasons) {}

  private static final int MAX_REASONS = 6;

  private final ProgramWalk walk;
  private final StateGraph state;
  private final Map<Root, List<Write>> byVariable = new HashMap<>();
  private final Map<Root, List<Write>> byClass = new HashMap<>();
  private final Map<Root, Boolean> enrolled = new HashMap<>();
  private final Set<Root> enrolledDirect = new HashSet<>();
  /** The declared roots of each alias class. */
  private final Map<Root, List<Root>> classes = new HashMap<>();
  private final Map<Root, Set<Root>> held = new HashMap<>();
  private final Map<Key, Optional<Root>> persistent = new HashMap<>();
  private Map<Root, List<Root>> children;
  private final Map<FlorLoop, Findings> exitFindings = new LinkedHashMap<>();

  Dependences(ProgramWalk walk) {
    this.walk = walk;
    this.state = walk.state();
    for (Write w : state.writes()) {
      if (w.kind() == Kind.BIND || w.kind() == Kind.REBIND) byVariable.computeIfAbsent(w.target(), k -> new ArrayList<>()).add(w);
      else byClass.computeIfAbsent(changed(w), k -> new ArrayList<>()).add(w);
    }
    for (Root r : state.declaredRoots()) classes.computeIfAbsent(state.aliasClass(r), k -> new ArrayList<>()).add(r);
    // a method enrols its parameter: the caller's variable passed to it always holds the same object
    enrolledDirect.addAll(walk.enrolledDirect());
    Deque<Root> todo = new ArrayDeque<>(enrolledDirect);
    while (!todo.isEmpty()) {
      List<Write> defs = byVariable.getOrDefault(todo.poll(), List.of());
      if (defs.size() != 1 || defs.get(0).kind() != Kind.BIND || !defs.get(0).value().pure) continue;
      for (Root x : defs.get(0).value().refs) {
        if ((x instanceof Local || x instanceof Self) && byVariable.getOrDefault(x, List.of()).size() == 1 && enrolledDirect.add(x)) todo.add(x);
      }
    }
    for (Exit e : walk.exits()) exitFindings.computeIfAbsent(e.loop(), k -> new Findings()).addAll(exit(e));
  }

  /**
   * The constraints on a statement that logs {@code name} and executes at {@code visits}; {@code
   * nested}: it runs inside nested loops (or may), so they run anyway.
   */
  Verdict of(String name, List<LogVisit> visits, boolean nested) {
    Findings found = new Findings();
    if (visits.isEmpty() || walk.failure() != null) {
      found.add(true, true, "where " + name + " runs cannot be told, so neither can what it reads: every iteration runs in full, from the first");
      return found.verdict();
    }
    for (LogVisit v : visits) {
      Place p = v.place();
      boolean inNested = nested || p.unknown != null || p.loops.size() > 1;
      follow(v.reads(), new Reader(name, p.outer(), p.seq, inNested, false, p), found);
      for (Map.Entry<FlorLoop, Findings> e : exitFindings.entrySet()) {
        if (p.outer() == e.getKey() || p.seq >= walk.entered(e.getKey())) found.addAll(inNested ? e.getValue().withoutNested() : e.getValue());
      }
    }
    for (String note : walk.enrolmentNotes()) if (found.runNested || found.fromFirst) found.reasons.putIfAbsent(note, note);
    return found.verdict();
  }

  // ------------------------------------------------------------------------------ following reads

  /** Who reads: a statement ({@code who} is its name) or an outer loop's exit ({@code guard}). */
  private record Reader(String who, FlorLoop outer, int seq, boolean nested, boolean guard, Place at) {}

  /** One piece of state reached: {@code root}, read by the reader directly as {@code direct}. */
  private record Step(Root root, Root direct) {}

  private final class Findings {
    boolean runNested;
    boolean fromFirst;
    final Map<String, String> reasons = new LinkedHashMap<>();
    final Map<String, Boolean> nestedOnly = new LinkedHashMap<>();
    final Set<String> nestedLoops = new HashSet<>();
    final Set<String> carriedRoots = new HashSet<>();

    void add(boolean nested, boolean first, String reason) {
      runNested |= nested;
      fromFirst |= first;
      if (!reasons.containsKey(reason)) {
        reasons.put(reason, reason);
        nestedOnly.put(reason, nested && !first);
      }
    }

    void addAll(Findings o) {
      runNested |= o.runNested;
      fromFirst |= o.fromFirst;
      o.reasons.keySet().forEach(r -> {
        if (!reasons.containsKey(r)) {
          reasons.put(r, r);
          nestedOnly.put(r, o.nestedOnly.get(r));
        }
      });
    }

    /** These findings for a statement whose nested loops run anyway. */
    Findings withoutNested() {
      Findings f = new Findings();
      f.fromFirst = fromFirst;
      reasons.keySet().forEach(r -> {
        if (!nestedOnly.get(r)) f.add(false, true, r);
      });
      f.runNested = false;
      return f;
    }

    Verdict verdict() {
      List<String> all = new ArrayList<>(reasons.keySet());
      if (all.size() > MAX_REASONS) {
        int more = all.size() - (MAX_REASONS - 1);
        all = new ArrayList<>(all.subList(0, MAX_REASONS - 1));
        all.add("and " + more + " more reasons of the same kinds");
      }
      return new Verdict(runNested, fromFirst, all);
    }
  }

  private void follow(Value reads, Reader rd, Findings out) {
    Deque<Step> todo = new ArrayDeque<>();
    Set<Root> seen = new HashSet<>();
    for (Root r : reads.deps) todo.add(new Step(r, r));
    for (Opaque o : reads.opaque) opaque(o, null, rd, out);
    while (!todo.isEmpty()) {
      Step s = todo.poll();
      if (!seen.add(s.root) || enrolled(s.root)) continue;
      for (Write w : relevant(s.root)) {
        classify(w, s, rd, out);
        if (beforeAnyLoop(w.place())) continue; // what it read then is recomputed identically
        for (Root d : w.value().deps) todo.add(new Step(d, s.direct));
        for (Opaque o : w.value().opaque) opaque(o, s, rd, out);
      }
    }
  }

  private boolean beforeAnyLoop(Place p) {
    return p.loops.isEmpty() && p.unknown == null && p.seq < walk.firstLoopEntered();
  }

  /** The alias class of the object a mutation changes: a field's base's for a field assignment. */
  private Root changed(Write w) {
    return state.aliasClass(w.kind() == Kind.FIELD ? w.target().base() : w.target());
  }

  /**
   * The writes that may change what reading {@code r} sees: an assignment of {@code r} (or of a
   * variable it is a field of); a change to the object {@code r} holds or to any object held in its
   * fields; for a field {@code b.f}, a change to {@code b} as a whole or an assignment of its {@code f}.
   */
  private List<Write> relevant(Root r) {
    List<Write> out = new ArrayList<>();
    for (Root v = r; ; v = v.base()) {
      out.addAll(byVariable.getOrDefault(v, List.of()));
      if (v.base() == v) break;
    }
    for (Root c : inside(state.aliasClass(r))) out.addAll(byClass.getOrDefault(c, List.of()));
    if (r instanceof Field f) {
      for (Write w : byClass.getOrDefault(state.aliasClass(f.base), List.of())) {
        if (w.kind() == Kind.MUTATE || w.target() instanceof Field t && t.name.equals(f.name)) out.add(w);
      }
    }
    return out;
  }

  /** {@code rep} and every alias class held, directly or not, in the fields of its objects. */
  private Set<Root> inside(Root rep) {
    return held.computeIfAbsent(rep, k -> {
      Map<Root, List<Root>> children = children();
      Set<Root> out = new LinkedHashSet<>();
      Deque<Root> todo = new ArrayDeque<>(List.of(rep));
      while (!todo.isEmpty()) {
        Root c = todo.poll();
        if (out.add(c)) todo.addAll(children.getOrDefault(c, List.of()));
      }
      return out;
    });
  }

  private Map<Root, List<Root>> children() {
    if (children == null) {
      children = new HashMap<>();
      state.containment().forEach((child, parents) -> {
        for (Root p : parents) children.computeIfAbsent(p, k -> new ArrayList<>()).add(child);
      });
    }
    return children;
  }

  private void classify(Write w, Step s, Reader rd, Findings out) {
    Place p = w.place();
    if (p.unknown != null) {
      if (w.kind() != Kind.BIND) anywhere(s, p, rd, out); // a variable made there is new each time it runs
      return;
    }
    if (p.loops.isEmpty()) return;
    FlorLoop loop = p.loops.get(0);
    if (rd.outer == null || loop != rd.outer) {
      if (walk.entered(loop) > rd.seq) return; // that loop runs after the reader
      boolean nested = p.loops.size() > 1 && !rd.nested;
      Root keep = w.kind() == Kind.REBIND || w.kind() == Kind.BIND ? w.target() : persistent(changed(w), loop).orElse(s.root);
      unrestored(s, keep, loop, nested ? p.loops.get(1) : null, rd, out);
      return;
    }
    if (p.loops.size() > 1 && !rd.nested) nested(s, p.loops.get(1), loop, rd, out);
    carried(w, loop).ifPresent(keep -> carried(s, keep, loop, rd, out));
  }

  private void opaque(Opaque o, Step via, Reader rd, Findings out) {
    if (beforeAnyLoop(o.place())) return;
    String every = rd.outer != null ? rd.outer.name : o.place().outer() != null ? o.place().outer().name : null;
    Root through = via == null ? null : shown(via.direct != null && rd.at.sees(via.direct) ? via.direct : via.root, rd.at);
    String what = o.what() + " (line " + o.line() + ")" + (through == null || !rd.at.sees(through) ? "" : " (through " + through + ")");
    String tail = ", which the analysis cannot see into: " + everyInFull(every);
    out.add(!rd.nested, true, rd.guard ? lead(rd) + ", which reads " + what + tail : rd.who + " reads " + what + tail);
  }

  private void anywhere(Step s, Place p, Reader rd, Findings out) {
    FlorLoop l = rd.outer != null ? rd.outer : p.outer();
    String what = named(s, rd) + ", which " + p.unknown.runner() + " writes, and when that runs cannot be told: "
        + everyInFull(l == null ? null : l.name);
    out.add(!rd.nested, true, rd.guard ? lead(rd) + ", and it reads " + what : rd.who + " reads " + what);
  }

  private void nested(Step s, FlorLoop inner, FlorLoop outer, Reader rd, Findings out) {
    // one reason per loop: the first piece of state found (the most direct) says it
    if (!out.nestedLoops.add(rd.who + "\u0000" + inner.name)) return;
    String tail = ": the " + inner.name + " loop will run for each " + outer.name;
    if (rd.guard) out.add(true, false, lead(rd) + ", and the " + inner.name + " loop sets " + named(s, rd) + tail);
    else out.add(true, false, rd.who + " reads " + named(s, rd) + ", which the " + inner.name + " loop writes" + tail);
  }

  private void carried(Step s, Root keep, FlorLoop outer, Reader rd, Findings out) {
    if (!out.carriedRoots.add(rd.who + "\u0000" + keep)) return; // one reason per piece of state to enrol
    String plural = plural(outer.name);
    String tail = "carried across " + plural + " and not checkpointed: the " + plural + " before each selected one run first; "
        + advice(keep, shown(s.root, rd.at)) + " to skip them";
    if (rd.guard) out.add(false, true, lead(rd) + ", and " + named(s, rd) + " is " + tail);
    else out.add(false, true, rd.who + " reads " + named(s, rd) + ", " + tail);
  }

  private void unrestored(Step s, Root keep, FlorLoop loop, FlorLoop inner, Reader rd, Findings out) {
    if (!out.carriedRoots.add(rd.who + "\u0000" + keep + "\u0000" + loop.name)) return;
    String tail = ", which the " + loop.name + " loop writes and no checkpoint restores: every " + loop.name
        + " runs, in order from the first" + (inner == null ? "" : ", with its " + inner.name + " loop") + "; "
        + advice(keep, shown(s.root, rd.at)) + " to skip them";
    if (rd.guard) out.add(inner != null, true, lead(rd) + ", and it reads " + named(s, rd) + tail);
    else out.add(inner != null, true, rd.who + " reads " + named(s, rd) + tail);
  }

  private static String lead(Reader rd) {
    return rd.who;
  }

  /** The state read, as the reader can name it, and what the reader itself read to reach it. */
  private String named(Step s, Reader rd) {
    Root shown = shown(s.root, rd.at);
    Root direct = s.direct != null && rd.at.sees(s.direct) ? s.direct : null;
    return shown + (direct == null || direct.equals(shown) || direct.equals(s.root) ? "" : " (through " + direct + ")");
  }

  /**
   * {@code r}, or a variable the reader can name that may hold it, directly or through fields (one
   * not enrolled first: it is the one to do something about).
   */
  private Root shown(Root r, Place at) {
    if (at.sees(r)) return r;
    Set<Root> seen = new HashSet<>();
    Deque<Root> todo = new ArrayDeque<>(List.of(state.aliasClass(r)));
    Root enrolledOne = null;
    while (!todo.isEmpty()) {
      Root c = todo.poll();
      if (!seen.add(c)) continue;
      for (Root m : classes.getOrDefault(c, List.of())) {
        if (m instanceof Static || !at.sees(m)) continue;
        if (!enrolled(m)) return m;
        if (enrolledOne == null) enrolledOne = m;
      }
      todo.addAll(state.containers(c));
    }
    return enrolledOne != null ? enrolledOne : r;
  }

  private static String everyInFull(String loop) {
    return (loop == null ? "every iteration of the loops" : "every " + loop) + " runs in full, from the first";
  }

  static String plural(String noun) {
    if (noun.endsWith("och")) return noun + "s"; // epochs
    if (noun.matches(".*(s|x|z|ch|sh)")) return noun + "es";
    if (noun.matches(".*[^aeiou]y")) return noun.substring(0, noun.length() - 1) + "ies";
    return noun + "s";
  }

  /** How to make {@code keep} (read as {@code read}) restored from checkpoints. */
  private String advice(Root keep, Root read) {
    String it = keep.equals(read) ? "it" : keep.toString();
    if (keep instanceof Field f) {
      if (f.origin() instanceof Self s) return "enrol this " + typeName(s) + " in Flor.checkpointing";
      if (f.origin() instanceof Static) return "keep " + keep + " in an object enrolled in Flor.checkpointing";
      return "enrol " + f.origin() + " in Flor.checkpointing";
    }
    if (keep instanceof Local l) {
      Optional<Type> t = Scopes.declaredType(l.decl);
      String type = t.filter(x -> !x.isVarType()).map(Type::asString).orElse(null);
      if (type != null && (t.get().isPrimitiveType() || Libraries.valueType(type))) {
        return "enrol " + it + " (e.g. " + (type.matches("[aeiouAEIOU].*") ? "an " : "a ") + type + "[1] in Flor.checkpointing)";
      }
      return "enrol " + it + " in Flor.checkpointing";
    }
    if (keep instanceof Static) return "keep " + keep + " in an object enrolled in Flor.checkpointing rather than a static field";
    if (keep instanceof Self s) return "enrol this " + typeName(s) + " in Flor.checkpointing";
    return "enrol " + it + " in Flor.checkpointing";
  }

  private static String typeName(Self s) {
    return s.type == null ? "object" : s.type.getNameAsString();
  }

  // ------------------------------------------------------------------------------ state

  /** Whether what {@code r} holds is restored from a checkpoint: an enrolled object, always the same one, or reachable from one. */
  boolean enrolled(Root r) {
    Boolean known = enrolled.get(r);
    if (known != null) return known;
    enrolled.put(r, false);
    boolean e;
    List<Write> defs = byVariable.getOrDefault(r, List.of());
    if (enrolledDirect.contains(r)) {
      e = defs.size() <= 1;
    } else if (r instanceof Field f) {
      e = enrolled(f.base);
    } else if (r instanceof Local || r instanceof Self) {
      // always bound to an enrolled object (or one reachable from it)
      e = !defs.isEmpty();
      for (Write d : defs) {
        if (!d.value().pure || d.value().refs.isEmpty()) e = false;
        for (Root x : d.value().refs) e &= enrolled(x);
      }
    } else if (r instanceof Created) {
      // a new array or object that only ever holds enrolled objects and plain values: {w1, b1}
      e = !defs.isEmpty();
      for (Write d : defs) {
        if (!d.value().refs.isEmpty() && !d.value().pure) e = false;
        for (Root x : d.value().refs) e &= enrolled(x);
      }
      for (Write w : byClass.getOrDefault(state.aliasClass(r), List.of())) {
        if (w.target().equals(r) || w.target() instanceof Field fl && fl.base.equals(r)) e = false;
      }
    } else {
      e = false;
    }
    enrolled.put(r, e);
    return e;
  }

  /**
   * When the value {@code w} writes inside {@code loop} is seen by the next iteration, with no
   * checkpoint to restore it: the piece of state that keeps it (to name and enrol).
   */
  private Optional<Root> carried(Write w, FlorLoop loop) {
    switch (w.kind()) {
      case BIND: return Optional.empty(); // a variable declared inside the loop
      case REBIND:
        return declaredBefore(w.target(), loop) && !reassignedFirst(w.target(), loop) ? Optional.of(w.target()) : Optional.empty();
      default: return persistent(changed(w), loop);
    }
  }

  /**
   * A root declared before {@code loop} that holds an object of {@code rep}'s class, directly or
   * through fields: the object outlives the iteration. The most useful to name comes first: a
   * variable of the method with the loop, a static field, another variable, {@code this}, an
   * object by where it was created.
   */
  private Optional<Root> persistent(Root rep, FlorLoop loop) {
    return persistent.computeIfAbsent(new Key(rep, loop), k -> {
      Node method = ProgramWalk.callableOf(loop.stmt).orElse(null);
      Set<Root> seen = new HashSet<>();
      Deque<Root> todo = new ArrayDeque<>(List.of(rep));
      Root best = null;
      int bestScore = Integer.MAX_VALUE;
      while (!todo.isEmpty()) {
        Root c = todo.poll();
        if (!seen.add(c)) continue;
        for (Root m : classes.getOrDefault(c, List.of())) {
          if (!declaredBefore(m, loop)) continue;
          int score = score(m, method) + (enrolled(m) ? 10 : 0);
          if (score < bestScore) {
            best = m;
            bestScore = score;
          }
        }
        todo.addAll(state.containers(c));
      }
      return Optional.ofNullable(best);
    });
  }

  private record Key(Root rep, FlorLoop loop) {}

  private static int score(Root r, Node method) {
    if (r instanceof Local l) return l.ctx.owner == method ? 0 : 2;
    if (r instanceof Self s) return s.ctx.owner == method ? 0 : 3;
    if (r instanceof Static) return 1;
    return 4;
  }

  private boolean declaredBefore(Root r, FlorLoop loop) {
    Root o = r.origin();
    if (o instanceof Static) return true;
    Place d = state.declared(o);
    return d == null ? !(o instanceof Created) : d.unknown == null && !d.inside(loop);
  }

  /**
   * A local declared before the loop that the loop body assigns in a statement of its own before
   * any other statement of the body mentions it: each iteration starts by replacing its value, so
   * nothing is carried.
   */
  private boolean reassignedFirst(Root r, FlorLoop loop) {
    if (!(r instanceof Local l) || !(loop.stmt.getBody() instanceof BlockStmt body)) return false;
    Optional<CallableDeclaration<?>> in = ProgramWalk.callableOf(l.decl);
    if (in.isEmpty() || ProgramWalk.callableOf(loop.stmt).orElse(null) != in.get()) return false;
    for (Statement st : body.getStatements()) {
      if (st instanceof ExpressionStmt es && es.getExpression() instanceof AssignExpr a && a.getOperator() == AssignExpr.Operator.ASSIGN
          && a.getTarget() instanceof NameExpr n && refersTo(n, l) && !mentions(a.getValue(), l)) {
        return true;
      }
      if (mentions(st, l)) return false;
    }
    return false;
  }

  private static boolean mentions(Node n, Local l) {
    for (NameExpr x : n.findAll(NameExpr.class)) if (refersTo(x, l)) return true;
    return false;
  }

  private static boolean refersTo(NameExpr n, Local l) {
    return n.getNameAsString().equals(l.decl.asString()) && Scopes.variable(n, n.getNameAsString()).filter(d -> d == l.decl).isPresent();
  }

  // ------------------------------------------------------------------------------ exits of the outer loops

  private Findings exit(Exit e) {
    Findings out = new Findings();
    FlorLoop loop = e.loop();
    if (!e.inside().isEmpty()) {
      FlorLoop inner = e.inside().get(0);
      out.add(true, false, "the " + loop.name + " loop can stop inside the " + inner.name + " loop (" + e.kind() + " at line "
          + ProgramWalk.line(e.node()) + "): the " + inner.name + " loop will run for each " + loop.name);
    }
    if (e.guards().isEmpty()) return out;
    List<String> when = new ArrayList<>();
    Value reads = Value.NONE;
    for (Guard g : e.guards()) {
      when.add(condition(g.condition(), g.negated()));
      reads = reads.or(g.value());
    }
    String who = "the " + loop.name + " loop stops when " + String.join(" and ", when);
    follow(reads, new Reader(who, loop, e.place().seq, !e.inside().isEmpty(), true, e.place()), out);
    return out;
  }

  /** A condition as words: "updated is false", "delta < 1e-4", "loss >= best" (for the else branch of loss < best). */
  static String condition(Expression c, boolean negated) {
    Expression x = c;
    while (x instanceof EnclosedExpr en) x = en.getInner();
    boolean not = negated;
    if (x instanceof UnaryExpr u && u.getOperator() == UnaryExpr.Operator.LOGICAL_COMPLEMENT) {
      Expression inner = u.getExpression();
      while (inner instanceof EnclosedExpr en) inner = en.getInner();
      x = inner;
      not = !not;
    }
    if (x instanceof NameExpr n) return n + (not ? " is false" : " is true");
    if (!not) return x.toString();
    if (x instanceof BinaryExpr b) {
      BinaryExpr.Operator flipped = switch (b.getOperator()) {
        case LESS -> BinaryExpr.Operator.GREATER_EQUALS;
        case LESS_EQUALS -> BinaryExpr.Operator.GREATER;
        case GREATER -> BinaryExpr.Operator.LESS_EQUALS;
        case GREATER_EQUALS -> BinaryExpr.Operator.LESS;
        case EQUALS -> BinaryExpr.Operator.NOT_EQUALS;
        case NOT_EQUALS -> BinaryExpr.Operator.EQUALS;
        default -> null;
      };
      if (flipped != null) return new BinaryExpr(b.getLeft().clone(), b.getRight().clone(), flipped).toString();
    }
    return "!(" + x + ")";
  }
}
