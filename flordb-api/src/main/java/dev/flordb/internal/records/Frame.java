package dev.flordb.internal.records;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One loop position in the context of a record: immutable, linked to its enclosing position.
 * Making one costs an allocation and nothing else: its JSON (a record's {@code ctx}) is built by
 * the thread that encodes records, the first time a record in it is written, from a prefix shared
 * by all the iterations of one run of a loop.
 */
public final class Frame {
  /** The context outside every loop. */
  public static final Frame ROOT = new Frame();

  public final Frame parent;
  public final String loop;
  public final long index;
  /** The loop's element where it is a plain value, else null. */
  public final Object value;
  /** 0 for the outermost loop; -1 for {@link #ROOT}. */
  public final int depth;
  /** True for a position of {@code Flor.iteration} (a named context without a loop), false for a loop's. */
  public final boolean iteration;
  /** The JSON of the context up to the index, shared by the loop's iterations; null for {@link #ROOT}. */
  final Prefix prefix;
  /** The context as the JSON of a record's {@code ctx}, in UTF-8; built by {@link #json()}. */
  private byte[] json;

  private Frame() {
    this.parent = null;
    this.loop = null;
    this.index = -1;
    this.value = null;
    this.depth = -1;
    this.iteration = false;
    this.prefix = null;
    this.json = new byte[] {'[', ']'};
  }

  public Frame(Frame parent, String loop, long index, Object value) {
    this(parent, loop, index, value, new Prefix(parent, loop));
  }

  /** A position of {@code Flor.iteration}. */
  public static Frame iteration(Frame parent, String name, long index, Object value) {
    return new Frame(parent, name, index, value, new Prefix(parent, name, true));
  }

  /**
   * A position of a loop whose {@link Prefix} is shared by all its iterations.
   *
   * @param prefix {@code new Prefix(parent, loop)}
   */
  public Frame(Frame parent, String loop, long index, Object value, Prefix prefix) {
    // the one constructor of positions: a loop step makes one, and C1's code for it then makes
    // no further constructor call
    this.parent = parent;
    this.loop = loop;
    this.index = index;
    this.value = value != null && Values.isScalar(value) ? value : null;
    this.depth = parent.depth + 1;
    this.iteration = prefix.iteration;
    this.prefix = prefix;
  }

  /**
   * The JSON of this context: {@code [["epoch",3,null],["step",7,null]]}. Called only by threads
   * that hold the record writer's write lock, which is what publishes the lazily built bytes.
   */
  byte[] json() {
    byte[] j = json;
    if (j != null) return j;
    byte[] p = prefix.bytes();
    byte[] valueJson = NULL;
    if (value != null) {
      StringBuilder sb = new StringBuilder(16);
      Values.classify(value).writeValue(sb, value);
      valueJson = sb.toString().getBytes(StandardCharsets.UTF_8);
    }
    j = new byte[p.length + Digits.lengthOf(index) + 1 + valueJson.length + 2];
    System.arraycopy(p, 0, j, 0, p.length);
    int at = Digits.writeLong(j, p.length, index);
    j[at++] = ',';
    System.arraycopy(valueJson, 0, j, at, valueJson.length);
    at += valueJson.length;
    j[at++] = ']';
    j[at] = ']';
    json = j;
    return j;
  }

  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  /**
   * The JSON of the context of a loop's positions inside {@code parent}, up to the index, shared by
   * the loop's iterations: {@code [["epoch",3,null],["step",} for a {@code step} loop in epoch 3.
   */
  public static final class Prefix {
    private final Frame parent;
    private final String loop;
    /** True for the positions of a {@code Flor.iteration} block, false for a loop's. */
    private final boolean iteration;
    private byte[] bytes;

    public Prefix(Frame parent, String loop) {
      this(parent, loop, false);
    }

    private Prefix(Frame parent, String loop, boolean iteration) {
      this.parent = parent;
      this.loop = loop;
      this.iteration = iteration;
    }

    byte[] bytes() {
      byte[] b = bytes;
      if (b != null) return b;
      StringBuilder sb = new StringBuilder(loop.length() + 8);
      if (parent != ROOT) sb.append(',');
      sb.append('[');
      Json.writeString(sb, loop);
      sb.append(',');
      byte[] own = sb.toString().getBytes(StandardCharsets.UTF_8);
      // the parent's list without its closing bracket, then the start of this position
      byte[] pj = parent.json();
      int keep = pj.length - 1;
      b = Arrays.copyOf(pj, keep + own.length);
      System.arraycopy(own, 0, b, keep, own.length);
      bytes = b;
      return b;
    }
  }

  /** The nearest enclosing frame (this one included) of the named loop, or null. */
  public Frame find(String loopName) {
    for (Frame f = this; f != ROOT; f = f.parent) {
      if (f.loop.equals(loopName)) return f;
    }
    return null;
  }

  /** "epoch=3/step=7": where this is, as replay compares it with recorded positions. */
  public String positionKey() {
    if (this == ROOT) return "";
    String outer = parent.positionKey();
    return (outer.isEmpty() ? "" : outer + "/") + loop + "=" + index;
  }

  /** The same key for a recorded context. */
  public static String positionKey(java.util.List<RecordFormat.Position> ctx) {
    StringBuilder sb = new StringBuilder();
    for (RecordFormat.Position p : ctx) {
      if (sb.length() > 0) sb.append('/');
      sb.append(p.loop()).append('=').append(p.index());
    }
    return sb.toString();
  }

  /** The outermost loop's frame (this one if it is outermost), or ROOT. */
  public Frame outermost() {
    Frame f = this;
    while (f.depth > 0) f = f.parent;
    return f;
  }

  /** "epoch=1 step=3", for echo. */
  public void describe(StringBuilder out) {
    if (this == ROOT) return;
    parent.describe(out);
    if (parent != ROOT) out.append(' ');
    out.append(loop).append('=').append(index);
  }
}
