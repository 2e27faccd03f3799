package dev.flordb.source;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.RecordDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.SimpleName;
import com.github.javaparser.ast.expr.VariableDeclarationExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.SwitchEntry;
import com.github.javaparser.ast.stmt.TryStmt;
import com.github.javaparser.ast.type.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a simple name is declared, by Java's scoping rules as far as one file shows them: local
 * variables declared earlier in an enclosing block, loop and resource variables, catch, lambda and
 * method parameters, then the fields and record components of the enclosing classes, innermost
 * first; methods by name and argument count in the enclosing classes; and the members of a class
 * of this file through a variable declared with it ({@code model.weightNorm()}). Inherited
 * members, imports and pattern variables are not seen: such names resolve to nothing.
 *
 * <p>Declarations are answered with their name node, compared by identity (JavaParser's {@code
 * equals} compares structure, so two {@code int i} declarations are equal).
 */
public final class Scopes {
  private Scopes() {}

  /** The declaration of the variable {@code name} as seen from {@code use}. */
  public static Optional<SimpleName> variable(Node use, String name) {
    return lookUp(use, name);
  }

  /** The declaration of the variable {@code name} as seen by a statement inserted at {@code index} of {@code block}. */
  public static Optional<SimpleName> variableAt(BlockStmt block, int index, String name) {
    Optional<SimpleName> local = declaredBefore(block.getStatements(), index, name);
    return local.isPresent() ? local : lookUp(block, name);
  }

  /** The field {@code name} of the class around {@code use}, as {@code this.name} sees it. */
  public static Optional<SimpleName> field(Node use, String name) {
    return enclosingTypes(use).stream().findFirst().flatMap(type -> members(type, name));
  }

  /** A method of the classes around {@code use}, innermost first, that a call with this name and argument count may invoke. */
  public static Optional<SimpleName> method(Node use, String name, int arguments) {
    return enclosingTypes(use).stream().flatMap(type -> method(type, name, arguments).stream()).findFirst();
  }

  /** A method of {@code type} that a call with this name and argument count may invoke. */
  public static Optional<SimpleName> method(TypeDeclaration<?> type, String name, int arguments) {
    return type.getMethodsByName(name).stream().filter(m -> arityFits(m, arguments)).map(MethodDeclaration::getName).findFirst();
  }

  /** A field or record component of {@code type}. */
  public static Optional<SimpleName> field(TypeDeclaration<?> type, String name) {
    return members(type, name);
  }

  /** The class of this file that a variable is declared with ({@code Mlp model} gives {@code Mlp}), when there is one of that name. */
  public static Optional<TypeDeclaration<?>> classOf(SimpleName variable) {
    return declaredType(variable)
        .filter(Type::isClassOrInterfaceType)
        .flatMap(t -> variable.findCompilationUnit().flatMap(cu -> type(cu, t.asClassOrInterfaceType().getNameAsString())));
  }

  /** The class, interface, enum or record of this name declared in {@code unit}, at any depth, when there is exactly one. */
  public static Optional<TypeDeclaration<?>> type(CompilationUnit unit, String name) {
    List<TypeDeclaration<?>> types = new ArrayList<>();
    unit.walk(Node.TreeTraversal.PREORDER, n -> {
      if (n instanceof TypeDeclaration<?> t && t.getNameAsString().equals(name)) types.add(t);
    });
    return types.size() == 1 ? Optional.of(types.get(0)) : Optional.empty();
  }

  /** The type written in a declaration of a variable, parameter or method (its return type). */
  public static Optional<Type> declaredType(SimpleName declared) {
    Node declaration = declared.getParentNode().orElse(null);
    if (declaration instanceof VariableDeclarator v) return Optional.of(v.getType());
    if (declaration instanceof Parameter p) return Optional.of(p.getType());
    if (declaration instanceof MethodDeclaration m) return Optional.of(m.getType());
    return Optional.empty();
  }

  static boolean arityFits(CallableDeclaration<?> callable, int arguments) {
    int params = callable.getParameters().size();
    boolean varargs = params > 0 && callable.getParameter(params - 1).isVarArgs();
    return varargs ? arguments >= params - 1 : arguments == params;
  }

  /** The position of {@code node} in {@code nodes} by identity, or -1. */
  public static int indexOf(List<? extends Node> nodes, Node node) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) == node) return i;
    }
    return -1;
  }

  private static List<TypeDeclaration<?>> enclosingTypes(Node node) {
    List<TypeDeclaration<?>> types = new ArrayList<>();
    for (Optional<Node> p = node.getParentNode(); p.isPresent(); p = p.get().getParentNode()) {
      if (p.get() instanceof TypeDeclaration<?> type) types.add(type);
    }
    return types;
  }

  private static Optional<SimpleName> lookUp(Node from, String name) {
    Node child = from;
    for (Optional<Node> p = from.getParentNode(); p.isPresent(); child = p.get(), p = p.get().getParentNode()) {
      Optional<SimpleName> found = declaredIn(p.get(), child, name);
      if (found.isPresent()) return found;
    }
    return Optional.empty();
  }

  /** What {@code scope} declares that {@code child}, one of its children, can see. */
  private static Optional<SimpleName> declaredIn(Node scope, Node child, String name) {
    if (scope instanceof BlockStmt block) return declaredBefore(block.getStatements(), indexOf(block.getStatements(), child), name);
    if (scope instanceof SwitchEntry entry) return declaredBefore(entry.getStatements(), indexOf(entry.getStatements(), child), name);
    if (scope instanceof ForStmt loop) return variables(loop.getInitialization(), name);
    if (scope instanceof ForEachStmt loop && child != loop.getIterable()) return variables(List.of(loop.getVariable()), name);
    if (scope instanceof TryStmt t && child == t.getTryBlock()) return variables(t.getResources(), name);
    if (scope instanceof CatchClause c) return parameter(List.of(c.getParameter()), name);
    if (scope instanceof LambdaExpr lambda) return parameter(lambda.getParameters(), name);
    if (scope instanceof CallableDeclaration<?> callable) return parameter(callable.getParameters(), name);
    if (scope instanceof TypeDeclaration<?> type) return members(type, name);
    return Optional.empty();
  }

  private static Optional<SimpleName> declaredBefore(List<Statement> statements, int end, String name) {
    for (int i = 0; i < end; i++) {
      if (statements.get(i) instanceof ExpressionStmt s) {
        Optional<SimpleName> found = variables(List.of(s.getExpression()), name);
        if (found.isPresent()) return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<SimpleName> variables(List<? extends Expression> expressions, String name) {
    return expressions.stream()
        .filter(VariableDeclarationExpr.class::isInstance)
        .flatMap(e -> ((VariableDeclarationExpr) e).getVariables().stream())
        .map(VariableDeclarator::getName)
        .filter(n -> n.asString().equals(name))
        .findFirst();
  }

  private static Optional<SimpleName> parameter(List<Parameter> parameters, String name) {
    return parameters.stream().map(Parameter::getName).filter(n -> n.asString().equals(name)).findFirst();
  }

  private static Optional<SimpleName> members(TypeDeclaration<?> type, String name) {
    Optional<SimpleName> field = type.getFieldByName(name)
        .flatMap(f -> f.getVariables().stream().map(VariableDeclarator::getName).filter(n -> n.asString().equals(name)).findFirst());
    if (field.isPresent() || !(type instanceof RecordDeclaration record)) return field;
    return parameter(record.getParameters(), name);
  }
}
