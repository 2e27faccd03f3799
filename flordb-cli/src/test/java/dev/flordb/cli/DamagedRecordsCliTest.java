package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import dev.flordb.internal.git.Snapshots;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged record files as the command line meets them: every command that reads the store says
 * on standard error what is damaged, once, and a finished run's file that was cut is restored
 * from the copy in its snapshot commit (the run was a real process, which has ended).
 */
class DamagedRecordsCliTest {
  @TempDir Path tmp;

  private static void deleteDatabase(Project p) throws IOException {
    for (String f : List.of("flor.db", "flor.db-wal", "flor.db-shm")) Files.deleteIfExists(p.florDir().resolve(f));
  }

  private static Path recordFile(Project p, String run) {
    return p.florDir().resolve("records").resolve(run + ".jsonl");
  }

  @Test
  void everyCommandThatReadsTheStoreSaysOnceWhatIsDamagedNamingTheFileAndTheLine() throws IOException {
    Project project = Project.init(tmp.resolve("proj"));
    String run;
    try (Session s = project.session(System.currentTimeMillis(), "Train.java")) {
      run = s.runId();
      for (int e : s.loop("epoch", 0, 3)) s.log("acc", e / 4.0);
    }
    Path file = recordFile(project, run);
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    lines.set(2, "{\"run\": cut");
    Files.write(file, lines, StandardCharsets.UTF_8);
    try (Repository r = new FileRepositoryBuilder().setWorkTree(project.dir.toFile()).setMustExist(true).build()) {
      RefUpdate u = r.updateRef(Snapshots.REF_PREFIX + run);
      u.setForceUpdate(true);
      u.delete(); // and no snapshot to repair it from
    }
    deleteDatabase(project);
    String warning = "flordb: " + file + " line 3 is not a valid record (malformed JSON at offset 8: unexpected"
        + " character 'c'); it was skipped. It could not be repaired from the run's snapshot: the run has no snapshot"
        + " commit to repair it from.\n";

    for (String[] command : new String[][] {{"dataframe", "acc"}, {"query", "SELECT count(*) AS n FROM logs"}, {"runs"}, {"stat"}}) {
      Project.Cli c = project.cli(command);
      assertThat(c.exit()).as(c.toString()).isZero();
      assertThat(c.err()).as(String.join(" ", command)).isEqualTo(warning);
    }
  }

  @Test
  void aFinishedRunsFileCutInHalfIsRestoredFromItsSnapshotAndTheRunShowsAsFinished() throws IOException {
    assertCutFileIsRestored(bytes -> bytes.length / 2 + 3);
  }

  @Test
  void aFinishedRunsFileCutAtTheEndOfALineIsRestoredFromItsSnapshotToo() throws IOException {
    assertCutFileIsRestored(bytes -> {
      int half = bytes.length / 2;
      while (bytes[half - 1] != '\n') half++;
      return half;
    });
  }

  private void assertCutFileIsRestored(java.util.function.ToIntFunction<byte[]> cutAt) throws IOException {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("Train.java", SingleFileProgramTest.TRAIN);
    ChildJvm.source(project.dir, "Train.java", "--kwargs", "epochs=3").run().assertSucceeded();
    String run = project.runs().get(0).getString("run_id");
    String whole = project.cli("dataframe", "loss", "acc", "--csv").out();
    Path file = recordFile(project, run);
    byte[] intact = Files.readAllBytes(file);
    deleteDatabase(project);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(cutAt.applyAsInt(intact));
    }

    Project.Cli runs = project.cli("runs", "--csv");

    assertThat(runs.exit()).as(runs.toString()).isZero();
    assertThat(runs.out()).contains(",finished,");
    assertThat(runs.err()).startsWith("flordb: " + file + " was damaged; ")
        .contains(" records were restored from the run's snapshot commit (refs/flor/runs/" + run + ")")
        .contains("the damaged file is kept as " + file + ".damaged-");
    assertThat(Files.readAllBytes(file)).isEqualTo(intact);
    Project.Cli df = project.cli("dataframe", "loss", "acc", "--csv");
    assertThat(df.out()).isEqualTo(whole);
    assertThat(df.err()).isEmpty();
  }
}
