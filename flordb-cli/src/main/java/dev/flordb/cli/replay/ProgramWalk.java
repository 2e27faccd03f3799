package dev.flordb.cli.replay;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.CompactConstructorDeclaration;
import com.github.javaparser.ast.body.ConstructorDeclaration;
import com.github.javaparser.ast.body.EnumDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.InitializerDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.RecordDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.ArrayAccessExpr;
import com.github.javaparser.ast.expr.ArrayCreationExpr;
import com.github.javaparser.ast.expr.ArrayInitializerExpr;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.CastExpr;
import com.github.javaparser.ast.expr.ClassExpr;
import com.github.javaparser.ast.expr.ComponentPatternExpr;
import com.github.javaparser.ast.expr.ConditionalExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.InstanceOfExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.LiteralExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.RecordPatternExpr;
import com.github.javaparser.ast.expr.SimpleName;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.expr.SuperExpr;
import com.github.javaparser.ast.expr.SwitchExpr;
import com.github.javaparser.ast.expr.TextBlockLiteralExpr;
import com.github.javaparser.ast.expr.ThisExpr;
import com.github.javaparser.ast.expr.TypeExpr;
import com.github.javaparser.ast.expr.TypePatternExpr;
import com.github.javaparser.ast.expr.UnaryExpr;
import com.github.javaparser.ast.expr.VariableDeclarationExpr;
import com.github.javaparser.ast.stmt.AssertStmt;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.BreakStmt;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.DoStmt;
import com.github.javaparser.ast.stmt.ExplicitConstructorInvocationStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.LabeledStmt;
import com.github.javaparser.ast.stmt.LocalClassDeclarationStmt;
import com.github.javaparser.ast.stmt.LocalRecordDeclarationStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.SwitchEntry;
import com.github.javaparser.ast.stmt.SwitchStmt;
import com.github.javaparser.ast.stmt.SynchronizedStmt;
import com.github.javaparser.ast.stmt.ThrowStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import com.github.javaparser.ast.stmt.WhileStmt;
import com.github.javaparser.ast.stmt.YieldStmt;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.ast.type.Type;
import dev.flordb.cli.replay.Roots.Created;
import dev.flordb.cli.replay.Roots.Ctx;
import dev.flordb.cli.replay.Roots.Field;
import dev.flordb.cli.replay.Roots.FlorLoop;
import dev.flordb.cli.replay.Roots.Kind;
import dev.flordb.cli.replay.Roots.Local;
import dev.flordb.cli.replay.Roots.Opaque;
import dev.flordb.cli.replay.Roots.Place;
import dev.flordb.cli.replay.Roots.Root;
import dev.flordb.cli.replay.Roots.Self;
import dev.flordb.cli.replay.Roots.Static;
import dev.flordb.cli.replay.Roots.Unknown;
import dev.flordb.cli.replay.Roots.Value;
import dev.flordb.cli.replay.Roots.Write;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Executes a program's source abstractly, from its {@code main} methods: every statement that can
 * run is visited once per activation of its method (an activation per chain of call sites), with
 * the Flor loops around it at run time, following the program's own methods and constructors,
 * the lambdas and method references it passes around, and assuming for code it cannot read what
 * {@link Libraries} says. It records where each {@code Flor.log} call and each Flor loop executes
 * ({@link Place}), every write of state ({@link Write}) and what it was computed from, which
 * roots may share objects (alias classes), which roots {@code Flor.checkpointing} enrols, and the
 * exits of outermost loops ({@code break}, {@code return}) with the conditions that guard them.
 *
 * <p>Loop bodies are visited once: writes are recorded with their place, not in order, so what is
 * found holds for every iteration (a flow-insensitive over-approximation). Calls resolve by name
 * and argument count, narrowed by the receiver's declared type when it is a class of this file
 * (its subclasses and superclasses included); a recursive call is not followed again (its effects
 * are those of the activation already being walked). A lambda or method reference runs where it
 * is invoked: through a variable or parameter holding it; passed to code the analysis cannot read,
 * it runs at a place that cannot be told ({@link Unknown}).
 *
 * <p>One walk per file; not thread-safe.
 */
final class ProgramWalk {
  /** The most activations followed; past it, calls are taken as code that cannot be seen into. */
  private static final int MAX_ACTIVATIONS = 5_000;

  /** A lambda, method reference or anonymous class as a value, with the activation that created it. */
  static final class Fn {
    final Node node;
    private final Frame defining;
    /** For {@code expr::m}, the receiver's value; for an anonymous class, its object. */
    private final Value receiver;
    private final Root object;

    private Fn(Node node, Frame defining, Value receiver, Root object) {
      this.node = node;
      this.defining = defining;
      this.receiver = receiver;
      this.object = object;
    }

    @Override public boolean equals(Object o) {
      return o instanceof Fn f && f.node == node && f.defining == defining;
    }

    @Override public int hashCode() {
      return System.identityHashCode(node) * 31 + System.identityHashCode(defining);
    }
  }

  /** One execution of a {@code Flor.log} call: where, and what its value and the conditions around it read. */
  record LogVisit(Place place, Value reads) {}

  /** A condition around an exit: {@code negated} when the exit is in its {@code else} branch. */
  record Guard(Expression condition, boolean negated, Value value) {}

  /**
   * A way out of an outermost Flor loop ({@code kind} "break" or "return"), the conditions inside
   * the loop's body that guard it, innermost last, and the nested Flor loops it is in.
   */
  record Exit(FlorLoop loop, Node node, String kind, List<Guard> guards, List<FlorLoop> inside, Place place) {}

  final String file;
  final CompilationUnit cu;
  private final Libraries libs;
  private final SourceTypes src;
  private final StateGraph state = new StateGraph();

  private final Map<Node, List<LogVisit>> logVisits = new IdentityHashMap<>();
  private final Map<Node, List<Place>> loopVisits = new IdentityHashMap<>();
  private final Map<Node, FlorLoop> florLoops = new IdentityHashMap<>();
  private final Map<FlorLoop, Integer> entered = new IdentityHashMap<>();
  private final Set<Root> enrolledDirect = new HashSet<>();
  private final List<String> enrolmentNotes = new ArrayList<>();
  private final List<Exit> exits = new ArrayList<>();
  private final Map<Node, String> unbounded = new IdentityHashMap<>();
  private final Set<Node> reached = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Root, Set<Fn>> rootFns = new HashMap<>();
  private final Map<String, Set<Fn>> fieldFns = new HashMap<>();
  private final Set<Fn> escaped = new HashSet<>();
  private final Map<Node, Optional<SimpleName>> declarations = new IdentityHashMap<>();
  private int seq;
  private int activations;
  private boolean truncated;
  private String failure;

  private ProgramWalk(String file, CompilationUnit cu) {
    this.file = file;
    this.cu = cu;
    this.libs = new Libraries(cu);
    this.src = new SourceTypes(cu);
  }

  /** Walks {@code cu} from its static initialisers and {@code main} methods. */
  static ProgramWalk of(String file, CompilationUnit cu) {
    ProgramWalk w = new ProgramWalk(file, cu);
    try {
      w.run();
    } catch (RuntimeException | StackOverflowError e) {
      // a construct the walk does not handle: everything it found is incomplete
      w.failure = e.toString();
    }
    return w;
  }

  /** Why the walk could not finish (then nothing it found can be trusted), or null. */
  String failure() {
    return failure;
  }

  // ------------------------------------------------------------------------------ results

  List<LogVisit> logVisits(Node log) {
    return logVisits.getOrDefault(log, List.of());
  }

  List<Place> loopVisits(ForEachStmt loop) {
    return loopVisits.getOrDefault(loop, List.of());
  }

  /** The state the program reads and writes, and which may share objects. */
  StateGraph state() {
    return state;
  }

  List<Exit> exits() {
    return exits;
  }

