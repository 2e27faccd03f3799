package dev.flordb.internal;

/**
 * One loop position in the context of a record: immutable, linked to its enclosing position.
 * The JSON of the whole context is built once per iteration, so that each record inside it only
 * appends a ready string.
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
  final String json;

  private Frame() {
    this.parent = null;
    this.loop = null;
    this.index = -1;
    this.value = null;
    this.depth = -1;
    this.json = "[]";
  }

  public Frame(Frame parent, String loop, long index, Object value) {
    this.parent = parent;
    this.loop = loop;
    this.index = index;
    this.value = Values.isScalar(value) ? value : null;
    this.depth = parent.depth + 1;
    StringBuilder sb = new StringBuilder(parent.json.length() + loop.length() + 24);
    sb.append(parent.json, 0, parent.json.length() - 1);
    if (parent != ROOT) sb.append(',');
    sb.append('[');
    Json.writeString(sb, loop);
    sb.append(',').append(index).append(',');
    if (this.value == null) {
      sb.append("null");
    } else {
      Values.classify(this.value).writeValue(sb, this.value);
    }
    sb.append("]]");
    this.json = sb.toString();
  }

  /** The nearest enclosing frame (this one included) of the named loop, or null. */
  public Frame find(String loopName) {
    for (Frame f = this; f != ROOT; f = f.parent) {
      if (f.loop.equals(loopName)) return f;
    }
    return null;
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
