package dev.flordb.internal.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every double's text reads back as that double, in the shape Double.toString gives it. */
class DoubleTextTest {
  private static void roundTrips(double v) {
    String text = DoubleText.toString(v);
    assertThat(Double.doubleToRawLongBits(Double.parseDouble(text))).as("%s (%s)", text, Double.toString(v))
        .isEqualTo(Double.doubleToRawLongBits(v));
  }

  @Test
  void randomBitPatternsReadBackExactly() {
    SplittableRandom r = new SplittableRandom(20261201L);
    for (int i = 0; i < 2_000_000; i++) {
      double v = Double.longBitsToDouble(r.nextLong());
      if (Double.isFinite(v)) roundTrips(v);
    }
  }

  @Test
  void valuesAsProgramsLogThemReadBackExactly() {
    for (int i = 1; i < 1_000_000; i++) {
      roundTrips(1.0 / i);
      roundTrips(i * 0.1);
      roundTrips(Math.sqrt(i));
      roundTrips(-Math.log(i));
    }
  }

  @Test
  void edgesReadBackExactly() {
    double[] edges = {Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, Math.nextDown(Double.MIN_NORMAL),
        1.0, 2.0, 0.5, Math.nextUp(1.0), Math.nextDown(1.0), 1e23, 8.41e21, 5e-324, 9007199254740993.0,
        1e7, 9999999.999999998, 1e-3, 0.0009999999999999998, 123456789012345678.0, 4.35, 0.3};
    for (double e : edges) {
      roundTrips(e);
      roundTrips(-e);
    }
    for (int p = -1074; p <= 1023; p++) {
      roundTrips(Math.scalb(1.0, p));
      roundTrips(Math.nextUp(Math.scalb(1.0, p)));
      roundTrips(Math.nextDown(Math.scalb(1.0, p)));
    }
  }

  @Test
  void theTableOfPowersOfTenIsTenToTheMinusKScaledTo126BitsAndRoundedUp() {
    BigInteger mask63 = BigInteger.ONE.shiftLeft(63).subtract(BigInteger.ONE);
    assertThat(DoubleText.G).hasSize(2 * (292 + 324 + 1));
    for (int k = -324; k <= 292; k++) {
      int r = (int) (-k * 913_124_641_741L >> 38) - 125; // floor(log2 10^-k) - 125
      BigInteger g = k <= 0
          ? (r >= 0 ? BigInteger.TEN.pow(-k).shiftRight(r) : BigInteger.TEN.pow(-k).shiftLeft(-r))
          : BigInteger.ONE.shiftLeft(-r).divide(BigInteger.TEN.pow(k));
      g = g.add(BigInteger.ONE);
      assertThat(g.bitLength()).isEqualTo(126);
      int i = (k + 324) << 1;
      assertThat(DoubleText.G[i]).as("g1 of k = %d", k).isEqualTo(g.shiftRight(63).longValueExact());
      assertThat(DoubleText.G[i + 1]).as("g0 of k = %d", k).isEqualTo(g.and(mask63).longValue());
    }
  }

  @Test
  void theTextIsJava19sShortestAsWellAsItsShape() {
    // where Java 17's Double.toString gives 2.82879384806159008E17, 9.999999999999999E22 and
    // 4.8726570056999995E288: Java 19 and later give these
    assertThat(DoubleText.toString(2.82879384806159E17)).isEqualTo("2.82879384806159E17");
    assertThat(DoubleText.toString(1.0E23)).isEqualTo("1.0E23");
    assertThat(DoubleText.toString(4.8726570057E288)).isEqualTo("4.8726570057E288");
    assertThat(DoubleText.toString(0.002)).isEqualTo("0.002");
    assertThat(DoubleText.toString(5.0E-324)).isEqualTo("4.9E-324");
    assertThat(DoubleText.toString(Double.MAX_VALUE)).isEqualTo("1.7976931348623157E308");
  }

  @Test
  void theTextHasTheShapeJavaGivesIt() {
    assertThat(DoubleText.toString(0.25)).isEqualTo("0.25");
    assertThat(DoubleText.toString(100.0)).isEqualTo("100.0");
    assertThat(DoubleText.toString(1e7)).isEqualTo("1.0E7");
    assertThat(DoubleText.toString(1234567.5)).isEqualTo("1234567.5");
    assertThat(DoubleText.toString(0.001)).isEqualTo("0.001");
    assertThat(DoubleText.toString(1e-5)).isEqualTo("1.0E-5");
    assertThat(DoubleText.toString(-2.5e-8)).isEqualTo("-2.5E-8");
    assertThat(DoubleText.toString(1.0 / 3)).isEqualTo("0.3333333333333333");
    assertThat(DoubleText.toString(0.0)).isEqualTo("0.0");
    assertThat(DoubleText.toString(-0.0)).isEqualTo("-0.0");
    assertThat(DoubleText.toString(6.02214076e23)).isEqualTo("6.02214076E23");
  }

  @Test
  void mostTextsAreAsShortAsJavasOwn() {
    SplittableRandom r = new SplittableRandom(7);
    int longer = 0;
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      double v = r.nextDouble() * Math.pow(10, r.nextInt(-20, 20));
      if (DoubleText.toString(v).length() > Double.toString(v).length()) longer++;
    }
    assertThat(longer).as("texts longer than Double.toString's").isLessThan(n / 100);
  }
}