  /** The Flor loop of a statement, or null when it is none. */
  FlorLoop florLoop(ForEachStmt stmt) {
    if (!isFlorLoop(stmt)) return null;
    return florLoops.computeIfAbsent(stmt, s -> new FlorLoop(stmt, loopName(stmt)));
  }

  /** When the walk first entered {@code loop} (comparable with {@link Place#seq}); MAX_VALUE if never. */
  int entered(FlorLoop loop) {
    return entered.getOrDefault(loop, Integer.MAX_VALUE);
  }

  /** When the walk first entered any Flor loop. */
  int firstLoopEntered() {
    return entered.values().stream().mapToInt(Integer::intValue).min().orElse(Integer.MAX_VALUE);
  }

  Set<Root> enrolledDirect() {
    return enrolledDirect;
  }

  /** Why some of the enrolled objects could not be told (a map built in a way the analysis does not follow). */
  List<String> enrolmentNotes() {
    return enrolmentNotes;
  }

  /** Callables that call themselves from inside a Flor loop, with the reason. */
  Map<Node, String> unbounded() {
    return unbounded;
  }

  boolean reached(Node callableOrLambda) {
    return reached.contains(callableOrLambda);
  }

  boolean truncated() {
    return truncated;
  }

  boolean isFlorLoop(ForEachStmt loop) {
    return loop.getIterable() instanceof MethodCallExpr call && FlorCalls.isFlorCall(cu, call, "loop");
  }

  static String loopName(ForEachStmt loop) {
    MethodCallExpr call = (MethodCallExpr) loop.getIterable();
    if (call.getArguments().isEmpty()) return "?";
    Expression first = call.getArgument(0);
    return first instanceof StringLiteralExpr s ? s.asString() : first.toString();
  }

  /** The method or constructor whose body holds {@code n}. */
  static Optional<CallableDeclaration<?>> callableOf(Node n) {
    for (Node p = n.getParentNode().orElse(null); p != null; p = p.getParentNode().orElse(null)) {
      if (p instanceof CallableDeclaration<?> c) return Optional.of(c);
    }
    return Optional.empty();
  }

  static int line(Node node) {
    return node.getBegin().map(p -> p.line).orElse(0);
  }

  static boolean isMain(CallableDeclaration<?> callable) {
    if (!(callable instanceof MethodDeclaration m) || !m.getNameAsString().equals("main") || !m.isStatic()
        || m.getParameters().size() != 1) {
      return false;
    }
    Parameter p = m.getParameter(0);
    String type = p.getType().asString();
    return p.isVarArgs() ? type.equals("String") || type.equals("java.lang.String")
        : type.equals("String[]") || type.equals("java.lang.String[]");
  }

  static String describe(CallableDeclaration<?> callable) {
    return (callable instanceof ConstructorDeclaration ? "constructor " : "method ") + callable.getNameAsString()
        + "() (line " + line(callable) + ")";
  }

  // ------------------------------------------------------------------------------ frames

  /** A condition being inside which a statement runs. */
  private record Cond(Expression expr, boolean negated, Value value) {}

  /** A statement that {@code break} can leave. */
  private record Breakable(Node stmt, String label, FlorLoop loop, int controlBase, boolean loopOrSwitch) {}

  /** One activation being walked. */
  private final class Frame {
    final Ctx ctx;
    final Node owner;
    final Frame defining;
    final Root self;
    final TypeDeclaration<?> type;
    final int entryLoops;
    final List<FlorLoop> loops;
    final List<String> calls;
    final Unknown unknown;
    final List<Node> stack;
    final List<Integer> stackLoops;
    final Value inherited;
    final boolean initializer;
    final List<Cond> control = new ArrayList<>();
    final Deque<Breakable> breakables = new ArrayDeque<>();
    final Deque<List<Value>> yields = new ArrayDeque<>();
    String pendingLabel;
    Value returned = Value.NONE;

    Frame(Ctx ctx, Node owner, Frame defining, Root self, TypeDeclaration<?> type, Frame caller, String call,
        Unknown unknown, boolean initializer) {
      this.ctx = ctx;
      this.owner = owner;
      this.defining = defining;
      this.self = self;
      this.type = type;
      this.initializer = initializer;
      reached.add(owner);
      if (caller == null) {
        loops = new ArrayList<>();
        calls = List.of();
        stack = List.of(owner);
        stackLoops = List.of(0);
        inherited = Value.NONE;
        this.unknown = unknown;
      } else {
        loops = new ArrayList<>(caller.loops);
        List<String> c = new ArrayList<>(caller.calls);
        if (call != null) c.add(call);
        calls = List.copyOf(c);
        List<Node> s = new ArrayList<>(caller.stack);
        s.add(owner);
        stack = List.copyOf(s);
        List<Integer> sl = new ArrayList<>(caller.stackLoops);
        sl.add(caller.loops.size());
        stackLoops = List.copyOf(sl);
        inherited = controlValue(caller);
        this.unknown = unknown != null ? unknown : caller.unknown;
      }
      entryLoops = loops.size();
    }
  }

  private Place place(Frame f) {
    List<Ctx> scope = new ArrayList<>();
    for (Frame g = f; g != null; g = g.defining) scope.add(g.ctx);
    return new Place(f.loops, f.calls, f.unknown, seq++, f.stack, scope);
  }

  private Value controlValue(Frame f) {
    Value v = f.inherited;
    for (Cond c : f.control) v = v.or(c.value.dependence());
    return v;
  }

  private void withControl(Frame f, Expression cond, boolean negated, Value value, Runnable body) {
    f.control.add(new Cond(cond, negated, value));
    try {
      body.run();
    } finally {
      f.control.remove(f.control.size() - 1);
    }
  }

  private void breakable(Frame f, Node stmt, FlorLoop loop, boolean loopOrSwitch, Runnable body) {
    String label = f.pendingLabel;
    f.pendingLabel = null;
    f.breakables.push(new Breakable(stmt, label, loop, f.control.size(), loopOrSwitch));
    try {
      body.run();
    } finally {
      f.breakables.pop();
    }
  }

  private boolean budget() {
    if (++activations <= MAX_ACTIVATIONS) return true;
    truncated = true;
    return false;
  }

  // ------------------------------------------------------------------------------ the walk

  private void run() {
    for (TypeDeclaration<?> t : cu.findAll(TypeDeclaration.class)) {
      Frame f = null;
      for (BodyDeclaration<?> member : t.getMembers()) {
        if (member instanceof FieldDeclaration fd && fd.isStatic()) {
          if (f == null) f = new Frame(Ctx.top().child(t, t), t, null, null, t, null, null, null, true);
          for (VariableDeclarator v : fd.getVariables()) {
            Static r = new Static(t, v.getNameAsString());
            Frame g = f;
            v.getInitializer().ifPresent(init -> assign(r, eval(init, g), v, g, Kind.BIND, mayShare(v.getType(), null)));
          }
        } else if (member instanceof InitializerDeclaration init && init.isStatic()) {
          if (f == null) f = new Frame(Ctx.top().child(t, t), t, null, null, t, null, null, null, true);
          exec(init.getBody(), f);
        }
      }
    }
    for (MethodDeclaration m : src.methods("main", -1)) {
      if (!isMain(m) || m.getBody().isEmpty()) continue;
      Frame f = new Frame(Ctx.top().child(m, m), m, null, null, SourceTypes.typeOf(m), null, null, null, false);
      bindParameters(m.getParameters(), List.of(), f, m);
      exec(m.getBody().get(), f);
    }
    state.finish(allValues());
  }

  // ------------------------------------------------------------------------------ statements

