package dev.flordb.internal.store;

import static dev.flordb.internal.store.RunFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.internal.records.RecordFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the store reads record files: whole, however large (it reads them in chunks, and lines
 * cross the chunks' ends), and only what is new at each read, while the run writes on.
 */
class StoreReadTest {
  private static final String RUN = "20260101-000000-000-aaaaaa";

  @TempDir Path tmp;
  RunFiles files;

  @BeforeEach
  void project() {
    files = new RunFiles(tmp);
  }

  private long count(String name) {
    return files.query("SELECT count(*) AS n FROM logs WHERE name = '" + name + "'").row(0).getLong("n");
  }

  @Test
  void aFileOfManyChunksIsReadWholeWithEveryLineThatCrossesAChunksEnd() throws IOException {
    int n = 20_000;
    String pad = "\u00e9t\u00e9-".repeat(60); // two-byte characters: a chunk's end falls inside some of them
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      for (int i = 0; i < n; i++) w.log(at("step", i), "text", pad + i);
    }
    assertThat(Files.size(files.file(RUN + ".jsonl"))).isGreaterThan(2L * (4 << 20));
    Table t = files.dataframe("text");
    assertThat(t.size()).isEqualTo(n);
    List<Object> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) expected.add(pad + i);
    assertThat(t.column("text")).isEqualTo(expected);
    assertThat(files.warnings).isEmpty();
  }

  @Test
  void eachReadTakesOnlyWhatWasWrittenSinceTheLast() {
    RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z");
    for (int i = 0; i < 5; i++) w.log(at("step", i), "loss", (double) i);
    w.flush();
    assertThat(count("loss")).isEqualTo(5);
    assertThat(count("loss")).as("read again: nothing new").isEqualTo(5);
    for (int i = 5; i < 8; i++) w.log(at("step", i), "loss", (double) i);
    w.close();
    assertThat(count("loss")).isEqualTo(8);
    assertThat(files.dataframe("loss").column("loss")).as("every record is its run's")
        .containsExactly(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    assertThat(files.query("SELECT path, run_id FROM files").row(0).toMap())
        .containsEntry("path", RUN + ".jsonl").containsEntry("run_id", RUN);
    assertThat(files.query("SELECT offset, lines, bad_lines FROM files").row(0).toMap().values())
        .containsExactly(sizeOf(RUN + ".jsonl"), 10L, 0L); // header, 8 values, end
  }

  private long sizeOf(String name) {
    try {
      return Files.size(files.file(name));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aRunsRowHoldsItsHeaderItsArgsAcrossReadsAndItsEnd() throws IOException {
    RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z");
    w.arg("lr", 0.1).flush();
    assertThat(files.query("SELECT args FROM runs").column("args")).containsExactly("{\"lr\":0.1}");
    w.arg("epochs", 3L).log("x", 1L);
    w.close();
    Map<String, Object> run = files.query("SELECT run_id, projid, tstamp, filename, status, args, start_ms, end_ms, header FROM runs")
        .row(0).toMap();
    assertThat(run).containsEntry("run_id", RUN).containsEntry("projid", "proj")
        .containsEntry("tstamp", "2026-01-01T00:00:00Z").containsEntry("filename", "Train.java")
        .containsEntry("status", "finished").containsEntry("args", "{\"lr\":0.1,\"epochs\":3}")
        .containsEntry("end_ms", RunFiles.END_MS).containsEntry("start_ms", RunFiles.START_MS);
    assertThat((String) run.get("header")).startsWith("{\"format\":1,\"projid\":\"proj\",");
    // each record's time is the one its line says
    List<Object> times = new ArrayList<>();
    for (String line : Files.readAllLines(files.file(RUN + ".jsonl"), StandardCharsets.UTF_8)) {
      RecordFormat.Entry e = RecordFormat.parse(line);
      if (!e.kind().equals("run")) times.add(e.t());
    }
    assertThat(files.query("SELECT t FROM logs ORDER BY seq").column("t")).isEqualTo(times);
  }

  @Test
  void aVerifiedReplaysFileIsReadWithoutABadLine() {
    files.run(RUN, "2026-01-01T00:00:00Z").log(at("step", 0), "x", 1L).close();
    try (RunFiles.Writer r = files.replay(RUN, "20260102-000000-000-bbbbbb")) {
      r.log(at("step", 0), "y", 2L);
    }
    assertThat(files.dataframe("x", "y").row(0).toMap()).containsEntry("x", 1L).containsEntry("y", 2L);
    assertThat(files.query("SELECT bad_lines FROM files").column("bad_lines")).containsExactly(0L, 0L);
    try (Store s = files.open()) {
      assertThat(s.florDir()).isEqualTo(files.florDir);
    }
  }

  @Test
  void storesThatReadAtOnceStoreEveryRecordOnce() throws Exception {
    int runs = 3;
    int values = 3000;
    for (int r = 0; r < runs; r++) {
      try (RunFiles.Writer w = files.run("20260101-000000-000-" + String.format("%06x", 0xa0 + r), "2026-01-0" + (r + 1) + "T00:00:00Z")) {
        for (int i = 0; i < values; i++) w.log(at("step", i), "x", (long) i);
      }
    }
    int readers = 4;
    CountDownLatch ready = new CountDownLatch(readers);
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    try {
      List<Future<Long>> counts = new ArrayList<>();
      for (int i = 0; i < readers; i++) {
        counts.add(pool.submit(() -> {
          ready.countDown();
          ready.await();
          try (Store s = files.open()) {
            return s.query("SELECT count(*) AS n FROM logs WHERE name = 'x'").row(0).getLong("n");
          }
        }));
      }
      for (Future<Long> c : counts) assertThat(c.get(2, TimeUnit.MINUTES)).isEqualTo((long) runs * values);
    } finally {
      pool.shutdownNow();
    }
    assertThat(count("x")).isEqualTo((long) runs * values);
    assertThat(files.query("SELECT count(*) AS n FROM runs").row(0).getLong("n")).isEqualTo(runs);
  }
}
