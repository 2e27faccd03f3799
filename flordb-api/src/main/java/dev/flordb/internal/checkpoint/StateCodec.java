package dev.flordb.internal.checkpoint;

import dev.flordb.Checkpointable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Random;
import java.util.Set;

/**
 * The state of a checkpointed object: validated when it is enrolled, captured on the training
 * thread into an immutable in-memory {@link Snapshot}, encoded to bytes (on another thread),
 * decoded, and restored <b>in place</b> into the live object, so the program keeps its references.
 *
 * <h2>What can be checkpointed</h2>
 *
 * <ul>
 *   <li>{@link Checkpointable} objects: their own {@code saveState}/{@code restoreState}; FlorDB
 *       does not look inside them. A {@code restoreState} that reads fewer bytes than {@code
 *       saveState} wrote is reported as a warning.
 *   <li>Arrays of primitives (restored with {@code System.arraycopy} into the same array when the
 *       length is unchanged) and arrays of objects, including nested arrays such as {@code
 *       double[][]} (restored row by row, each row in place).
 *   <li>{@link Collection}s and {@link Map}s: the same collection object is kept, its contents
 *       restored. A list of unchanged size keeps its element objects, each restored in place; a
 *       map keeps the value object of each key that is still present; otherwise the collection is
 *       cleared and refilled (elements that were present are still reused, by position for lists
 *       and sets, by key for maps). Extra fields of a user subclass of a collection are not
 *       captured. Map keys and set elements should be immutable values.
 *   <li>{@link Random} (exactly that class): its 48-bit seed, read from its serial form without
 *       reflection into {@code java.util}, and restored with {@code setSeed(seed ^
 *       0x5DEECE66DL)}, so the next number drawn is the one the original run drew. A pending
 *       {@code nextGaussian()} value is restored as well, by winding the generator back to the
 *       draw that produced it and replaying that draw through the public API (the search, about 30
 *       ns per step back and at most {@value #GAUSSIAN_SEARCH_LIMIT} steps, runs once, when the
 *       snapshot is encoded on the writer's thread; the result is part of the encoding). If the
 *       draw is not found, the restore reports a warning and only the pending Gaussian differs.
 *   <li>Objects of the user's own classes (not loaded by the JDK's loaders) that are {@link
 *       Serializable} or records: their non-static, non-transient fields, superclasses first,
 *       read and written by reflection (no {@code --add-opens} is needed, since these classes
 *       are not in {@code java.*}). A field is restored in place when its object can be, else
 *       reassigned (final fields included). A record cannot be reassigned: its components are
 *       restored in place, and if one would have to be replaced, a new record is made for the
 *       place that holds it. Custom {@code writeObject}/{@code readResolve} methods are not
 *       used.
 *   <li>Immutable values anywhere inside: {@code null}, boxed primitives, strings, enums, {@link
 *       BigInteger}, {@link BigDecimal}.
 * </ul>
 *
 * Anything else (a {@link Thread}, a stream, a lock, a JDK class not listed above, a user class
 * that is neither {@code Serializable} nor a record) is rejected when enrolled, with an {@link
 * IllegalArgumentException} naming the object, its class, the path to the offending field and
 * what to do. A {@code null} field whose declared type could never be checkpointed is rejected as
 * well, since it would fail once filled.
 *
 * <h2>Restoring is structural</h2>
 *
 * A restore walks the checkpoint and the live object side by side and restores, in place,
 * whatever object the live graph holds at each place, when it has the same class (and, for
 * arrays, the same length): this is what a replay in a new JVM needs, where the program has just
 * built its model the same way and holds references to it. Where the live place holds {@code
 * null}, another class, or an unmodifiable collection with other contents, a new object is made
 * from the checkpoint and assigned to the place (a field, an array slot, a list element, a map
 * value); only the enrolled object itself must be restorable in place, else {@link
 * Snapshot#restoreInto} throws {@link IllegalStateException}. So after a restore the same
 * objects are in the same places, except where the program had put other objects of the same
 * shape after the capture: those stay, with the checkpointed contents. New objects of user
 * classes are made with their no-argument constructor, else (for a {@code Serializable} class)
 * the way Java serialization makes them.
 *
 * <p>Sharing: an object reachable twice in the captured graph (also through cycles) is captured
 * once, and after a restore both places refer to the same object: the one restored at the first
 * place, or the object created for it.
 *
 * <p>Threads: capture and restore run on the caller's thread and must not race with changes to
 * the object; a {@link Snapshot} is immutable (arrays are copied, nothing is shared with the live
 * object) and can be encoded on any thread.
 *
 * <h2>Encoding, format version 1</h2>
 *
 * Big-endian ({@link DataOutputStream}). A header {@code int 0x464C5253 ("FLRS")}, {@code byte 1}
 * (the version), {@code int} number of tracked objects, then the root node. Each node starts with
 * a tag byte:
 *
 * <pre>
 * 0 VALUE   value-tag, then: 0 null | 1 boolean | 2 byte | 3 short | 4 char | 5 int | 6 long
 *           | 7 float | 8 double | 9 string (int length, UTF-8) | 10 enum (UTF class, UTF name)
 *           | 11 BigInteger (string) | 12 BigDecimal (string)
 * 1 PRIMS   byte component (Z B S C I J F D), int length, the elements
 * 2 ARRAY   UTF component class name, int length, length nodes
 * 3 COLL    UTF class name, int size, size nodes (iteration order)
 * 4 MAP     UTF class name, int size, size (key node, value node) pairs
 * 5 RANDOM  long seed (48 bits), boolean gaussian pending, double pending gaussian,
 *           int steps back to the nextGaussian() call that left it pending (-1: none/not found)
 * 6 CUSTOM  UTF class name, int length, the bytes its saveState wrote
 * 7 OBJECT  UTF class name, int count, count (UTF declaring class, UTF field name, node)
 * 8 REF     int id of an earlier tracked node
 * </pre>
 *
 * Nodes 1 to 7 are tracked: they are numbered 0, 1, 2... in the order they appear (depth first,
 * a node before its children), and a later reference to the same object is a REF to that number.
 * Fields are matched by declaring class and name on restore: a field that no longer exists is
 * ignored, a field that is not in the checkpoint is left as it is.
 *
 * <h2>Limits</h2>
 *
 * Capture and restore recurse along the object graph, so a linked structure tens of thousands of
 * objects deep can overflow the stack (use arrays or lists). A primitive array is limited to 2
 * GiB once encoded. Capture holds a full copy in memory until it is encoded.
 */
