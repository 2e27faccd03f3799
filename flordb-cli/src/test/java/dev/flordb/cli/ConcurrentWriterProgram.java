package dev.flordb.cli;

import dev.flordb.internal.run.Session;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child program for the two-writers test: {@code START_MS WRITER COUNT}. It starts a run that
 * claims to have started at {@code START_MS} (so that two of them share a millisecond), prints
 * {@code ready RUN}, waits for a line on standard input, then logs {@code v = BASE + i} for
 * {@code i} in {@code 0..COUNT-1} (BASE is 1,000,000 for writer A, 2,000,000 for B), commits
 * half-way, and brings the shared query database up to date before it ends.
 */
public final class ConcurrentWriterProgram {
  private ConcurrentWriterProgram() {}

  public static void main(String[] args) throws Exception {
    long startMillis = Long.parseLong(args[0]);
    int count = Integer.parseInt(args[2]);
    Path dir = Path.of(System.getProperty("user.dir"));
    try (Session s = Session.builder(dir)
        .program("ConcurrentWriterProgram", "--kwargs", "writer=" + args[1])
        .startMillis(startMillis)
        .quiet(true)
        .start()) {
      String writer = s.arg("writer", "?");
      long base = writer.equals("A") ? 1_000_000L : 2_000_000L;
      System.out.println("ready " + s.runId());
      System.out.flush();
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      for (int i : s.loop("i", 0, count)) {
        s.log("v", base + i);
        if (i == count / 2) s.commit();
      }
      System.out.println("records " + s.read(st -> st.query("SELECT count(*) AS n FROM logs")).row(0).get("n"));
    }
  }
}
