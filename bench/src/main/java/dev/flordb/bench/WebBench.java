package dev.flordb.bench;

import dev.flordb.internal.run.Session;
import dev.flordb.web.FlorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code flordb serve} on a large store: 1,000 runs of 10,000 records each (10,000,000 in all:
 * {@code loss} in loops {@code epoch} x {@code step}, {@code acc} per epoch, three args), made by
 * real sessions. Prints the time of the server's start (which reads every record file into the
 * query database), of the first {@code GET /api/runs} (which computes the runs' summaries), of
 * {@code /api/runs} once the server is warm (what the runs page loads, and reloads every few
 * seconds while a run runs), and of one run's page data ({@code /api/runs/RUN} and its chart data
 * {@code /api/runs/RUN/series}), and of {@code /api/runs} once one more run has ended (its record
 * file read, its summary added: what the page's live update costs); then of the first {@code
 * /api/runs} of a server started again, which takes the summaries the first one kept. {@code -Druns=N -Dsteps=N} change the size; {@code -Drepo=DIR}
 * reuses a repository kept by {@code -Dkeep=true}.
 */
public final class WebBench {
  private WebBench() {}

  public static void main(String[] args) throws Exception {
    int runs = Repos.intProp("runs", 1000);
    int epochs = 10;
    int steps = Repos.intProp("steps", 1000);
    int rounds = Repos.intProp("rounds", 5);
    String kept = System.getProperty("repo");
    Path repo = kept != null ? Path.of(kept) : Repos.create("flordb-bench-web");
    try {
      if (kept == null) {
        long t0 = System.nanoTime();
        for (int r = 0; r < runs; r++) {
          try (Session s = Session.builder(repo).program("Bench.java").quiet(true).start()) {
            double lr = s.arg("lr", 0.001 * (1 + r % 10));
            s.arg("batch_size", 32 << (r % 3));
            s.arg("seed", (long) r);
            for (int e : s.loop("epoch", 0, epochs)) {
              for (int step : s.loop("step", 0, steps)) s.log("loss", lr / ((long) e * steps + step + 1));
              s.log("acc", 0.5 + 0.05 * e);
            }
          }
        }
        System.out.printf("  %,d runs x %,d records logged in %.1f s%n", runs, epochs * (steps + 1), (System.nanoTime() - t0) / 1e9);
      }
      java.nio.file.Files.deleteIfExists(repo.resolve(".flor/cache/serve-summaries.json")); // what older servers kept
      long s0 = System.nanoTime();
      try (FlorServer server = FlorServer.start(repo, "127.0.0.1", 0, System.getProperty("java.class.path"))) {
        double start = (System.nanoTime() - s0) / 1e9;
        System.out.printf("  server start, every record file read into the query database: %.2f s%n", start);
        String base = "http://127.0.0.1:" + server.port();
        HttpClient http = HttpClient.newHttpClient();
        double[] first = time(http, base + "/api/runs");
        System.out.printf("  first GET /api/runs (the runs' summaries computed): %.3f s, %,d bytes%n", first[0], (long) first[1]);
        double[] warm = new double[rounds];
        long bytes = 0;
        for (int i = 0; i < rounds; i++) {
          double[] t = time(http, base + "/api/runs");
          warm[i] = t[0];
          bytes = (long) t[1];
        }
        double page = time(http, base + "/")[0];
        System.out.printf("  GET /api/runs, warm (median of %d): %.3f s, %,d bytes (target <= 1 s); the page itself %.3f s%n",
            rounds, Repos.median(warm), bytes, page);
        // a new run while the server serves: what the page's live update pays to see it
        try (Session s = Session.builder(repo).program("Bench.java").quiet(true).start()) {
          s.arg("lr", 0.5);
          for (int e : s.loop("epoch", 0, epochs)) {
            for (int step : s.loop("step", 0, steps)) s.log("loss", 1.0 / ((long) e * steps + step + 1));
          }
        }
        double[] after = time(http, base + "/api/runs");
        System.out.printf("  GET /api/runs after one more run of %,d records (its file read, its summary added): %.3f s%n",
            epochs * steps, after[0]);
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "/api/runs")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("\"run_id\":\"([^\"]+)\"").matcher(body);
        String run = null;
        for (int i = 0; m.find() && i <= runs / 2; i++) run = m.group(1); // a run from the middle
        double[] chart = new double[rounds];
        long chartBytes = 0;
        for (int i = 0; i < rounds; i++) {
          double[] a = time(http, base + "/api/runs/" + run);
          double[] b = time(http, base + "/api/runs/" + run + "/series");
          chart[i] = a[0] + b[0];
          chartBytes = (long) (a[1] + b[1]);
        }
        System.out.printf("  one run's page data, /api/runs/RUN + /series (median of %d): %.3f s, %,d bytes (target <= 0.5 s)%n",
            rounds, Repos.median(chart), chartBytes);
        System.out.printf("RESULT web_server_start_s %.2f%n", start);
        System.out.printf("RESULT web_runs_first_s %.3f%n", first[0]);
        System.out.printf("RESULT web_runs_warm_s %.3f%n", Repos.median(warm));
        System.out.printf("RESULT web_run_chart_s %.3f%n", Repos.median(chart));
        System.out.printf("RESULT web_runs_after_new_run_s %.3f%n", after[0]);
      }
      // a server started again finds the summaries the last one kept, and folds in only what is new
      long r0 = System.nanoTime();
      try (FlorServer server = FlorServer.start(repo, "127.0.0.1", 0, System.getProperty("java.class.path"))) {
        double started = (System.nanoTime() - r0) / 1e9;
        double[] first = time(HttpClient.newHttpClient(), "http://127.0.0.1:" + server.port() + "/api/runs");
        System.out.printf("  a server started again: start %.2f s, first GET /api/runs %.3f s (the summaries kept by the last one)%n",
            started, first[0]);
        System.out.printf("RESULT web_restart_runs_first_s %.3f%n", first[0]);
      }
    } finally {
      if (Boolean.getBoolean("keep") || kept != null) {
        System.out.println("  kept the repository: " + repo);
      } else {
        Repos.delete(repo);
      }
    }
  }

  /** Seconds and bytes of one GET that must answer 200. */
  static double[] time(HttpClient http, String url) throws Exception {
    long a = System.nanoTime();
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    long b = System.nanoTime();
    if (r.statusCode() != 200) throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + new String(r.body()));
    return new double[] {(b - a) / 1e9, r.body().length};
  }
}
