package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay that diverges from what its run recorded is retried with the safer strategy, and one
 * that diverges again, or whose statement never runs, is not counted as replayed: the console
 * names the statement, where, and what differed, and the exit code is not 0.
 *
 * <p>The divergences come from a stand-in for the replay engine's checks: a program that, given
 * {@code --replay}, writes a replay record file and the verdict ({@code FLOR_REPLAY_VERDICT}) itself
 * and exits 3 (diverged) unless told {@code --from-start}, or always, as the file
 * {@code replay-behaviour} in its directory says. The statement that never runs is a real one.
 */
class ReplayRetryTest {
  /** A program whose forward runs are real and whose replays are the stand-in. */
  static final String PROGRAM = """
      import dev.flordb.Flor;
      import java.nio.file.Files;
      import java.nio.file.Path;
      import java.nio.file.StandardOpenOption;
      import java.util.List;

      public class Train {
        public static void main(String[] args) throws Exception {
          List<String> a = List.of(args);
          if (a.contains("--replay")) {
            System.exit(fakeReplay(a));
          }
          for (int epoch : Flor.loop("epoch", 0, 3)) {
            Flor.log("loss", 1.0 / (epoch + 1));
          }
        }

        /** Writes what a replay writes, as the engine would, and exits as it would: 0 verified, 3 diverged. */
        static int fakeReplay(List<String> a) throws Exception {
          String run = a.get(a.indexOf("--replay") + 1);
          String apply = a.get(a.indexOf("--apply") + 1);
          boolean verified = a.contains("--from-start") && !Files.readString(Path.of("replay-behaviour")).contains("always");
          Files.writeString(Path.of("replay-args.log"), String.join(" ", a.subList(a.indexOf("--replay"), a.size())) + "\\n",
              StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          String file = ".flor/records/" + run + ".replay-20260101-000000-000-" + String.format("%06x", System.nanoTime() & 0xffffff) + ".jsonl";
          StringBuilder rec = new StringBuilder();
          rec.append("{\\"run\\":\\"" + run + "\\",\\"seq\\":0,\\"t\\":1,\\"ctx\\":[],\\"kind\\":\\"replay\\",\\"name\\":\\"replay\\","
              + "\\"type\\":\\"json\\",\\"value\\":{\\"format\\":1},\\"src\\":\\"replay\\"}\\n");
          for (int epoch = 0; epoch < 3; epoch++) {
            rec.append("{\\"run\\":\\"" + run + "\\",\\"seq\\":" + (epoch + 1) + ",\\"t\\":1,\\"ctx\\":[[\\"epoch\\"," + epoch
                + ",null]],\\"kind\\":\\"log\\",\\"name\\":\\"" + apply + "\\",\\"type\\":\\"float\\",\\"value\\":" + (0.5 + epoch)
                + ",\\"src\\":\\"replay\\"}\\n");
          }
          String verdict = "{\\"run\\":\\"" + run + "\\",\\"status\\":\\"" + (verified ? "verified" : "diverged") + "\\","
              + "\\"level\\":\\"" + a.get(a.indexOf("--level") + 1) + "\\",\\"from_start\\":" + a.contains("--from-start") + ","
              + "\\"stored\\":3,\\"checked\\":6,\\"states_checked\\":3,\\"record_file\\":\\"" + file + "\\","
              + "\\"divergences\\":" + (verified ? "[]" : "[{\\"kind\\":\\"value\\",\\"name\\":\\"loss\\",\\"position\\":\\"epoch=1\\","
                  + "\\"recorded\\":\\"0.5\\",\\"replayed\\":\\"0.75\\",\\"message\\":\\"the loss depends on state that was not restored\\"}]")
              + ",\\"never_logged\\":[]}";
          rec.append("{\\"run\\":\\"" + run + "\\",\\"seq\\":4,\\"t\\":1,\\"ctx\\":[],\\"kind\\":\\"verdict\\",\\"name\\":\\"verdict\\","
              + "\\"type\\":\\"json\\",\\"value\\":" + verdict + ",\\"src\\":\\"replay\\"}\\n");
          Files.writeString(Path.of(file), rec);
          Files.writeString(Path.of(System.getenv("FLOR_REPLAY_VERDICT")), verdict);
          return verified ? 0 : 3;
        }
      }
      """;

  static final String TODAY = PROGRAM.replace("      Flor.log(\"loss\", 1.0 / (epoch + 1));\n",
      "      Flor.log(\"loss\", 1.0 / (epoch + 1));\n      Flor.log(\"acc\", 0.5 + epoch);\n");

