package dev.flordb;

import static dev.flordb.TestProjects.dataframe;
import static dev.flordb.TestProjects.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dataframe's rules (see {@code Dataframe}): rows are the innermost positions where a
 * requested name was logged, each name's value comes from that position or the nearest one that
 * encloses it, and nothing depends on the order of the names.
 */
class DataframeRulesTest {
  static final List<String> NAMES = List.of("lr", "w_norm", "w2", "loss");
  @TempDir Path tmp;
  Path repo;
  String runA;
  String runB;
  String runC;
  String runD;

  /**
   * Four runs with values missing here and there: A logs everything but {@code w2} only in epochs
   * 0 and 2; B never logs {@code w2}; C logs only {@code lr}; D logs no {@code lr}, {@code w2} only
   * in epoch 1 and {@code loss} only in epoch 0.
   */
  private void runsWithMissingValues() {
    repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo, "--kwargs", "lr=0.1").start()) {
      runA = s.runId();
      double lr = s.arg("lr", 0.0);
      for (int e : s.loop("epoch", 0, 3)) {
        for (int st : s.loop("step", 0, 2)) s.log("loss", lr + e + st / 10.0);
        s.log("w_norm", 10 * lr + e);
        if (e != 1) s.log("w2", 100 * lr + e);
      }
    }
    try (Session s = session(repo, "--kwargs", "lr=0.2").start()) {
      runB = s.runId();
      double lr = s.arg("lr", 0.0);
      for (int e : s.loop("epoch", 0, 3)) {
        for (int st : s.loop("step", 0, 2)) s.log("loss", lr + e + st / 10.0);
        s.log("w_norm", 10 * lr + e);
      }
    }
    try (Session s = session(repo, "--kwargs", "lr=0.3").start()) {
      runC = s.runId();
      s.arg("lr", 0.0);
    }
    try (Session s = session(repo).start()) {
      runD = s.runId();
      for (int e : s.loop("epoch", 0, 2)) {
        if (e == 0) for (int st : s.loop("step", 0, 2)) s.log("loss", 7.0 + st);
        if (e == 1) s.log("w2", 9.0);
      }
    }
  }

  /** The table's rows as column-to-cell maps: the same whatever order the columns are in. */
  private static List<Map<String, Object>> rowMaps(Table t) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Table.Row r : t) out.add(new LinkedHashMap<>(r.toMap()));
    return out;
  }

  private static void permutations(List<String> prefix, List<String> rest, List<List<String>> out) {
    if (rest.isEmpty()) out.add(prefix);
    for (String n : rest) {
      List<String> p = new ArrayList<>(prefix);
      p.add(n);
      List<String> r = new ArrayList<>(rest);
      r.remove(n);
      permutations(p, r, out);
    }
  }

  @Test
  void everyOrderOfThreeOrFourNamesGivesTheSameRowsWithTheSameCells() {
    runsWithMissingValues();
    List<List<String>> sets = new ArrayList<>();
    sets.add(NAMES);
    for (String left : NAMES) {
      List<String> three = new ArrayList<>(NAMES);
      three.remove(left);
      sets.add(three);
    }
    for (List<String> set : sets) {
      List<Map<String, Object>> first = null;
      List<List<String>> orders = new ArrayList<>();
      permutations(List.of(), set, orders);
      for (List<String> order : orders) {
        Table t = dataframe(repo, order.toArray(new String[0]));
        assertThat(t.columns().subList(t.columns().size() - order.size(), t.columns().size()))
            .as("the names' columns follow the request").isEqualTo(order);
        List<Map<String, Object>> rows = rowMaps(t);
        if (first == null) {
          first = rows;
          assertThat(rows).isNotEmpty();
        } else {
          assertThat(rows).as("rows of " + order + ", against those of " + orders.get(0)).isEqualTo(first);
        }
      }
    }
  }

  @Test
  void aRunLevelValueIsOnEveryRowOfItsRunEvenWhereAnotherNameIsMissing() {
    runsWithMissingValues();
    for (String[] order : new String[][] {{"lr", "w_norm", "w2"}, {"lr", "w2", "w_norm"}, {"w2", "w_norm", "lr"}}) {
      Table t = dataframe(repo, order);
      List<List<Object>> rows = new ArrayList<>();
      for (Table.Row r : t) rows.add(Arrays.asList(r.get("run_id"), r.get("epoch"), r.get("lr"), r.get("w_norm"), r.get("w2")));
      assertThat(rows).as(Arrays.toString(order)).containsExactly(
          Arrays.asList(runA, 0L, 0.1, 1.0, 10.0),
          Arrays.asList(runA, 1L, 0.1, 2.0, null),
          Arrays.asList(runA, 2L, 0.1, 3.0, 12.0),
          Arrays.asList(runB, 0L, 0.2, 2.0, null),
          Arrays.asList(runB, 1L, 0.2, 3.0, null),
          Arrays.asList(runB, 2L, 0.2, 4.0, null),
          Arrays.asList(runC, null, 0.3, null, null),
          Arrays.asList(runD, 1L, null, null, 9.0));
    }
  }

  @Test
  void anEnclosingValueIsOnEveryInnerRowAndAPositionWithoutInnerValuesIsARowOfItsOwn() {
    runsWithMissingValues();
    Table t = dataframe(repo, "w2", "loss");
    List<List<Object>> rows = new ArrayList<>();
    for (Table.Row r : t) {
      if (r.getString("run_id").equals(runD)) rows.add(Arrays.asList(r.get("epoch"), r.get("step"), r.get("w2"), r.get("loss")));
    }
    assertThat(rows).containsExactly(
        Arrays.asList(0L, 0L, null, 7.0),
        Arrays.asList(0L, 1L, null, 8.0),
        Arrays.asList(1L, null, 9.0, null));
  }

  @Test
  void sixRunsStartedAtOnceAreSixRunsInTheDataframeEachWithItsOwnValues() throws Exception {
    Path r = TestProjects.emptyRepo(tmp, "six");
    int runs = 6;
    long sameMillisecond = System.currentTimeMillis();
    CountDownLatch ready = new CountDownLatch(runs);
    ExecutorService pool = Executors.newFixedThreadPool(runs);
    try {
      List<Future<String>> started = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        double lr = (i + 1) / 8.0;
        started.add(pool.submit(() -> {
          ready.countDown();
          ready.await();
          try (Session s = Session.builder(r).program("Train.java", "--kwargs", "lr=" + lr).quiet(true)
              .startMillis(sameMillisecond).start()) {
            double rate = s.arg("lr", 0.0);
            for (int e : s.loop("epoch", 0, 3)) s.log("acc", rate * 10 + e);
            return s.runId();
          }
        }));
      }
      Set<String> ids = new HashSet<>();
      for (Future<String> f : started) ids.add(f.get(2, TimeUnit.MINUTES));
      assertThat(ids).hasSize(runs);

      Table t = dataframe(r, "lr", "acc");
      assertThat(t.size()).isEqualTo(runs * 3);
      assertThat(new HashSet<>(t.column("run_id"))).isEqualTo(ids);
      Map<Object, Set<Object>> lrOfRun = new LinkedHashMap<>();
      for (Table.Row row : t) {
        assertThat(row.getDouble("acc")).isEqualTo(row.getDouble("lr") * 10 + row.getLong("epoch"));
        lrOfRun.computeIfAbsent(row.get("run_id"), k -> new HashSet<>()).add(row.get("lr"));
      }
      assertThat(lrOfRun.values()).allSatisfy(lrs -> assertThat(lrs).hasSize(1));
      Set<Object> lrs = new HashSet<>();
      lrOfRun.values().forEach(lrs::addAll);
      assertThat(lrs).as("each run its own lr").hasSize(runs);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aValueLoggedSeveralTimesAtOnePositionShowsItsLastTheReadSaysSoAndTheRecordsViewHasEvery(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    String id;
    try (Session s = session(r).start()) {
      id = s.runId();
      for (int e : s.loop("epoch", 0, 2)) {
        for (int st : s.loop("step", 0, 2)) {
          s.log("loss", e + st / 10.0);
          if (e == 1 && st == 0) s.log("loss", 99.0);
        }
      }
    }
    List<String> warnings = new ArrayList<>();
    Table t;
    Table every;
    try (Snapshots git = Snapshots.open(r); Store store = Store.open(TestProjects.florDir(r), git, warnings::add)) {
      t = store.dataframe("loss");
      store.dataframe("loss");
      every = store.query("SELECT position, value FROM records WHERE name = 'loss' ORDER BY seq");
    }
    assertThat(t.column("loss")).containsExactly(0.0, 0.1, 99.0, 1.1);
    assertThat(warnings).containsExactly("'loss' was logged more than once at 1 position (the first: run " + id
        + " at epoch=1 step=0); the dataframe shows the last value logged at each (a forward value before a replayed"
        + " one), and the records view has every value: SELECT run_id, position, seq, value FROM records WHERE name = 'loss'");
    assertThat(TestProjects.rows(every)).containsExactly(
        List.of("epoch=0 step=0", 0.0), List.of("epoch=0 step=1", 0.1), List.of("epoch=1 step=0", 1.0),
        List.of("epoch=1 step=0", 99.0), List.of("epoch=1 step=1", 1.1));
  }
}
