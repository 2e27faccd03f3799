package dev.flordb.bench;

import dev.flordb.internal.run.Session;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the warm log call's time goes: the CPU time per record of the program's thread and of the
 * record writer's thread once both are compiled, in the nested loops of {@link LogCall} (varied
 * doubles, 10 epochs of 1,000 steps, 50 times a run). On a machine of two cores the log call
 * cannot be sustained faster than the slower of the two threads, nor than half their sum. Each
 * round is a fresh run; the first rounds warm the JIT up and are not printed; each printed round
 * ends with a pause in which the writer catches up, which its time includes.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.flordb.bench.WarmWriterCpu [rounds]}.
 */
public final class WarmWriterCpu {
  private WarmWriterCpu() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int warmups = Math.max(1, rounds / 2);
    Path repo = Repos.create("flordb-bench-warm-cpu");
    double sink = 0;
    try {
      for (int r = 0; r < rounds; r++) {
        Session s = Session.builder(repo).program("Bench.java").quiet(true).start();
        s.commit(); // the run's start in the background (JGit) is over before the clock starts
        long n = 0;
        Map<String, Long> before = ThreadCpu.now();
        long w0 = System.nanoTime();
        for (int rep = 0; rep < 50; rep++) {
          for (int e : s.loop("epoch", 0, LogCall.EPOCHS)) {
            for (int step : s.loop("step", 0, LogCall.STEPS)) {
              sink += s.logDouble("loss", 1.0 / (n + 1));
              n++;
            }
          }
        }
        long wall = System.nanoTime() - w0;
        Thread.sleep(500); // the writer catches up (it writes every 100 ms)
        Map<String, Long> after = ThreadCpu.now();
        if (r >= warmups) {
          System.out.printf("round %d: %d logs, %.1f ns per log in the loops (wall)%n", r, n, wall / (double) n);
          ThreadCpu.print("warm", before, after, n);
        }
        s.close();
      }
    } finally {
      Repos.delete(repo);
    }
    if (sink == 42) System.out.println();
  }
}