  private void exec(Statement s, Frame f) {
    if (s instanceof BlockStmt b) {
      for (Statement x : b.getStatements()) exec(x, f);
    } else if (s instanceof ExpressionStmt e) {
      eval(e.getExpression(), f);
    } else if (s instanceof IfStmt i) {
      Value c = eval(i.getCondition(), f);
      withControl(f, i.getCondition(), false, c, () -> exec(i.getThenStmt(), f));
      i.getElseStmt().ifPresent(e -> withControl(f, i.getCondition(), true, c, () -> exec(e, f)));
    } else if (s instanceof ForEachStmt fe) {
      if (isFlorLoop(fe)) {
        florLoop(fe, f);
      } else {
        Value it = eval(fe.getIterable(), f);
        breakable(f, fe, null, true, () -> {
          // each element: a reference into what is iterated
          Value element = new Value(it.deps, it.refs, it.fns, it.opaque, !it.refs.isEmpty());
          for (VariableDeclarator v : fe.getVariable().getVariables()) declare(v, element, f);
          withControl(f, fe.getIterable(), false, it, () -> exec(fe.getBody(), f));
        });
      }
    } else if (s instanceof ForStmt fs) {
      for (Expression init : fs.getInitialization()) eval(init, f);
      Value c = fs.getCompare().map(x -> eval(x, f)).orElse(Value.NONE);
      breakable(f, fs, null, true, () -> withControl(f, fs.getCompare().orElse(null), false, c, () -> {
        exec(fs.getBody(), f);
        for (Expression u : fs.getUpdate()) eval(u, f);
      }));
    } else if (s instanceof WhileStmt w) {
      Value c = eval(w.getCondition(), f);
      breakable(f, w, null, true, () -> withControl(f, w.getCondition(), false, c, () -> exec(w.getBody(), f)));
    } else if (s instanceof DoStmt d) {
      Value c = eval(d.getCondition(), f);
      breakable(f, d, null, true, () -> withControl(f, d.getCondition(), false, c, () -> exec(d.getBody(), f)));
    } else if (s instanceof TryStmt t) {
      for (Expression r : t.getResources()) eval(r, f);
      exec(t.getTryBlock(), f);
      for (CatchClause c : t.getCatchClauses()) {
        declareParameter(c.getParameter(), Value.NONE, f, c);
        exec(c.getBody(), f);
      }
      t.getFinallyBlock().ifPresent(b -> exec(b, f));
    } else if (s instanceof SwitchStmt sw) {
      Value c = eval(sw.getSelector(), f);
      breakable(f, sw, null, true, () -> withControl(f, sw.getSelector(), false, c, () -> entries(sw.getEntries(), c, f, false)));
    } else if (s instanceof ReturnStmt r) {
      Value v = r.getExpression().map(e -> eval(e, f)).orElse(Value.NONE);
      f.returned = f.returned.or(v.plus(controlValue(f)));
      if (f.entryLoops == 0 && !f.loops.isEmpty()) exit(f, f.loops.get(0), r, "return");
    } else if (s instanceof BreakStmt b) {
      Breakable target = null;
      for (Breakable x : f.breakables) {
        if (b.getLabel().isPresent() ? b.getLabel().get().asString().equals(x.label) : x.loopOrSwitch) {
          target = x;
          break;
        }
      }
      if (target != null && target.loop != null && f.entryLoops == 0 && f.loops.get(0) == target.loop) {
        exit(f, target.loop, b, "break");
      }
    } else if (s instanceof ThrowStmt t) {
      eval(t.getExpression(), f);
    } else if (s instanceof LabeledStmt l) {
      Statement inner = l.getStatement();
      if (inner.isForEachStmt() || inner.isForStmt() || inner.isWhileStmt() || inner.isDoStmt() || inner.isSwitchStmt()) {
        f.pendingLabel = l.getLabel().asString();
        exec(inner, f);
      } else {
        f.pendingLabel = l.getLabel().asString();
        breakable(f, l, null, false, () -> exec(inner, f));
      }
    } else if (s instanceof SynchronizedStmt y) {
      eval(y.getExpression(), f);
      exec(y.getBody(), f);
    } else if (s instanceof ExplicitConstructorInvocationStmt e) {
      explicitConstructor(e, f);
    } else if (s instanceof YieldStmt y) {
      Value v = eval(y.getExpression(), f);
      if (!f.yields.isEmpty()) f.yields.peek().add(v);
    } else if (s instanceof AssertStmt a) {
      eval(a.getCheck(), f);
      a.getMessage().ifPresent(m -> eval(m, f));
    } else if (s instanceof LocalClassDeclarationStmt || s instanceof LocalRecordDeclarationStmt) {
      // declarations: their bodies run when called
    } else {
      for (Node child : s.getChildNodes()) {
        if (child instanceof Statement x) exec(x, f);
        else if (child instanceof Expression x) eval(x, f);
      }
    }
  }

  private void entries(List<SwitchEntry> entries, Value selector, Frame f, boolean expression) {
    for (SwitchEntry entry : entries) {
      for (Expression label : entry.getLabels()) {
        if (label instanceof ComponentPatternExpr p) bindPattern(p, selector, f);
      }
      entry.getGuard().ifPresent(g -> eval(g, f));
      if (expression && entry.getType() == SwitchEntry.Type.EXPRESSION && entry.getStatements().size() == 1
          && entry.getStatement(0) instanceof ExpressionStmt es) {
        Value v = eval(es.getExpression(), f);
        if (!f.yields.isEmpty()) f.yields.peek().add(v);
      } else {
        for (Statement st : entry.getStatements()) exec(st, f);
      }
    }
  }

  private void florLoop(ForEachStmt fe, Frame f) {
    MethodCallExpr call = (MethodCallExpr) fe.getIterable();
    Value it = Value.all(arguments(call.getArguments(), f)).computed();
    FlorLoop loop = florLoop(fe);
    loopVisits.computeIfAbsent(fe, k -> new ArrayList<>()).add(place(f));
    f.loops.add(loop);
    entered.putIfAbsent(loop, seq);
    try {
      breakable(f, fe, loop, true, () -> {
        for (VariableDeclarator v : fe.getVariable().getVariables()) declare(v, it, f);
        exec(fe.getBody(), f);
      });
    } finally {
      f.loops.remove(f.loops.size() - 1);
    }
  }

  private void exit(Frame f, FlorLoop loop, Node node, String kind) {
    Breakable of = null;
    for (Breakable b : f.breakables) if (b.loop == loop) of = b;
    int base = of == null ? 0 : of.controlBase;
    List<Guard> guards = new ArrayList<>();
    for (Cond c : f.control.subList(Math.min(base, f.control.size()), f.control.size())) {
      if (c.expr != null) guards.add(new Guard(c.expr, c.negated, c.value));
    }
    int at = f.loops.indexOf(loop);
    exits.add(new Exit(loop, node, kind, guards, List.copyOf(f.loops.subList(at + 1, f.loops.size())), place(f)));
  }

  // ------------------------------------------------------------------------------ variables

  private void declare(VariableDeclarator v, Value fallback, Frame f) {
    Local r = new Local(v.getName(), f.ctx);
    state.declare(r, place(f));
    Value value = v.getInitializer().map(e -> eval(e, f)).orElse(fallback);
    if (value != null) assign(r, value, v, f, Kind.BIND, mayShare(v.getType(), value));
  }

  private void declareParameter(Parameter p, Value value, Frame f, Node site) {
    Local r = new Local(p.getName(), f.ctx);
    state.declare(r, place(f));
    assign(r, value, site, f, Kind.BIND, mayShare(p.getType(), value));
  }

  private void bindParameters(List<Parameter> params, List<Value> args, Frame g, Node site) {
    for (int i = 0; i < params.size(); i++) {
      Parameter p = params.get(i);
      Value v;
      if (p.isVarArgs() && i == params.size() - 1) v = Value.all(args.subList(Math.min(i, args.size()), args.size()));
      else v = i < args.size() ? args.get(i) : Value.NONE;
      declareParameter(p, v, g, site);
    }
  }

  private void bindPattern(ComponentPatternExpr p, Value v, Frame f) {
    if (p instanceof TypePatternExpr t) {
      Local r = new Local(t.getName(), f.ctx);
      state.declare(r, place(f));
      assign(r, v, t, f, Kind.BIND, true);
    } else if (p instanceof RecordPatternExpr rp) {
      for (ComponentPatternExpr c : rp.getPatternList()) bindPattern(c, v, f);
    }
  }

