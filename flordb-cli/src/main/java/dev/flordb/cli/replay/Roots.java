package dev.flordb.cli.replay;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.expr.SimpleName;
import com.github.javaparser.ast.stmt.ForEachStmt;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The vocabulary of {@link ProgramWalk}: the pieces of state a program reads and writes
 * ({@link Root}), the values computed from them ({@link Value}), and where something executes
 * ({@link Place}).
 *
 * <p><b>State.</b> A root is a variable together with every object reachable from it: a local
 * variable or parameter of one activation of a method ({@link Local}), the receiver of one
 * activation ({@link Self}), an object created at one place of one activation ({@link Created}), a
 * static field ({@link Static}), or a field of one of those ({@link Field}, {@code a.b}). Writing a root means assigning it or changing anything
 * reachable from it. Two roots that may share objects are put in one alias class by the walk.
 *
 * <p>Syntax nodes are compared by identity throughout (JavaParser's {@code equals} compares
 * structure, so two {@code int i} declarations would be equal).
 */
final class Roots {
  private Roots() {}

  /** One activation of a method, constructor or lambda: the call site and the callee, under the caller's activation. */
  static final class Ctx {
    static Ctx top() {
      return new Ctx(null, null, null);
    }

    final Ctx parent;
    final Node site;
    final Node owner;
    private final Map<Node, Map<Node, Ctx>> children = new IdentityHashMap<>();

    private Ctx(Ctx parent, Node site, Node owner) {
      this.parent = parent;
      this.site = site;
      this.owner = owner;
    }

    /** The activation of {@code owner} from {@code site} under this one; the same object when asked again. */
    Ctx child(Node site, Node owner) {
      return children.computeIfAbsent(site, k -> new IdentityHashMap<>()).computeIfAbsent(owner, k -> new Ctx(this, site, owner));
    }
  }

  /** A piece of state; see the class comment. */
  abstract static sealed class Root permits Local, Self, Created, Static, Field {
    /** The root itself, or for a field the root it is a field of. */
    Root base() {
      return this;
    }

    /** The variable or object this root is part of: itself, or for a field, its base's origin. */
    Root origin() {
      return this;
    }

    /** How many fields deep this root is (0 for a variable or object). */
    int depth() {
      return 0;
    }

    /** The field name of a {@link Field}, else null. */
    String field() {
      return null;
    }
  }

  /** A local variable or parameter (of a method, lambda, catch clause or pattern) in one activation. */
  static final class Local extends Root {
    final SimpleName decl;
    final Ctx ctx;

    Local(SimpleName decl, Ctx ctx) {
      this.decl = decl;
      this.ctx = ctx;
    }

    @Override public boolean equals(Object o) {
      return o instanceof Local l && l.decl == decl && l.ctx == ctx;
    }

    @Override public int hashCode() {
      return System.identityHashCode(decl) * 31 + System.identityHashCode(ctx);
    }

    @Override public String toString() {
      return decl.asString();
    }
  }

  /** {@code this} in one activation of an instance method (it stands for the receiver of the call). */
  static final class Self extends Root {
    final Ctx ctx;
    final TypeDeclaration<?> type;

    Self(Ctx ctx, TypeDeclaration<?> type) {
      this.ctx = ctx;
      this.type = type;
    }

    @Override public boolean equals(Object o) {
      return o instanceof Self s && s.ctx == ctx;
    }

    @Override public int hashCode() {
      return System.identityHashCode(ctx);
    }

    @Override public String toString() {
      return "this";
    }
  }

  /** An object (or array, or lambda's captured state) created at {@code node} in one activation. */
  static final class Created extends Root {
    final Node node;
    final Ctx ctx;
    final String what;

    Created(Node node, Ctx ctx, String what) {
      this.node = node;
      this.ctx = ctx;
      this.what = what;
    }

    @Override public boolean equals(Object o) {
      return o instanceof Created c && c.node == node && c.ctx == ctx;
    }

    @Override public int hashCode() {
      return System.identityHashCode(node) * 31 + System.identityHashCode(ctx);
    }

    @Override public String toString() {
      return "the " + what + " created at line " + ProgramWalk.line(node);
    }
  }

