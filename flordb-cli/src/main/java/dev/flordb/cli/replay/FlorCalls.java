package dev.flordb.cli.replay;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.SimpleName;
import java.util.ArrayList;
import java.util.List;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.stmt.ForEachStmt;
import java.util.Optional;

/**
 * What counts as a call to {@code dev.flordb.Flor}, by syntax alone, so that every analysis of a
 * program sees the same log statements: {@code Flor.m(...)}, {@code dev.flordb.Flor.m(...)}, or an
 * unqualified {@code m(...)} when the file statically imports {@code dev.flordb.Flor.m} or {@code
 * dev.flordb.Flor.*} and no enclosing class declares its own {@code m} (which would shadow the
 * import, JLS 6.4.1).
 */
final class FlorCalls {
  static final String FLOR = "dev.flordb.Flor";

  private FlorCalls() {}

  static boolean isFlorCall(CompilationUnit cu, MethodCallExpr call, String method) {
    if (!call.getNameAsString().equals(method)) return false;
    if (call.getScope().isPresent()) return scopeIsFlor(call);
    return staticallyImported(cu, method) && !declaredByEnclosingType(call, method);
  }

  /** A {@code Flor.log} or {@code Flor.logLazily} call: a statement that logs a value. */
  static boolean isLog(CompilationUnit cu, MethodCallExpr call) {
    return isFlorCall(cu, call, "log") || isFlorCall(cu, call, "logLazily");
  }

  /** A {@link #isLog log} call whose first argument, the logged name, is a string literal. */
  static boolean isNamedLog(CompilationUnit cu, MethodCallExpr call) {
    return isLog(cu, call) && call.getArguments().isNonEmpty() && call.getArgument(0) instanceof StringLiteralExpr;
  }

  /** The logged name of a call for which {@link #isNamedLog} holds. */
  static String nameOf(MethodCallExpr log) {
    return ((StringLiteralExpr) log.getArgument(0)).asString();
  }

  /** The name of a Flor loop, {@code for (... : Flor.loop("name", ...))}, when it is a string literal. */
  static Optional<String> loopName(CompilationUnit cu, Node statement) {
    if (!(statement instanceof ForEachStmt loop) || !(loop.getIterable() instanceof MethodCallExpr call)
        || !isFlorCall(cu, call, "loop") || call.getArguments().isEmpty()) {
      return Optional.empty();
    }
    return call.getArgument(0) instanceof StringLiteralExpr name ? Optional.of(name.asString()) : Optional.empty();
  }

  static boolean scopeIsFlor(MethodCallExpr call) {
    return call.getScope().map(Expression::toString).filter(s -> s.equals("Flor") || s.equals(FLOR)).isPresent();
  }

  private static boolean staticallyImported(CompilationUnit cu, String method) {
    return cu.getImports().stream().anyMatch(i -> i.isStatic()
        && (i.isAsterisk() ? i.getNameAsString().equals(FLOR) : i.getNameAsString().equals(FLOR + "." + method)));
  }

  private static boolean declaredByEnclosingType(Node node, String method) {
    for (Optional<Node> p = node.getParentNode(); p.isPresent(); p = p.get().getParentNode()) {
      if (p.get() instanceof TypeDeclaration<?> type && !type.getMethodsByName(method).isEmpty()) return true;
    }
    return false;
  }

  /**
   * The objects a {@code Flor.checkpointing(map)} argument enrols, as expressions, when the map is
   * written so that they can be told: {@code Map.of(...)}, {@code Map.ofEntries(entry(...), ...)},
   * {@code Map.copyOf} or a new hash or tree map of those, or a local map variable initialised so
   * and only ever filled with {@code put}; else null.
   */
  static List<Expression> checkpointedValues(Expression map) {
    if (map instanceof EnclosedExpr x) return checkpointedValues(x.getInner());
    if (map instanceof MethodCallExpr c && c.getScope().map(s -> s.toString().equals("Map") || s.toString().equals("java.util.Map")).orElse(false)) {
      List<Expression> out = new ArrayList<>();
      if (c.getNameAsString().equals("of")) {
        for (int i = 1; i < c.getArguments().size(); i += 2) out.add(c.getArgument(i));
        return out;
      }
      if (c.getNameAsString().equals("ofEntries")) {
        for (Expression e : c.getArguments()) {
          if (!(e instanceof MethodCallExpr entry) || !entry.getNameAsString().equals("entry") || entry.getArguments().size() != 2) return null;
          out.add(entry.getArgument(1));
        }
        return out;
      }
      if (c.getNameAsString().equals("copyOf") && c.getArguments().size() == 1) return checkpointedValues(c.getArgument(0));
      return null;
    }
    if (map instanceof ObjectCreationExpr c && c.getType().getNameAsString().matches("(Linked)?HashMap|TreeMap")) {
      return c.getArguments().isEmpty() ? List.of() : c.getArguments().size() == 1 ? checkpointedValues(c.getArgument(0)) : null;
    }
    if (map instanceof NameExpr n) {
      Optional<SimpleName> decl = Scopes.variable(n, n.getNameAsString());
      if (decl.isEmpty() || !(decl.get().getParentNode().orElse(null) instanceof VariableDeclarator v)) return null;
      Optional<CallableDeclaration<?>> in = ProgramWalk.callableOf(v);
      if (v.getInitializer().isEmpty() || in.isEmpty()) return null;
      List<Expression> out = checkpointedValues(v.getInitializer().get());
      if (out == null) return null;
      out = new ArrayList<>(out);
      for (NameExpr use : in.get().findAll(NameExpr.class)) {
        if (use == n || !use.getNameAsString().equals(n.getNameAsString())) continue;
        if (Scopes.variable(use, use.getNameAsString()).filter(d -> d == decl.get()).isEmpty()) continue;
        if (use.getParentNode().orElse(null) instanceof MethodCallExpr put && put.getScope().orElse(null) == use
            && put.getNameAsString().equals("put") && put.getArguments().size() == 2) {
          out.add(put.getArgument(1));
        } else {
          return null; // passed elsewhere, reassigned, filled otherwise
        }
      }
      return out;
    }
    return null;
  }
}