  /** Records that {@code target} gets {@code value} (plus the conditions it is under), of this kind. */
  private void assign(Root target, Value value, Node node, Frame f, Kind kind, boolean share) {
    Value written = value.plus(controlValue(f));
    state.add(new Write(target, place(f), node, written, kind));
    if (share) for (Root r : value.refs) union(target, r);
    if (!value.fns.isEmpty()) {
      if (target instanceof Field fl) fieldFns.computeIfAbsent(fl.name, k -> new LinkedHashSet<>()).addAll(value.fns);
      else rootFns.computeIfAbsent(target, k -> new LinkedHashSet<>()).addAll(value.fns);
    }
  }

  private void mutate(Root target, Value value, Node node, Frame f) {
    assign(target, value, node, f, Kind.MUTATE, !value.refs.isEmpty());
  }

  private Set<Fn> fnsOf(Root r) {
    if (r instanceof Field fl) return fieldFns.getOrDefault(fl.name, Set.of());
    return rootFns.getOrDefault(r, Set.of());
  }

  private void union(Root a, Root b) {
    state.union(a, b);
  }

  private Root field(Root r, String name) {
    return state.field(r, name);
  }

  private List<Value> allValues() {
    List<Value> out = new ArrayList<>();
    for (List<LogVisit> vs : logVisits.values()) for (LogVisit v : vs) out.add(v.reads());
    for (Exit e : exits) for (Guard g : e.guards()) out.add(g.value());
    return out;
  }

  /** Whether a variable of this declared type can share objects with the value stored in it. */
  private static boolean mayShare(Type type, Value value) {
    if (value != null && value.refs.isEmpty()) return false;
    if (type == null || type.isVarType()) return true;
    if (type.isPrimitiveType()) return false;
    return !(type instanceof ClassOrInterfaceType c && Libraries.valueType(c.getNameAsString()));
  }

  /** The root a name denotes where it is used, or null when this file does not declare it. */
  private Root resolve(NameExpr n, Frame f) {
    SimpleName decl = declarations.computeIfAbsent(n, k -> Scopes.variable(n, n.getNameAsString())
        .or(() -> patternVariable(n))).orElse(null);
    if (decl != null) return rootOf(decl, f);
    String name = n.getNameAsString();
    for (TypeDeclaration<?> t : SourceTypes.enclosingTypes(n)) {
      for (TypeDeclaration<?> s : src.supertypes(t)) {
        Optional<SimpleName> inherited = Scopes.field(s, name);
        if (inherited.isPresent()) return rootOf(inherited.get(), f);
      }
    }
    for (TypeDeclaration<?> t : src.all()) {
      if (t instanceof EnumDeclaration e && e.getEntries().stream().anyMatch(c -> c.getNameAsString().equals(name))) {
        return new Static(t, name);
      }
    }
    return null;
  }

  private Optional<SimpleName> patternVariable(NameExpr n) {
    Optional<CallableDeclaration<?>> callable = callableOf(n);
    if (callable.isEmpty()) return Optional.empty();
    return callable.get().findAll(TypePatternExpr.class).stream()
        .map(TypePatternExpr::getName).filter(s -> s.asString().equals(n.getNameAsString())).findFirst();
  }

  private Root rootOf(SimpleName decl, Frame f) {
    Node p = decl.getParentNode().orElse(null);
    if (p instanceof VariableDeclarator v && v.getParentNode().orElse(null) instanceof FieldDeclaration fd) {
      Node owner = fd.getParentNode().orElse(null);
      if (owner instanceof TypeDeclaration<?> t && (fd.isStatic() || t instanceof ClassOrInterfaceDeclaration c && c.isInterface())) {
        return new Static(t, decl.asString());
      }
      return instanceField(f, owner, decl.asString());
    }
    if (p instanceof Parameter && p.getParentNode().orElse(null) instanceof RecordDeclaration r) {
      return instanceField(f, r, decl.asString());
    }
    return new Local(decl, ctxOf(f, decl));
  }

  private Root instanceField(Frame f, Node owner, String name) {
    Root self = f.self;
    for (Frame g = f; self == null && g != null; g = g.defining) self = g.self;
    if (self != null) return field(self, name);
    return owner instanceof TypeDeclaration<?> t ? new Static(t, name) : new Static(f.type, name);
  }

  /** The activation a declaration belongs to: the innermost frame (this one, or a lambda's creator) whose code holds it. */
  private Ctx ctxOf(Frame f, Node decl) {
    for (Frame g = f; g != null; g = g.defining) if (within(decl, g.owner)) return g.ctx;
    return f.ctx;
  }

  private static boolean within(Node node, Node ancestor) {
    for (Node n = node; n != null; n = n.getParentNode().orElse(null)) if (n == ancestor) return true;
    return false;
  }

  // ------------------------------------------------------------------------------ expressions

  private Value eval(Expression e, Frame f) {
    if (e == null) return Value.NONE;
    if (e instanceof NameExpr n) {
      Root r = resolve(n, f);
      if (r != null) return read(r, declaredType(r));
      return Value.opaque(new Opaque(n + ", not declared in " + file, line(n), place(f)));
    }
    if (e instanceof LiteralExpr || e instanceof ClassExpr || e instanceof TypeExpr) return Value.NONE;
    if (e instanceof ThisExpr || e instanceof SuperExpr) {
      Root s = selfOf(f);
      return s == null ? Value.NONE : Value.of(s, fnsOf(s));
    }
    if (e instanceof FieldAccessExpr fa) return fieldAccess(fa, f);
    if (e instanceof ArrayAccessExpr aa) {
      Value a = eval(aa.getName(), f);
      Value i = eval(aa.getIndex(), f);
      Value both = a.or(i.computed());
      String array = staticType(aa.getName(), f);
      boolean values = array != null && array.endsWith("[]") && Libraries.valueType(array.substring(0, array.length() - 2));
      return new Value(both.deps, values ? Set.of() : a.refs, a.fns, both.opaque, a.pure && !values);
    }
    if (e instanceof AssignExpr a) {
      Value v = eval(a.getValue(), f);
      if (a.getOperator() != AssignExpr.Operator.ASSIGN) v = v.or(eval(a.getTarget(), f)).computed();
      store(a.getTarget(), v, a, f);
      return v;
    }
    if (e instanceof UnaryExpr u) {
      Value v = eval(u.getExpression(), f);
      if (u.getOperator().isPrefix() || u.getOperator().isPostfix()) {
        UnaryExpr.Operator op = u.getOperator();
        if (op == UnaryExpr.Operator.PREFIX_INCREMENT || op == UnaryExpr.Operator.PREFIX_DECREMENT
            || op == UnaryExpr.Operator.POSTFIX_INCREMENT || op == UnaryExpr.Operator.POSTFIX_DECREMENT) {
          store(u.getExpression(), v.computed(), u, f);
        }
      }
      return v.computed();
    }
    if (e instanceof BinaryExpr b) return eval(b.getLeft(), f).or(eval(b.getRight(), f)).computed();
    if (e instanceof ConditionalExpr c) {
      Value cond = eval(c.getCondition(), f).dependence();
      Value then = eval(c.getThenExpr(), f);
      Value other = eval(c.getElseExpr(), f);
      Value both = then.or(other);
      return new Value(both.or(cond).deps, both.refs, both.fns, both.or(cond).opaque, both.pure);
    }
    if (e instanceof EnclosedExpr x) return eval(x.getInner(), f);
    if (e instanceof CastExpr x) return eval(x.getExpression(), f);
    if (e instanceof InstanceOfExpr x) {
      Value v = eval(x.getExpression(), f);
      x.getPattern().ifPresent(p -> bindPattern(p, v, f));
      return v.computed();
    }
    if (e instanceof MethodCallExpr c) return call(c, f);
    if (e instanceof ObjectCreationExpr c) return create(c, f);
    if (e instanceof ArrayCreationExpr a) {
      Value dims = Value.NONE;
      for (var level : a.getLevels()) if (level.getDimension().isPresent()) dims = dims.or(eval(level.getDimension().get(), f));
      Created o = created(a, f, "array");
      Value d = dims.computed();
      assign(o, d, a, f, Kind.BIND, false);
      a.getInitializer().ifPresent(init -> arrayInitializer(init, o, f));
      return new Value(Set.of(o), Set.of(o), Set.of(), d.opaque, false);
    }
    if (e instanceof ArrayInitializerExpr a) {
      Created o = created(a, f, "array");
      arrayInitializer(a, o, f);
      return new Value(Set.of(o), Set.of(o), Set.of(), List.of(), false);
    }
    if (e instanceof LambdaExpr l) return Value.fn(new Fn(l, f, null, null));
    if (e instanceof MethodReferenceExpr m) {
      Value receiver = m.getScope() instanceof TypeExpr || typeRef(m.getScope(), f) != null ? null : eval(m.getScope(), f);
      Value v = Value.fn(new Fn(m, f, receiver, null));
      return receiver == null ? v : v.or(receiver.dependence());
    }
    if (e instanceof VariableDeclarationExpr v) {
      for (VariableDeclarator d : v.getVariables()) declare(d, null, f);
      return Value.NONE;
    }
    if (e instanceof SwitchExpr s) {
      Value c = eval(s.getSelector(), f);
      f.yields.push(new ArrayList<>());
      List<Value> ys;
      try {
        withControl(f, s.getSelector(), false, c, () -> entries(s.getEntries(), c, f, true));
      } finally {
        ys = f.yields.pop();
      }
      return Value.all(ys).or(c.dependence());
    }
    Value v = Value.NONE;
    for (Node child : e.getChildNodes()) {
      if (child instanceof Expression x) v = v.or(eval(x, f));
      else if (child instanceof Statement x) exec(x, f);
    }
    return v.computed();
  }