public final class StateCodec {
  static final int MAGIC = 0x464C5253;
  static final int VERSION = 1;
  static final String WHAT_TO_DO =
      "Implement dev.flordb.Checkpointable, make it Serializable, or leave it out"
          + " (a field can be marked transient).";
  static final int GAUSSIAN_SEARCH_LIMIT = 1 << 26;

  private StateCodec() {}

  /**
   * Checks that {@code value}, enrolled as {@code name}, can be checkpointed and restored in
   * place; throws {@link IllegalArgumentException} saying what cannot and what to do.
   */
  static void validate(String name, Object value) {
    capture(name, value);
  }

  /**
   * Copies the state of {@code value} into an immutable snapshot, on the calling thread. Throws
   * {@link IllegalArgumentException} if something in it cannot be checkpointed.
   */
  static Snapshot capture(String name, Object value) {
    Objects.requireNonNull(name, "name");
    if (value == null) {
      throw new IllegalArgumentException(
          "Cannot checkpoint \"" + name + "\": it is null. Enrol the object itself.");
    }
    if (isValue(value)) {
      throw new IllegalArgumentException(
          "Cannot checkpoint \"" + name + "\" (a " + value.getClass().getName() + "): "
              + name + " is an immutable value, which cannot be restored in place."
              + " Enrol the object that holds it instead.");
    }
    Capturer capturer = new Capturer(name, value);
    Node root = capturer.capture(value, name);
    return new Snapshot(root, capturer.next);
  }

  /** Decodes bytes written by {@link Snapshot#encode}; enums are resolved with {@code loader}. */
  static Snapshot decode(byte[] bytes, ClassLoader loader) {
    return decode(ByteBuffer.wrap(bytes.clone()), loader); // a copy: the snapshot reads its arrays from it
  }

  static Snapshot decode(byte[] bytes) {
    return decode(bytes, Thread.currentThread().getContextClassLoader());
  }

