package dev.flordb.internal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.Checkpointable;
import dev.flordb.internal.checkpoint.StateCodec.Snapshot;
import java.io.ByteArrayInputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class StateCodecTest {

  /**
   * Captures {@code live}, then twice (restoring the snapshot itself, then its encoded and
   * decoded bytes) mutates it, restores it and checks it.
   */
  static <T> void roundTrip(T live, Consumer<T> mutate, Consumer<T> check) {
    Snapshot snapshot = StateCodec.capture("state", live);
    byte[] encoded = snapshot.encode();
    for (Snapshot s : List.of(snapshot, StateCodec.decode(encoded))) {
      mutate.accept(live);
      assertThat(s.restoreInto(live)).isEmpty();
      check.accept(live);
    }
    assertThat(snapshot.encode()).as("the snapshot is a copy, not a view").isEqualTo(encoded);
  }

  // --- arrays ----------------------------------------------------------------------------------

  @Test
  void primitiveArraysAreRestoredIntoTheSameArray() {
    double[] d = {1.5, -2, Double.NaN};
    float[] f = {1f, 2f};
    int[] i = {1, 2, 3};
    long[] l = {Long.MIN_VALUE, 7};
    short[] s = {1, -1};
    byte[] b = {1, 2, -3};
    char[] c = {'a', 'z'};
    boolean[] z = {true, false};
    Object[] all = {d, f, i, l, s, b, c, z};
    Object[] same = all.clone();
    Object[] copies = Arrays.stream(all).map(StateCodecTest::copy).toArray();
    roundTrip(all, a -> {
      d[0] = 9; f[1] = 9; i[2] = 9; l[0] = 9; s[0] = 9; b[1] = 9; c[0] = 'q'; z[1] = true;
    }, a -> {
      for (int k = 0; k < all.length; k++) {
        assertThat(a[k]).isSameAs(same[k]);
        assertThat(Arrays.deepEquals(new Object[] {a[k]}, new Object[] {copies[k]})).isTrue();
      }
    });
    roundTrip(d, a -> a[1] = 42, a -> assertThat(a).containsExactly(1.5, -2, Double.NaN));
  }

  @Test
  void aDecodedSnapshotEncodesToTheBytesItCameFromAndMakesArraysOfAnotherLengthAnew() {
    Object[] all = {new double[] {1.5, Double.NaN}, new float[] {1f}, new int[] {1, 2, 3}, new long[] {Long.MIN_VALUE},
        new short[] {-1}, new byte[] {1, -3}, new char[] {'a', 'z'}, new boolean[] {true, false, true}};
    byte[] encoded = StateCodec.capture("all", all).encode();
    Snapshot decoded = StateCodec.decode(encoded);
    assertThat(decoded.encode()).isEqualTo(encoded);
    Object[] live = {new double[0], new float[0], new int[0], new long[0], new short[0], new byte[0], new char[0],
        new boolean[0]};
    assertThat(decoded.restoreInto(live)).isEmpty();
    assertThat(Arrays.deepEquals(live, all)).as(Arrays.deepToString(live)).isTrue();
  }

  @Test
  void aDecodedSnapshotDoesNotSeeLaterChangesToItsBytes() {
    double[] w = {1, 2, 3};
    byte[] bytes = StateCodec.capture("w", w).encode();
    Snapshot decoded = StateCodec.decode(bytes);
    Arrays.fill(bytes, (byte) 0);
    w[0] = 9;
    assertThat(decoded.restoreInto(w)).isEmpty();
    assertThat(w).containsExactly(1, 2, 3);
  }

  @Test
  void nestedArraysAreRestoredRowByRowInPlace() {
    double[][] w = {{1, 2}, {3, 4}, {5, 6}};
    double[][] rows = w.clone();
    roundTrip(w, a -> {
      a[0][0] = 100;
      a[2][1] = 100;
    }, a -> {
      assertThat(a).isDeepEqualTo(new double[][] {{1, 2}, {3, 4}, {5, 6}});
      for (int i = 0; i < 3; i++) assertThat(a[i]).isSameAs(rows[i]);
    });
    // Restoring is structural: a row replaced by one of the same length is restored in place
    // (what a replay in a new JVM needs); a missing row is made anew.
    Snapshot s = StateCodec.capture("w", w);
    double[] replacement = {7, 7};
    w[1] = replacement;
    w[2] = null;
    assertThat(s.restoreInto(w)).isEmpty();
    assertThat(w).isDeepEqualTo(new double[][] {{1, 2}, {3, 4}, {5, 6}});
    assertThat(w[1]).isSameAs(replacement);
    assertThat(w[0]).isSameAs(rows[0]);
  }

  static class Grid implements Serializable {
    double[][] cells = {{1, 2}, {3, 4}};
  }

  @Test
  void aResizedArrayInAFieldIsReplacedButKeepsItsRows() {
    Grid g = new Grid();
    double[] row0 = g.cells[0];
    roundTrip(g, x -> x.cells = new double[][] {x.cells[0], x.cells[1], {5}}, x -> {
      assertThat(x.cells).isDeepEqualTo(new double[][] {{1, 2}, {3, 4}});
      assertThat(x.cells[0]).isSameAs(row0);
    });
  }

  @Test
  void objectArraysHoldValuesAndArrays() {
    int[] inner = {1, 2};
    Object[] a = {"s", 3, 2.5, null, inner, Thread.State.NEW};
    roundTrip(a, x -> {
      x[0] = "t"; x[1] = 4; x[3] = "no longer null"; inner[0] = 0; x[5] = Thread.State.BLOCKED;
    }, x -> {
      assertThat(x).containsExactly("s", 3, 2.5, null, inner, Thread.State.NEW);
      assertThat(inner).containsExactly(1, 2);
    });
  }

  @Test
  void boxedValuesAndStringsInsideContainersRoundTrip() {
    List<Object> values = new ArrayList<>(List.of(true, (byte) 1, (short) 2, 'c', 3, 4L, 5f, 6.0,
        "é\u0000✓", Thread.State.RUNNABLE, new java.math.BigInteger("123456789012345678901234"),
        new java.math.BigDecimal("1.2345678901234567890"), Double.NEGATIVE_INFINITY));
    values.add(null);
    List<Object> expected = new ArrayList<>(values);
    roundTrip(values, l -> { Collections.reverse(l); l.add(1); }, l -> assertThat(l).isEqualTo(expected));
  }

  @Test
  void aSnapshotCanBeEncodedOnAnotherThreadWhileTrainingGoesOn() throws Exception {
    double[][] w = new double[200][200];
    Snapshot s = StateCodec.capture("w", w);
    byte[] expected = s.encode();
    var writer = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      var bytes = writer.submit(s::encode);
      for (int k = 0; k < 50; k++) for (double[] row : w) Arrays.fill(row, k);
      assertThat(bytes.get()).isEqualTo(expected);
    } finally {
      writer.shutdown();
    }
    assertThat(StateCodec.decode(expected).restoreInto(w)).isEmpty();
    assertThat(w[199][199]).isZero();
  }

  // --- collections -----------------------------------------------------------------------------

  @Test
  void listsKeepTheirIdentityAndElements() {
    double[] r0 = {1, 2};
    double[] r1 = {3};
    List<double[]> list = new ArrayList<>(List.of(r0, r1));
    roundTrip(list, l -> {
      l.get(0)[0] = -1;
      l.add(new double[] {9});
    }, l -> {
      assertThat(l).hasSize(2);
      assertThat(l.get(0)).isSameAs(r0).containsExactly(1, 2);
      assertThat(l.get(1)).isSameAs(r1).containsExactly(3);
    });
    roundTrip(list, l -> {
      l.remove(0);
      l.set(0, new double[] {5});
    }, l -> assertThat(l).hasSize(2).satisfies(x -> assertThat(x.get(0)).containsExactly(1, 2)));

    List<Object> linked = new LinkedList<>(List.of("a", 1, 2L));
    roundTrip(linked, l -> { l.clear(); l.add("z"); },
        l -> assertThat(l).isInstanceOf(LinkedList.class).containsExactly("a", 1, 2L));
  }

  @Test
  void anUnmodifiableListHasItsElementsRestoredInPlace() {
    double[] row = {1, 2};
    List<double[]> list = List.of(row);
    roundTrip(list, l -> l.get(0)[1] = 0,
        l -> assertThat(l.get(0)).isSameAs(row).containsExactly(1, 2));
  }

  static class WithLists implements Serializable {
    List<Integer> fixed = List.of(1, 2);
    Map<String, Integer> settings = Map.of("a", 1);
  }

  @Test
  void anUnmodifiableCollectionReplacedAfterCaptureIsReplacedBack() {
    roundTrip(new WithLists(), w -> {
      w.fixed = List.of(3);
      w.settings = Map.of("b", 2);
    }, w -> {
      assertThat(w.fixed).containsExactly(1, 2);
      assertThat(w.settings).containsExactly(Map.entry("a", 1));
    });
  }

  @Test
  void mapsKeepTheirIdentityAndValueObjects() {
    double[] velocity = {0.1, 0.2};
    Map<String, Object> map = new HashMap<>();
    map.put("velocity", velocity);
    map.put("step", 10);
    map.put("name", "sgd");
    roundTrip(map, m -> {
      velocity[0] = 5;
      m.put("step", 11);
      m.remove("name");
      m.put("extra", List.of());
    }, m -> {
      assertThat(m).containsOnlyKeys("velocity", "step", "name");
      assertThat(m.get("velocity")).isSameAs(velocity);
      assertThat(velocity).containsExactly(0.1, 0.2);
      assertThat(m).containsEntry("step", 10).containsEntry("name", "sgd");
    });

    TreeMap<Integer, String> sorted = new TreeMap<>(Map.of(1, "a", 2, "b"));
    roundTrip(sorted, m -> { m.put(0, "x"); m.put(2, "c"); },
        m -> assertThat(m).containsExactly(Map.entry(1, "a"), Map.entry(2, "b")));
  }

  @Test
  void setsAndQueuesKeepTheirIdentity() {
    Set<String> set = new LinkedHashSet<>(List.of("b", "a"));
    roundTrip(set, s -> { s.remove("a"); s.add("c"); },
        s -> assertThat(s).containsExactly("b", "a"));
    TreeSet<Integer> tree = new TreeSet<>(List.of(3, 1, 2));
    roundTrip(tree, s -> s.add(0), s -> assertThat(s).containsExactly(1, 2, 3));
    ArrayDeque<Long> deque = new ArrayDeque<>(List.of(1L, 2L));
    roundTrip(deque, q -> { q.poll(); q.add(3L); }, q -> assertThat(q).containsExactly(1L, 2L));
  }

  // --- user classes, records, Checkpointable -------------------------------------------------

  static class Layer implements Serializable {
    final double[] weights;
    double scale;
    String name;
    List<Integer> history = new ArrayList<>();
    Layer next;

    Layer(int n) {
      weights = new double[n];
    }
  }

  @Test
  void serializableObjectsAreRestoredFieldByFieldInPlace() {
    Layer layer = new Layer(2);
    layer.weights[0] = 1;
    layer.scale = 0.5;
    layer.name = "fc1";
    layer.history.add(1);
    Layer next = new Layer(1);
    layer.next = next;
    List<Integer> history = layer.history;
    roundTrip(layer, l -> {
      l.weights[0] = 2;
      l.scale = 9;
      l.name = "other";
      l.history.add(2);
      l.next.weights[0] = 7;
      l.next = null;
    }, l -> {
      assertThat(l.weights).containsExactly(1, 0);
      assertThat(l.scale).isEqualTo(0.5);
      assertThat(l.name).isEqualTo("fc1");
      assertThat(l.history).isSameAs(history).containsExactly(1);
      assertThat(l.next).as("a field set to null gets an object back").isNotNull();
      assertThat(l.next.weights).containsExactly(0);
    });
  }

  @Test
  void aFieldReassignedAfterCaptureGetsItsOriginalObjectBackInPlace() {
    Layer layer = new Layer(2);
    double[] weights = layer.weights;
    Layer next = new Layer(3);
    layer.next = next;
    roundTrip(layer, l -> l.next = new Layer(3),
        l -> assertThat(l.next).as("a new object of the same shape is restored in place")
            .isNotSameAs(next).satisfies(n -> assertThat(n.weights).containsExactly(0, 0, 0)));
    assertThat(layer.weights).isSameAs(weights);
  }

  record Params(double[] w, List<Integer> seen, int n, String label) {}

  @Test
  void recordsHaveTheirMutableComponentsRestoredInPlace() {
    Params p = new Params(new double[] {1, 2}, new ArrayList<>(List.of(1)), 3, "p");
    double[] w = p.w();
    roundTrip(p, r -> { r.w()[0] = 8; r.seen().add(2); },
        r -> {
          assertThat(r.w()).isSameAs(w).containsExactly(1, 2);
          assertThat(r.seen()).containsExactly(1);
        });
  }

  static class Holder implements Serializable {
    Params params;
    Object[] shared = new Object[2];
  }

  @Test
  void aReplacedRecordIsReplacedBack() {
    Holder h = new Holder();
    h.params = new Params(new double[] {1}, new ArrayList<>(), 1, "a");
    roundTrip(h, x -> x.params = new Params(new double[] {5, 5}, new ArrayList<>(), 2, "b"),
        x -> {
          assertThat(x.params.w()).containsExactly(1);
          assertThat(x.params.n()).isEqualTo(1);
          assertThat(x.params.label()).isEqualTo("a");
        });
  }

  @Test
  void sharedObjectsStaySharedAndCyclesAreFine() {
    Holder h = new Holder();
    double[] both = {1, 2};
    h.shared[0] = both;
    h.shared[1] = both;
    roundTrip(h, x -> { x.shared[1] = new double[] {1, 2}; both[0] = 3; },
        x -> assertThat(x.shared[1]).isSameAs(x.shared[0]).isSameAs(both));

    Layer a = new Layer(1);
    Layer b = new Layer(1);
    a.next = b;
    b.next = a;
    roundTrip(a, x -> { x.next.next = null; x.next.weights[0] = 4; },
        x -> {
          assertThat(x.next).isSameAs(b);
          assertThat(b.next).isSameAs(a);
          assertThat(b.weights).containsExactly(0);
        });
  }

  static class Counter implements Checkpointable {
    long count;
    final StringBuilder log = new StringBuilder();

    @Override
    public void saveState(DataOutput out) throws IOException {
      out.writeLong(count);
      out.writeUTF(log.toString());
    }

    @Override
    public void restoreState(DataInput in) throws IOException {
      count = in.readLong();
      log.setLength(0);
      log.append(in.readUTF());
    }
  }

  @Test
  void checkpointableObjectsUseTheirOwnState() {
    Counter c = new Counter();
    c.count = 5;
    c.log.append("abc");
    StringBuilder log = c.log;
    roundTrip(c, x -> { x.count = 6; x.log.append("d"); }, x -> {
      assertThat(x.count).isEqualTo(5);
      assertThat(x.log).isSameAs(log).hasToString("abc");
    });
    Counter lazy = new Counter() {
      @Override
      public void restoreState(DataInput in) throws IOException {
        count = in.readLong();
      }
    };
    assertThat(StateCodec.capture("c", lazy).restoreInto(lazy)).containsExactly(
        "object: restoreState of " + lazy.getClass().getName() + " read 8 of the 10 bytes"
            + " saveState wrote");
    Holder h = new Holder();
    h.shared[0] = c;
    roundTrip(h, x -> c.count = 0, x -> assertThat(x.shared[0]).isSameAs(c));
    assertThat(c.count).isEqualTo(5);
  }

  // --- Random ----------------------------------------------------------------------------------

  static List<Double> draws(Random r, ToDoubleFunction<Random> draw) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < 1000; i++) out.add(draw.applyAsDouble(r));
    return out;
  }

  static final List<ToDoubleFunction<Random>> DRAWS = List.of(
      r -> r.nextInt(), r -> r.nextInt(10), Random::nextDouble, Random::nextGaussian,
      r -> r.nextLong());

  @Test
  void randomDrawsTheSameNextNumbersAfterRestore() {
    for (ToDoubleFunction<Random> draw : DRAWS) {
      Random rng = new Random(42);
      rng.nextInt();
      Snapshot s = StateCodec.capture("rng", rng);
      List<Double> original = draws(rng, draw);
      for (Snapshot use : List.of(s, StateCodec.decode(s.encode()))) {
        assertThat(use.restoreInto(rng)).isEmpty();
        assertThat(draws(rng, draw)).isEqualTo(original);
        Random fresh = new Random(7);
        assertThat(use.restoreInto(fresh)).isEmpty();
        assertThat(draws(fresh, draw)).as("a fresh generator, as in a replay").isEqualTo(original);
      }
    }
  }

  @Test
  void aPendingGaussianIsRestoredExactly() {
    IntFunction<Random> afterOtherDraws = n -> {
      Random r = new Random(3);
      r.nextGaussian(); // leaves its pair pending
      for (int i = 0; i < n; i++) r.nextInt(100);
      r.nextDouble();
      return r;
    };
    for (int others : new int[] {-1, 0, 1, 1000}) {
      Random rng = others < 0 ? new Random(5) : afterOtherDraws.apply(others);
      if (others < 0) rng.nextGaussian();
      Snapshot s = StateCodec.capture("rng", rng);
      List<Double> original = draws(rng, Random::nextGaussian);
      original.addAll(draws(rng, Random::nextDouble));
      Random fresh = new Random();
      // The search happens once, when encoding (on the writer's thread): restoring the decoded
      // snapshot needs none (a search limit of 0).
      assertThat(StateCodec.decode(s.encode()).restoreInto(fresh, 0)).isEmpty();
      List<Double> replayed = draws(fresh, Random::nextGaussian);
      replayed.addAll(draws(fresh, Random::nextDouble));
      assertThat(replayed).as("after %d other draws", others).isEqualTo(original);
      Random again = new Random();
      assertThat(s.restoreInto(again)).isEmpty();
      assertThat(draws(again, Random::nextGaussian)).isEqualTo(original.subList(0, 1000));
    }
  }

  @Test
  void aPendingGaussianTooFarBackIsReportedAndOnlyItDiffers() {
    Random rng = new Random(11);
    rng.nextGaussian();
    for (int i = 0; i < 100; i++) rng.nextInt();
    Snapshot s = StateCodec.capture("rng", rng);
    double pending = rng.nextGaussian(); // consumes the pending value, does not move the seed
    List<Double> original = draws(rng, Random::nextInt);
    Random fresh = new Random();
    assertThat(s.restoreInto(fresh, 50))
        .containsExactly("object: a java.util.Random had a pending nextGaussian() value that"
            + " could not be restored: the next nextGaussian() differs from the original run"
            + " (other draws are exact)");
    assertThat(draws(fresh, Random::nextInt)).as("the seed is exact").isEqualTo(original);
    assertThat(pending).isNotNaN();
  }

  // --- a small model ---------------------------------------------------------------------------

  static final class Model implements Serializable {
    final double[][] weights;
    final List<double[]> biases = new ArrayList<>();
    final Random rng;
    int steps;

    Model(long seed) {
      rng = new Random(seed);
      weights = new double[3][4];
      for (double[] row : weights) {
        for (int j = 0; j < row.length; j++) row[j] = rng.nextGaussian();
      }
      biases.add(new double[4]);
      biases.add(new double[3]);
    }

    double train() {
      int r = rng.nextInt(weights.length);
      double noise = rng.nextGaussian();
      for (int j = 0; j < weights[r].length; j++) weights[r][j] -= 0.1 * (weights[r][j] + noise);
      biases.get(steps % 2)[0] += noise;
      steps++;
      return weights[r][0] + biases.get(0)[0];
    }
  }

  @Test
  void aSmallModelRoundTripsThroughBytesIntoAFreshInstance() {
    Model model = new Model(1);
    for (int i = 0; i < 7; i++) model.train();
    byte[] bytes = StateCodec.capture("model", model).encode();
    List<Double> original = new ArrayList<>();
    for (int i = 0; i < 50; i++) original.add(model.train());

    Model replay = new Model(1); // a later run builds the same model, then restores
    double[][] rows = replay.weights.clone();
    double[] bias = replay.biases.get(0);
    Random rng = replay.rng;
    Snapshot decoded = StateCodec.decode(bytes);
    assertThat(decoded.encode()).isEqualTo(bytes);
    assertThat(decoded.restoreInto(replay)).isEmpty();
    assertThat(replay.steps).isEqualTo(7);
    assertThat(replay.weights[1]).isSameAs(rows[1]);
    assertThat(replay.biases.get(0)).isSameAs(bias);
    assertThat(replay.rng).isSameAs(rng);
    List<Double> replayed = new ArrayList<>();
    for (int i = 0; i < 50; i++) replayed.add(replay.train());
    assertThat(replayed).isEqualTo(original);
    assertThat(replay.weights).isDeepEqualTo(model.weights);
  }

  // --- rejection -------------------------------------------------------------------------------

  static final String WHAT_TO_DO = "Implement dev.flordb.Checkpointable, make it Serializable,"
      + " or leave it out (a field can be marked transient).";

  static class WithThread implements Serializable {
    Map<String, Object> state = new HashMap<>(Map.of("workers", List.of(new Thread())));
  }

  static class WithStream implements Serializable {
    InputStream in = new ByteArrayInputStream(new byte[0]);
  }

  static class Cache {
    double[] values = new double[1];
  }

  static class WithCache implements Serializable {
    double[] weights = new double[1];
    Cache cache = new Cache();
  }

  static class MyRandom extends Random {}

  static class WithNullStream implements Serializable {
    InputStream in;
  }

  @Test
  void whatCannotBeCheckpointedIsRejectedWithWhatToDo() {
    String holder = WithThread.class.getName();
    assertThatThrownBy(() -> StateCodec.validate("trainer", new WithThread()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot checkpoint \"trainer\" (a " + holder + "): trainer.state[\"workers\"]"
            + "[0] is a java.lang.Thread, which FlorDB cannot save and restore. " + WHAT_TO_DO);
    assertThatThrownBy(() -> StateCodec.validate("worker", new Thread()))
        .hasMessage("Cannot checkpoint \"worker\" (a java.lang.Thread): worker is a"
            + " java.lang.Thread, which FlorDB cannot save and restore. " + WHAT_TO_DO);
    assertThatThrownBy(() -> StateCodec.validate("data", new WithStream()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot checkpoint \"data\" (a " + WithStream.class.getName() + "): data.in"
            + " is a java.io.ByteArrayInputStream, which FlorDB cannot save and restore. "
            + WHAT_TO_DO);
    assertThatThrownBy(() -> StateCodec.validate("data", new WithNullStream()))
        .hasMessage("Cannot checkpoint \"data\" (a " + WithNullStream.class.getName() + "):"
            + " data.in is null but declared as java.io.InputStream, which FlorDB cannot save"
            + " and restore. " + WHAT_TO_DO);
    assertThatThrownBy(() -> StateCodec.validate("model", new WithCache()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot checkpoint \"model\" (a " + WithCache.class.getName() + "):"
            + " model.cache is a " + Cache.class.getName() + ", which is not Serializable. "
            + WHAT_TO_DO);
    assertThatThrownBy(() -> StateCodec.validate("lr", 0.01))
        .hasMessage("Cannot checkpoint \"lr\" (a java.lang.Double): lr is an immutable value,"
            + " which cannot be restored in place. Enrol the object that holds it instead.");
    assertThatThrownBy(() -> StateCodec.validate("rng", new MyRandom()))
        .hasMessage("Cannot checkpoint \"rng\" (a " + MyRandom.class.getName() + "): rng is a "
            + MyRandom.class.getName() + ", which extends java.util.Random, whose field"
            + " haveNextNextGaussian FlorDB cannot reach. " + WHAT_TO_DO);
    assertThatThrownBy(() -> StateCodec.validate("rng", new java.security.SecureRandom()))
        .hasMessageContaining("rng is a java.security.SecureRandom, which FlorDB cannot save");
  }

  @Test
  void badBytesAreRejected() {
    byte[] bytes = StateCodec.capture("x", new double[] {1}).encode();
    assertThatThrownBy(() -> StateCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt checkpoint");
    byte[] other = bytes.clone();
    other[4] = 2;
    assertThatThrownBy(() -> StateCodec.decode(other))
        .hasMessageContaining("checkpoint format version 2 is not supported");
    assertThatThrownBy(() -> StateCodec.decode(new byte[] {1, 2, 3, 4, 5}))
        .hasMessageContaining("not a FlorDB checkpoint");
  }

  @Test
  void restoringIntoAnObjectOfAnotherShapeFails() {
    Snapshot s = StateCodec.capture("x", new double[] {1, 2});
    assertThatThrownBy(() -> s.restoreInto(new double[3]))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("in place into a [D");
  }

  private static Object copy(Object a) {
    if (a instanceof double[] x) return x.clone();
    if (a instanceof float[] x) return x.clone();
    if (a instanceof int[] x) return x.clone();
    if (a instanceof long[] x) return x.clone();
    if (a instanceof short[] x) return x.clone();
    if (a instanceof byte[] x) return x.clone();
    if (a instanceof char[] x) return x.clone();
    return ((boolean[]) a).clone();
  }
}