  private void arrayInitializer(ArrayInitializerExpr init, Created o, Frame f) {
    for (Expression x : init.getValues()) {
      Value v = x instanceof ArrayInitializerExpr inner ? eval(inner, f) : eval(x, f);
      assign(o, v, x, f, Kind.BIND, !v.refs.isEmpty());
    }
  }

  private Created created(Node node, Frame f, String what) {
    Created o = new Created(node, f.ctx, what);
    state.declare(o, place(f));
    return o;
  }

  private Root selfOf(Frame f) {
    for (Frame g = f; g != null; g = g.defining) if (g.self != null) return g.self;
    return null;
  }

  private Value fieldAccess(FieldAccessExpr fa, Frame f) {
    String name = fa.getNameAsString();
    TypeRef t = typeRef(fa.getScope(), f);
    if (t != null) {
      if (t.own == null) return Value.NONE; // a library's constant or static field (System.out)
      Root r = new Static(t.own, name);
      return read(r, src.fieldType(name));
    }
    Value v = eval(fa.getScope(), f);
    if (!src.instanceField(name)) return name.equals("length") ? v.computed() : v;
    Set<Root> refs = new LinkedHashSet<>();
    Set<Fn> fns = new LinkedHashSet<>(v.fns);
    for (Root r : v.refs) {
      Root field = field(r, name);
      refs.add(field);
      fns.addAll(fnsOf(field));
    }
    Set<Root> deps = new LinkedHashSet<>(v.deps);
    deps.removeAll(v.refs);
    deps.addAll(refs);
    boolean values = !mayShare(src.fieldType(name), null);
    return new Value(deps, values ? Set.of() : refs, fns, v.opaque, v.pure && !values);
  }

  /** Stores {@code value} into what {@code target} denotes. */
  private void store(Expression target, Value value, Node node, Frame f) {
    if (target instanceof NameExpr n) {
      Root r = resolve(n, f);
      if (r == null) return;
      boolean share = mayShare(declaredType(r), value);
      assign(r, value, node, f, r instanceof Field ? Kind.FIELD : Kind.REBIND, share);
    } else if (target instanceof FieldAccessExpr fa) {
      String name = fa.getNameAsString();
      TypeRef t = typeRef(fa.getScope(), f);
      if (t != null) {
        if (t.own != null) assign(new Static(t.own, name), value, node, f, Kind.REBIND, mayShare(src.fieldType(name), value));
        return;
      }
      Value scope = eval(fa.getScope(), f);
      for (Root r : scope.refs) {
        Root into = src.instanceField(name) ? field(r, name) : r;
        if (into != r) assign(into, value, node, f, Kind.FIELD, mayShare(src.fieldType(name), value));
        else mutate(r, value, node, f);
      }
    } else if (target instanceof ArrayAccessExpr aa) {
      Value array = eval(aa.getName(), f);
      Value index = eval(aa.getIndex(), f).computed();
      String type = staticType(aa.getName(), f);
      boolean values = type != null && type.endsWith("[]") && Libraries.valueType(type.substring(0, type.length() - 2));
      for (Root r : array.refs) assign(r, value.or(index), node, f, Kind.MUTATE, !values && !value.refs.isEmpty());
    } else if (target instanceof EnclosedExpr x) {
      store(x.getInner(), value, node, f);
    } else if (target instanceof CastExpr x) {
      store(x.getExpression(), value, node, f);
    }
  }

  /** The value of reading {@code r}: a reference to it, unless its type holds plain values (then only a dependence). */
  private Value read(Root r, Type type) {
    if (type != null && !mayShare(type, null)) return new Value(Set.of(r), Set.of(), fnsOf(r), List.of(), false);
    return Value.of(r, fnsOf(r));
  }

  private Type declaredType(Root r) {
    if (r instanceof Local l) return Scopes.declaredType(l.decl).orElse(null);
    if (r instanceof Field fl) return src.fieldType(fl.name);
    if (r instanceof Static s) return src.fieldType(s.name);
    return null;
  }

  // ------------------------------------------------------------------------------ types

  /** A class named in the source: of this file ({@code own}), of the JDK, or another library's or file's. */
  private record TypeRef(String name, TypeDeclaration<?> own, boolean jdk) {}

  /** What {@code e} names when it is a class rather than a value, else null. */
  private TypeRef typeRef(Expression e, Frame f) {
    if (e instanceof TypeExpr t) return typeRef(SourceTypes.simpleName(t.getType()));
    if (e instanceof NameExpr n) {
      if (resolve(n, f) != null) return null;
      String s = n.getNameAsString();
      if (src.ownType(s) != null || libs.jdkClass(s) || Character.isUpperCase(s.charAt(0))) return typeRef(s);
      return null;
    }
    if (e instanceof FieldAccessExpr fa && qualifiedName(fa)) {
      String last = fa.getNameAsString();
      if (!Character.isUpperCase(last.charAt(0))) return null;
      Expression first = fa;
      while (first instanceof FieldAccessExpr x) first = x.getScope();
      if (first instanceof NameExpr n && resolve(n, f) != null) return null;
      TypeDeclaration<?> own = src.ownType(last);
      if (own != null) return new TypeRef(last, own, false);
      return new TypeRef(last, null, libs.jdkClass(fa.toString()) || libs.jdkClass(fa.getScope().toString()));
    }
    return null;
  }

  private TypeRef typeRef(String name) {
    if (name == null) return null;
    TypeDeclaration<?> own = src.ownType(name);
    return new TypeRef(name, own, own == null && libs.jdkClass(name));
  }

  private static boolean qualifiedName(FieldAccessExpr fa) {
    Expression s = fa.getScope();
    return s instanceof NameExpr || s instanceof FieldAccessExpr x && qualifiedName(x);
  }

