package dev.flordb.bench;

import dev.flordb.Table;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.store.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a user waits for after training: from the end of the runs to the first {@code
 * dataframe("hparam", "loss")} answer, and then to the next one. The runs are those of {@link
 * NestedLoopLogs}: each {@code arg("hparam")}, then {@code epochs x steps} logs of {@code loss}
 * inside loops {@code epoch} and {@code step} (10 runs of 100,000 records by default; {@code
 * -Drecords=10000000} for 10 runs of 1,000,000). The reads happen in a new JVM, as the next
 * program or {@code flordb dataframe} would: its clock starts at its {@code main}, and the time of
 * the whole process (its start-up included) is printed beside it. {@code -Dkeep=true} keeps the
 * repository (its record files and its current store) for other measurements.
 *
 * <p>The reading JVM prints: the first read (open the store, bring it up to date with the record
 * files, build the dataframe), split into the sync and the query; the second read in the same
 * process (the store is current: a sync that finds nothing new, then the query); and the median of
 * {@code rounds} more, warm. A second new JVM then reads the current store once more.
 */
public final class FirstReadBench {
  private FirstReadBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("read")) {
      read(Path.of(args[1]), Integer.parseInt(args[2]), args.length > 3 ? args[3] : "");
      return;
    }
    int runs = 10;
    int epochs = 10;
    int records = Repos.intProp("records", 1_000_000);
    int steps = records / runs / epochs;
    String tag = records == 1_000_000 ? "" : "_" + (records / 1_000_000) + "m";
    Path repo = Repos.create("flordb-bench-first");
    try {
      long t0 = System.nanoTime();
      for (int r = 0; r < runs; r++) {
        try (Session s = Session.builder(repo).program("Bench.java").quiet(true).start()) {
          double hparam = s.arg("hparam", 0.001 * (r + 1));
          for (int e : s.loop("epoch", 0, epochs)) {
            for (int step : s.loop("step", 0, steps)) {
              s.logDouble("loss", 1.0 / ((long) e * steps + step + 1));
            }
          }
          if (hparam < 0) throw new AssertionError();
        }
      }
      long t1 = System.nanoTime();
      System.out.printf("  %d runs x %,d records logged and closed in %.3f s%n", runs, epochs * steps, (t1 - t0) / 1e9);
      // the end of a run of a MiB of records or more stores them in the query database: part of this figure
      System.out.printf("RESULT runs_closed_s%s %.3f%n", tag, (t1 - t0) / 1e9);
      int rows = runs * epochs * steps;
      double wall = child(repo, rows, tag);
      System.out.printf("  the reading process, start-up included: %.3f s%n", wall);
      System.out.printf("RESULT first_read_process_s%s %.3f%n", tag, wall);
      double again = child(repo, rows, tag + "_again");
      System.out.printf("  a new process on the current store, start-up included: %.3f s%n", again);
    } finally {
      if (Boolean.getBoolean("keep")) {
        System.out.println("  kept the repository (-Dkeep=true): " + repo);
      } else {
        Repos.delete(repo);
      }
    }
  }

  /** Runs the reads in a new JVM on the same class path; returns its wall time. */
  private static double child(Path repo, int rows, String tag) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String heap = System.getProperty("childHeap");
    if (heap != null) cmd.add("-Xmx" + heap);
    String jfr = System.getProperty("jfr");
    if (jfr != null && !tag.endsWith("_again")) cmd.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
    cmd.add("-Drounds=" + Repos.intProp("rounds", 3));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(FirstReadBench.class.getName());
    cmd.add("read");
    cmd.add(repo.toString());
    cmd.add(Integer.toString(rows));
    cmd.add(tag);
    long a = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) System.out.println(line);
    }
    int rc = p.waitFor();
    long b = System.nanoTime();
    if (rc != 0) throw new IllegalStateException("the reading JVM exited with " + rc);
    return (b - a) / 1e9;
  }

  private static void read(Path repo, int rows, String tag) {
    int rounds = Repos.intProp("rounds", 3);
    boolean again = tag.endsWith("_again");
    long t0 = System.nanoTime();
    try (Snapshots git = Snapshots.open(repo); Store store = Store.open(repo.resolve(".flor"), git)) {
      store.sync();
      long t1 = System.nanoTime();
      double syncCpu = cpu();
      double syncThreadCpu = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1e9;
      Table first = store.dataframe("hparam", "loss");
      long t2 = System.nanoTime();
      check(first, rows);
      if (again) {
        System.out.printf("  new process, current store: dataframe(\"hparam\",\"loss\") %.3f s from main (sync %.3f s)%n",
            (t2 - t0) / 1e9, (t1 - t0) / 1e9);
        System.out.printf("RESULT current_new_process_s%s %.3f%n", tag.replace("_again", ""), (t2 - t0) / 1e9);
        return;
      }
      System.out.printf("  first read: %.3f s from main to the answer (open and sync %.3f s, dataframe %.3f s), %,d rows;"
          + " CPU time of the process: %.3f s to the end of the sync (%.3f s on the reading thread), %.3f s to the answer%n",
          (t2 - t0) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9, first.size(), syncCpu, syncThreadCpu, cpu());
      System.out.printf("RESULT first_read_s%s %.3f%n", tag, (t2 - t0) / 1e9);
      System.out.printf("RESULT first_sync_s%s %.3f%n", tag, (t1 - t0) / 1e9);
      first = null;
      long t3 = System.nanoTime();
      Table second = store.dataframe("hparam", "loss");
      long t4 = System.nanoTime();
      check(second, rows);
      second = null;
      System.out.printf("  second read: %.3f s%n", (t4 - t3) / 1e9);
      System.out.printf("RESULT second_read_s%s %.3f%n", tag, (t4 - t3) / 1e9);
      double[] times = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long a = System.nanoTime();
        Table t = store.dataframe("hparam", "loss");
        long b = System.nanoTime();
        check(t, rows);
        times[r] = (b - a) / 1e9;
        System.out.printf("  round %d: %.3f s%n", r, times[r]);
      }
      if (rounds > 0) System.out.printf("RESULT warm_read_s%s %.3f%n", tag, Repos.median(times));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }

  /** The CPU time this process has used, all threads (on a busy machine, steadier than the wall clock). */
  private static double cpu() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean
        ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1e9 : Double.NaN;
  }

  private static void check(Table t, int rows) {
    List<String> want = List.of("projid", "tstamp", "filename", "run_id", "epoch", "step", "hparam", "loss");
    if (!t.columns().equals(want)) throw new AssertionError("columns " + t.columns() + ", expected " + want);
    if (t.size() != rows) throw new AssertionError(t.size() + " rows, expected " + rows);
    Table.Row last = t.row(rows - 1);
    if (!(last.get("hparam") instanceof Double) || !(last.get("loss") instanceof Double)
        || !(last.get("step") instanceof Long)) {
      throw new AssertionError("unexpected types in " + last);
    }
  }
}