  @Test
  void aReplayThatDivergesIsReplayedAgainFromTheStartAndItsVerifiedValuesAloneAreKept(@TempDir Path tmp)
      throws IOException {
    Project p = recorded(tmp, "diverge once");

    Project.Cli r = p.cli("replay", "acc", "--yes", "--jobs", "2");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(Files.readAllLines(p.dir.resolve("replay-args.log"))).hasSize(2).satisfiesExactly(
        first -> assertThat(first).contains("--level outer --jobs 1").doesNotContain("--from-start"),
        second -> assertThat(second).contains("--level nested").contains("--jobs 1").contains("--from-start"));
    assertThat(r.out())
        .contains("first replay (--level outer --jobs 1): diverged from what the run recorded:\n"
            + "          \"loss\" at epoch=1: recorded 0.5, replayed 0.75 (the loss depends on state that was not restored)\n"
            + "        replayed again (--level nested --jobs 1 --from-start): verified, 3 values stored\n")
        .contains("Replayed 1 of 1 run in ")
        .contains("Stored 3 values, checked against 6 recorded values and 3 checkpointed states.\n")
        .contains("Divergences (what replay computed against what the run recorded):\n  run ");
    assertThat(p.query("SELECT count(*) AS n FROM logs WHERE name = 'acc' AND source = 'replay'").row(0).getLong("n"))
        .isEqualTo(3);
    List<Path> kept = replayFiles(p.florDir().resolve("records"));
    assertThat(kept).hasSize(1);
    assertThat(replayFiles(p.florDir().resolve("replays"))).as("the diverged one, for inspection").hasSize(1);
    assertThat(committedReplayFiles(p)).containsExactly(".flor/records/" + kept.get(0).getFileName());
  }

  @Test
  void aReplayThatDivergesAgainIsRefusedWithEveryDivergenceOnTheConsoleAndAnExitCodeThatSaysSo(@TempDir Path tmp)
      throws IOException {
    Project p = recorded(tmp, "diverge always");

    Project.Cli r = p.cli("replay", "acc", "--yes");

    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("[1/1] DIVERGED ")
        .contains("replayed again (--level nested --jobs 1 --from-start): diverged from what the run recorded:\n"
            + "          \"loss\" at epoch=1: recorded 0.5, replayed 0.75")
        .contains("not stored: what replay computed for this run is not what it recorded, so its values are refused")
        .contains("Replayed 0 of 1 run in ").contains("; 1 diverged from what it recorded and was not stored (below).")
        .contains("Stored 0 values.");
    assertThat(p.query("SELECT count(*) AS n FROM logs WHERE name = 'acc'").row(0).getLong("n")).isZero();
    assertThat(replayFiles(p.florDir().resolve("records"))).isEmpty();
    assertThat(committedReplayFiles(p)).isEmpty();
  }

  @Test
  void aStatementThatNeverRunsInTheReplayIsNamedOnTheConsoleAndTheReplayDoesNotCountAsDone(@TempDir Path tmp) {
    Project p = Project.init(tmp.resolve("repo"));
    String program = """
        import dev.flordb.Flor;

        public class Train {
          public static void main(String[] args) {
            double w = 1;
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              w *= 0.5;
              Flor.log("loss", w);
            }
          }
        }
        """;
    p.write("Train.java", program);
    p.commitAll("train");
    ChildJvm.source(p.dir, "Train.java").run().assertSucceeded();
    p.write("Train.java", program.replace("      Flor.log(\"loss\", w);\n",
        "      Flor.log(\"loss\", w);\n      if (epoch > 100) Flor.log(\"rare\", w);\n"));

    Project.Cli r = p.cli("replay", "rare", "--yes");

    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("[1/1] MISSING ")
        .contains("\"rare\" (today's Train.java:9; v1's Train.java:9) never ran in this run's replay, even from the start"
            + " with every iteration: nothing was filled in for it.")
        .contains("Replayed 0 of 1 run in ").contains("; 1 never ran a statement (below).")
        .contains("Not filled in:\n  run ");
  }

  private static Project recorded(Path tmp, String behaviour) {
    Project p = Project.init(tmp.resolve("repo"));
    p.write(".gitignore", "replay-behaviour\nreplay-args.log\n");
    p.write("Train.java", PROGRAM);
    p.commitAll("train");
    ChildJvm.source(p.dir, "Train.java").run().assertSucceeded();
    p.write("Train.java", TODAY);
    p.write("replay-behaviour", behaviour);
    return p;
  }

  private static List<Path> replayFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(f -> f.getFileName().toString().contains(".replay-")).toList();
    }
  }

  /** The replay record files that the run's replay commits hold. */
  private static List<String> committedReplayFiles(Project p) {
    List<String> out = new java.util.ArrayList<>();
    for (Map.Entry<String, ObjectId> ref : p.refs("refs/flor/replays/").entrySet()) {
      for (String f : p.filesInCommit(ref.getValue())) if (f.contains(".replay-")) out.add(f);
    }
    return out;
  }
}
