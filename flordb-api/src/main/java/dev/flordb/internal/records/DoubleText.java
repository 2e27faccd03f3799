package dev.flordb.internal.records;

import java.math.BigInteger;

/**
 * Doubles as decimal text, fast: Java 17's {@code Double.toString} takes hundreds of nanoseconds
 * for values such as {@code 1/3} (its big-integer fallback), which made formatting the record
 * writer's bottleneck. This is Grisu2 (Loitsch, "Printing floating-point numbers quickly and
 * accurately with integers", PLDI 2010): 64-bit integer arithmetic against a table of cached powers
 * of ten. Its digits always read back as the same double (they lie strictly inside the double's
 * rounding interval, narrowed by one unit on each side for the error of the arithmetic); they are
 * the shortest such digits in the vast majority of cases, and a digit longer otherwise.
 *
 * <p>The text has the shape {@code Double.toString} gives: plain for magnitudes in [10^-3, 10^7)
 * ({@code 0.25}, {@code 100.0}), else scientific ({@code 1.0E-5}, {@code 6.02214076E23}); NaN and
 * the infinities as Java writes them, for the caller to handle.
 */
public final class DoubleText {
  private DoubleText() {}

  private static final long HIDDEN = 1L << 52;
  private static final long FRACTION = HIDDEN - 1;
  /** Cached powers of ten 10^(-348 + 8 i), as normalized 64-bit significands and binary exponents. */
  private static final long[] POW_F = new long[87];
  private static final int[] POW_E = new int[87];
  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) POW10[i] = POW10[i - 1] * 10;
  }

  static {
    BigInteger two64 = BigInteger.ONE.shiftLeft(64);
    for (int i = 0; i < POW_F.length; i++) {
      int k = -348 + 8 * i;
      BigInteger f;
      int e;
      if (k >= 0) {
        BigInteger p = BigInteger.TEN.pow(k);
        int shift = p.bitLength() - 64;
        if (shift <= 0) {
          f = p.shiftLeft(-shift);
        } else {
          BigInteger[] qr = p.divideAndRemainder(BigInteger.ONE.shiftLeft(shift));
          f = qr[0].add(qr[1].testBit(shift - 1) ? BigInteger.ONE : BigInteger.ZERO);
        }
        e = shift;
      } else {
        BigInteger d = BigInteger.TEN.pow(-k);
        int s = 63 + d.bitLength();
        BigInteger[] qr = BigInteger.ONE.shiftLeft(s).divideAndRemainder(d);
        f = qr[0].add(qr[1].shiftLeft(1).compareTo(d) >= 0 ? BigInteger.ONE : BigInteger.ZERO);
        e = -s;
      }
      if (f.equals(two64)) {
        f = f.shiftRight(1);
        e++;
      }
      POW_F[i] = f.longValue();
      POW_E[i] = e;
    }
    if (POW_F[0] != 0xfa8fd5a0081c0288L || POW_E[0] != -1220 || POW_F[44] != 0x9c40000000000000L || POW_E[44] != -50) {
      throw new IllegalStateException("DoubleText: the table of powers of ten is wrong");
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
    if (v == 0) {
      if (Double.doubleToRawLongBits(v) < 0) out[at++] = '-';
      out[at++] = '0';
      out[at++] = '.';
      out[at++] = '0';
      return at;
    }
    if (!Double.isFinite(v)) throw new IllegalArgumentException("not a finite double: " + v);
    if (v < 0) {
      out[at++] = '-';
      v = -v;
    }
    long lengthAndK = grisu2(v, digits);
    return format(out, at, digits, (int) lengthAndK, (int) (lengthAndK >> 32));
  }

  /** Writes digits d1..dn with value 0.d1...dn * 10^(n + k) as Java does. */
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

  // ---- Grisu2, on unsigned 64-bit "do-it-yourself floating point" numbers (f, e) = f * 2^e

  /** The digits of {@code value} (positive, finite) into {@code buffer}; returns their count, and k in the high half. */
  private static long grisu2(double value, byte[] buffer) {
    long bits = Double.doubleToRawLongBits(value);
    int biased = (int) (bits >>> 52) & 0x7ff;
    long f = bits & FRACTION;
    int e;
    if (biased != 0) {
      f += HIDDEN;
      e = biased - 1075;
    } else {
      e = -1074;
    }
    // boundaries m+ and m-, normalized to m+'s exponent
    long pf = (f << 1) + 1;
    int pe = e - 1;
    int lz = Long.numberOfLeadingZeros(pf);
    pf <<= lz;
    pe -= lz;
    long mf;
    int me;
    if (f == HIDDEN) {
      mf = (f << 2) - 1;
      me = e - 2;
    } else {
      mf = (f << 1) - 1;
      me = e - 1;
    }
    mf <<= me - pe;
    // v normalized
    int vlz = Long.numberOfLeadingZeros(f);
    long vf = f << vlz;
    int ve = e - vlz;

    // a cached power c = 10^-K with -59 <= pe + ce + 64 <= -32
    double dk = (-61 - pe) * 0.30102999566398114 + 347;
    int kk = (int) dk;
    if (dk - kk > 0.0) kk++;
    int index = (kk >> 3) + 1;
    int bigK = -(-348 + (index << 3));
    long cf = POW_F[index];
    int ce = POW_E[index];

    long wf = multiply(vf, cf);
    int we = ve + ce + 64;
    long wpf = multiply(pf, cf) - 1;
    int wpe = pe + ce + 64;
    long wmf = multiply(mf, cf) + 1;
    return digitGen(wf, we, wpf, wpe, wpf - wmf, buffer, bigK);
  }

  /** The high 64 bits of the 128-bit product of two unsigned longs, rounded. */
  private static long multiply(long x, long y) {
    long high = Math.multiplyHigh(x, y) + ((x >> 63) & y) + ((y >> 63) & x); // unsigned, from the signed intrinsic
    return high + ((x * y) >>> 63);
  }

  private static long digitGen(long wf, int we, long mpf, int mpe, long delta, byte[] buffer, int k) {
    int shift = -mpe;
    long one = 1L << shift;
    long wpW = mpf - wf;
    long p1 = mpf >>> shift; // below 2^32
    long p2 = mpf & (one - 1);
    int kappa = decimalDigits(p1);
    // the integer part's digits, by division by a constant (a multiplication), instead of one
    // division by a power of ten per digit: the remainder below each digit follows from the prefix
    if (p1 != 0) {
      long v = p1;
      for (int i = kappa - 1; i >= 0; i--) {
        long q = v / 10;
        buffer[i] = (byte) ('0' + (int) (v - q * 10));
        v = q;
      }
    }
    int len = 0;
    long prefix = 0;
    while (kappa > 0) {
      if (p1 != 0) prefix = prefix * 10 + (buffer[len++] - '0');
      kappa--;
      long rest = p1 - prefix * POW10[kappa]; // p1 mod 10^kappa
      long tmp = (rest << shift) + p2;
      if (Long.compareUnsigned(tmp, delta) <= 0) {
        k += kappa;
        round(buffer, len, delta, tmp, POW10[kappa] << shift, wpW);
        return (len & 0xffffffffL) | ((long) k << 32);
      }
    }
    while (true) {
      p2 *= 10;
      delta *= 10;
      int d = (int) (p2 >>> shift);
      if (d != 0 || len != 0) buffer[len++] = (byte) ('0' + d);
      p2 &= one - 1;
      kappa--;
      if (Long.compareUnsigned(p2, delta) < 0) {
        k += kappa;
        round(buffer, len, delta, p2, one, wpW * POW10[-kappa]);
        return (len & 0xffffffffL) | ((long) k << 32);
      }
    }
  }

  /** Moves the last digit down while the result stays inside the interval and gets closer to w. */
  private static void round(byte[] buffer, int len, long delta, long rest, long tenKappa, long wpW) {
    while (Long.compareUnsigned(rest, wpW) < 0 && Long.compareUnsigned(delta - rest, tenKappa) >= 0
        && (Long.compareUnsigned(rest + tenKappa, wpW) < 0
            || Long.compareUnsigned(wpW - rest, rest + tenKappa - wpW) > 0)) {
      buffer[len - 1]--;
      rest += tenKappa;
    }
  }

  private static int decimalDigits(long u) {
    int d = 1;
    for (long p = 10; p <= u && d < 10; p *= 10) d++;
    return d;
  }
}
