package dev.flordb.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.store.Store;
import dev.flordb.testing.TempRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runs table's summaries, read from a real store's summaries, the first time and as rows are added. */
class RunSummariesTest {
  static void run(Path repo, double... losses) {
    try (Session s = Session.builder(repo).program("Bench.java").quiet(true).start()) {
      s.arg("lr", 0.1);
      s.log("note_to_self", "first try");
      for (int i : s.loop("step", 0, losses.length)) s.log("loss", losses[i]);
    }
  }

  @Test
  void theLastLeastAndGreatestNumberOfEachMetricAndTheLastRunLevelValueWhateverNaNsTheRunLogged(@TempDir Path tmp) {
    TempRepo repo = TempRepo.init(tmp.resolve("proj"));
    repo.write("Bench.java", "class Bench {}\n");
    run(repo.dir, 3.0, Double.NaN, 1.0, 2.0);
    try (Snapshots git = Snapshots.open(repo.dir); Store store = Store.open(repo.dir.resolve(".flor"), git);
        Reads reads = new SqliteReads(repo.dir.resolve(".flor").resolve(Store.DB_FILE))) {
      store.sync();
      RunSummaries s = new RunSummaries();
      s.refresh(reads);
      RunSummaries.Run first = s.of(1);
      RunSummaries.Metric loss = first.metrics.get("loss");
      assertThat(loss.count).isEqualTo(4);
      assertThat(loss.min).isEqualTo(1.0);
      assertThat(loss.max).isEqualTo(3.0);
      assertThat(loss.last).isEqualTo(2.0);
      assertThat(first.values).containsEntry("note_to_self", "first try");

      // a second run, folded in by the next reading: the first run's summary is unchanged
      run(repo.dir, Double.NaN, 5.0);
      store.sync();
      s.refresh(reads);
      assertThat(s.of(1).metrics.get("loss").count).isEqualTo(4);
      RunSummaries.Metric second = s.of(2).metrics.get("loss");
      assertThat(second.count).isEqualTo(2);
      assertThat(second.min).isEqualTo(5.0);
      assertThat(second.max).isEqualTo(5.0);
      assertThat(second.last).isEqualTo(5.0);
      assertThat(s.names().get("metrics")).containsExactly("loss");
    }
  }

  @Test
  void infinitiesCountButAreNeitherLeastNorGreatestAndTheLastMayBeOne(@TempDir Path tmp) {
    TempRepo repo = TempRepo.init(tmp.resolve("proj"));
    repo.write("Bench.java", "class Bench {}\n");
    run(repo.dir, Double.POSITIVE_INFINITY, 4.0, Double.NEGATIVE_INFINITY);
    try (Snapshots git = Snapshots.open(repo.dir); Store store = Store.open(repo.dir.resolve(".flor"), git);
        Reads reads = new SqliteReads(repo.dir.resolve(".flor").resolve(Store.DB_FILE))) {
      store.sync();
      RunSummaries s = new RunSummaries();
      s.refresh(reads);
      RunSummaries.Metric loss = s.of(1).metrics.get("loss");
      assertThat(loss.count).isEqualTo(3);
      assertThat(loss.min).isEqualTo(4.0);
      assertThat(loss.max).isEqualTo(4.0);
      assertThat(loss.last).isEqualTo("-Infinity");
    }
  }
}
