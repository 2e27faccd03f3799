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
 * Exactness of replay on the example workload: a run of TrainMnist.java is recorded, then
 * statements are added before the nested loop, after it, inside it and after all loops, and
 * replayed one at a time (where each sits is found from the syntax tree). Every replayed value
 * equals, bit for bit, what a forward run of the edited program logs with the same arguments.
 */
class MnistReplayTest {
  static final String[] ARGS = {"--kwargs", "epochs=3", "max_steps=40", "hidden=48", "seed=5"};

  @Test
  void statementsAddedAtEveryLevelAreReplayedBitForBit(@TempDir Path tmp) throws IOException {
    Project project = Project.init(tmp.resolve("proj"));
    MnistExampleTest.copyExample(project.dir.resolve("mnist"));
    Path program = project.dir.resolve("mnist/TrainMnist.java");
    String original = Files.readString(program);
    ChildJvm.source(project.dir, "mnist/TrainMnist.java", ARGS).run().assertSucceeded();
    String run = project.runs().get(0).getString("run_id");

    String edited = edit(original);
    Files.writeString(program, edited);
    for (String name : List.of("s_before", "s_after", "s_nested", "s_final")) {
      ChildJvm.Finished f = ChildJvm.source(project.dir, "mnist/TrainMnist.java", "--replay", run, "--apply", name,
          "--jobs", "1").run();
      assertThat(f.assertSucceeded().err()).as(name).isEmpty();
    }

    Project truth = Project.init(tmp.resolve("truth"));
    MnistExampleTest.copyExample(truth.dir.resolve("mnist"));
    Files.writeString(truth.dir.resolve("mnist/TrainMnist.java"), edited);
    ChildJvm.source(truth.dir, "mnist/TrainMnist.java", ARGS).run().assertSucceeded();

    assertThat(bits(project, "s_before")).hasSize(3).isEqualTo(bits(truth, "s_before"));
    assertThat(bits(project, "s_after")).hasSize(3).isEqualTo(bits(truth, "s_after"));
    assertThat(bits(project, "s_nested")).hasSize(3 * 40).isEqualTo(bits(truth, "s_nested"));
    assertThat(bits(project, "s_final")).hasSize(1).isEqualTo(bits(truth, "s_final"));
  }

  /** The program with one hindsight statement at each level. */
  static String edit(String source) {
    String out = source
        .replace("        int[] order = shuffledOrder(", "        Flor.log(\"s_before\", model.b2[0]);\n        int[] order = shuffledOrder(")
        .replace("          optimizer.step(model, scratch);\n", "          optimizer.step(model, scratch);\n          Flor.log(\"s_nested\", model.b2[1]);\n")
        .replace("        Flor.logLazily(\"acc\", () -> model.accuracy(heldOut, scratch));\n      }\n    }\n",
            "        Flor.log(\"s_after\", model.w2[0]);\n        Flor.logLazily(\"acc\", () -> model.accuracy(heldOut, scratch));\n"
                + "      }\n    }\n    Flor.log(\"s_final\", model.w1[5]);\n");
    assertThat(out).contains("s_before", "s_nested", "s_after", "s_final");
    return out;
  }

  /** Loop positions and the raw bits of each value, in table order. */
  private static List<String> bits(Project p, String name) {
    Table t = MnistExampleTest.dataframe(p, name);
    List<String> out = new ArrayList<>();
    for (Table.Row r : t) {
      StringBuilder sb = new StringBuilder();
      for (String c : t.columns()) {
        if (c.equals("epoch") || c.equals("step")) sb.append(c).append('=').append(r.get(c)).append(' ');
      }
      out.add(sb.append(Long.toHexString(Double.doubleToRawLongBits(r.getDouble(name)))).toString());
    }
    return out;
  }
}