  /** A static field of a class of the program. */
  static final class Static extends Root {
    final TypeDeclaration<?> type;
    final String name;

    Static(TypeDeclaration<?> type, String name) {
      this.type = type;
      this.name = name;
    }

    @Override public boolean equals(Object o) {
      return o instanceof Static s && s.type == type && s.name.equals(name);
    }

    @Override public int hashCode() {
      return System.identityHashCode(type) * 31 + name.hashCode();
    }

    @Override public String toString() {
      return type.getNameAsString() + "." + name;
    }
  }

  /** One field of the object a root holds ({@code a.b}, {@code a.b.c}: paths up to {@link #MAX_DEPTH} deep; deeper is part of that). */
  static final class Field extends Root {
    static final int MAX_DEPTH = 3;

    final Root base;
    final String name;

    Field(Root base, String name) {
      this.base = base;
      this.name = name;
    }

    /** The field {@code name} of what {@code r} holds: {@code r} itself when it is already {@link #MAX_DEPTH} fields deep. */
    static Root of(Root r, String name) {
      return r.depth() >= MAX_DEPTH ? r : new Field(r, name);
    }

    @Override Root base() {
      return base;
    }

    @Override Root origin() {
      return base.origin();
    }

    @Override int depth() {
      return base.depth() + 1;
    }

    @Override String field() {
      return name;
    }

    @Override public boolean equals(Object o) {
      return o instanceof Field f && f.base.equals(base) && f.name.equals(name);
    }

    @Override public int hashCode() {
      return base.hashCode() * 31 + name.hashCode();
    }

    @Override public String toString() {
      return base instanceof Self || base instanceof Created && base.depth() == 0 ? name : base + "." + name;
    }
  }

  /** Something read that the analysis cannot see into, where it was read. */
  record Opaque(String what, int line, Place place) {}

  /** A Flor loop ({@code for (... : Flor.loop(...))}), one object per statement. */
  static final class FlorLoop {
    final ForEachStmt stmt;
    final String name;

    FlorLoop(ForEachStmt stmt, String name) {
      this.stmt = stmt;
      this.name = name;
    }

    @Override public String toString() {
      return name;
    }
  }

  /**
   * Why the place of something cannot be told ({@code reason}); {@code lambda}: a lambda or object
   * run by code the analysis cannot see; {@code runner}: what runs there, for messages ("the lambda
   * at line 7, passed to forEach() at line 7").
   */
  record Unknown(boolean lambda, String reason, String runner) {}

  /**
   * Where something executes: the Flor loops around it at run time (outermost first), the calls
   * that lead there from main ({@code "m() at line N"}), the methods and lambdas being
   * executed, and the activations in scope; {@code unknown} when it runs at a place that cannot be told; {@code seq} orders
   * places in the walk (roughly program order).
   */
  static final class Place {
    final List<FlorLoop> loops;
    final List<String> calls;
    final Unknown unknown;
    final int seq;
    final List<Node> stack;
    /** The activations whose variables are in scope here: the one executing, and for a lambda those it was created in. */
    final List<Ctx> scope;

    Place(List<FlorLoop> loops, List<String> calls, Unknown unknown, int seq, List<Node> stack, List<Ctx> scope) {
      this.loops = List.copyOf(loops);
      this.calls = calls;
      this.unknown = unknown;
      this.seq = seq;
      this.stack = stack;
      this.scope = scope;
    }

    Place with(Unknown u) {
      return new Place(loops, calls, u, seq, stack, scope);
    }

    /** Whether a statement here can name {@code r}. */
    boolean sees(Root r) {
      Root o = r.origin();
      if (o instanceof Static) return true;
      Ctx c = o instanceof Local l ? l.ctx : o instanceof Self s ? s.ctx : null;
      for (Ctx x : scope) if (x == c) return true;
      return false;
    }

    boolean inside(FlorLoop loop) {
      for (FlorLoop l : loops) if (l == loop) return true;
      return false;
    }

    FlorLoop outer() {
      return loops.isEmpty() ? null : loops.get(0);
    }

