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
 * {@code flordb replay} on a program neither single-file nor in a Maven or Gradle layout: its build
 * and launch commands come from {@code flordb.properties}. One of its versions has no place for
 * the statement: that version is reported with the reason, the other is replayed, and the exit
 * code says that not all succeeded. The schedule shows the build command, and once a build has
 * run, the next estimate counts it in.
 */
class ReplayCustomBuildTest {
  static final String MAIN = "app/Train.java";
  static final String ACC = "        Flor.log(\"acc\", (double) correct / (x.length - train));\n";
  static final String WNORM = "        Flor.log(\"wnorm\", Math.sqrt(dot(w, w)));\n";

  @Test
  void theProjectsOwnCommandsBuildEachVersionAndAVersionWithoutAPlaceIsReportedWhileTheOthersGoOn(@TempDir Path tmp) {
    String cp = System.getProperty("java.class.path");
    Project p = Project.init(tmp.resolve("repo"));
    p.write(".gitignore", "classes/\n");
    p.write("flordb.properties", "replay.build = mkdir -p classes && javac -d classes -cp " + cp + " " + MAIN + "\n"
        + "replay.launch = java -cp {tree}/classes" + File.pathSeparator + cp + " app.Train\n");
    // The first version trains without an epoch loop: today's statement, in the epoch loop, has no place there.
    String v1 = inPackage(ReplayAcrossVersionsTest.resource("v1.java"));
    String noEpochs = v1.replace("      for (int epoch : Flor.loop(\"epoch\", 0, epochs)) {\n", "      {\n");
    assertThat(noEpochs).isNotEqualTo(v1);
    p.write(MAIN, noEpochs);
    p.commitAll("one pass");
    String early = run(p, "lr=0.1");
    p.write(MAIN, v1);
    p.commitAll("epochs");
    String later = run(p, "lr=0.2");
    String today = v1.replace(ACC, ACC + WNORM);
    p.write(MAIN, today);

    Project.Cli r = p.cli("replay", "wnorm", "--yes");

    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.out()).contains("not placed: \"wnorm\"").contains("this version is not replayed")
        .containsPattern("Replayed 1 of 2 runs in \\d+\\.\\d s \\(estimated \\d+\\.\\d s\\); 1 run's version could not"
            + " take the statement \\(v1: \"wnorm\" \\(today's line \\d+\\): [^\\n]+\\)\\.\\n")
        .contains("build: sh -c 'mkdir -p classes && javac -d classes")
        .contains("in a copy of the version, not measured yet")
        .contains("(without the build of v2, not measured yet: this replay measures it).");
    assertThat(values(p, "WHERE run_id = '" + early + "' AND name = 'wnorm'")).isEmpty();
    Project truth = Project.init(tmp.resolve("truth"));
    truth.write(MAIN, today);
    run(truth, "lr=0.2");
    assertThat(values(p, "WHERE run_id = '" + later + "' AND name = 'wnorm' AND source = 'replay'"))
        .isEqualTo(values(truth, "WHERE name = 'wnorm'")).hasSize(3);

    // The build was measured: the next schedule counts it in, as it was measured.
    p.write(MAIN, today.replace(WNORM, WNORM + "        Flor.log(\"w0\", w[0]);\n"));
    Project.Cli next = p.cli("replay", "w0", "--dry-run");
    assertThat(next.out()).as(next.toString()).containsPattern("in a copy of the version, took \\d+\\.\\d s last time\\n")
        .contains("(builds included, as measured last time).");
  }

  private static String inPackage(String source) {
    return "package app;\n\n" + source;
  }

  /** Builds the program into classes/ and runs it from there, as the project does; returns the run id. */
  private static String run(Project p, String kwargs) {
    String cp = System.getProperty("java.class.path");
    Path classes = p.dir.resolve("classes");
    assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), "-cp", cp,
        p.dir.resolve(MAIN).toString())).isZero();
    int before = p.runs().size();
    ChildJvm.mainClassName(p.dir, classes + File.pathSeparator + cp, "app.Train", "--kwargs", kwargs).run()
        .assertSucceeded();
    List<Table.Row> runs = p.runs();
    assertThat(runs).hasSize(before + 1);
    return runs.get(before).getString("run_id");
  }

  private static List<String> values(Project p, String where) {
    List<String> out = new ArrayList<>();
    for (Table.Row row : p.query("SELECT value FROM records " + where + " ORDER BY iteration")) {
      out.add(String.valueOf(row.get("value")));
    }
    return out;
  }
}