  /**
   * Decodes an encoding that fills {@code bytes} (from its position to its limit). Primitive
   * arrays are not copied out: the snapshot keeps views of {@code bytes} and reads them when it is
   * restored (straight into the live arrays) or encoded, so their contents must never change, as
   * for a read-only mapping of a checkpoint file (written once, then moved into place).
   */
  static Snapshot decode(ByteBuffer bytes, ClassLoader loader) {
    ByteBuffer in = bytes.slice(); // big-endian, as DataOutputStream writes
    try {
      if (in.getInt() != MAGIC) {
        throw new IllegalArgumentException("not a FlorDB checkpoint (bad magic number)");
      }
      int version = in.get() & 0xff;
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "checkpoint format version " + version + " is not supported (this FlorDB reads "
                + VERSION + ")");
      }
      int count = in.getInt();
      Decoder decoder = new Decoder(in, loader == null ? StateCodec.class.getClassLoader() : loader);
      Node root = decoder.node();
      if (decoder.next != count || in.hasRemaining()) {
        throw new IllegalArgumentException("corrupt checkpoint (object count or length mismatch)");
      }
      return new Snapshot(root, count);
    } catch (BufferUnderflowException | IOException e) {
      throw new IllegalArgumentException("corrupt checkpoint (truncated): " + e, e);
    }
  }

  /** An immutable copy of an object's state, safe to hand to another thread. */
  public static final class Snapshot {
    private final Node root;
    private final int tracked;

    private Snapshot(Node root, int tracked) {
      this.root = root;
      this.tracked = tracked;
    }

    /** The number of objects (arrays, collections, ...) the snapshot holds. */
    int objects() {
      return tracked;
    }

    /** The snapshot in format version 1. */
    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
      try {
        writeTo(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    /** Writes the snapshot in format version 1 (the bytes of {@link #encode}); does not close. */
    void writeTo(OutputStream sink) throws IOException {
      DataOutputStream out = new DataOutputStream(sink);
      out.writeInt(MAGIC);
      out.writeByte(VERSION);
      out.writeInt(tracked);
      write(out, root);
      out.flush();
    }

    /**
     * Restores the snapshot into {@code live}, in place. Returns warnings about state that could
     * not be restored exactly (empty normally); throws {@link IllegalStateException} when the
     * live object does not have the shape needed to restore it in place.
     */
    public List<String> restoreInto(Object live) {
      return restoreInto(live, GAUSSIAN_SEARCH_LIMIT);
    }

    /** As {@link #restoreInto(Object)}, searching at most this far back for a pending Gaussian. */
    public List<String> restoreInto(Object live, int gaussianSearchLimit) {
      Objects.requireNonNull(live, "live");
      Restorer restorer = new Restorer(tracked, live.getClass().getClassLoader());
      restorer.gaussianSearchLimit = gaussianSearchLimit;
      Object result = restorer.restore(root, live, "object");
      if (result != live) {
        throw new IllegalStateException(
            "Cannot restore a checkpoint of " + describe(root) + " in place into a "
                + live.getClass().getName());
      }
      return List.copyOf(restorer.warnings);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes: the immutable copy.

  private abstract static class Node {}

  private static final class Value extends Node {
    static final Value NULL = new Value(null);
    final Object value;

    Value(Object value) {
      this.value = value;
    }
  }

  private static final class Ref extends Node {
    final int id;

    Ref(int id) {
      this.id = id;
    }
  }

  private abstract static class Tracked extends Node {
    final int id;

    Tracked(int id) {
      this.id = id;
    }
  }

  /**
   * A primitive array: a copy of a captured one (never handed out), or the elements of a decoded
   * one, still encoded (big-endian), which a restore copies straight into the live array.
   */
  private static final class Prims extends Tracked {
    /** Captured: the copy. Decoded: null. */
    private final Object array;
    /** Decoded: the elements as written. Captured: null. */
    private final ByteBuffer encoded;
    /** The array's component type, as in its class name: Z B S C I J F D. */
    private final char code;
    private final int length;

    Prims(int id, Object array) {
      super(id);
      this.array = array;
      this.encoded = null;
      this.code = array.getClass().getName().charAt(1);
      this.length = Array.getLength(array);
    }

    Prims(int id, char code, int length, ByteBuffer encoded) {
      super(id);
      this.array = null;
      this.encoded = encoded;
      this.code = code;
      this.length = length;
    }

    Class<?> type() {
      return array != null ? array.getClass() : switch (code) {
        case 'Z' -> boolean[].class;
        case 'B' -> byte[].class;
        case 'S' -> short[].class;
        case 'C' -> char[].class;
        case 'I' -> int[].class;
        case 'F' -> float[].class;
        case 'J' -> long[].class;
        default -> double[].class;
      };
    }

    /** Whether {@code live} is an array of the same type and length, which can take the elements in place. */
    boolean fits(Object live) {
      return live != null && live.getClass() == type() && Array.getLength(live) == length;
    }

    /** Copies the elements into {@code live}, which {@link #fits}. */
    void copyInto(Object live) {
      if (array != null) {
        System.arraycopy(array, 0, live, 0, length);
        return;
      }
      switch (code) {
        case 'Z' -> {
          boolean[] a = (boolean[]) live;
          for (int i = 0; i < length; i++) a[i] = encoded.get(i) != 0;
        }
        case 'B' -> encoded.get(0, (byte[]) live, 0, length);
        case 'S' -> encoded.asShortBuffer().get(0, (short[]) live, 0, length);
        case 'C' -> encoded.asCharBuffer().get(0, (char[]) live, 0, length);
        case 'I' -> encoded.asIntBuffer().get(0, (int[]) live, 0, length);
        case 'F' -> encoded.asFloatBuffer().get(0, (float[]) live, 0, length);
        case 'J' -> encoded.asLongBuffer().get(0, (long[]) live, 0, length);
        default -> encoded.asDoubleBuffer().get(0, (double[]) live, 0, length);
      }
    }

    /** A new array with the elements. */
    Object newArray() {
      if (array != null) return clonePrimitives(array);
      Object a = Array.newInstance(type().getComponentType(), length);
      copyInto(a);
      return a;
    }

    /** The node's body in the encoding: component, length, elements. */
    void write(DataOutputStream out) throws IOException {
      if (array != null) {
        writePrimitives(out, array);
        return;
      }
      out.writeByte(code);
      out.writeInt(length);
      byte[] chunk = new byte[Math.min(encoded.capacity(), 1 << 16)];
      for (int at = 0; at < encoded.capacity(); at += chunk.length) {
        int n = Math.min(chunk.length, encoded.capacity() - at);
        encoded.get(at, chunk, 0, n);
        out.write(chunk, 0, n);
      }
    }
  }

  private static final class Arr extends Tracked {
    final String component;
    final Node[] elements;

    Arr(int id, String component, Node[] elements) {
      super(id);
      this.component = component;
      this.elements = elements;
    }
  }

  private static final class Coll extends Tracked {
    final String type;
    final Node[] elements;

    Coll(int id, String type, Node[] elements) {
      super(id);
      this.type = type;
      this.elements = elements;
    }
  }

  private static final class MapNode extends Tracked {
    final String type;
    final Node[] keys;
    final Node[] values;

    MapNode(int id, String type, Node[] keys, Node[] values) {
      super(id);
      this.type = type;
      this.keys = keys;
      this.values = values;
    }
  }

  private static final class Rng extends Tracked {
    final long seed;
    final boolean pending;
    final double gaussian;
    /**
     * How many steps behind {@link #seed} the nextGaussian() call that left {@link #gaussian}
     * pending started (at least 4); -1 when not pending or not found. Computed when first
     * needed (when encoding, on the writer's thread, or when restoring), then kept.
     */
    private volatile int back;
    private volatile int searched; // the limit the last failed search used

    Rng(int id, long seed, boolean pending, double gaussian, int back) {
      super(id);
      this.seed = seed;
      this.pending = pending;
      this.gaussian = gaussian;
      this.back = back;
      this.searched = back == -1 ? Integer.MAX_VALUE : 0;
    }

    int back(int limit) {
      if (!pending) return -1;
      int known = back;
      if (known >= 4 || (known == -1 && limit <= searched)) return known;
      int found = RandomState.search(seed, gaussian, limit);
      if (found == -1) searched = limit;
      back = found;
      return found;
    }
  }

  private static final class Custom extends Tracked {
    final String type;
    final byte[] bytes;

    Custom(int id, String type, byte[] bytes) {
      super(id);
      this.type = type;
      this.bytes = bytes;
    }
  }

  private static final class Obj extends Tracked {
    final String type;
    final String[] declaring;
    final String[] names;
    final Node[] values;

    Obj(int id, String type, String[] declaring, String[] names, Node[] values) {
      super(id);
      this.type = type;
      this.declaring = declaring;
      this.names = names;
      this.values = values;
    }
  }

  private static String describe(Node node) {
    if (node instanceof Prims p) return p.type().getSimpleName();
    if (node instanceof Arr a) return "an array of " + a.component;
    if (node instanceof Coll c) return "a " + c.type;
    if (node instanceof MapNode m) return "a " + m.type;
    if (node instanceof Rng) return "a java.util.Random";
    if (node instanceof Custom c) return "a " + c.type;
    if (node instanceof Obj o) return "a " + o.type;
    if (node instanceof Value v) return v.value == null ? "null" : "a " + v.value.getClass().getName();
    return "a shared reference";
  }

  // ---------------------------------------------------------------------------------------------
  // Kinds of classes.

  static boolean isValue(Object o) {
    return o instanceof String || o instanceof Integer || o instanceof Long || o instanceof Double
        || o instanceof Float || o instanceof Boolean || o instanceof Short || o instanceof Byte
        || o instanceof Character || o instanceof Enum<?> || o instanceof BigInteger
        || o instanceof BigDecimal;
  }

  private static boolean isValueType(Class<?> c) {
    return c.isPrimitive() || c == String.class || c == Integer.class || c == Long.class
        || c == Double.class || c == Float.class || c == Boolean.class || c == Short.class
        || c == Byte.class || c == Character.class || c.isEnum() || c == BigInteger.class
        || c == BigDecimal.class;
  }

  /** A class of the JDK itself (loaded by the boot or platform loader). */
  private static boolean isJdk(Class<?> c) {
    ClassLoader loader = c.getClassLoader();
    return loader == null || loader == ClassLoader.getPlatformClassLoader();
  }

  /** Whether a field declared with type {@code t} can never hold checkpointable state. */
  private static boolean neverCheckpointable(Class<?> t) {
    if (t.isInterface() || t.isArray() || t == Object.class || isValueType(t)) return false;
    if (Checkpointable.class.isAssignableFrom(t) || Collection.class.isAssignableFrom(t)
        || Map.class.isAssignableFrom(t) || Random.class.isAssignableFrom(t)) {
      return false;
    }
    if (isJdk(t)) return !Serializable.class.isAssignableFrom(t);
    return Modifier.isFinal(t.getModifiers())
        && !Serializable.class.isAssignableFrom(t) && !t.isRecord();
  }

  /** The captured fields of a user class: non-static, non-transient, superclasses first. */
  private static final ClassValue<Object> FIELDS =
      new ClassValue<>() {
        @Override
        protected Object computeValue(Class<?> type) {
          List<Class<?>> chain = new ArrayList<>();
          for (Class<?> k = type; k != null && k != Object.class; k = k.getSuperclass()) {
            chain.add(0, k);
          }
          List<Field> fields = new ArrayList<>();
          for (Class<?> k : chain) {
            Field[] declared = k.getDeclaredFields();
            Arrays.sort(declared, Comparator.comparing(Field::getName));
            for (Field f : declared) {
              int mods = f.getModifiers();
              if (Modifier.isStatic(mods) || Modifier.isTransient(mods)) continue;
              if (isJdk(k)) {
                return "extends " + k.getName() + ", whose field " + f.getName()
                    + " FlorDB cannot reach";
              }
              if (!f.trySetAccessible()) {
                return "has a field " + f.getName() + " that FlorDB cannot access"
                    + " (its package is not open to FlorDB)";
              }
              fields.add(f);
            }
          }
          return fields.toArray(new Field[0]);
        }
      };

  private static Field[] fieldsOf(Class<?> type) {
    Object fields = FIELDS.get(type);
    return fields instanceof Field[] f ? f : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Capture.

  private static final class Capturer {
    final String rootName;
    final Object root;
    final IdentityHashMap<Object, Integer> seen = new IdentityHashMap<>();
    int next;

    Capturer(String rootName, Object root) {
      this.rootName = rootName;
      this.root = root;
    }

    IllegalArgumentException reject(String path, String problem) {
      return new IllegalArgumentException(
          "Cannot checkpoint \"" + rootName + "\" (a " + root.getClass().getName() + "): "
              + path + " " + problem + ". " + WHAT_TO_DO);
    }

    Node capture(Object o, String path) {
      if (o == null) return Value.NULL;
      if (isValue(o)) return new Value(o);
      Integer seenId = seen.get(o);
      if (seenId != null) return new Ref(seenId);
      int id = next++;
      seen.put(o, id);
      Class<?> c = o.getClass();
      if (o instanceof Checkpointable cp) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try {
          DataOutputStream out = new DataOutputStream(bytes);
          cp.saveState(out);
          out.flush();
        } catch (IOException e) {
          throw new UncheckedIOException(
              "saveState of " + path + " (a " + c.getName() + ") failed", e);
        }
        return new Custom(id, c.getName(), bytes.toByteArray());
      }
      if (c.isArray()) {
        if (c.getComponentType().isPrimitive()) return new Prims(id, clonePrimitives(o));
        Object[] array = (Object[]) o;
        Node[] elements = new Node[array.length];
        for (int i = 0; i < array.length; i++) {
          elements[i] = capture(array[i], path + "[" + i + "]");
        }
        return new Arr(id, c.getComponentType().getName(), elements);
      }
      if (c == Random.class) return RandomState.capture(id, (Random) o);
      if (o instanceof Collection<?> coll) {
        Object[] items = coll.toArray();
        Node[] elements = new Node[items.length];
        for (int i = 0; i < items.length; i++) {
          elements[i] = capture(items[i], path + "[" + i + "]");
        }
        return new Coll(id, c.getName(), elements);
      }
      if (o instanceof Map<?, ?> map) {
        int n = map.size();
        List<Node> keys = new ArrayList<>(n);
        List<Node> values = new ArrayList<>(n);
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          Object k = e.getKey();
          String at = isValue(k) || k == null ? keyLabel(k) : "<key " + i + ">";
          keys.add(capture(k, path + "[" + at + "].key"));
          values.add(capture(e.getValue(), path + "[" + at + "]"));
          i++;
        }
        return new MapNode(id, c.getName(), keys.toArray(new Node[0]), values.toArray(new Node[0]));
      }
      if (isJdk(c)) {
        throw reject(path, "is a " + c.getName() + ", which FlorDB cannot save and restore");
      }
      if (!c.isRecord() && !(o instanceof Serializable)) {
        throw reject(path, "is a " + c.getName() + ", which is not Serializable");
      }
      Object info = FIELDS.get(c);
      if (!(info instanceof Field[] fields)) {
        throw reject(path, "is a " + c.getName() + ", which " + info);
      }
      String[] declaring = new String[fields.length];
      String[] names = new String[fields.length];
      Node[] values = new Node[fields.length];
      for (int i = 0; i < fields.length; i++) {
        Field f = fields[i];
        declaring[i] = f.getDeclaringClass().getName();
        names[i] = f.getName();
        Object v;
        try {
          v = f.get(o);
        } catch (IllegalAccessException e) {
          throw reject(path + "." + f.getName(), "cannot be read (" + e.getMessage() + ")");
        }
        if (v == null && neverCheckpointable(f.getType())) {
          throw reject(path + "." + f.getName(), "is null but declared as "
              + f.getType().getName() + ", which FlorDB cannot save and restore");
        }
        values[i] = capture(v, path + "." + f.getName());
      }
      return new Obj(id, c.getName(), declaring, names, values);
    }
  }

  private static String keyLabel(Object k) {
    return k instanceof String s ? "\"" + s + "\"" : String.valueOf(k);
  }

  private static Object clonePrimitives(Object a) {
    if (a instanceof double[] d) return d.clone();
    if (a instanceof float[] f) return f.clone();
    if (a instanceof int[] i) return i.clone();
    if (a instanceof long[] l) return l.clone();
    if (a instanceof byte[] b) return b.clone();
    if (a instanceof short[] s) return s.clone();
    if (a instanceof char[] c) return c.clone();
    return ((boolean[]) a).clone();
  }

  // ---------------------------------------------------------------------------------------------
  // java.util.Random without reflection into java.util.

  /**
   * Reads a {@link Random}'s state from its serial form and puts it back through its public API.
   *
   * <p>{@code Random.writeObject} writes its three serial fields with {@code writeFields}, in the
   * serialization order (primitives sorted by name): {@code haveNextNextGaussian} (1 byte),
   * {@code nextNextGaussian} (8), {@code seed} (8), followed by the end-of-block marker {@code
   * 0x78} that closes the object. Those are the last 18 bytes of the stream of a lone {@code
   * java.util.Random}. A self-check at first use confirms the layout on the running JVM.
   */
  static final class RandomState {
    static final long MULTIPLIER = 0x5DEECE66DL;
    static final long ADDEND = 0xBL;
    static final long MASK = (1L << 48) - 1;
    static final long INVERSE = inverse(MULTIPLIER);
    static final double DOUBLE_UNIT = 0x1.0p-53;
    private static volatile boolean checked;

    private RandomState() {}

    static Rng capture(int id, Random random) {
      selfCheck();
      return read(id, random);
    }

    private static Rng read(int id, Random random) {
      byte[] a;
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
          out.writeObject(random);
        }
        a = bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      int n = a.length;
      if (n < 18 || a[n - 1] != 0x78) {
        throw new IllegalStateException("unexpected serial form of java.util.Random");
      }
      ByteBuffer b = ByteBuffer.wrap(a, n - 18, 17);
      boolean pending = b.get() != 0;
      double gaussian = b.getDouble();
      // Without a pending value the field is a leftover that no later draw reads: left out, so that
      // equal generators encode alike (a replay compares states by their encodings).
      if (!pending) gaussian = 0;
      long seed = b.getLong();
      return new Rng(id, seed, pending, gaussian, pending ? 0 : -1);
    }

    /** Confirms that the serial layout is the expected one, once per JVM. */
    private static void selfCheck() {
      if (checked) return;
      Random a = new Random(20261126L);
      a.nextGaussian();
      Rng state = read(0, a);
      double second = a.nextGaussian();
      Random b = new Random();
      b.setSeed(state.seed ^ MULTIPLIER);
      if (!state.pending || Double.doubleToRawLongBits(second)
              != Double.doubleToRawLongBits(state.gaussian) || a.nextLong() != b.nextLong()) {
        throw new IllegalStateException(
            "this JVM's serial form of java.util.Random is not the one FlorDB reads;"
                + " wrap the generator in a dev.flordb.Checkpointable");
      }
      checked = true;
    }

    /**
     * Puts the state back into {@code random}. Returns null, or a warning when a pending
     * Gaussian could not be restored.
     */
    static String restore(Random random, Rng state) {
      return restore(random, state, GAUSSIAN_SEARCH_LIMIT);
    }

    static String restore(Random random, Rng state, int searchLimit) {
      int back = state.back(searchLimit);
      if (back >= 4) {
        long start = state.seed;
        for (int i = 0; i < back; i++) start = stepBack(start);
        random.setSeed(start ^ MULTIPLIER);
        random.nextGaussian(); // leaves the same value pending, `back - 4` steps behind
        for (int i = 4; i < back; i++) random.nextInt(); // one step each
        Rng check = read(0, random);
        if (check.seed == state.seed && check.pending && Double.doubleToRawLongBits(
            check.gaussian) == Double.doubleToRawLongBits(state.gaussian)) {
          return null;
        }
      }
      random.setSeed(state.seed ^ MULTIPLIER);
      if (!state.pending) return null;
      return "a java.util.Random had a pending nextGaussian() value that could not be restored:"
          + " the next nextGaussian() differs from the original run (other draws are exact)";
    }

    /**
     * The pending value was computed, together with the Gaussian returned before it, from the
     * last 4 steps of some earlier nextGaussian() call (its last, accepted, pair of doubles):
     * finds how many steps behind {@code seed} that pair starts, replaying the arithmetic of
     * {@code Random.nextDouble} and {@code Random.nextGaussian}; -1 if not within the limit.
     * About 30 ns a step.
     */
    static int search(long seed, double gaussian, int limit) {
      long s = seed;
      for (int i = 0; i < 3; i++) s = stepBack(s);
      long target = Double.doubleToRawLongBits(gaussian);
      for (int back = 4; back <= limit; back++) {
        s = stepBack(s); // now the seed `back` steps behind
        long s1 = step(s);
        long s2 = step(s1);
        long s3 = step(s2);
        long s4 = step(s3);
        double v1 = 2 * ((((long) bits(s1, 26) << 27) + bits(s2, 27)) * DOUBLE_UNIT) - 1;
        double v2 = 2 * ((((long) bits(s3, 26) << 27) + bits(s4, 27)) * DOUBLE_UNIT) - 1;
        double r = v1 * v1 + v2 * v2;
        if (r >= 1 || r == 0) continue;
        double multiplier = StrictMath.sqrt(-2 * StrictMath.log(r) / r);
        if (Double.doubleToRawLongBits(v2 * multiplier) == target) return back;
      }
      return -1;
    }

    private static long step(long s) {
      return (s * MULTIPLIER + ADDEND) & MASK;
    }

    private static long stepBack(long s) {
      return ((s - ADDEND) * INVERSE) & MASK;
    }

    private static int bits(long s, int bits) {
      return (int) (s >>> (48 - bits));
    }

    private static long inverse(long a) {
      long x = a; // Newton: each round doubles the number of correct low bits
      for (int i = 0; i < 6; i++) x *= 2 - a * x;
      return x & MASK;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Restore.

  private static final class Restorer {
    final Object[] byId;
    final ClassLoader loader;
    final List<String> warnings = new ArrayList<>();
    int gaussianSearchLimit = GAUSSIAN_SEARCH_LIMIT;

    Restorer(int tracked, ClassLoader loader) {
      this.byId = new Object[tracked];
      this.loader = loader == null ? StateCodec.class.getClassLoader() : loader;
    }

    /**
     * Restores {@code node} into {@code live} in place when it can, and returns the object that
     * belongs in the place {@code live} was found: {@code live} itself, or a new object.
     */
    Object restore(Node node, Object live, String path) {
      if (node instanceof Value v) {
        return Objects.equals(v.value, live) && (live == null || live.getClass()
            == v.value.getClass()) ? live : v.value;
      }
      if (node instanceof Ref r) return byId[r.id];
      Tracked t = (Tracked) node;
      Object result = restoreTracked(t, live, path);
      byId[t.id] = result;
      return result;
    }

    private Object restoreTracked(Tracked node, Object live, String path) {
      if (node instanceof Prims p) {
        if (p.fits(live)) {
          p.copyInto(live);
          return live;
        }
        return p.newArray();
      }
      if (node instanceof Arr arr) {
        Object[] old = live instanceof Object[] l ? l : new Object[0];
        Object[] target;
        if (old.getClass().getComponentType().getName().equals(arr.component)
            && old.length == arr.elements.length) {
          target = old;
        } else {
          target = (Object[]) Array.newInstance(load(arr.component, path), arr.elements.length);
        }
        byId[arr.id] = target;
        for (int i = 0; i < arr.elements.length; i++) {
          Object previous = i < old.length ? old[i] : null; // rows are reused even if resized
          Object r = restore(arr.elements[i], previous, path + "[" + i + "]");
          if (r != target[i]) target[i] = r;
        }
        return target;
      }
      if (node instanceof Coll c) return restoreCollection(c, live, path);
      if (node instanceof MapNode m) return restoreMap(m, live, path);
      if (node instanceof Rng r) {
        Random random = live != null && live.getClass() == Random.class ? (Random) live
            : new Random();
        byId[r.id] = random;
        String warning = RandomState.restore(random, r, gaussianSearchLimit);
        if (warning != null) warnings.add(path + ": " + warning);
        return random;
      }
      if (node instanceof Custom c) {
        Object target = live != null && live.getClass().getName().equals(c.type) ? live
            : instantiate(load(c.type, path), path);
        byId[c.id] = target;
        try {
          ByteArrayInputStream bytes = new ByteArrayInputStream(c.bytes);
          ((Checkpointable) target).restoreState(new DataInputStream(bytes));
          if (bytes.available() > 0) {
            warnings.add(path + ": restoreState of " + c.type + " read "
                + (c.bytes.length - bytes.available()) + " of the " + c.bytes.length
                + " bytes saveState wrote");
          }
        } catch (IOException e) {
          throw new UncheckedIOException("restoreState of " + path + " (a " + c.type + ") failed", e);
        }
        return target;
      }
      return restoreObject((Obj) node, live, path);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object restoreCollection(Coll node, Object live, String path) {
      Collection target;
      if (live instanceof Collection<?> l && l.getClass().getName().equals(node.type)) {
        target = l;
      } else {
        target = newCollection(node.type, path);
      }
      byId[node.id] = target;
      Object[] old = target.toArray();
      Object[] items = new Object[node.elements.length];
      boolean same = old.length == items.length;
      for (int i = 0; i < items.length; i++) {
        Object previous = i < old.length ? old[i] : null;
        items[i] = restore(node.elements[i], previous, path + "[" + i + "]");
        same &= items[i] == previous;
      }
      if (same) return target;
      try {
        if (target instanceof List list && old.length == items.length) {
          for (int i = 0; i < items.length; i++) {
            if (items[i] != old[i]) list.set(i, items[i]);
          }
        } else {
          target.clear();
          target.addAll(Arrays.asList(items));
        }
      } catch (UnsupportedOperationException e) {
        // An unmodifiable collection whose contents differ: the place that holds it gets an
        // unmodifiable copy of the checkpointed contents instead (an error at the top level).
        List<Object> copy = new ArrayList<>(Arrays.asList(items));
        Collection<Object> replacement = target instanceof Set
            ? Collections.unmodifiableSet(new LinkedHashSet<>(copy))
            : Collections.unmodifiableList(copy);
        byId[node.id] = replacement;
        return replacement;
      }
      return target;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object restoreMap(MapNode node, Object live, String path) {
      Map target;
      if (live instanceof Map<?, ?> l && l.getClass().getName().equals(node.type)) {
        target = l;
      } else {
        target = (Map) newInstance(load(node.type, path), LinkedHashMap.class, path);
      }
      byId[node.id] = target;
      Map<Object, Object> contents = new LinkedHashMap<>();
      boolean same = target.size() == node.keys.length;
      for (int i = 0; i < node.keys.length; i++) {
        Object key = restore(node.keys[i], null, path + "<key " + i + ">");
        boolean present = target.containsKey(key);
        Object previous = present ? target.get(key) : null;
        Object value = restore(node.values[i], previous, path + "[" + keyLabel(key) + "]");
        same &= present && value == previous;
        contents.put(key, value);
      }
      if (same) return target;
      try {
        target.clear();
        target.putAll(contents);
      } catch (UnsupportedOperationException e) {
        Map<Object, Object> replacement = Collections.unmodifiableMap(contents);
        byId[node.id] = replacement;
        return replacement;
      }
      return target;
    }

    private Object restoreObject(Obj node, Object live, String path) {
      Class<?> type;
      Object target;
      if (live != null && live.getClass().getName().equals(node.type)) {
        type = live.getClass();
        target = live;
      } else {
        type = load(node.type, path);
        if (type.isRecord()) return newRecord(node, type, null, path);
        target = instantiate(type, path);
      }
      if (type.isRecord()) return restoreRecord(node, type, target, path);
      byId[node.id] = target;
      Field[] fields = fieldsOf(type);
      if (fields == null) {
        throw new IllegalStateException("Cannot restore " + path + ": " + FIELDS.get(type));
      }
      for (int i = 0; i < node.names.length; i++) {
        Field f = find(fields, node.declaring[i], node.names[i]);
        if (f == null) continue; // the field no longer exists
        String at = path + "." + f.getName();
        try {
          Object previous = f.get(target);
          Object value = restore(node.values[i], previous, at);
          if (value == previous || (value != null && f.getType().isPrimitive()
              && value.equals(previous))) {
            continue;
          }
          f.set(target, value);
        } catch (IllegalAccessException | IllegalArgumentException e) {
          throw new IllegalStateException("Cannot restore " + at + ": " + e.getMessage(), e);
        }
      }
      return target;
    }

    /**
     * A record cannot be reassigned: its components are restored in place, and if one of them
     * would have to be replaced, a new record is made for the place that held it.
     */
    private Object restoreRecord(Obj node, Class<?> type, Object live, String path) {
      byId[node.id] = live;
      Field[] fields = fieldsOf(type);
      boolean same = true;
      Object[] values = new Object[node.names.length];
      for (int i = 0; i < node.names.length; i++) {
        Field f = find(fields, node.declaring[i], node.names[i]);
        String at = path + "." + node.names[i];
        Object previous;
        try {
          previous = f == null ? null : f.get(live);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException("Cannot restore " + at + ": " + e.getMessage(), e);
        }
        values[i] = restore(node.values[i], previous, at);
        same &= values[i] == previous || (values[i] != null && f.getType().isPrimitive()
            && values[i].equals(previous));
      }
      return same ? live : newRecord(node, type, values, path);
    }

    private Object newRecord(Obj node, Class<?> type, Object[] restored, String path) {
      RecordComponent[] components = type.getRecordComponents();
      Class<?>[] types = new Class<?>[components.length];
      Object[] args = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        types[i] = components[i].getType();
        for (int j = 0; j < node.names.length; j++) {
          if (node.names[j].equals(components[i].getName())) {
            args[i] = restored != null ? restored[j]
                : restore(node.values[j], null, path + "." + node.names[j]);
          }
        }
      }
      try {
        Constructor<?> constructor = type.getDeclaredConstructor(types);
        constructor.setAccessible(true);
        Object record = constructor.newInstance(args);
        byId[node.id] = record;
        return record;
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException("Cannot recreate " + path + " (a " + type.getName()
            + "): " + e, e);
      }
    }

    private static Field find(Field[] fields, String declaring, String name) {
      for (Field f : fields) {
        if (f.getName().equals(name) && f.getDeclaringClass().getName().equals(declaring)) {
          return f;
        }
      }
      return null;
    }

    private Collection<?> newCollection(String type, String path) {
      Class<?> c = load(type, path);
      Class<?> fallback = List.class.isAssignableFrom(c) ? ArrayList.class
          : Set.class.isAssignableFrom(c) ? LinkedHashSet.class
          : Deque.class.isAssignableFrom(c) || Queue.class.isAssignableFrom(c) ? ArrayDeque.class
          : ArrayList.class;
      return (Collection<?>) newInstance(c, fallback, path);
    }

    /** A new instance through a public no-argument constructor, else of {@code fallback}. */
    private static Object newInstance(Class<?> c, Class<?> fallback, String path) {
      try {
        return c.getConstructor().newInstance();
      } catch (ReflectiveOperationException | RuntimeException e) {
        try {
          return fallback.getConstructor().newInstance();
        } catch (ReflectiveOperationException e2) {
          throw new IllegalStateException("Cannot recreate " + path, e2);
        }
      }
    }

    /**
     * A new object of a user class, for a place that is null (or holds another class) in the live
     * object: through its no-argument constructor, else, for a {@code Serializable} class, the
     * way Java serialization makes one (the no-argument constructor of its first
     * non-serializable superclass); its fields are restored next.
     */
    private static Object instantiate(Class<?> c, String path) {
      try {
        Constructor<?> constructor;
        try {
          constructor = c.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
          if (!Serializable.class.isAssignableFrom(c)) throw e;
          constructor = serializationConstructor(c);
          if (constructor == null) throw e;
        }
        constructor.setAccessible(true);
        return constructor.newInstance();
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("Cannot restore " + path + ": it is null (or of another"
            + " class) in the live object and " + c.getName() + " has no no-argument constructor"
            + " to recreate it; construct it before restoring", e);
      } catch (InstantiationException | IllegalAccessException | InvocationTargetException
          | RuntimeException e) {
        throw new IllegalStateException("Cannot recreate " + path + " (a " + c.getName() + "): "
            + e, e);
      }
    }

    /**
     * The constructor Java serialization uses, from {@code sun.reflect.ReflectionFactory} in the
     * {@code jdk.unsupported} module (exported, no flags needed); null where it is missing.
     */
    private static Constructor<?> serializationConstructor(Class<?> c) {
      try {
        Class<?> factory = Class.forName("sun.reflect.ReflectionFactory");
        Object instance = factory.getMethod("getReflectionFactory").invoke(null);
        return (Constructor<?>) factory.getMethod("newConstructorForSerialization", Class.class)
            .invoke(instance, c);
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        return null;
      }
    }

    private Class<?> load(String name, String path) {
      try {
        return Class.forName(name, false, loader);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("Cannot restore " + path + ": class " + name
            + " not found", e);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding.

  private static final byte VALUE = 0;
  private static final byte PRIMS = 1;
  private static final byte ARRAY = 2;
  private static final byte COLL = 3;
  private static final byte MAP = 4;
  private static final byte RANDOM = 5;
  private static final byte CUSTOM = 6;
  private static final byte OBJECT = 7;
  private static final byte REF = 8;

  private static void write(DataOutputStream out, Node node) throws IOException {
    if (node instanceof Value v) {
      out.writeByte(VALUE);
      writeValue(out, v.value);
    } else if (node instanceof Ref r) {
      out.writeByte(REF);
      out.writeInt(r.id);
    } else if (node instanceof Prims p) {
      out.writeByte(PRIMS);
      p.write(out);
    } else if (node instanceof Arr a) {
      out.writeByte(ARRAY);
      out.writeUTF(a.component);
      out.writeInt(a.elements.length);
      for (Node e : a.elements) write(out, e);
    } else if (node instanceof Coll c) {
      out.writeByte(COLL);
      out.writeUTF(c.type);
      out.writeInt(c.elements.length);
      for (Node e : c.elements) write(out, e);
    } else if (node instanceof MapNode m) {
      out.writeByte(MAP);
      out.writeUTF(m.type);
      out.writeInt(m.keys.length);
      for (int i = 0; i < m.keys.length; i++) {
        write(out, m.keys[i]);
        write(out, m.values[i]);
      }
    } else if (node instanceof Rng r) {
      out.writeByte(RANDOM);
      out.writeLong(r.seed);
      out.writeBoolean(r.pending);
      out.writeDouble(r.gaussian);
      out.writeInt(r.back(GAUSSIAN_SEARCH_LIMIT));
    } else if (node instanceof Custom c) {
      out.writeByte(CUSTOM);
      out.writeUTF(c.type);
      out.writeInt(c.bytes.length);
      out.write(c.bytes);
    } else {
      Obj o = (Obj) node;
      out.writeByte(OBJECT);
      out.writeUTF(o.type);
      out.writeInt(o.names.length);
      for (int i = 0; i < o.names.length; i++) {
        out.writeUTF(o.declaring[i]);
        out.writeUTF(o.names[i]);
        write(out, o.values[i]);
      }
    }
  }

  private static void writeValue(DataOutputStream out, Object v) throws IOException {
    if (v == null) {
      out.writeByte(0);
    } else if (v instanceof Boolean b) {
      out.writeByte(1);
      out.writeBoolean(b);
    } else if (v instanceof Byte b) {
      out.writeByte(2);
      out.writeByte(b);
    } else if (v instanceof Short s) {
      out.writeByte(3);
      out.writeShort(s);
    } else if (v instanceof Character c) {
      out.writeByte(4);
      out.writeChar(c);
    } else if (v instanceof Integer i) {
      out.writeByte(5);
      out.writeInt(i);
    } else if (v instanceof Long l) {
      out.writeByte(6);
      out.writeLong(l);
    } else if (v instanceof Float f) {
      out.writeByte(7);
      out.writeFloat(f);
    } else if (v instanceof Double d) {
      out.writeByte(8);
      out.writeDouble(d);
    } else if (v instanceof String s) {
      out.writeByte(9);
      writeString(out, s);
    } else if (v instanceof Enum<?> e) {
      out.writeByte(10);
      out.writeUTF(e.getDeclaringClass().getName());
      out.writeUTF(e.name());
    } else if (v instanceof BigInteger b) {
      out.writeByte(11);
      writeString(out, b.toString());
    } else {
      out.writeByte(12);
      writeString(out, v.toString());
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static void writePrimitives(DataOutputStream out, Object a) throws IOException {
    int n = Array.getLength(a);
    char code = a.getClass().getName().charAt(1);
    out.writeByte(code);
    out.writeInt(n);
    int size = switch (code) {
      case 'Z', 'B' -> 1;
      case 'S', 'C' -> 2;
      case 'I', 'F' -> 4;
      default -> 8;
    };
    ByteBuffer b = ByteBuffer.allocate(n * size);
    switch (code) {
      case 'Z' -> {
        for (boolean x : (boolean[]) a) b.put((byte) (x ? 1 : 0));
      }
      case 'B' -> b.put((byte[]) a);
      case 'S' -> b.asShortBuffer().put((short[]) a);
      case 'C' -> b.asCharBuffer().put((char[]) a);
      case 'I' -> b.asIntBuffer().put((int[]) a);
      case 'F' -> b.asFloatBuffer().put((float[]) a);
      case 'J' -> b.asLongBuffer().put((long[]) a);
      default -> b.asDoubleBuffer().put((double[]) a);
    }
    out.write(b.array());
  }

  private static final class Decoder {
    final ByteBuffer in;
    final ClassLoader loader;
    int next;

    Decoder(ByteBuffer in, ClassLoader loader) {
      this.in = in;
      this.loader = loader;
    }

    Node node() throws IOException {
      int tag = in.get() & 0xff;
      switch (tag) {
        case VALUE:
          return new Value(value());
        case REF: {
          int id = in.getInt();
          if (id < 0 || id >= next) throw new IllegalArgumentException("corrupt checkpoint (bad reference)");
          return new Ref(id);
        }
        case PRIMS:
          return primitives(next++);
        case ARRAY: {
          int id = next++;
          String component = utf();
          Node[] elements = nodes(length());
          return new Arr(id, component, elements);
        }
        case COLL: {
          int id = next++;
          String type = utf();
          return new Coll(id, type, nodes(length()));
        }
        case MAP: {
          int id = next++;
          String type = utf();
          int n = length();
          Node[] keys = new Node[n];
          Node[] values = new Node[n];
          for (int i = 0; i < n; i++) {
            keys[i] = node();
            values[i] = node();
          }
          return new MapNode(id, type, keys, values);
        }
        case RANDOM:
          return new Rng(next++, in.getLong(), in.get() != 0, in.getDouble(), in.getInt());
        case CUSTOM: {
          int id = next++;
          String type = utf();
          return new Custom(id, type, bytes(length()));
        }
        case OBJECT: {
          int id = next++;
          String type = utf();
          int n = length();
          String[] declaring = new String[n];
          String[] names = new String[n];
          Node[] values = new Node[n];
          for (int i = 0; i < n; i++) {
            declaring[i] = utf();
            names[i] = utf();
            values[i] = node();
          }
          return new Obj(id, type, declaring, names, values);
        }
        default:
          throw new IllegalArgumentException("corrupt checkpoint (unknown node " + tag + ")");
      }
    }

    Node[] nodes(int n) throws IOException {
      Node[] nodes = new Node[n];
      for (int i = 0; i < n; i++) nodes[i] = node();
      return nodes;
    }

    int length() throws IOException {
      int n = in.getInt();
      if (n < 0 || n > in.remaining()) {
        throw new IllegalArgumentException("corrupt checkpoint (bad length " + n + ")");
      }
      return n;
    }

    byte[] bytes(int n) {
      byte[] b = new byte[n];
      in.get(b);
      return b;
    }

    /** A string as {@link DataOutputStream#writeUTF} writes it (modified UTF-8 after its length). */
    String utf() throws IOException {
      int n = in.getShort() & 0xffff;
      byte[] b = new byte[n + 2];
      b[0] = (byte) (n >>> 8);
      b[1] = (byte) n;
      in.get(b, 2, n);
      return DataInputStream.readUTF(new DataInputStream(new ByteArrayInputStream(b)));
    }

    String string() throws IOException {
      return new String(bytes(length()), StandardCharsets.UTF_8);
    }

    Object value() throws IOException {
      int tag = in.get() & 0xff;
      switch (tag) {
        case 0: return null;
        case 1: return in.get() != 0;
        case 2: return in.get();
        case 3: return in.getShort();
        case 4: return in.getChar();
        case 5: return in.getInt();
        case 6: return in.getLong();
        case 7: return in.getFloat();
        case 8: return in.getDouble();
        case 9: return string();
        case 10: {
          String type = utf();
          String name = utf();
          try {
            Class<?> c = Class.forName(type, true, loader);
            for (Object constant : c.getEnumConstants()) {
              if (((Enum<?>) constant).name().equals(name)) return constant;
            }
            throw new IllegalArgumentException("enum " + type + " has no constant " + name);
          } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("enum class " + type + " not found", e);
          }
        }
        case 11: return new BigInteger(string());
        case 12: return new BigDecimal(string());
        default:
          throw new IllegalArgumentException("corrupt checkpoint (unknown value " + tag + ")");
      }
    }

    Prims primitives(int id) {
      char code = (char) (in.get() & 0xff);
      int n = in.getInt();
      int size = switch (code) {
        case 'Z', 'B' -> 1;
        case 'S', 'C' -> 2;
        case 'I', 'F' -> 4;
        case 'J', 'D' -> 8;
        default -> throw new IllegalArgumentException("corrupt checkpoint (array type " + code + ")");
      };
      if (n < 0 || (long) n * size > in.remaining()) {
        throw new IllegalArgumentException("corrupt checkpoint (bad length " + n + ")");
      }
      ByteBuffer elements = in.slice(in.position(), n * size); // big-endian
      in.position(in.position() + n * size);
      return new Prims(id, code, n, elements);
    }
  }

}
