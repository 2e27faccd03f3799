package dev.flordb.internal.records;

import java.math.BigInteger;

/**
 * Doubles as decimal text, fast and shortest: Java 17's {@code Double.toString} takes hundreds of
 * nanoseconds for values such as {@code 1/3} (its big-integer fallback), which made formatting the
 * record writer's bottleneck. This is Schubfach (Giulietti, "The Schubfach way to render doubles",
 * 2020; the algorithm of {@code Double.toString} since Java 19): three 64 x 64-bit products against
 * a table of 126-bit powers of ten give the shortest decimal that reads back as the same double (of
 * those, the closest to it; of two as close, the even one), and its digits are written two at a
 * time.
 *
 * <p>The text is the one {@code Double.toString} gives on Java 19 and later: plain for magnitudes
 * in [10^-3, 10^7) ({@code 0.25}, {@code 100.0}), else scientific ({@code 1.0E-5}, {@code
 * 6.02214076E23}); NaN and the infinities are the caller's to handle.
 */
public final class DoubleText {
  private DoubleText() {}

  private static final int P = 53;
  private static final int Q_MIN = -1074;
  private static final long C_MIN = 1L << (P - 1);
  /** Below this significand, a subnormal's digits are found from ten times it (one more digit of room). */
  private static final int C_TINY = 3;
  private static final int K_MIN = -324;
  private static final int K_MAX = 292;
  private static final long MASK_63 = (1L << 63) - 1;

  /** For each k in [K_MIN, K_MAX]: g = floor(10^-k / 2^r) + 1, 2^125 <= g < 2^126, as g1 (high 63 bits) and g0. */
  private static final long[] G = new long[2 * (K_MAX - K_MIN + 1)];

  static {
    BigInteger mask63 = BigInteger.ONE.shiftLeft(63).subtract(BigInteger.ONE);
    for (int k = K_MIN; k <= K_MAX; k++) {
      int r = flog2pow10(-k) - 125; // 10^-k = beta 2^r with 2^125 <= beta < 2^126
      BigInteger g;
      if (k <= 0) {
        BigInteger p = BigInteger.TEN.pow(-k);
        g = r >= 0 ? p.shiftRight(r) : p.shiftLeft(-r);
      } else {
        g = BigInteger.ONE.shiftLeft(-r).divide(BigInteger.TEN.pow(k));
      }
      g = g.add(BigInteger.ONE);
      if (g.bitLength() != 126) throw new IllegalStateException("DoubleText: the table of powers of ten is wrong at " + k);
      int i = (k - K_MIN) << 1;
      G[i] = g.shiftRight(63).longValueExact();
      G[i + 1] = g.and(mask63).longValue();
    }
  }

  /** Appends {@code v} (finite) as text. */
  static void append(StringBuilder out, double v) {
    if (!Double.isFinite(v)) {
      out.append(v);
      return;
    }
    byte[] text = new byte[MAX_LENGTH];
    int n = write(text, 0, v, new byte[DIGITS]);
    for (int i = 0; i < n; i++) out.append((char) text[i]);
  }

  static String toString(double v) {
    StringBuilder sb = new StringBuilder(24);
    append(sb, v);
    return sb.toString();
  }

  /** The most bytes {@link #write} writes: a sign, 17 digits, "0.00" or a point and "E-324". */
  public static final int MAX_LENGTH = 26;
  /** The size of the scratch array {@link #write} takes. */
  public static final int DIGITS = 18;

  /**
   * Writes {@code v} (finite) as ASCII text into {@code out} from {@code at}, which has room for
   * {@link #MAX_LENGTH} bytes, and returns where the text ends. {@code digits} is scratch space of
   * {@link #DIGITS} bytes, so that a caller that formats many numbers allocates nothing.
   */
  public static int write(byte[] out, int at, double v, byte[] digits) {
    long bits = Double.doubleToRawLongBits(v);
    long t = bits & (C_MIN - 1);
    int bq = (int) (bits >>> (P - 1)) & 0x7ff;
    if (bq == 0x7ff) throw new IllegalArgumentException("not a finite double: " + v);
    if (bits < 0) out[at++] = '-';
    if (bq != 0) {
      int mq = -Q_MIN + 1 - bq;
      long c = C_MIN | t;
      if (0 < mq && mq < P) {
        long f = c >> mq;
        if (f << mq == c) return chars(out, at, f, 0, digits); // an integer below 2^53
      }
      return decimal(out, at, -mq, c, 0, digits);
    }
    if (t != 0) return t < C_TINY ? decimal(out, at, Q_MIN, 10 * t, -1, digits) : decimal(out, at, Q_MIN, t, 0, digits);
    out[at++] = '0';
    out[at++] = '.';
    out[at++] = '0';
    return at;
  }

