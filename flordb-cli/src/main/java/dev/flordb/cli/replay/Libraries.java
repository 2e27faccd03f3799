package dev.flordb.cli.replay;

import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.ImportDeclaration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the dependence analysis assumes about code it cannot read: the JDK and other libraries.
 *
 * <p>A call into a library on an object is taken to read and change that object and every object
 * passed to it ({@code rng.nextInt()}, {@code list.add(x)}), except for the methods named in
 * {@link #readsOnly}, which change nothing ({@code size()}, {@code get(i)}, {@code println(x)}). A
 * static method of the JDK is a function of its arguments that may change the objects passed to
 * it, except for the classes in {@link #pureClass} (arithmetic, boxing, strings, immutable
 * collections) and the few that read hidden state ({@code Math.random()}), which the analysis
 * cannot see into. Static methods of other libraries, and of classes of the program in other
 * files, may read and change state of their own: they cannot be seen into.
 */
final class Libraries {
  /** Methods of library objects that change neither the receiver nor the arguments. */
  private static final Set<String> READS_ONLY = Set.of("get", "getOrDefault", "size", "length", "isEmpty", "contains",
      "containsKey", "containsValue", "equals", "hashCode", "toString", "compareTo", "compare", "charAt", "substring",
      "indexOf", "lastIndexOf", "startsWith", "endsWith", "matches", "trim", "strip", "isBlank", "split", "toUpperCase",
      "toLowerCase", "concat", "repeat", "print", "println", "printf", "format", "getClass", "name", "ordinal",
      "doubleValue", "intValue", "longValue", "floatValue", "booleanValue", "isPresent", "orElse", "keySet", "values",
      "entrySet", "stream", "getKey", "getValue", "first", "last", "getFirst", "getLast", "peek", "toArray", "clone",
      "subList", "iterator", "count", "sum", "average", "min", "max", "asList");

  /** JDK classes whose static methods change nothing and read no hidden state (but {@code Math.random}). */
  private static final Set<String> PURE_CLASSES = Set.of("Math", "StrictMath", "Integer", "Long", "Double", "Float",
      "Short", "Byte", "Character", "Boolean", "String", "Objects", "List", "Set", "Map", "Optional", "Duration",
      "Instant", "Path", "Paths", "BigInteger", "BigDecimal", "IntStream", "LongStream", "DoubleStream", "Stream",
      "Collectors", "Comparator", "Locale", "UUID", "Pattern", "System", "Thread");

  /** Static methods that read state the analysis cannot see (a hidden random generator). */
  private static final Set<String> HIDDEN_STATE = Set.of("Math.random", "StrictMath.random", "ThreadLocalRandom.current",
      "Collections.shuffle/1", "Random.from");

  /** Types whose values cannot be changed, so holding one shares no state. */
  private static final Set<String> VALUE_TYPES = Set.of("String", "Integer", "Long", "Double", "Float", "Short", "Byte",
      "Character", "Boolean", "Number", "BigInteger", "BigDecimal", "int", "long", "double", "float", "short", "byte",
      "char", "boolean");

  /** The JDK's functional interfaces: a call of their method runs a lambda. */
  private static final Set<String> FUNCTIONAL = Set.of("Runnable", "Callable", "Supplier", "Consumer", "BiConsumer",
      "Function", "BiFunction", "Predicate", "BiPredicate", "UnaryOperator", "BinaryOperator", "IntFunction",
      "IntPredicate", "IntUnaryOperator", "IntBinaryOperator", "IntConsumer", "IntSupplier", "ToIntFunction",
      "ToDoubleFunction", "ToLongFunction", "DoubleFunction", "DoubleUnaryOperator", "DoubleBinaryOperator",
      "DoubleSupplier", "DoubleConsumer", "DoublePredicate", "LongFunction", "LongUnaryOperator", "LongSupplier",
      "LongConsumer", "ObjIntConsumer", "ObjDoubleConsumer", "BooleanSupplier", "ToIntBiFunction", "ToDoubleBiFunction");

  /** The java.lang classes a program names without importing them (those a training script may call). */
  private static final Set<String> JAVA_LANG = Set.of("Math", "StrictMath", "System", "String", "StringBuilder",
      "Integer", "Long", "Double", "Float", "Short", "Byte", "Character", "Boolean", "Number", "Object", "Thread",
      "Runtime", "Class", "Enum", "Record", "Iterable", "Comparable", "Runnable", "ProcessBuilder", "Process",
      "Exception", "RuntimeException", "IllegalArgumentException", "IllegalStateException", "Error", "AutoCloseable",
      "CharSequence", "ThreadLocal", "InterruptedException", "ArithmeticException", "UnsupportedOperationException",
      "IndexOutOfBoundsException", "NullPointerException", "StackWalker", "ClassLoader");

  private final CompilationUnit cu;
  private final Map<String, Boolean> jdk = new HashMap<>();

  Libraries(CompilationUnit cu) {
    this.cu = cu;
  }

  static boolean readsOnly(String method) {
    return READS_ONLY.contains(method);
  }

  static boolean pureClass(String type) {
    return PURE_CLASSES.contains(type);
  }

  /** Whether {@code Type.method} with this many arguments reads hidden state. */
  static boolean hiddenState(String type, String method, int arguments) {
    return HIDDEN_STATE.contains(type + "." + method) || HIDDEN_STATE.contains(type + "." + method + "/" + arguments);
  }

  static boolean valueType(String type) {
    return type != null && VALUE_TYPES.contains(type);
  }

  static boolean functional(String type) {
    return type != null && FUNCTIONAL.contains(type);
  }

  /**
   * Whether the simple or qualified class name, as this file names it, is a class of the JDK:
   * java.lang, a single-type import of a java, javax or jdk package, or a class that an on-demand
   * import of such a package provides (looked up on this JVM without initialising it).
   */
  boolean jdkClass(String name) {
    return jdk.computeIfAbsent(name, this::findJdkClass);
  }

  /** Whether a static import names {@code method} (a library's static method called without a class). */
  String staticImportOf(String method) {
    for (ImportDeclaration i : cu.getImports()) {
      if (!i.isStatic()) continue;
      String n = i.getNameAsString();
      if (i.isAsterisk()) {
        if (!n.equals(FlorCalls.FLOR)) return n;
      } else if (n.endsWith("." + method)) {
        return n.substring(0, n.length() - method.length() - 1);
      }
    }
    return null;
  }

  private boolean findJdkClass(String name) {
    if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")) return true;
    if (name.contains(".")) return false;
    if (JAVA_LANG.contains(name)) return true;
    for (ImportDeclaration i : cu.getImports()) {
      String n = i.getNameAsString();
      boolean jdkPackage = n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.");
      if (i.isStatic()) continue;
      if (!i.isAsterisk() && n.endsWith("." + name)) return jdkPackage;
      if (i.isAsterisk() && jdkPackage && loads(n + "." + name)) return true;
    }
    return loads("java.lang." + name);
  }

  private static boolean loads(String className) {
    try {
      Class.forName(className, false, ClassLoader.getPlatformClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
