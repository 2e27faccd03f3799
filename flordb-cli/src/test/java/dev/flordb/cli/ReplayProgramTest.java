package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hindsight logging through a real program: the quickstart example is recorded, a statement is
 * added to today's source, and the program is run in replay mode; where the statement sits is
 * found from the syntax tree. The values equal those of a forward run of the edited program.
 */
class ReplayProgramTest {
  static final String HINDSIGHT = "        Flor.log(\"w0\", w[0]);\n";

  @Test
  void aStatementAddedLaterIsFilledInForARecordedRunWithTheValuesAForwardRunLogs(@TempDir Path tmp) throws IOException {
    String original = Files.readString(Path.of("..", "examples", "quickstart", "Train.java"));
    String anchor = "        Flor.log(\"acc\",";
    assertThat(original).contains(anchor);
    String edited = original.replace(anchor, HINDSIGHT + anchor);

    Project project = Project.init(tmp.resolve("proj"));
    project.write("Train.java", original);
    ChildJvm.source(project.dir, "Train.java", "--kwargs", "lr=0.05", "epochs=4").run().assertSucceeded();
    String run = project.runs().get(0).getString("run_id");

    project.write("Train.java", edited);
    ChildJvm.Finished replay = ChildJvm.source(project.dir, "Train.java", "--replay", run, "--apply", "w0").run();
    assertThat(replay.assertSucceeded().err()).isEmpty();

    Project truth = Project.init(tmp.resolve("truth"));
    truth.write("Train.java", edited);
    ChildJvm.source(truth.dir, "Train.java", "--kwargs", "lr=0.05", "epochs=4").run().assertSucceeded();

    assertThat(values(project)).hasSize(4).isEqualTo(values(truth));
    assertThat(project.query("SELECT DISTINCT source FROM logs WHERE name = 'w0'").column("source"))
        .containsExactly("replay");
    assertThat(project.runs()).hasSize(1);
  }

  @Test
  void aNestedStatementReplayedByTwoJvmsAtOnceGetsTheValuesAForwardRunLogs(@TempDir Path tmp) throws IOException {
    String original = Files.readString(Path.of("..", "examples", "quickstart", "Train.java"));
    String anchor = "          if (step % 10 == 0) Flor.log(\"loss\"";
    assertThat(original).contains(anchor);
    String edited = original.replace(anchor, "          Flor.log(\"w1\", w[1]);\n" + anchor);

    Project project = Project.init(tmp.resolve("proj"));
    project.write("Train.java", original);
    ChildJvm.source(project.dir, "Train.java", "--kwargs", "epochs=4").run().assertSucceeded();
    String run = project.runs().get(0).getString("run_id");
    project.write("Train.java", edited);
    ChildJvm.source(project.dir, "Train.java", "--replay", run, "--apply", "w1", "--jobs", "2").run().assertSucceeded();
    assertThat(project.query("SELECT count(*) AS n FROM files WHERE path LIKE '%.replay-%'").row(0).getLong("n"))
        .as("two JVMs, one replay record file each").isEqualTo(2L);
    List<String> headers = new ArrayList<>();
    try (var files = Files.list(project.dir.resolve(".flor/records"))) {
      for (Path f : (Iterable<Path>) files.filter(f -> f.toString().contains(".replay-"))::iterator) {
        headers.add(Files.readAllLines(f).get(0));
      }
    }
    assertThat(headers).as("the segment's JVM is told the level the first one found, not parsing the program again")
        .anySatisfy(h -> assertThat(h).contains("\"--level\",\"nested\""));

    Project truth = Project.init(tmp.resolve("truth"));
    truth.write("Train.java", edited);
    ChildJvm.source(truth.dir, "Train.java", "--kwargs", "epochs=4").run().assertSucceeded();
    assertThat(values(project, "w1")).hasSize(4 * 50).isEqualTo(values(truth, "w1"));
  }

  private static List<List<Object>> values(Project p) {
    return values(p, "w0");
  }

  private static List<List<Object>> values(Project p, String name) {
    Table t = p.query("SELECT l.ctx, l.value FROM logs l WHERE l.name = '" + name + "'");
    Table pos = p.query("SELECT c.id, c.idx, c.parent FROM ctx c");
    java.util.Map<Long, Table.Row> byId = new java.util.HashMap<>();
    for (Table.Row r : pos) byId.put(r.getLong("id"), r);
    List<List<Object>> out = new ArrayList<>();
    for (Table.Row r : t) {
      List<Object> path = new ArrayList<>();
      for (Long c = r.getLong("ctx"); c != null && c != 0; c = byId.get(c).getLong("parent")) path.add(0, byId.get(c).getLong("idx"));
      path.add(r.get("value"));
      out.add(path);
    }
    out.sort((a, b) -> a.toString().compareTo(b.toString()));
    return out;
  }
}
