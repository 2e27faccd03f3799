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
    if (v == 0) {
      out.append((Double.doubleToRawLongBits(v) < 0) ? "-0.0" : "0.0");
      return;
    }
    if (!Double.isFinite(v)) {
      out.append(v);
      return;
    }
    if (v < 0) {
      out.append('-');
      v = -v;
    }
    char[] digits = new char[18];
    int[] lengthAndK = new int[2];
    grisu2(v, digits, lengthAndK);
    format(out, digits, lengthAndK[0], lengthAndK[1]);
  }

  static String toString(double v) {
    StringBuilder sb = new StringBuilder(24);
    append(sb, v);
    return sb.toString();
  }

  /** Writes digits d1..dn with value 0.d1...dn * 10^(n + k) as Java does. */
  private static void format(StringBuilder out, char[] d, int n, int k) {
    int exp10 = n + k; // the value is 0.d1d2... * 10^exp10, that is d1.d2... * 10^(exp10 - 1)
    int sci = exp10 - 1;
    if (sci >= -3 && sci < 7) {
      if (exp10 <= 0) {
        out.append("0.");
        for (int i = exp10; i < 0; i++) out.append('0');
        out.append(d, 0, n);
      } else if (exp10 >= n) {
        out.append(d, 0, n);
        for (int i = n; i < exp10; i++) out.append('0');
        out.append(".0");
      } else {
        out.append(d, 0, exp10).append('.').append(d, exp10, n - exp10);
      }
    } else {
      out.append(d[0]).append('.');
      if (n > 1) out.append(d, 1, n - 1);
      else out.append('0');
      out.append('E').append(sci);
    }
  }

  // ---- Grisu2, on unsigned 64-bit "do-it-yourself floating point" numbers (f, e) = f * 2^e

  private static void grisu2(double value, char[] buffer, int[] lengthAndK) {
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
    digitGen(wf, we, wpf, wpe, wpf - wmf, buffer, lengthAndK, bigK);
  }

  /** The high 64 bits of the 128-bit product of two unsigned longs, rounded. */
  private static long multiply(long x, long y) {
    long a = x >>> 32;
    long b = x & 0xffffffffL;
    long c = y >>> 32;
    long d = y & 0xffffffffL;
    long ac = a * c;
    long bc = b * c;
    long ad = a * d;
    long bd = b * d;
    long tmp = (bd >>> 32) + (ad & 0xffffffffL) + (bc & 0xffffffffL);
    tmp += 1L << 31;
    return ac + (ad >>> 32) + (bc >>> 32) + (tmp >>> 32);
  }

  private static void digitGen(long wf, int we, long mpf, int mpe, long delta, char[] buffer, int[] lengthAndK, int k) {
    int shift = -mpe;
    long one = 1L << shift;
    long wpW = mpf - wf;
    int p1 = (int) (mpf >>> shift);
    long p2 = mpf & (one - 1);
    int kappa = decimalDigits(p1);
    int len = 0;
    while (kappa > 0) {
      int pow = (int) POW10[kappa - 1];
      int d = Integer.divideUnsigned(p1, pow);
      p1 = Integer.remainderUnsigned(p1, pow);
      if (d != 0 || len != 0) buffer[len++] = (char) ('0' + d);
      kappa--;
      long tmp = ((p1 & 0xffffffffL) << shift) + p2;
      if (Long.compareUnsigned(tmp, delta) <= 0) {
        k += kappa;
        round(buffer, len, delta, tmp, POW10[kappa] << shift, wpW);
        lengthAndK[0] = len;
        lengthAndK[1] = k;
        return;
      }
    }
    while (true) {
      p2 *= 10;
      delta *= 10;
      int d = (int) (p2 >>> shift);
      if (d != 0 || len != 0) buffer[len++] = (char) ('0' + d);
      p2 &= one - 1;
      kappa--;
      if (Long.compareUnsigned(p2, delta) < 0) {
        k += kappa;
        round(buffer, len, delta, p2, one, wpW * POW10[-kappa]);
        lengthAndK[0] = len;
        lengthAndK[1] = k;
        return;
      }
    }
  }

  /** Moves the last digit down while the result stays inside the interval and gets closer to w. */
  private static void round(char[] buffer, int len, long delta, long rest, long tenKappa, long wpW) {
    while (Long.compareUnsigned(rest, wpW) < 0 && Long.compareUnsigned(delta - rest, tenKappa) >= 0
        && (Long.compareUnsigned(rest + tenKappa, wpW) < 0
            || Long.compareUnsigned(wpW - rest, rest + tenKappa - wpW) > 0)) {
      buffer[len - 1]--;
      rest += tenKappa;
    }
  }

  private static int decimalDigits(int n) {
    long u = n & 0xffffffffL;
    int d = 1;
    for (long p = 10; p <= u && d < 10; p *= 10) d++;
    return d;
  }
}
