package dev.flordb.internal.store;

import dev.flordb.internal.records.Values;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a record line in the exact layout {@code RecordWriter} writes, straight from its bytes,
 * for the records that are most of every file: a {@code log}, {@code prof}, {@code io}, {@code
 * warn} or {@code ckpt} record of the file's own run whose value is a number, a boolean, null or a
 * plain string.
 *
 * <pre>{@code
 * {"run":"<run>","seq":N,"t":N,"ctx":[["epoch",3,null],["step",7,null]],"kind":"log","name":"loss","type":"float","value":0.25,"src":"forward"}
 * }</pre>
 *
 * Anything else it refuses ({@link #parse} returns false) and the caller reads the line with the
 * general {@code RecordFormat.parse}: keys in another order or with spaces, another run's id, a
 * string with an escape or a byte beyond ASCII, a non-finite float (written as a string), a JSON or
 * repr value, a number not in JSON's own form or with more than 18 integral digits, a header, an
 * arg or an end record. Numbers are read exactly: with a one-rounding fast path where the decimal
 * holds at most 15 significant digits, else by {@link Double#parseDouble}. So what it
 * accepts it reads as the general parser would, and the general parser alone says why a line is
 * damaged.
 *
 * <p>Consecutive records mostly share their outer loop positions: the positions whose bytes are
 * those of the previous accepted line are not read again, and {@link #reused} says how many.
 */
final class WriterLine {
  private static final byte[] RUN = ascii("{\"run\":\"");
  private static final byte[] SEQ = ascii("\",\"seq\":");
  private static final byte[] T = ascii(",\"t\":");
  private static final byte[] CTX = ascii(",\"ctx\":[");
  private static final byte[] KIND = ascii(",\"kind\":\"");
  private static final byte[] NAME = ascii("\",\"name\":\"");
  private static final byte[] TYPE = ascii("\",\"type\":\"");
  private static final byte[] VALUE = ascii("\",\"value\":");
  private static final byte[] SRC = ascii(",\"src\":\"");
  private static final byte[] NULL = ascii("null");
  private static final byte[] TRUE = ascii("true");
  private static final byte[] FALSE = ascii("false");
  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  };
  private static final int MAX_DEPTH = 64;

  private final byte[] run;
  private final Names names = new Names();

  // ---- the line read last
  long seq;
  long t;
  String kind;
  String name;
  Values type;
  String source;
  /** The value: a Long, Double, Boolean or String, or null. */
  Object value;
  /** The loop positions, outermost first: {@code depth} of them. */
  int depth;
  final String[] loops = new String[MAX_DEPTH];
  final long[] idx = new long[MAX_DEPTH];
  final Object[] loopValues = new Object[MAX_DEPTH];
  /** How many of the outer positions are the previous accepted line's (the same bytes). */
  int reused;

  /** The previous accepted line's context bytes, and where each of its positions ends in them. */
  private byte[] lastCtx = new byte[256];
  private int lastCtxLength = -1;
  private final int[] lastEnds = new int[MAX_DEPTH];
  private int lastDepth;

  /** A reader of the lines of run {@code runId}'s file. */
  WriterLine(String runId) {
    this.run = runId.getBytes(StandardCharsets.UTF_8);
  }

  /** Forgets the previous line: the next one shares no positions with it (the caller read a line another way). */
  void forget() {
    lastCtxLength = -1;
  }

  /**
   * Reads {@code b[from, to)} (a line without its newline); false if it is not in the writer's
   * layout (and then the next line shares no positions with this one).
   */
  boolean parse(byte[] b, int from, int to) {
    if (read(b, from, to)) return true;
    lastCtxLength = -1;
    return false;
  }

  private boolean read(byte[] b, int from, int to) {
    int p = expect(b, from, to, RUN);
    if (p < 0 || to - p < run.length || !Arrays.equals(b, p, p + run.length, run, 0, run.length)) return false;
    p = expect(b, p + run.length, to, SEQ);
    if (p < 0) return false;
    long s = 0;
    int start = p;
    while (p < to && p - start < 18 && b[p] >= '0' && b[p] <= '9') s = s * 10 + (b[p++] - '0');
    if (p == start) return false;
    p = expect(b, p, to, T);
    if (p < 0) return false;
    long time = 0;
    start = p;
    while (p < to && p - start < 18 && b[p] >= '0' && b[p] <= '9') time = time * 10 + (b[p++] - '0');
    if (p == start) return false;
    p = expect(b, p, to, CTX);
    if (p < 0) return false;
    p = context(b, p - 1, to);
    if (p < 0) return false;
    p = expect(b, p, to, KIND);
    if (p < 0) return false;
    int end = plainString(b, p, to);
    if (end < 0) return false;
    String k = names.kind(b, p, end);
    if (k == null) return false;
    p = expect(b, end, to, NAME);
    if (p < 0) return false;
    end = plainString(b, p, to);
    if (end < 0) return false;
    String n = names.of(b, p, end);
    p = expect(b, end, to, TYPE);
    if (p < 0) return false;
    end = plainString(b, p, to);
    if (end < 0) return false;
    Values ty = type(b, p, end);
    if (ty == null) return false;
    p = expect(b, end, to, VALUE);
    if (p < 0) return false;
    p = value(b, p, to, ty);
    if (p < 0) return false;
    p = expect(b, p, to, SRC);
    if (p < 0) return false;
    end = plainString(b, p, to);
    if (end < 0 || end + 2 != to || b[end + 1] != '}') return false;
    String src = names.source(b, p, end);
    if (src == null) return false;
    seq = s;
    t = time;
    kind = k;
    name = n;
    type = ty;
    source = src;
    return true;
  }

  /**
   * Reads the context list starting at {@code b[p] == '['}; returns the offset after it, or -1.
   * Positions byte-equal to the previous line's are taken from it.
   */
  private int context(byte[] b, int p, int to) {
    int ctxStart = p;
    // the previous line's positions that this one repeats, byte for byte
    int same = 0;
    if (lastCtxLength >= 0) {
      int max = Math.min(lastCtxLength, to - ctxStart);
      int i = Arrays.mismatch(b, ctxStart, ctxStart + max, lastCtx, 0, max);
      int common = i < 0 ? max : i;
      while (same < lastDepth && lastEnds[same] <= common) same++;
    }
    int d = same;
    p = same == 0 ? p + 1 : ctxStart + lastEnds[same - 1];
    if (same == 0 && p < to && b[p] == ']') {
      d = 0;
      p++;
    } else {
      if (same > 0) {
        // after a repeated position: ',' then the next one, or the closing ']'
        if (p >= to) return -1;
        if (b[p] == ']') {
          p++;
          return finishContext(b, ctxStart, p, d, same);
        }
        if (b[p] != ',') return -1;
        p++;
      }
      while (true) {
        if (d == MAX_DEPTH) return -1;
        if (p + 1 >= to || b[p] != '[' || b[p + 1] != '"') return -1;
        int nameStart = p + 2;
        int nameEnd = plainString(b, nameStart, to);
        if (nameEnd < 0 || nameEnd + 1 >= to || b[nameEnd + 1] != ',') return -1;
        p = nameEnd + 2;
        boolean negative = p < to && b[p] == '-';
        if (negative) p++;
        long v = 0;
        int start = p;
        while (p < to && p - start < 18 && b[p] >= '0' && b[p] <= '9') v = v * 10 + (b[p++] - '0');
        if (p == start || p >= to || b[p] != ',') return -1;
        p = loopValue(b, p + 1, to, d);
        if (p < 0 || p >= to || b[p] != ']') return -1;
        loops[d] = names.of(b, nameStart, nameEnd);
        idx[d] = negative ? -v : v;
        p++;
        lastEnds[d] = p - ctxStart;
        d++;
        if (p >= to) return -1;
        if (b[p] == ']') {
          p++;
          break;
        }
        if (b[p] != ',') return -1;
        p++;
      }
    }
    return finishContext(b, ctxStart, p, d, same);
  }

  private int finishContext(byte[] b, int ctxStart, int p, int d, int same) {
    depth = d;
    reused = same;
    lastDepth = d;
    int len = p - ctxStart;
    if (lastCtx.length < len) lastCtx = new byte[Math.max(len, lastCtx.length * 2)];
    System.arraycopy(b, ctxStart, lastCtx, 0, len);
    // the list's closing bracket is not part of any position: a longer context shares the positions
    lastCtxLength = len - 1;
    return p;
  }

  /** A loop position's element: null, a number, a boolean or a plain string. */
  private int loopValue(byte[] b, int p, int to, int d) {
    if (p >= to) return -1;
    byte c = b[p];
    if (c == 'n') {
      loopValues[d] = null;
      return expect(b, p, to, NULL);
    }
    if (c == 't' || c == 'f') {
      int q = expect(b, p, to, c == 't' ? TRUE : FALSE);
      loopValues[d] = c == 't';
      return q;
    }
    if (c == '"') {
      int end = plainString(b, p + 1, to);
      if (end < 0) return -1;
      loopValues[d] = new String(b, p + 1, end - p - 1, StandardCharsets.ISO_8859_1);
      return end + 1;
    }
    int q = number(b, p, to, true);
    if (q < 0) return -1;
    loopValues[d] = numberValue;
    return q;
  }

  private int value(byte[] b, int p, int to, Values ty) {
    if (p >= to) return -1;
    if (b[p] == 'n') {
      value = null;
      return expect(b, p, to, NULL);
    }
    switch (ty) {
      case INT: {
        int q = number(b, p, to, false);
        if (q < 0 || !(numberValue instanceof Long)) return -1;
        value = numberValue;
        return q;
      }
      case FLOAT: {
        int q = number(b, p, to, true);
        if (q < 0) return -1;
        value = numberValue instanceof Long ? (Object) ((Long) numberValue).doubleValue() : numberValue;
        return q;
      }
      case BOOL:
        if (b[p] == 't') {
          value = Boolean.TRUE;
          return expect(b, p, to, TRUE);
        }
        value = Boolean.FALSE;
        return expect(b, p, to, FALSE);
      case STR: {
        if (b[p] != '"') return -1;
        int end = plainString(b, p + 1, to);
        if (end < 0) return -1;
        value = new String(b, p + 1, end - p - 1, StandardCharsets.ISO_8859_1);
        return end + 1;
      }
      default:
        return -1; // json, repr: the general parser
    }
  }

  /** What {@link #number} read: a Long (integral text) or a finite Double. */
  private Object numberValue;

  /**
   * A JSON number as {@code Json} reads it: integral text as a Long (at most 18 digits here),
   * other text as the nearest double (a non-finite one is refused). Returns the offset after it.
   */
  private int number(byte[] b, int p, int to, boolean allowFraction) {
    int start = p;
    boolean negative = p < to && b[p] == '-';
    if (negative) p++;
    int intStart = p;
    long mantissa = 0;
    int digits = 0; // significant digits in mantissa
    while (p < to && b[p] >= '0' && b[p] <= '9') {
      if (digits < 19) {
        mantissa = mantissa * 10 + (b[p] - '0');
        if (mantissa != 0) digits++;
      } else {
        digits++;
      }
      p++;
    }
    int intDigits = p - intStart;
    if (intDigits == 0 || (intDigits > 1 && b[intStart] == '0')) return -1;
    boolean integral = p >= to || (b[p] != '.' && b[p] != 'e' && b[p] != 'E');
    if (integral) {
      if (intDigits > 18) return -1;
      numberValue = negative ? -mantissa : mantissa;
      return p;
    }
    if (!allowFraction) return -1;
    int exponent = 0;
    if (b[p] == '.') {
      p++;
      int fracStart = p;
      while (p < to && b[p] >= '0' && b[p] <= '9') {
        if (digits < 19) {
          mantissa = mantissa * 10 + (b[p] - '0');
          if (mantissa != 0) digits++;
          exponent--;
        } else {
          digits++;
        }
        p++;
      }
      if (p == fracStart) return -1;
    }
    if (p < to && (b[p] == 'e' || b[p] == 'E')) {
      p++;
      boolean expNegative = false;
      if (p < to && (b[p] == '+' || b[p] == '-')) expNegative = b[p++] == '-';
      int expStart = p;
      int e = 0;
      while (p < to && b[p] >= '0' && b[p] <= '9' && p - expStart < 4) e = e * 10 + (b[p++] - '0');
      if (p == expStart || (p < to && b[p] >= '0' && b[p] <= '9')) return -1;
      exponent += expNegative ? -e : e;
    }
    double d;
    if (digits <= 15 && exponent >= -22 && exponent <= 22) {
      // exact: a mantissa below 2^53 and a power of ten that a double holds, one rounding
      d = exponent >= 0 ? mantissa * POW10[exponent] : mantissa / POW10[-exponent];
      if (negative) d = -d;
    } else {
      d = Double.parseDouble(new String(b, start, p - start, StandardCharsets.ISO_8859_1));
    }
    if (!Double.isFinite(d)) return -1;
    numberValue = d;
    return p;
  }

  /** The offset of the closing quote of a string of printable ASCII without escapes from {@code p}, or -1. */
  private static int plainString(byte[] b, int p, int to) {
    for (; p < to; p++) {
      byte c = b[p];
      if (c == '"') return p;
      if (c == '\\' || c < 0x20 || c >= 0x7f) return -1;
    }
    return -1;
  }

  private static int expect(byte[] b, int p, int to, byte[] what) {
    int n = what.length;
    if (p < 0 || to - p < n) return -1;
    for (int i = 0; i < n; i++) if (b[p + i] != what[i]) return -1;
    return p + n;
  }

  private static Values type(byte[] b, int from, int to) {
    switch (to - from) {
      case 3:
        return b[from] == 'i' && b[from + 1] == 'n' && b[from + 2] == 't' ? Values.INT
            : b[from] == 's' && b[from + 1] == 't' && b[from + 2] == 'r' ? Values.STR : null;
      case 4:
        return b[from] == 'b' && b[from + 1] == 'o' && b[from + 2] == 'o' && b[from + 3] == 'l' ? Values.BOOL : null;
      case 5:
        return b[from] == 'f' && b[from + 1] == 'l' && b[from + 2] == 'o' && b[from + 3] == 'a' && b[from + 4] == 't'
            ? Values.FLOAT : null;
      default:
        return null; // json and repr are read by the general parser
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The strings of names, kinds and sources, made once each per file. */
  private static final class Names {
    private static final String[] KINDS = {"log", "prof", "io", "warn", "ckpt"};
    private static final String[] SOURCES = {"forward", "replay"};
    private final java.util.HashMap<Key, String> known = new java.util.HashMap<>();
    private final Key probe = new Key();
    /** The first few names seen (a file mostly repeats a handful): compared before hashing. */
    private final String[] recent = new String[8];
    private final byte[][] recentBytes = new byte[8][];
    private int recentCount;

    /** Kinds whose records hold values; the run's own records (run, arg, end, ...) go to the general parser. */
    String kind(byte[] b, int from, int to) {
      return pick(KINDS, b, from, to);
    }

    String source(byte[] b, int from, int to) {
      return pick(SOURCES, b, from, to);
    }

    private static String pick(String[] words, byte[] b, int from, int to) {
      for (String w : words) {
        if (w.length() != to - from) continue;
        boolean same = true;
        for (int i = 0; i < w.length() && same; i++) same = b[from + i] == w.charAt(i);
        if (same) return w;
      }
      return null;
    }

    /** The string of printable ASCII {@code b[from, to)}, the same instance for the same bytes. */
    String of(byte[] b, int from, int to) {
      int n = to - from;
      for (int i = 0; i < recentCount; i++) {
        byte[] r = recentBytes[i];
        if (r.length == n && Arrays.equals(b, from, to, r, 0, n)) return recent[i];
      }
      String s = known.get(probe.set(b, from, to));
      if (s == null) {
        s = new String(b, from, n, StandardCharsets.ISO_8859_1);
        if (known.size() < 4096) known.put(new Key().copyOf(b, from, to), s);
      }
      if (recentCount < recent.length) {
        recent[recentCount] = s;
        recentBytes[recentCount++] = Arrays.copyOfRange(b, from, to);
      }
      return s;
    }
  }

  /** A byte range as a hash key. */
  private static final class Key {
    byte[] b;
    int from;
    int to;
    int hash;

    Key set(byte[] b, int from, int to) {
      this.b = b;
      this.from = from;
      this.to = to;
      int h = 1;
      for (int i = from; i < to; i++) h = 31 * h + b[i];
      hash = h;
      return this;
    }

    Key copyOf(byte[] b, int from, int to) {
      return set(Arrays.copyOfRange(b, from, to), 0, to - from);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Key)) return false;
      Key k = (Key) o;
      return Arrays.equals(b, from, to, k.b, k.from, k.to);
    }
  }
}