  /** Writes the shortest decimal in the rounding interval of {@code c 2^q}, {@code 10^dk} scaled. */
  private static int decimal(byte[] out, int at, int q, long c, int dk, byte[] digits) {
    int odd = (int) c & 1;
    long cb = c << 2;
    long cbr = cb + 2;
    long cbl;
    int k;
    if (c != C_MIN || q == Q_MIN) {
      cbl = cb - 2;
      k = flog10pow2(q);
    } else {
      // at a power of two the interval below is half as wide
      cbl = cb - 1;
      k = flog10threeQuartersPow2(q);
    }
    int h = q + flog2pow10(-k) + 2;
    int i = (k - K_MIN) << 1;
    long g1 = G[i];
    long g0 = G[i + 1];
    long vb = roundedProduct(g1, g0, cb << h);
    long vbl = roundedProduct(g1, g0, cbl << h);
    long vbr = roundedProduct(g1, g0, cbr << h);
    long s = vb >> 2;
    if (s >= 100) {
      // one digit fewer, if a decimal of that length lies in the interval
      long sp10 = 10 * Math.multiplyHigh(s, 115_292_150_460_684_698L << 4);
      long tp10 = sp10 + 10;
      boolean upin = vbl + odd <= sp10 << 2;
      boolean wpin = (tp10 << 2) + odd <= vbr;
      if (upin != wpin) return chars(out, at, upin ? sp10 : tp10, k, digits);
    }
    long tt = s + 1;
    boolean uin = vbl + odd <= s << 2;
    boolean win = (tt << 2) + odd <= vbr;
    if (uin != win) return chars(out, at, uin ? s : tt, k + dk, digits);
    long cmp = vb - ((s + tt) << 1);
    return chars(out, at, cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : tt, k + dk, digits);
  }

  /** (g1 2^63 + g0) cp / 2^127, rounded to odd: its lowest bit says whether the product was exact. */
  private static long roundedProduct(long g1, long g0, long cp) {
    long x1 = Math.multiplyHigh(g0, cp);
    long y0 = g1 * cp;
    long y1 = Math.multiplyHigh(g1, cp);
    long z = (y0 >>> 1) + x1;
    long vbp = y1 + (z >>> 63);
    return vbp | ((z & MASK_63) + MASK_63) >>> 63;
  }

  /** floor(q log10 2), for |q| <= 5456721. */
  private static int flog10pow2(int q) {
    return (int) (q * 661_971_961_083L >> 41);
  }

  /** floor(q log10 (3/4 2)), for |q| <= 2^19. */
  private static int flog10threeQuartersPow2(int q) {
    return (int) (q * 661_971_961_083L + -274_743_187_321L >> 41);
  }

  /** floor(e log2 10), for |e| <= 1838394. */
  private static int flog2pow10(int e) {
    return (int) (e * 913_124_641_741L >> 38);
  }

  /** Writes {@code f 10^e} (f > 0, at most 17 digits) as Java does. */
  private static int chars(byte[] out, int at, long f, int e, byte[] d) {
    // as 17 digits: the first, then two groups of eight (products in place of long divisions)
    int pad = 17 - Digits.length(f);
    f *= Digits.pow10(pad);
    long hm = f / 100_000_000;
    int l = (int) (f - hm * 100_000_000);
    int h = (int) (hm / 100_000_000);
    int m = (int) (hm - h * 100_000_000L);
    d[0] = (byte) ('0' + h);
    Digits.write8(d, 1, m);
    Digits.write8(d, 9, l);
    // the text shows the digits up to the last non-zero one
    int n = 17;
    while (d[n - 1] == '0') n--;
    return format(out, at, d, n, e - pad + 17 - n);
  }

  /** Writes digits d1..dn with value d1...dn * 10^k as Java does. */
  private static int format(byte[] out, int at, byte[] d, int n, int k) {
    int exp10 = n + k; // the value is 0.d1d2... * 10^exp10, that is d1.d2... * 10^(exp10 - 1)
    int sci = exp10 - 1;
    if (sci >= -3 && sci < 7) {
      if (exp10 <= 0) {
        out[at++] = '0';
        out[at++] = '.';
        for (int i = exp10; i < 0; i++) out[at++] = '0';
        System.arraycopy(d, 0, out, at, n);
        at += n;
      } else if (exp10 >= n) {
        System.arraycopy(d, 0, out, at, n);
        at += n;
        for (int i = n; i < exp10; i++) out[at++] = '0';
        out[at++] = '.';
        out[at++] = '0';
      } else {
        System.arraycopy(d, 0, out, at, exp10);
        at += exp10;
        out[at++] = '.';
        System.arraycopy(d, exp10, out, at, n - exp10);
        at += n - exp10;
      }
    } else {
      out[at++] = d[0];
      out[at++] = '.';
      if (n > 1) {
        System.arraycopy(d, 1, out, at, n - 1);
        at += n - 1;
      } else {
        out[at++] = '0';
      }
      out[at++] = 'E';
      if (sci < 0) {
        out[at++] = '-';
        sci = -sci;
      }
      if (sci >= 100) out[at++] = (byte) ('0' + sci / 100);
      if (sci >= 10) out[at++] = (byte) ('0' + sci / 10 % 10);
      out[at++] = (byte) ('0' + sci % 10);
    }
    return at;
  }
}
