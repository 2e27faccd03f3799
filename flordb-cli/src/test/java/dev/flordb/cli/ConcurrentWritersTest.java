package dev.flordb.cli;

import dev.flordb.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.flordb.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two processes logging to the same project at once. */
class ConcurrentWritersTest {
  static final int COUNT = 20_000;

  @Test
  void twoProcessesStartedInTheSameMillisecondAndLoggingAtOnceLoseNothingAndMixNothing(@TempDir Path tmp)
      throws IOException {
    Project project = Project.init(tmp.resolve("proj"));
    String sameMillisecond = Long.toString(System.currentTimeMillis());
    String count = Integer.toString(COUNT);
    try (ChildJvm.Running a = ChildJvm.mainClass(project.dir, ConcurrentWriterProgram.class, sameMillisecond, "A", count).start();
        ChildJvm.Running b = ChildJvm.mainClass(project.dir, ConcurrentWriterProgram.class, sameMillisecond, "B", count).start()) {
      String runA = a.awaitLine(l -> l.startsWith("ready ")).text().substring("ready ".length());
      String runB = b.awaitLine(l -> l.startsWith("ready ")).text().substring("ready ".length());
      assertThat(runA).as("run ids of runs started in the same millisecond").isNotEqualTo(runB);
      a.send("go");
      b.send("go");
      assertThat(a.awaitExit()).as(a.stderr()).isZero();
      assertThat(b.awaitExit()).as(b.stderr()).isZero();
    }

    Table runs = project.query("SELECT run_id, tstamp, status, json_extract(args, '$.writer') AS writer"
        + " FROM runs ORDER BY writer");
    assertThat(runs.column("writer")).containsExactly("A", "B");
    assertThat(runs.column("status")).containsExactly("finished", "finished");
    assertThat(runs.row(0).get("tstamp")).as("tstamps are unique in a project, even for runs started together")
        .isNotEqualTo(runs.row(1).get("tstamp"));
    assertThat(runs.row(0).get("run_id")).isNotEqualTo(runs.row(1).get("run_id"));

    // Each run holds exactly its own values, each at its own loop position.
    Table perRun = project.query("SELECT json_extract(r.args, '$.writer') AS writer, count(*) AS n,"
        + " count(DISTINCT l.value) AS distinct_values, min(l.value) AS lo, max(l.value) AS hi,"
        + " sum(l.value - c.idx != CASE json_extract(r.args, '$.writer') WHEN 'A' THEN 1000000 ELSE 2000000 END)"
        + "   AS misplaced,"
        + " sum(c.rid != l.rid) AS foreign_positions"
        + " FROM logs l JOIN runs r ON r.rid = l.rid JOIN ctx c ON c.id = l.ctx"
        + " WHERE l.name = 'v' GROUP BY writer ORDER BY writer");
    assertThat(perRun.size()).isEqualTo(2);
    assertThat(perRun.row(0).toMap()).containsExactly(
        entry("writer", "A"), entry("n", (long) COUNT), entry("distinct_values", (long) COUNT),
        entry("lo", 1_000_000L), entry("hi", 1_000_000L + COUNT - 1), entry("misplaced", 0L), entry("foreign_positions", 0L));
    assertThat(perRun.row(1).toMap()).containsExactly(
        entry("writer", "B"), entry("n", (long) COUNT), entry("distinct_values", (long) COUNT),
        entry("lo", 2_000_000L), entry("hi", 2_000_000L + COUNT - 1), entry("misplaced", 0L), entry("foreign_positions", 0L));

    // No record was stored twice, though both writers and this test brought the database up to date.
    Table duplicates = project.query(
        "SELECT count(*) AS n FROM (SELECT rid, seq FROM logs GROUP BY rid, seq HAVING count(*) > 1)");
    assertThat(duplicates.row(0).get("n")).isEqualTo(0L);

    // Each record file holds its own run's lines only, numbered 0, 1, 2... without a gap.
    List<Path> files;
    try (Stream<Path> s = Files.list(project.florDir().resolve("records"))) {
      files = s.sorted().toList();
    }
    assertThat(files).hasSize(2);
    Pattern line = Pattern.compile("^\\{\"run\":\"([^\"]+)\",\"seq\":(\\d+),");
    for (Path f : files) {
      String run = f.getFileName().toString().replace(".jsonl", "");
      List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      assertThat(lines.size()).isGreaterThan(COUNT);
      List<String> problems = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = line.matcher(lines.get(i));
        if (!m.find() || !m.group(1).equals(run) || Long.parseLong(m.group(2)) != i) {
          problems.add(f.getFileName() + " line " + (i + 1) + ": " + lines.get(i));
        }
      }
      assertThat(problems).isEmpty();
    }
  }
}