  /** The declared type of {@code e}'s value, as a simple name ("Mlp", "double[]"), when the source tells it. */
  private String staticType(Expression e, Frame f) {
    if (e instanceof NameExpr n) {
      if (resolve(n, f) == null) return null;
      SimpleName decl = declarations.getOrDefault(n, Optional.empty()).orElse(null);
      if (decl == null) return null;
      Optional<Type> t = Scopes.declaredType(decl);
      if (t.isPresent() && t.get().isVarType() && decl.getParentNode().orElse(null) instanceof VariableDeclarator v) {
        return v.getInitializer().map(init -> staticType(init, f)).orElse(null);
      }
      return t.map(SourceTypes::simpleName).orElse(null);
    }
    if (e instanceof ThisExpr) return f.type == null ? null : f.type.getNameAsString();
    if (e instanceof FieldAccessExpr fa) return SourceTypes.simpleName(src.fieldType(fa.getNameAsString()));
    if (e instanceof ObjectCreationExpr c) return c.getAnonymousClassBody().isPresent() ? null : c.getType().getNameAsString();
    if (e instanceof EnclosedExpr x) return staticType(x.getInner(), f);
    if (e instanceof CastExpr x) return SourceTypes.simpleName(x.getType());
    if (e instanceof StringLiteralExpr || e instanceof TextBlockLiteralExpr) return "String";
    if (e instanceof ArrayAccessExpr a) {
      String t = staticType(a.getName(), f);
      return t != null && t.endsWith("[]") ? t.substring(0, t.length() - 2) : null;
    }
    if (e instanceof MethodCallExpr c) {
      String found = null;
      for (MethodDeclaration m : src.methods(c.getNameAsString(), c.getArguments().size())) {
        String t = SourceTypes.simpleName(m.getType());
        if (t == null || found != null && !found.equals(t)) return null;
        found = t;
      }
      return found;
    }
    return null;
  }

  // ------------------------------------------------------------------------------ calls

  private List<Value> arguments(NodeList<Expression> args, Frame f) {
    List<Value> out = new ArrayList<>();
    for (Expression a : args) out.add(eval(a, f));
    return out;
  }

  private Value call(MethodCallExpr c, Frame f) {
    String name = c.getNameAsString();
    if (FlorCalls.isFlorCall(cu, c, name)) return florCall(c, f);
    int arity = c.getArguments().size();
    if (c.getScope().isEmpty()) {
      List<Value> args = arguments(c.getArguments(), f);
      for (Node p = c.getParentNode().orElse(null); p != null; p = p.getParentNode().orElse(null)) {
        if (p instanceof ObjectCreationExpr anon && anon.getAnonymousClassBody().isPresent()) {
          List<MethodDeclaration> own = new ArrayList<>();
          for (BodyDeclaration<?> b : anon.getAnonymousClassBody().get()) {
            if (b instanceof MethodDeclaration m && m.getNameAsString().equals(name) && Scopes.arityFits(m, arity)) own.add(m);
          }
          if (!own.isEmpty()) return invoke(c, own, null, selfOf(f), args, f, null);
        }
        if (p instanceof TypeDeclaration<?> t) {
          List<TypeDeclaration<?>> where = src.related(t);
          List<MethodDeclaration> own = SourceTypes.methodsIn(where, name, arity, false);
          if (!own.isEmpty()) return invoke(c, own, null, selfOf(f), args, f, null);
        }
      }
      String imported = libs.staticImportOf(name);
      if (imported != null) {
        String type = imported.substring(imported.lastIndexOf('.') + 1);
        return staticLibraryCall(c, type, libs.jdkClass(imported), args, f);
      }
      return unseen(c, name + "(), not declared in " + file, null, args, f);
    }
    Expression scope = c.getScope().get();
    TypeRef type = typeRef(scope, f);
    if (type != null) {
      List<Value> args = arguments(c.getArguments(), f);
      if (type.own != null) {
        List<MethodDeclaration> own = SourceTypes.methodsIn(src.supertypes(type.own), name, arity, false);
        if (!own.isEmpty()) return invoke(c, own, null, null, args, f, null);
        return unseen(c, type.name + "." + name + "()", null, args, f);
      }
      return staticLibraryCall(c, type.name, type.jdk, args, f);
    }
    if (scope instanceof SuperExpr) {
      List<Value> args = arguments(c.getArguments(), f);
      TypeDeclaration<?> t = f.type;
      List<TypeDeclaration<?>> supers = t == null ? List.of() : src.supertypes(t).subList(1, src.supertypes(t).size());
      List<MethodDeclaration> own = SourceTypes.methodsIn(supers, name, arity, false);
      Root self = selfOf(f);
      Value recv = self == null ? Value.NONE : Value.of(self, Set.of());
      if (!own.isEmpty()) return invoke(c, own, null, self, args, f, null);
      return libraryCall(c, recv, args, f, null);
    }
    Value recv = eval(scope, f);
    List<Value> args = arguments(c.getArguments(), f);
    String recvType = staticType(scope, f);
    Value result = Value.NONE;
    boolean viaFn = !recv.fns.isEmpty();
    if (viaFn) result = result.or(invokeFns(recv.fns, name, args, c, f));
    TypeDeclaration<?> ownType = src.ownType(recvType);
    List<MethodDeclaration> own;
    boolean library;
    if (ownType != null) {
      own = SourceTypes.methodsIn(src.related(ownType), name, arity, false);
      library = own.isEmpty() && !viaFn;
    } else if (recvType != null) {
      own = List.of();
      library = !(viaFn && Libraries.functional(recvType));
      if (!viaFn && Libraries.functional(recvType)) {
        result = result.or(Value.opaque(new Opaque("the result of the function " + scope, line(c), place(f))));
      }
    } else {
      own = viaFn ? List.of() : src.methods(name, arity);
      library = !viaFn;
    }
    if (!own.isEmpty()) result = result.or(invoke(c, own, recv, null, args, f, null));
    if (library) result = result.or(libraryCall(c, recv, args, f, recvType));
    return result;
  }

  /**
   * Walks a call of {@code targets} (methods of this file) from {@code site}: with the receiver's
   * value ({@code recv}) bound to a new {@code this}, or the caller's own {@code self} (a call
   * without receiver), or neither (static).
   */
  private Value invoke(Node site, List<? extends CallableDeclaration<?>> targets, Value recv, Root self, List<Value> args,
      Frame f, Unknown unknown) {
    Value result = Value.NONE;
    for (CallableDeclaration<?> m : targets) {
      Optional<BlockStmt> body = m instanceof MethodDeclaration md ? md.getBody()
          : m instanceof ConstructorDeclaration cd ? Optional.of(cd.getBody()) : Optional.empty();
      if (body.isEmpty()) {
        result = result.or(libraryCall(site, recv == null ? Value.NONE : recv, args, f, null));
        continue;
      }
      int onStack = indexOf(f.stack, m);
      if (onStack >= 0) {
        if (f.loops.size() > f.stackLoops.get(onStack)) {
          unbounded.putIfAbsent(m, describe(m) + " calls itself recursively from inside a Flor loop, so its depth is unbounded");
        }
        result = result.or(libraryCall(site, recv == null ? Value.NONE : recv, args, f, null).impure());
        continue;
      }
      if (!budget()) {
        result = result.or(unseen(site, "a call too deep in the program to follow", recv, args, f));
        continue;
      }
      Ctx ctx = f.ctx.child(site, m);
      Root receiver = null;
      boolean isStatic = m instanceof MethodDeclaration md && md.isStatic();
      if (!isStatic) {
        if (recv == null) {
          receiver = self;
        } else {
          Self s = new Self(ctx, SourceTypes.typeOf(m));
          state.declare(s, place(f));
          assign(s, recv, site, f, Kind.BIND, true);
          receiver = s;
        }
      }
      Frame g = new Frame(ctx, m, null, receiver, SourceTypes.typeOf(m), f, m.getNameAsString() + "() at line " + line(site), unknown, false);
      bindParameters(m.getParameters(), args, g, site);
      exec(body.get(), g);
      result = result.or(g.returned.impure());
    }
    return result;
  }

