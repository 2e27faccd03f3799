package dev.flordb.internal.store;

import static dev.flordb.internal.store.RunFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    java.util.List<Object> expected = new java.util.ArrayList<>();
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
}
