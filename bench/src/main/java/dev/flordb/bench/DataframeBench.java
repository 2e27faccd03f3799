package dev.flordb.bench;

import dev.flordb.Table;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import java.nio.file.Path;
import java.util.List;

/**
 * The time of {@code dataframe("lr", "loss")} over a store of 1,000,000 records from 10 runs (each
 * run: arg lr, then loss in loops epoch(10) > step(10,000)). The store is synced once (which
 * reads the record files into the query database; that time is printed too), then the dataframe
 * is built with a warm JVM: warm-up rounds, then the median of the measured ones.
 */
public final class DataframeBench {
  public static void main(String[] args) {
    int runs = 10;
    int epochs = 10;
    int steps = Repos.intProp("records", 1_000_000) / runs / epochs;
    int warmups = Repos.intProp("warmups", 3);
    int rounds = Repos.intProp("rounds", 5);
    Path repo = Repos.create("flordb-bench-df");
    try {
      long t0 = System.nanoTime();
      for (int r = 0; r < runs; r++) {
        try (Session s = Session.builder(repo).program("Bench.java").quiet(true).start()) {
          double lr = s.arg("lr", 0.001 * (r + 1));
          double loss = 1.0;
          for (int e : s.loop("epoch", 0, epochs)) {
            for (int step : s.loop("step", 0, steps)) {
              loss = s.log("loss", loss * (1 - lr * 1e-3));
            }
          }
        }
      }
      long t1 = System.nanoTime();
      System.out.printf("  %d runs logged and closed in %.3f s%n", runs, (t1 - t0) / 1e9);
      try (Snapshots git = Snapshots.open(repo);
          Store store = Store.open(repo.resolve(".flor"), git)) {
        long s0 = System.nanoTime();
        store.sync();
        long s1 = System.nanoTime();
        System.out.printf("  first sync (record files into the query database): %.3f s%n", (s1 - s0) / 1e9);
        System.out.printf("RESULT sync_s %.3f%n", (s1 - s0) / 1e9);
        double[] times = new double[rounds];
        for (int round = -warmups; round < rounds; round++) {
          long a = System.nanoTime();
          Table t = store.dataframe("lr", "loss");
          long b = System.nanoTime();
          check(t, runs * epochs * steps);
          System.out.printf("  %s: dataframe(\"lr\",\"loss\") %.3f s, %,d rows%n",
              round < 0 ? "warm-up" : "round " + round, (b - a) / 1e9, t.size());
          if (round >= 0) times[round] = (b - a) / 1e9;
        }
        System.out.printf("RESULT dataframe_s %.3f%n", Repos.median(times));
      }
    } finally {
      Repos.delete(repo);
    }
  }

  private static void check(Table t, int rows) {
    List<String> want = List.of("projid", "tstamp", "filename", "run_id", "epoch", "step", "lr", "loss");
    if (!t.columns().equals(want)) throw new AssertionError("columns " + t.columns() + ", expected " + want);
    if (t.size() != rows) throw new AssertionError(t.size() + " rows, expected " + rows);
    Table.Row last = t.row(rows - 1);
    if (!(last.get("lr") instanceof Double) || !(last.get("loss") instanceof Double)
        || !(last.get("step") instanceof Long)) {
      throw new AssertionError("unexpected types in " + last);
    }
  }
}
