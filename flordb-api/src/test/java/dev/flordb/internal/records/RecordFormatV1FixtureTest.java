package dev.flordb.internal.records;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record file written by format version 1 (a real run of a small training program: lr=0.1,
 * epochs=3, loss over 4 steps per epoch, acc per epoch) must stay readable by every later
 * version of the store.
 */
class RecordFormatV1FixtureTest {
  static final String RUN = "20261126-060111-202-69fdf6";

  @TempDir Path repo;

  @Test
  void aVersionOneRecordFileIsReadIntoTheSameDataframe() throws Exception {
    Git.init().setDirectory(repo.toFile()).call().close();
    Path records = Files.createDirectories(repo.resolve(".flor/records"));
    try (InputStream in = getClass().getResourceAsStream("/fixtures/format-v1/" + RUN + ".jsonl")) {
      Files.copy(in, records.resolve(RUN + ".jsonl"));
    }
    try (Snapshots git = Snapshots.open(repo); Store store = Store.open(repo.resolve(".flor"), git)) {
      Table t = store.dataframe("lr", "loss", "acc");
      assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "step", "lr", "loss", "acc");
      assertThat(t.size()).isEqualTo(12);
      assertThat(t.row(0).toMap()).containsEntry("projid", "demo").containsEntry("tstamp", "2026-11-26T06:01:11.202Z")
          .containsEntry("filename", "Train.java").containsEntry("epoch", 0L).containsEntry("step", 0L)
          .containsEntry("lr", 0.1).containsEntry("loss", 0.9072756368003287).containsEntry("acc", 0.32751269065257027);
      assertThat(t.row(11).getDouble("loss")).isEqualTo(0.32381513449161614);
      assertThat(t.row(11).getDouble("acc")).isEqualTo(0.6761848655083839);

      Table runs = store.query("SELECT run_id, status, args FROM runs");
      assertThat(runs.size()).isEqualTo(1);
      assertThat(runs.row(0).toMap()).containsEntry("run_id", RUN).containsEntry("status", "finished")
          .containsEntry("args", "{\"lr\":0.1,\"epochs\":3}");
      assertThat(store.dataframe("io::stdout").column("io::stdout"))
          .containsExactly("epoch done 0", "epoch done 1", "epoch done 2");
    }
  }
}