  private static int indexOf(List<Node> nodes, Node n) {
    for (int i = 0; i < nodes.size(); i++) if (nodes.get(i) == n) return i;
    return -1;
  }

  private Value florCall(MethodCallExpr c, Frame f) {
    NodeList<Expression> a = c.getArguments();
    switch (c.getNameAsString()) {
      case "log": {
        if (!a.isEmpty() && !(a.get(0) instanceof StringLiteralExpr)) eval(a.get(0), f);
        Value v = a.size() > 1 ? eval(a.get(1), f) : Value.NONE;
        if (!v.fns.isEmpty()) v = v.computed().or(invokeFns(v.fns, "get", List.of(), c, f)); // Flor.log(name, supplier) runs it here
        if (FlorCalls.isNamedLog(cu, c)) {
          Place p = place(f);
          if (f.initializer && p.unknown == null) {
            p = p.with(new Unknown(false, "line " + line(c) + " is outside every method and constructor"
                + " (a field initialiser or initialiser block), so when it runs cannot be told", "an initialiser"));
          }
          logVisits.computeIfAbsent(c, k -> new ArrayList<>()).add(new LogVisit(p, v.or(controlValue(f))));
        }
        return v;
      }
      case "arg":
        arguments(a, f);
        return Value.NONE; // replay returns the value the run used
      case "checkpointing":
        arguments(a, f);
        if (!a.isEmpty()) enrol(a.get(0), f);
        return Value.NONE;
      case "loop":
        return Value.all(arguments(a, f)).computed();
      case "iteration": case "commit": case "quiet": case "init": case "dataframe": case "query":
        arguments(a, f);
        return Value.NONE;
      default: // restore and anything newer: may change what it is given
        return libraryCall(c, Value.NONE, arguments(a, f), f, "Flor");
    }
  }

  /** Adds the objects of a {@code Flor.checkpointing(map)} argument to the enrolled ones, when the map can be read. */
  private void enrol(Expression map, Frame f) {
    List<Expression> values = FlorCalls.checkpointedValues(map);
    if (values == null) {
      enrolmentNotes.add("the objects enrolled by Flor.checkpointing(" + map + ") at line " + line(map)
          + " cannot be told from the source (Map.of(...) can), so none is counted as checkpointed");
      return;
    }
    for (Expression v : values) {
      Value value = eval(v, f);
      if (value.pure) enrolledDirect.addAll(value.refs);
    }
  }

  /** Calls the lambdas, method references or anonymous objects {@code fns} with {@code args} from {@code site}. */
  private Value invokeFns(Set<Fn> fns, String method, List<Value> args, Node site, Frame f) {
    Value result = Value.NONE;
    for (Fn fn : fns) result = result.or(invokeFn(fn, method, args, site, f, null));
    return result;
  }

  private Value invokeFn(Fn fn, String method, List<Value> args, Node site, Frame f, Unknown unknown) {
    String call = site instanceof MethodCallExpr m && !FlorCalls.isFlorCall(cu, m, m.getNameAsString())
        ? method + "() at line " + line(site) : null;
    if (fn.node instanceof LambdaExpr l) {
      if (indexOf(f.stack, l) >= 0 || !budget()) return Value.NONE;
      Frame g = new Frame(f.ctx.child(site, l), l, fn.defining, selfOf(fn.defining), fn.defining.type, f, call, unknown, false);
      bindParameters(l.getParameters(), args, g, site);
      if (l.getBody() instanceof ExpressionStmt es) g.returned = eval(es.getExpression(), g);
      else exec(l.getBody(), g);
      return g.returned.impure();
    }
    if (fn.node instanceof MethodReferenceExpr r) {
      String id = r.getIdentifier();
      TypeRef t = fn.receiver == null ? typeRef(r.getScope(), fn.defining) : null;
      if (id.equals("new")) {
        if (t != null && t.own != null) {
          Created o = created(r, f, t.name);
          construct(r, t.own, o, args, f, unknown);
          return new Value(Set.of(o), Set.of(o), Set.of(), List.of(), false);
        }
        return libraryCall(site, Value.NONE, args, f, null);
      }
      List<MethodDeclaration> targets = new ArrayList<>();
      Value recv = fn.receiver;
      List<Value> rest = args;
      if (unknown != null) {
        // run by code the analysis cannot see: with whatever arguments it has
        Value given = Value.all(args);
        Value result = Value.NONE;
        List<MethodDeclaration> named = new ArrayList<>();
        if (t != null && t.own != null) named.addAll(SourceTypes.methodsIn(src.related(t.own), id, -1, false));
        else if (t == null) named.addAll(src.methods(id, -1));
        if (named.isEmpty()) return libraryCall(site, recv != null ? recv : given, args, f, null);
        for (MethodDeclaration m : named) {
          Unknown u = new Unknown(false, describe(m) + " is passed as the method reference " + r + " at line " + line(r)
              + ", so when it runs cannot be told", describe(m) + ", run by " + unknown.runner());
          Value receiver = m.isStatic() ? null : recv != null ? recv : given;
          result = result.or(invoke(site, List.of(m), receiver, null, repeat(List.of(given), m.getParameters().size()), f, u));
        }
        return result;
      }
      if (t != null && t.own != null) {
        for (MethodDeclaration m : SourceTypes.methodsIn(src.supertypes(t.own), id, args.size(), true)) targets.add(m);
        if (targets.isEmpty() && !args.isEmpty()) {
          for (MethodDeclaration m : SourceTypes.methodsIn(src.related(t.own), id, args.size() - 1, false)) if (!m.isStatic()) targets.add(m);
          recv = args.get(0);
          rest = args.subList(1, args.size());
        }
      } else if (t == null && recv != null) {
        targets.addAll(src.methods(id, args.size()));
      }
      if (targets.isEmpty()) {
        Value receiver = recv != null ? recv : args.isEmpty() ? Value.NONE : args.get(0);
        return libraryCall(site, receiver, args, f, null);
      }
      Value result = Value.NONE;
      for (MethodDeclaration m : targets) result = result.or(invoke(site, List.of(m), m.isStatic() ? null : recv, null, rest, f, null));
      return result;
    }
    if (fn.node instanceof ObjectCreationExpr anon && anon.getAnonymousClassBody().isPresent()) {
      List<MethodDeclaration> targets = new ArrayList<>();
      for (BodyDeclaration<?> b : anon.getAnonymousClassBody().get()) {
        if (b instanceof MethodDeclaration m && (unknown != null || m.getNameAsString().equals(method))) targets.add(m);
      }
      Value result = Value.NONE;
      for (MethodDeclaration m : targets) {
        if (m.getBody().isEmpty() || indexOf(f.stack, m) >= 0 || !budget()) continue;
        Frame g = new Frame(f.ctx.child(site, m), m, fn.defining, fn.object, fn.defining.type, f, call, unknown, false);
        bindParameters(m.getParameters(), unknown != null ? repeat(args, m.getParameters().size()) : args, g, site);
        exec(m.getBody().get(), g);
        result = result.or(g.returned.impure());
      }
      return result;
    }
    return Value.NONE;
  }

  private static List<Value> repeat(List<Value> args, int n) {
    Value all = Value.all(args);
    List<Value> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(all);
    return out;
  }

  /**
   * The lambdas and objects in {@code value} are handed to code the analysis cannot read
   * ({@code where}): they may run at any time, so each is walked once at a place that cannot be
   * told, with arguments made of what that code was given.
   */
  private void escape(Value value, String where, Node site, Frame f, Value given) {
    for (Fn fn : value.fns) {
      if (!escaped.add(fn)) continue;
      int n = fn.node instanceof LambdaExpr l ? l.getParameters().size() : 2;
      List<Value> args = repeat(List.of(given.withoutFns()), n);
      String what = fn.node instanceof LambdaExpr ? "the lambda at line " + line(fn.node)
          : fn.node instanceof MethodReferenceExpr ? "the method reference " + fn.node + " at line " + line(fn.node)
          : "the anonymous class at line " + line(fn.node);
      String passed = "passed to " + where + " at line " + line(site);
      String reason = "it is in " + what + ", " + passed + ", which is not code of this file, so it may run in any loop: taken as nested";
      invokeFn(fn, "?", args, site, f, new Unknown(!(fn.node instanceof MethodReferenceExpr), reason, what + " (" + passed + ")"));
    }
  }

