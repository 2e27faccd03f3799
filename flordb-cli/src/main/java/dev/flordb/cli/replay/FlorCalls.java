package dev.flordb.cli.replay;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.TypeDeclaration;
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
}