    List<String> loopNames() {
      return loops.stream().map(l -> l.name).toList();
    }
  }

  /**
   * What an expression's value is made of: the roots its computation read ({@code deps}), the
   * roots whose objects it may be or point into ({@code refs}), the lambdas and method references
   * it may be ({@code fns}), what it read that cannot be seen into ({@code opaque}); {@code pure}
   * when it is a plain reference (a variable, a field, {@code this}, an element), not a computed value.
   */
  static final class Value {
    static final Value NONE = new Value(Set.of(), Set.of(), Set.of(), List.of(), false);

    final Set<Root> deps;
    final Set<Root> refs;
    final Set<ProgramWalk.Fn> fns;
    final List<Opaque> opaque;
    final boolean pure;

    Value(Set<Root> deps, Set<Root> refs, Set<ProgramWalk.Fn> fns, List<Opaque> opaque, boolean pure) {
      this.deps = deps;
      this.refs = refs;
      this.fns = fns;
      this.opaque = opaque;
      this.pure = pure;
    }

    /** The value of reading {@code r}. */
    static Value of(Root r, Set<ProgramWalk.Fn> fns) {
      return new Value(Set.of(r), Set.of(r), fns, List.of(), true);
    }

    static Value opaque(Opaque o) {
      return new Value(Set.of(), Set.of(), Set.of(), List.of(o), false);
    }

    static Value fn(ProgramWalk.Fn fn) {
      return new Value(Set.of(), Set.of(), Set.of(fn), List.of(), false);
    }

    Value or(Value o) {
      if (o == NONE || o == this) return this;
      if (this == NONE) return o;
      return new Value(union(deps, o.deps), union(refs, o.refs), union(fns, o.fns), concat(opaque, o.opaque), pure && o.pure);
    }

    /** This value, also depending on {@code d} (the conditions it is computed under), still the same reference. */
    Value plus(Value d) {
      if (d.deps.isEmpty() && d.opaque.isEmpty()) return this;
      return new Value(union(deps, d.deps), refs, fns, concat(opaque, d.opaque), pure);
    }

    /** A value computed from this one (arithmetic, a comparison): it depends on it but is no reference to it. */
    Value computed() {
      if (refs.isEmpty() && fns.isEmpty() && !pure) return this;
      return new Value(deps, Set.of(), Set.of(), opaque, false);
    }

    /** This value, no longer a plain reference (a call's result). */
    Value impure() {
      return pure ? new Value(deps, refs, fns, opaque, false) : this;
    }

    /** This value without the lambdas it may be (what code that runs a lambda passes to it). */
    Value withoutFns() {
      return fns.isEmpty() && !pure ? this : new Value(deps, refs, Set.of(), opaque, false);
    }

    /** Only what the value depends on (for the implicit flow of a condition into what it guards). */
    Value dependence() {
      return new Value(deps, Set.of(), Set.of(), opaque, false);
    }

    static Value all(List<Value> values) {
      Value v = NONE;
      for (Value x : values) v = v.or(x);
      return v;
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
      if (b.isEmpty() || a.containsAll(b)) return a;
      if (a.isEmpty()) return b;
      Set<T> s = new LinkedHashSet<>(a);
      s.addAll(b);
      return Collections.unmodifiableSet(s);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
      if (b.isEmpty()) return a;
      if (a.isEmpty()) return b;
      List<T> l = new ArrayList<>(a);
      for (T t : b) if (!l.contains(t)) l.add(t);
      return Collections.unmodifiableList(l);
    }
  }

  /** How a write changes its target. */
  enum Kind {
    /** A new variable gets its first value (a declaration, a parameter, a receiver): only that variable is affected. */
    BIND,
    /** An existing local or static variable is assigned: only that variable is affected, not the object it held. */
    REBIND,
    /** One field of an object is assigned: the target is that {@link Field}, the object changed is its base's. */
    FIELD,
    /** The object a root holds is changed as a whole (an element assigned, a method that may change it called). */
    MUTATE
  }

  /** A write of {@code target} at {@code place}; {@code value} is what was written (its dependences). */
  record Write(Root target, Place place, Node node, Value value, Kind kind) {}
}
