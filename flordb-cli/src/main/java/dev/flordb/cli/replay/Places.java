package dev.flordb.cli.replay;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ConstructorDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.stmt.ForEachStmt;
import dev.flordb.cli.replay.Roots.Place;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the log statements and Flor loops of one file execute, from a {@link ProgramWalk}: the one
 * place that answers it, for {@link LoopLevels}, {@link JavaSourceAnalyzer} and the sites the
 * replay engine uses.
 *
 * <p>A node reached by the walk has a route per activation that reached it (the Flor loops around
 * it where it runs, and the calls from main). A node the walk never reached, or reached only at a
 * place that cannot be told, has reasons instead, in the user's terms: a method not called in the
 * file, passed as a method reference, calling itself from inside a Flor loop, a lambda handed to
 * code the analysis cannot read, a field initialiser.
 */
final class Places {
  /** One way a node is reached: the Flor loops around it (outermost first), and the calls from main ({@code "m() at line N"}). */
  record Route(List<String> loops, List<String> calls) {}

  /**
   * Where a node executes: the routes that could be followed; why its place cannot be told
   * ({@code unknown}); why it may run in any loop because code that this file does not hold runs it
   * ({@code anywhere}, a lambda or anonymous class passed to a library); and the loops around the
   * places that could not be told.
   */
  record Placed(List<Route> known, Set<String> unknown, Set<String> anywhere, List<List<String>> untold) {
    /** Every place of the node is known. */
    boolean told() {
      return unknown.isEmpty() && anywhere.isEmpty() && !known.isEmpty();
    }

    /** The deepest route (the first of the deepest), if any. */
    Optional<Route> deepest() {
      return known.stream().max(Comparator.comparingInt(r -> r.loops.size()));
    }

    /** The Flor loops around the deepest place, known or not. */
    List<String> deepestLoops() {
      Optional<Route> d = deepest();
      if (d.isPresent()) return d.get().loops;
      return untold.stream().max(Comparator.comparingInt(List::size)).orElse(List.of());
    }
  }

  private final ProgramWalk walk;
  private final Map<Node, Placed> cache = new IdentityHashMap<>();

  Places(ProgramWalk walk) {
    this.walk = walk;
  }

  ProgramWalk walk() {
    return walk;
  }

  /** Where a {@code Flor.log} call executes. */
  Placed log(MethodCallExpr log) {
    return cache.computeIfAbsent(log, n -> placed(n, walk.logVisits(log).stream().map(ProgramWalk.LogVisit::place).toList()));
  }

  /** Where a Flor loop statement executes (the loops around it, not itself). */
  Placed loop(ForEachStmt loop) {
    return cache.computeIfAbsent(loop, n -> placed(n, walk.loopVisits(loop)));
  }

  /** The Flor loops that run in no other Flor loop on any path that could be followed, in source order, without duplicates. */
  List<String> outermostLoops() {
    Set<String> names = new LinkedHashSet<>();
    walk.cu.findAll(ForEachStmt.class).stream()
        .filter(walk::isFlorLoop)
        .sorted(Comparator.comparing((Node n) -> ProgramWalk.line(n)))
        .forEach(loop -> {
          Placed p = loop(loop);
          if (p.told() && p.known.stream().allMatch(r -> r.loops.isEmpty())) names.add(ProgramWalk.loopName(loop));
        });
    return new ArrayList<>(names);
  }

  /**
   * For every name logged with a literal name, the distinct loop paths where it executes; a name
   * logged at a place that cannot be told has no entry.
   */
  Map<String, Set<List<String>>> sites() {
    Map<String, Set<List<String>>> out = new LinkedHashMap<>();
    Set<String> untold = new LinkedHashSet<>();
    for (MethodCallExpr c : walk.cu.findAll(MethodCallExpr.class)) {
      if (!FlorCalls.isNamedLog(walk.cu, c)) continue;
      String name = FlorCalls.nameOf(c);
      Placed p = log(c);
      if (!p.told()) {
        untold.add(name);
        continue;
      }
      Set<List<String>> paths = out.computeIfAbsent(name, k -> new LinkedHashSet<>());
      for (Route r : p.known) paths.add(r.loops);
    }
    for (String n : untold) out.remove(n);
    out.replaceAll((k, v) -> Collections.unmodifiableSet(v));
    return out;
  }

  private Placed placed(Node node, List<Place> places) {
    List<Route> known = new ArrayList<>();
    Set<String> unknown = new LinkedHashSet<>();
    if (walk.failure() != null) {
      unknown.add("the analysis of " + walk.file + " stopped (" + walk.failure() + "), so where line " + ProgramWalk.line(node)
          + " runs cannot be told");
      return new Placed(known, unknown, Set.of(), List.of());
    }
    Set<String> anywhere = new LinkedHashSet<>();
    List<List<String>> untold = new ArrayList<>();
    for (Place p : places) {
      if (p.unknown != null) {
        (p.unknown.lambda() ? anywhere : unknown).add(p.unknown.reason());
        untold.add(p.loopNames());
        continue;
      }
      for (Node n : p.stack) {
        String why = walk.unbounded().get(n);
        if (why != null) unknown.add(why);
      }
      Route r = new Route(p.loopNames(), p.calls);
      if (!known.contains(r)) known.add(r);
    }
    if (places.isEmpty()) unknown.addAll(explain(node));
    return new Placed(known, unknown, anywhere, untold);
  }

