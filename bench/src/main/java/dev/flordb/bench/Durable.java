package dev.flordb.bench;

import dev.flordb.internal.run.Session;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The time to make 1,000,000 records durable: log them through a session (loops epoch(10) >
 * step(100,000)), then {@code commit()}, which forces the record file to disk and writes the
 * run's snapshot commit. Wall time from the first log call to the return of commit(); a fresh run
 * in a fresh repository each time; warm-up rounds first, then the median of the measured ones.
 */
public final class Durable {
  public static void main(String[] args) {
    int epochs = 10;
    int steps = Repos.intProp("records", 1_000_000) / epochs;
    int warmups = Repos.intProp("warmups", 2);
    int rounds = Repos.intProp("rounds", 3);
    double[] total = new double[rounds];
    double[] logging = new double[rounds];
    double[] commit = new double[rounds];
    for (int round = -warmups; round < rounds; round++) {
      Path repo = Repos.create("flordb-bench-durable");
      try (Session s = Session.builder(repo).program("Bench.java").quiet(true).start()) {
        double loss = 1.0;
        long t0 = System.nanoTime();
        for (int e : s.loop("epoch", 0, epochs)) {
          for (int step : s.loop("step", 0, steps)) {
            loss = s.logDouble("loss", loss * 0.999999 + step * 1e-9);
          }
        }
        long t1 = System.nanoTime();
        s.commit();
        long t2 = System.nanoTime();
        long bytes = Files.size(s.recordFile());
        System.out.printf("  %s: log %.3f s + commit %.3f s = %.3f s  (%,d bytes of records)%n",
            round < 0 ? "warm-up" : "round " + round, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9, bytes);
        if (round >= 0) {
          logging[round] = (t1 - t0) / 1e9;
          commit[round] = (t2 - t1) / 1e9;
          total[round] = (t2 - t0) / 1e9;
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      } finally {
        Repos.delete(repo);
      }
    }
    System.out.printf("RESULT durable_s %.3f%n", Repos.median(total));
    System.out.printf("RESULT durable_log_s %.3f%n", Repos.median(logging));
    System.out.printf("RESULT durable_commit_s %.3f%n", Repos.median(commit));
  }
}
