package dev.flordb.internal.records;

import java.nio.charset.StandardCharsets;

/** Integers in decimal, two digits at a time, into byte arrays: the record writer's and the shared store's numbers. */
public final class Digits {
  private Digits() {}

  private static final long[] POW10 = new long[19];
  /** The least number of n + 1 digits, for n > 0; 0 for n = 0 (a number of at most 3 bits has 1). */
  private static final long[] AT_LEAST = new long[19];
  /** "00" to "99". */
  private static final byte[] PAIRS = new byte[200];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) POW10[i] = POW10[i - 1] * 10;
    for (int i = 1; i < AT_LEAST.length; i++) AT_LEAST[i] = POW10[i];
    for (int i = 0; i < 100; i++) {
      PAIRS[2 * i] = (byte) ('0' + i / 10);
      PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  /** The most characters {@link #writeLong} writes: {@code Long.MIN_VALUE}'s 20. */
  public static final int MAX_LONG_LENGTH = 20;

  /** How many characters {@code v} takes in decimal, its sign included. */
  public static int lengthOf(long v) {
    if (v >= 0) return length(v);
    return v == Long.MIN_VALUE ? MAX_LONG_LENGTH : 1 + length(-v);
  }

  /**
   * Writes {@code v} in decimal, as {@link Long#toString(long)} does, into {@code b} from {@code
   * at}, which has room for {@link #MAX_LONG_LENGTH} bytes; returns where it ends.
   */
  public static int writeLong(byte[] b, int at, long v) {
    if (v >= 0) return write(b, at, length(v), v);
    if (v == Long.MIN_VALUE) {
      byte[] min = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(min, 0, b, at, min.length);
      return at + min.length;
    }
    b[at] = '-';
    return write(b, at + 1, length(-v), -v);
  }

  /** 10^n, for n in [0, 18]. */
  static long pow10(int n) {
    return POW10[n];
  }

  /** Writes {@code v} (in [0, 10^8)) as exactly eight digits into {@code b[at..at+8)}. */
  static void write8(byte[] b, int at, int v) {
    int hi = v / 10_000;
    int lo = v - hi * 10_000;
    int a = hi / 100;
    int c = lo / 100;
    pair(b, at, a);
    pair(b, at + 2, hi - a * 100);
    pair(b, at + 4, c);
    pair(b, at + 6, lo - c * 100);
  }

  private static void pair(byte[] b, int at, int v) {
    b[at] = PAIRS[2 * v];
    b[at + 1] = PAIRS[2 * v + 1];
  }

  /** How many decimal digits {@code v} (non-negative) has. */
  static int length(long v) {
    // log10 from the bit length (1233 / 4096 is just above log10 2), then one comparison; no
    // branch for 0, whose first appearance (the first step of every loop) would cost compiled code
    int n = (64 - Long.numberOfLeadingZeros(v | 1)) * 1233 >>> 12;
    return v >= AT_LEAST[n] ? n + 1 : n;
  }

  /** Writes the {@code n} ({@link #length}) digits of {@code v} (non-negative) into {@code b[at..at+n)}; returns the end. */
  static int write(byte[] b, int at, int n, long v) {
    int i = at + n;
    while (v >= Integer.MAX_VALUE) {
      long q = v / 100;
      int r = (int) (v - q * 100) << 1;
      b[--i] = PAIRS[r + 1];
      b[--i] = PAIRS[r];
      v = q;
    }
    int u = (int) v;
    while (u >= 100) {
      int q = u / 100;
      int r = (u - q * 100) << 1;
      b[--i] = PAIRS[r + 1];
      b[--i] = PAIRS[r];
      u = q;
    }
    if (u >= 10) {
      b[--i] = PAIRS[2 * u + 1];
      b[--i] = PAIRS[2 * u];
    } else {
      b[--i] = (byte) ('0' + u);
    }
    return at + n;
  }
}
