package dev.flordb.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.store.Store;
import dev.flordb.testing.TempRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The runs table's summaries, read from a real store, the first time and as rows are added. */
class RunSummariesTest {
  @AfterEach
  void restore() {
    RunSummaries.bigPass = 1_000_000;
  }

  static void run(Path repo, double... losses) {
    try (Session s = Session.builder(repo).program("Bench.java").quiet(true).start()) {
      s.arg("lr", 0.1);
      s.log("note_to_self", "first try");
      for (int i : s.loop("step", 0, losses.length)) s.log("loss", losses[i]);
    }
  }

  @ParameterizedTest(name = "through the index: {0}")
  @ValueSource(booleans = {false, true})
  void theLastLeastAndGreatestNumberOfEachMetricAndTheLastRunLevelValueWhateverNaNsTheRunLogged(boolean index,
      @TempDir Path tmp) {
    if (index) RunSummaries.bigPass = 0;
    TempRepo repo = TempRepo.init(tmp.resolve("proj"));
    repo.write("Bench.java", "class Bench {}\n");
    run(repo.dir, 3.0, Double.NaN, 1.0, 2.0);
    try (Snapshots git = Snapshots.open(repo.dir); Store store = Store.open(repo.dir.resolve(".flor"), git);
        Reads reads = new Reads(repo.dir.resolve(".flor").resolve(Store.DB_FILE))) {
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

  @org.junit.jupiter.api.Test
  void aServerStartedLaterTakesTheSummariesKeptByTheLastOneOnlyWhileTheyDescribeTheStore(@TempDir Path tmp)
      throws Exception {
    TempRepo repo = TempRepo.init(tmp.resolve("proj"));
    repo.write("Bench.java", "class Bench {}\n");
    run(repo.dir, 3.0, 1.0);
    Path cache = repo.dir.resolve(".flor/cache/serve-summaries.json");
    try (Snapshots git = Snapshots.open(repo.dir); Store store = Store.open(repo.dir.resolve(".flor"), git);
        Reads reads = new Reads(repo.dir.resolve(".flor").resolve(Store.DB_FILE))) {
      store.sync();
      RunSummaries first = new RunSummaries();
      first.refresh(reads);
      first.save(reads, cache);

      run(repo.dir, 7.0);
      store.sync();
      RunSummaries later = new RunSummaries();
      assertThat(later.load(reads, cache)).isTrue();
      assertThat(later.of(2).metrics).isEmpty(); // not folded in yet
      later.refresh(reads);
      assertThat(later.of(1).metrics.get("loss").count).isEqualTo(2);
      assertThat(later.of(1).metrics.get("loss").min).isEqualTo(1.0);
      assertThat(later.of(2).metrics.get("loss").last).isEqualTo(7.0);

      java.nio.file.Files.writeString(cache, java.nio.file.Files.readString(cache).replaceFirst("\"fingerprint\":\"[^\"]*\"",
          "\"fingerprint\":\"1/0/elsewhere\""));
      assertThat(new RunSummaries().load(reads, cache)).as("a cache of another store").isFalse();
    }
  }
}
