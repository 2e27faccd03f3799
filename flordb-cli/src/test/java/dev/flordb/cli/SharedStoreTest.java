package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.records.Json;
import dev.flordb.testing.ChildJvm;
import dev.flordb.testing.Postgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A team's clones of one project (a bare repository as their remote) sharing one real PostgreSQL
 * server (FLOR_STORE), started by the test.
 */
class SharedStoreTest {
  static final String TRAIN = """
      import dev.flordb.Flor;
      import java.util.List;

      public class Train {
        public static void main(String[] args) {
          double lr = Flor.arg("lr", 0.01);
          String who = Flor.arg("who", "nobody");
          for (int epoch : Flor.loop("epoch", 0, 3)) {
            for (String batch : Flor.loop("batch", List.of("a", "bb"))) {
              Flor.log("loss", lr * (epoch + 1) + batch.length());
            }
            Flor.log("acc", 0.5 + epoch * 0.125);
            Flor.log("n", epoch * 10);
            Flor.log("ok", epoch % 2 == 0);
          }
          Flor.log("note", "done by " + who);
        }
      }
      """;

  @TempDir static Path server;
  static Postgres pg;

  @BeforeAll
  static void startServer() {
    pg = Postgres.start(server);
  }

  @AfterAll
  static void stopServer() {
    if (pg != null) pg.close();
  }

  /** Three clones of a project with Train.java committed, the first one's remote a bare repository. */
  static Project[] clones(Path tmp) {
    Project a = Project.init(tmp.resolve("a"));
    a.write("Train.java", TRAIN);
    a.commitAll("training");
    Path bare = a.publish(tmp.resolve("origin.git"));
    return new Project[] {a, Project.cloneOf(bare, tmp.resolve("b")), Project.cloneOf(bare, tmp.resolve("c"))};
  }

  static void train(Project p, String store, String... kwargs) {
    List<String> args = new ArrayList<>(List.of("--kwargs"));
    args.addAll(List.of(kwargs));
    ChildJvm.source(p.dir, "Train.java", args.toArray(new String[0])).env("FLOR_STORE", store).run().assertSucceeded();
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rows(Project.Cli cli) {
    assertThat(cli.exit()).as(cli.toString()).isZero();
    return (List<Map<String, Object>>) Json.parse(cli.out());
  }

  @Test
  void twoClonesRecordIntoOneStoreAndTheThirdSeesEveryValueAsTheirLocalStoresGiveThem(@TempDir Path tmp) {
    String store = pg.newDatabase("three_clones");
    Project[] c = clones(tmp);
    train(c[0], store, "lr=0.1", "who=a");
    train(c[0], store, "lr=0.2", "who=a");
    train(c[1], store, "lr=0.3", "who=b");

    String[] names = {"lr", "who", "loss", "acc", "n", "ok", "note"};
    List<Map<String, Object>> shared = rows(c[2].cli(withStore(store, "dataframe", join("--json", names))));
    List<Map<String, Object>> local = new ArrayList<>(rows(c[0].cli(join("dataframe", join("--json", names)))));
    local.addAll(rows(c[1].cli(join("dataframe", join("--json", names)))));
    local.sort(Comparator.comparing((Map<String, Object> r) -> (String) r.get("tstamp"))
        .thenComparing(r -> (String) r.get("run_id")));

    assertThat(shared).hasSize(3 * 3 * 2).isEqualTo(local);
    assertThat(shared.get(0)).containsEntry("batch_value", "a").containsEntry("n", 0L).containsEntry("ok", true)
        .containsEntry("note", "done by a");

    // the run-level table and the commands that read agree too
    assertThat(rows(c[2].cli(withStore(store, "dataframe", "--json")))).hasSize(3);
    Project.Cli runs = c[2].cli(withStore(store, "runs"));
    assertThat(runs.exit()).as(runs.toString()).isZero();
    assertThat(runs.out().lines().filter(l -> l.contains("finished")).count()).isEqualTo(3);
    Project.Cli stat = c[2].cli(withStore(store, "stat"));
    assertThat(stat.out()).as(stat.toString()).contains("runs:     3");
  }

  static String[] join(String first, String... rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(rest));
    return all.toArray(new String[0]);
  }

  private static String[] withStore(String store, String command, String... args) {
    List<String> all = new ArrayList<>(List.of("--store", store, command));
    all.addAll(List.of(args));
    return all.toArray(new String[0]);
  }
}
