package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flordb replay} on a compiled program in the Maven layout ({@code src/main/java} compiled
 * to {@code target/classes}, which git ignores): the patched old sources are compiled afresh and
 * launched with the recorded class path, the project's class directory replaced.
 */
class ReplayCompiledProgramTest {
  static final String MAIN = "src/main/java/demo/Train.java";
  static final String ACC = "        Flor.log(\"acc\", (double) correct / (x.length - train));\n";

  @Test
  void aMavenLayoutProgramIsRecompiledPerVersionAndGetsTheGroundTruthValues(@TempDir Path tmp) {
    Project p = Project.init(tmp.resolve("repo"));
    p.write(".gitignore", "target/\n");
    String v1 = inPackage(ReplayAcrossVersionsTest.resource("v1.java"));
    String v2 = inPackage(ReplayAcrossVersionsTest.resource("v2.java"));
    p.write(MAIN, v1);
    p.commitAll("first version");
    String run1 = runCompiled(p, "lr=0.2");
    p.write(MAIN, v2);
    p.commitAll("renamed w");
    String run2 = runCompiled(p, "lr=0.05");
    String v2Patched = v2.replace(ACC, ACC + "        Flor.log(\"wnorm\", Math.sqrt(dot(weights, weights)));\n");
    p.write(MAIN, v2Patched); // today's edit; target/classes still holds v2 as compiled
    Project.GitState before = p.gitState();

    Project.Cli r = p.cli("replay", "wnorm", "--yes");

    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).contains("2 code versions:").contains("Replayed 2 of 2 runs");
    assertThat(p.gitState()).isEqualTo(before);
    String v1Patched = v1.replace(ACC, ACC + "        Flor.log(\"wnorm\", Math.sqrt(dot(w, w)));\n");
    assertThat(values(p, "WHERE run_id = '" + run1 + "' AND name = 'wnorm' AND source = 'replay'"))
        .isEqualTo(groundTruth(tmp.resolve("truth1"), v1Patched, "lr=0.2")).hasSize(3);
    assertThat(values(p, "WHERE run_id = '" + run2 + "' AND name = 'wnorm' AND source = 'replay'"))
        .isEqualTo(groundTruth(tmp.resolve("truth2"), v2Patched, "lr=0.05")).hasSize(3);
  }

  private static String inPackage(String source) {
    return "package demo;\n\n" + source;
  }

  /** Compiles the project's sources into target/classes and runs demo.Train from there; returns the run id. */
  private static String runCompiled(Project p, String kwargs) {
    Path classes = p.dir.resolve("target/classes");
    int ok = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
        "-cp", System.getProperty("java.class.path"), p.dir.resolve(MAIN).toString());
    assertThat(ok).isZero();
    int before = p.runs().size();
    ChildJvm.mainClassName(p.dir, "target/classes" + File.pathSeparator + System.getProperty("java.class.path"),
        "demo.Train", "--kwargs", kwargs).run().assertSucceeded();
    List<Table.Row> runs = p.runs();
    assertThat(runs).hasSize(before + 1);
    return runs.get(before).getString("run_id");
  }

  private static List<String> groundTruth(Path dir, String source, String kwargs) {
    Project truth = Project.init(dir);
    truth.write(MAIN, source);
    runCompiled(truth, kwargs);
    return values(truth, "WHERE name = 'wnorm'");
  }

  private static List<String> values(Project p, String where) {
    List<String> out = new ArrayList<>();
    for (Table.Row row : p.query("SELECT value FROM records " + where + " ORDER BY iteration")) {
      out.add(String.valueOf(row.get("value")));
    }
    return out;
  }
}
