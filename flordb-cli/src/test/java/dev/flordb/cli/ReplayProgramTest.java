package dev.flordb.cli;

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

  private static List<List<Object>> values(Project p) {
    Table t = p.query("SELECT c.idx AS epoch, l.value FROM logs l JOIN ctx c ON c.id = l.ctx"
        + " WHERE l.name = 'w0' ORDER BY c.idx");
    List<List<Object>> out = new ArrayList<>();
    for (Table.Row r : t) out.add(List.of(r.get("epoch"), r.get("value")));
    return out;
  }
}