  /**
   * A call into a library on {@code recv}: it may change the receiver and every object passed
   * (unless the method only reads), may make the receiver hold the arguments, and its result may
   * be any of them.
   */
  private Value libraryCall(Node site, Value recv, List<Value> args, Frame f, String recvType) {
    String name = site instanceof MethodCallExpr m ? m.getNameAsString() : "?";
    Value all = recv.or(Value.all(args));
    for (Value a : args) if (!a.fns.isEmpty()) escape(a, name + "()", site, f, all);
    boolean readsOnly = Libraries.readsOnly(name) || Libraries.valueType(recvType);
    if (!readsOnly) {
      Value written = all.computed();
      for (Root r : recv.refs) {
        mutate(r, written, site, f);
        for (Value a : args) for (Root x : a.refs) union(r, x);
      }
      for (Value a : args) for (Root r : a.refs) mutate(r, written, site, f);
    }
    Value result = new Value(all.deps, all.refs, Set.of(), all.opaque, false);
    if (site instanceof MethodCallExpr m && (name.equals("invoke") || name.equals("newInstance") || name.equals("forName"))) {
      result = result.or(Value.opaque(new Opaque("the result of " + m + " (reflection)", line(site), place(f))));
    }
    return result;
  }

  /** A static method of a library class: a function of its arguments that may change those it is given. */
  private Value staticLibraryCall(MethodCallExpr c, String type, boolean jdk, List<Value> args, Frame f) {
    String name = c.getNameAsString();
    Value all = Value.all(args);
    if (!jdk || Libraries.hiddenState(type, name, args.size())) {
      for (Value a : args) if (!a.fns.isEmpty()) escape(a, type + "." + name + "()", c, f, all);
      for (Value a : args) for (Root r : a.refs) mutate(r, all.computed(), c, f);
      String what = jdk ? type + "." + name + "()'s hidden state" : "the result of " + type + "." + name + "()";
      return all.impure().or(Value.opaque(new Opaque(what, line(c), place(f))));
    }
    if (type.equals("System") && name.equals("arraycopy") && args.size() == 5) {
      String source = staticType(c.getArgument(0), f);
      boolean values = source != null && source.endsWith("[]") && Libraries.valueType(source.substring(0, source.length() - 2));
      for (Root r : args.get(2).refs) {
        mutate(r, args.get(0).computed(), c, f);
        if (!values) for (Root x : args.get(0).refs) union(r, x);
      }
      return Value.NONE;
    }
    if (Libraries.pureClass(type)) {
      for (Value a : args) if (!a.fns.isEmpty()) escape(a, type + "." + name + "()", c, f, all);
      return new Value(all.deps, all.refs, Set.of(), all.opaque, false);
    }
    return libraryCall(c, Value.NONE, args, f, null);
  }

  /** Code the analysis cannot read: its result cannot be seen into, and it may change what it is given. */
  private Value unseen(Node site, String what, Value recv, List<Value> args, Frame f) {
    Value r = libraryCall(site, recv == null ? Value.NONE : recv, args, f, null);
    return r.or(Value.opaque(new Opaque("the result of " + what, line(site), place(f))));
  }

  // ------------------------------------------------------------------------------ objects

  private Value create(ObjectCreationExpr c, Frame f) {
    List<Value> args = arguments(c.getArguments(), f);
    String typeName = c.getType().getNameAsString();
    Created o = created(c, f, typeName);
    Value all = Value.all(args);
    if (c.getAnonymousClassBody().isPresent()) {
      assign(o, all.computed(), c, f, Kind.BIND, !all.refs.isEmpty());
      Fn fn = new Fn(c, f, null, o);
      return new Value(Set.of(o), Set.of(o), Set.of(fn), all.opaque, false);
    }
    TypeDeclaration<?> own = src.ownType(typeName);
    if (own != null) {
      construct(c, own, o, args, f, null);
    } else {
      for (Value a : args) if (!a.fns.isEmpty()) escape(a, "new " + typeName + "()", c, f, all);
      assign(o, all.computed(), c, f, Kind.BIND, !all.refs.isEmpty());
      for (Value a : args) for (Root r : a.refs) mutate(r, all.computed(), c, f);
    }
    return new Value(Set.of(o), Set.of(o), Set.of(), all.opaque, false);
  }

  /** Runs the field initialisers and a constructor of {@code type} (a class of this file) on {@code o}. */
  private void construct(Node site, TypeDeclaration<?> type, Created o, List<Value> args, Frame f, Unknown unknown) {
    List<CallableDeclaration<?>> ctors = new ArrayList<>();
    for (ConstructorDeclaration cd : type.getConstructors()) if (Scopes.arityFits(cd, args.size())) ctors.add(cd);
    Node owner = ctors.isEmpty() ? type : ctors.get(0);
    if (!budget()) {
      unseen(site, "new " + type.getNameAsString() + "()", null, args, f);
      return;
    }
    Frame init = new Frame(f.ctx.child(site, type), type, null, o, type, f, type.getNameAsString() + "() at line " + line(site), unknown, false);
    List<TypeDeclaration<?>> chain = src.supertypes(type);
    Collections.reverse(chain);
    for (TypeDeclaration<?> t : chain) {
      for (BodyDeclaration<?> member : t.getMembers()) {
        if (member instanceof FieldDeclaration fd && !fd.isStatic()) {
          for (VariableDeclarator v : fd.getVariables()) {
            Root field = field(o, v.getNameAsString());
            v.getInitializer().ifPresent(e -> assign(field, eval(e, init), v, init, Kind.FIELD, mayShare(v.getType(), null)));
          }
        } else if (member instanceof InitializerDeclaration id && !id.isStatic()) {
          exec(id.getBody(), init);
        }
      }
    }
    if (type instanceof RecordDeclaration r && ctors.isEmpty()) {
      for (BodyDeclaration<?> member : r.getMembers()) {
        if (member instanceof CompactConstructorDeclaration cc) {
          Frame g = new Frame(f.ctx.child(site, cc), cc, null, o, type, f, type.getNameAsString() + "() at line " + line(site), unknown, false);
          exec(cc.getBody(), g);
        }
      }
      for (int i = 0; i < r.getParameters().size() && i < args.size(); i++) {
        Parameter p = r.getParameter(i);
        assign(field(o, p.getNameAsString()), args.get(i), site, init, Kind.FIELD, mayShare(p.getType(), args.get(i)));
      }
    }
    if (owner != type) invoke(site, ctors, null, o, args, f, unknown);
  }

  private void explicitConstructor(ExplicitConstructorInvocationStmt e, Frame f) {
    List<Value> args = arguments(e.getArguments(), f);
    TypeDeclaration<?> t = f.type;
    if (t == null) return;
    TypeDeclaration<?> target = t;
    if (!e.isThis()) {
      List<TypeDeclaration<?>> supers = src.supertypes(t);
      target = null;
      for (TypeDeclaration<?> s : supers.subList(1, supers.size())) {
        if (s instanceof ClassOrInterfaceDeclaration c && !c.isInterface()) {
          target = s;
          break;
        }
      }
      if (target == null) {
        Root self = selfOf(f);
        libraryCall(e, self == null ? Value.NONE : Value.of(self, Set.of()), args, f, null);
        return;
      }
    }
    List<CallableDeclaration<?>> ctors = new ArrayList<>();
    for (ConstructorDeclaration cd : target.getConstructors()) if (Scopes.arityFits(cd, args.size())) ctors.add(cd);
    if (!ctors.isEmpty()) invoke(e, ctors, null, selfOf(f), args, f, null);
  }
}
