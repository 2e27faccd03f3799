package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.internal.records.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's {@code filename} is its program's path from the repository's root: two programs of the
 * same name in two directories are told apart, wherever they were started from, and replay finds
 * a program in a subdirectory in each old version by that path.
 */
class ProgramPathTest {
  static final String EVAL = """
      import dev.flordb.Flor;

      public class Regress {
        public static void main(String[] args) {
          Flor.log("which", "eval");
        }
      }
      """;

  static String quickstart() throws IOException {
    return Files.readString(Path.of("..", "examples", "quickstart", "Train.java")).replace("public class Train", "public class Regress");
  }

  @Test
  void programsOfOneNameInTwoDirectoriesShowTheirPathsFromTheRepositoryRootWhereverTheyWereStarted(@TempDir Path tmp)
      throws IOException {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("train/Regress.java", quickstart());
    project.write("eval/Regress.java", EVAL);
    ChildJvm.source(project.dir, "train/Regress.java", "--kwargs", "epochs=1").run().assertSucceeded();
    ChildJvm.source(project.dir.resolve("eval"), "Regress.java").run().assertSucceeded(); // started in eval/

    Table runs = project.query("SELECT filename FROM runs ORDER BY tstamp, run_id");
    assertThat(runs.column("filename")).containsExactly("train/Regress.java", "eval/Regress.java");
    Project.Cli ls = project.cli("runs", "--csv");
    assertThat(ls.out()).contains(",train/Regress.java,").contains(",eval/Regress.java,");
    assertThat(project.cli("dataframe", "which", "--csv").out()).contains(",eval/Regress.java,");
  }

  @Test
  void aProgramOutsideTheRepositoryKeepsItsFileNameAndItsRunHeaderSaysWhereItWas(@TempDir Path tmp) throws IOException {
    Project project = Project.init(tmp.resolve("proj"));
    Path outside = tmp.resolve("elsewhere/Regress.java");
    Files.createDirectories(outside.getParent());
    Files.writeString(outside, EVAL);
    ChildJvm.source(project.dir, outside.toString()).run().assertSucceeded(); // run in the repository

    Table.Row run = project.query("SELECT filename, header FROM runs").row(0);
    assertThat(run.getString("filename")).isEqualTo("Regress.java");
    Map<?, ?> launch = (Map<?, ?>) ((Map<?, ?>) Json.parse(run.getString("header"))).get("launch");
    assertThat(launch.get("outside_repository")).isEqualTo(outside.toRealPath().toString());
  }

  @Test
  void replayFindsAProgramInASubdirectoryByItsPathAndLeavesTheOtherProgramOfItsName(@TempDir Path tmp) throws IOException {
    String original = quickstart();
    String anchor = "        Flor.log(\"acc\",";
    String edited = original.replace(anchor, "        Flor.log(\"w0\", w[0]);\n" + anchor);

    Project project = Project.init(tmp.resolve("proj"));
    project.write("train/Regress.java", original);
    project.write("eval/Regress.java", EVAL);
    project.commitAll("two programs named Regress.java");
    ChildJvm.source(project.dir, "train/Regress.java", "--kwargs", "epochs=3").run().assertSucceeded();
    ChildJvm.source(project.dir.resolve("eval"), "Regress.java").run().assertSucceeded();
    project.write("train/Regress.java", edited);

    Project.Cli replay = project.cli("replay", "w0", "--yes");
    assertThat(replay.exit()).as(replay.toString()).isZero();
    assertThat(replay.out()).contains("train/Regress.java").contains("1 run of other programs");

    Project truth = Project.init(tmp.resolve("truth"));
    truth.write("train/Regress.java", edited);
    ChildJvm.source(truth.dir, "train/Regress.java", "--kwargs", "epochs=3").run().assertSucceeded();
    assertThat(values(project)).hasSize(3).isEqualTo(values(truth));
  }

  private static List<List<Object>> values(Project p) {
    List<List<Object>> out = new ArrayList<>();
    for (Table.Row r : p.query("SELECT r.filename, c.idx, l.value FROM logs l JOIN runs r ON r.rid = l.rid"
        + " JOIN ctx c ON c.id = l.ctx WHERE l.name = 'w0' ORDER BY c.idx")) {
      out.add(List.of(r.get("filename"), r.get("idx"), r.get("value")));
    }
    return out;
  }
}