  // ------------------------------------------------------------------------------ why a node is not reached

  private Set<String> explain(Node node) {
    Set<String> out = new LinkedHashSet<>();
    if (walk.truncated()) {
      out.add(walk.file + " makes more calls than the analysis follows, so where line " + ProgramWalk.line(node) + " runs cannot be told");
      return out;
    }
    explain(node, Collections.newSetFromMap(new IdentityHashMap<>()), out);
    if (out.isEmpty()) {
      out.add("line " + ProgramWalk.line(node) + " is not reached from main in " + walk.file + ", so when it runs cannot be told");
    }
    return out;
  }

  private void explain(Node node, Set<Node> seen, Set<String> out) {
    for (Node p = node.getParentNode().orElse(null); p != null; p = p.getParentNode().orElse(null)) {
      if (p instanceof LambdaExpr l) {
        Optional<Node> around = enclosingCode(l);
        if (around.isPresent() && walk.reached(around.get()) && !walk.reached(l)) {
          out.add("the lambda at line " + ProgramWalk.line(l) + " is never run where " + walk.file
              + " shows (it is not invoked, or is kept where nothing calls it), so when line " + ProgramWalk.line(node) + " runs cannot be told");
          return;
        }
      } else if (p instanceof CallableDeclaration<?> c) {
        explainCallable(c, seen, out);
        return;
      } else if (p instanceof TypeDeclaration || p instanceof ObjectCreationExpr o && o.getAnonymousClassBody().isPresent()) {
        out.add("line " + ProgramWalk.line(node) + " is outside every method and constructor (a field initialiser or initialiser block),"
            + " so when it runs cannot be told");
        return;
      }
    }
  }

  private static Optional<Node> enclosingCode(Node n) {
    for (Node p = n.getParentNode().orElse(null); p != null; p = p.getParentNode().orElse(null)) {
      if (p instanceof LambdaExpr || p instanceof CallableDeclaration) return Optional.of(p);
      if (p instanceof TypeDeclaration) return Optional.empty();
    }
    return Optional.empty();
  }

  /** Why {@code callable} is never run by the walk: how it could be called, followed outwards. */
  private void explainCallable(CallableDeclaration<?> callable, Set<Node> seen, Set<String> out) {
    if (!seen.add(callable)) return;
    if (walk.reached(callable)) return;
    boolean explained = false;
    if (callable instanceof MethodDeclaration method) {
      for (MethodReferenceExpr ref : walk.cu.findAll(MethodReferenceExpr.class)) {
        if (ref.getIdentifier().equals(method.getNameAsString())) {
          out.add(ProgramWalk.describe(callable) + " is passed as the method reference " + ref + " at line " + ProgramWalk.line(ref)
              + ", so when it runs cannot be told");
          explained = true;
        }
      }
    }
    for (Node site : callSites(callable)) {
      Optional<Node> around = enclosingCode(site);
      if (around.isEmpty() || walk.reached(around.get()) && !(around.get() instanceof LambdaExpr)) continue;
      int before = out.size();
      explain(site, seen, out);
      explained |= out.size() > before;
    }
    if (!explained) {
      out.add(ProgramWalk.describe(callable) + " is not main and is not called in " + walk.file
          + " (called from another file, by reflection or by a framework?), so where it runs cannot be told");
    }
  }

  /** Calls in this file that may invoke {@code callable}: by simple name and argument count. */
  private List<Node> callSites(CallableDeclaration<?> callable) {
    List<Node> sites = new ArrayList<>();
    if (callable instanceof MethodDeclaration method) {
      for (MethodCallExpr call : walk.cu.findAll(MethodCallExpr.class)) {
        if (call.getNameAsString().equals(method.getNameAsString()) && !FlorCalls.scopeIsFlor(call)
            && Scopes.arityFits(callable, call.getArguments().size())) {
          sites.add(call);
        }
      }
    } else if (callable instanceof ConstructorDeclaration) {
      for (ObjectCreationExpr created : walk.cu.findAll(ObjectCreationExpr.class)) {
        if (created.getType().getNameAsString().equals(callable.getNameAsString()) && created.getAnonymousClassBody().isEmpty()
            && Scopes.arityFits(callable, created.getArguments().size())) {
          sites.add(created);
        }
      }
    }
    sites.sort(Comparator.comparing((Node n) -> ProgramWalk.line(n)));
    return sites;
  }
}
