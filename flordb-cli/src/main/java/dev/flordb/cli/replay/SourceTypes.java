package dev.flordb.cli.replay;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.EnumDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.RecordDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.type.ClassOrInterfaceType;
import com.github.javaparser.ast.type.Type;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The classes of one file and their members, as the syntax tree names them: classes by simple
 * name, what each extends and implements among them, methods by name, and the declared type of
 * each field name. Indexed once; {@link ProgramWalk} asks it where a call may dispatch.
 */
final class SourceTypes {
  private final Map<String, List<TypeDeclaration<?>>> byName = new HashMap<>();
  private final List<TypeDeclaration<?>> all = new ArrayList<>();
  private final Map<String, Type> fieldTypes = new HashMap<>();
  private final Set<String> instanceFields = new HashSet<>();
  private final Map<String, List<MethodDeclaration>> methods = new HashMap<>();
  private final Map<TypeDeclaration<?>, List<TypeDeclaration<?>>> supertypes = new IdentityHashMap<>();
  private final Map<TypeDeclaration<?>, List<TypeDeclaration<?>>> related = new IdentityHashMap<>();

  SourceTypes(CompilationUnit cu) {
    for (MethodDeclaration m : cu.findAll(MethodDeclaration.class)) methods.computeIfAbsent(m.getNameAsString(), k -> new ArrayList<>()).add(m);
    for (TypeDeclaration<?> t : cu.findAll(TypeDeclaration.class)) {
      all.add(t);
      byName.computeIfAbsent(t.getNameAsString(), k -> new ArrayList<>()).add(t);
      for (FieldDeclaration fd : t.getFields()) {
        for (VariableDeclarator v : fd.getVariables()) {
          if (!fd.isStatic()) instanceFields.add(v.getNameAsString());
          fieldTypes.merge(v.getNameAsString(), v.getType(), (a, b) -> a.equals(b) ? a : null);
        }
      }
      if (t instanceof RecordDeclaration r) {
        for (Parameter p : r.getParameters()) {
          instanceFields.add(p.getNameAsString());
          fieldTypes.merge(p.getNameAsString(), p.getType(), (a, b) -> a.equals(b) ? a : null);
        }
      }
    }
  }

  /** Every class, interface, enum and record of the file, at any depth. */
  List<TypeDeclaration<?>> all() {
    return all;
  }

  /** The class of this name, when the file declares exactly one. */
  TypeDeclaration<?> ownType(String name) {
    if (name == null) return null;
    List<TypeDeclaration<?>> ts = byName.get(name);
    return ts != null && ts.size() == 1 ? ts.get(0) : null;
  }

  /** Whether some class of the file has an instance field (or record component) of this name. */
  boolean instanceField(String name) {
    return instanceFields.contains(name);
  }

  /** The declared type of the fields of this name, when they all have the same one. */
  Type fieldType(String name) {
    return fieldTypes.get(name);
  }

  /** The methods of this name in the file that a call with this many arguments may invoke ({@code arity} -1: any). */
  List<MethodDeclaration> methods(String name, int arity) {
    List<MethodDeclaration> out = new ArrayList<>();
    for (MethodDeclaration m : methods.getOrDefault(name, List.of())) if (arity < 0 || Scopes.arityFits(m, arity)) out.add(m);
    return out;
  }

  /** The classes and interfaces of this file that {@code t} extends or implements, transitively, {@code t} first. */
  List<TypeDeclaration<?>> supertypes(TypeDeclaration<?> t) {
    List<TypeDeclaration<?>> known = supertypes.get(t);
    if (known != null) return new ArrayList<>(known);
    List<TypeDeclaration<?>> out = new ArrayList<>();
    Deque<TypeDeclaration<?>> todo = new ArrayDeque<>(List.of(t));
    while (!todo.isEmpty()) {
      TypeDeclaration<?> x = todo.poll();
      if (out.contains(x)) continue;
      out.add(x);
      for (ClassOrInterfaceType s : directSupertypes(x)) {
        TypeDeclaration<?> own = ownType(s.getNameAsString());
        if (own != null) todo.add(own);
      }
    }
    supertypes.put(t, List.copyOf(out));
    return out;
  }

  /** {@code t}, its supertypes and its subtypes in this file: where a call on a {@code t} may dispatch. */
  List<TypeDeclaration<?>> related(TypeDeclaration<?> t) {
    return related.computeIfAbsent(t, k -> {
      List<TypeDeclaration<?>> out = new ArrayList<>(supertypes(t));
      for (TypeDeclaration<?> x : all) if (!out.contains(x) && supertypes(x).contains(t)) out.add(x);
      return List.copyOf(out);
    });
  }

  private static List<ClassOrInterfaceType> directSupertypes(TypeDeclaration<?> t) {
    List<ClassOrInterfaceType> out = new ArrayList<>();
    if (t instanceof ClassOrInterfaceDeclaration c) {
      out.addAll(c.getExtendedTypes());
      out.addAll(c.getImplementedTypes());
    } else if (t instanceof EnumDeclaration e) {
      out.addAll(e.getImplementedTypes());
    } else if (t instanceof RecordDeclaration r) {
      out.addAll(r.getImplementedTypes());
    }
    return out;
  }

  /** The methods of these classes with this name that a call with this many arguments may invoke ({@code arity} -1: any). */
  static List<MethodDeclaration> methodsIn(List<TypeDeclaration<?>> in, String name, int arity, boolean staticOnly) {
    List<MethodDeclaration> out = new ArrayList<>();
    for (TypeDeclaration<?> t : in) {
      for (MethodDeclaration m : t.getMethodsByName(name)) {
        if ((arity < 0 || Scopes.arityFits(m, arity)) && (!staticOnly || m.isStatic()) && !out.contains(m)) out.add(m);
      }
    }
    return out;
  }

  /** The classes around {@code n}, innermost first. */
  static List<TypeDeclaration<?>> enclosingTypes(Node n) {
    List<TypeDeclaration<?>> out = new ArrayList<>();
    for (Node p = n.getParentNode().orElse(null); p != null; p = p.getParentNode().orElse(null)) {
      if (p instanceof TypeDeclaration<?> t) out.add(t);
    }
    return out;
  }

  /** The class whose member {@code member} is (or holds it). */
  static TypeDeclaration<?> typeOf(Node member) {
    for (Node p = member.getParentNode().orElse(null); p != null; p = p.getParentNode().orElse(null)) {
      if (p instanceof TypeDeclaration<?> t) return t;
    }
    return null;
  }

  /** A type as a simple name ("Mlp", "double[]"), or null for {@code var} and what cannot be named so. */
  static String simpleName(Type t) {
    if (t == null || t.isVarType()) return null;
    if (t.isPrimitiveType()) return t.asString();
    if (t.isArrayType()) {
      String c = simpleName(t.asArrayType().getComponentType());
      return c == null ? null : c + "[]";
    }
    if (t instanceof ClassOrInterfaceType c) return c.getNameAsString();
    return null;
  }
}
