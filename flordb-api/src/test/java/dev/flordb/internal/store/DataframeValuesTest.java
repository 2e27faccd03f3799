package dev.flordb.internal.store;

import static dev.flordb.internal.store.RunFiles.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.internal.records.Frame;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A value reads back from the store as the Java type it was logged as, in a dataframe of named
 * values, in one of all run-level values, as a loop's element, and from a query.
 */
class DataframeValuesTest {
  private static final String RUN = "20260101-000000-000-aaaaaa";

  @TempDir Path tmp;
  RunFiles files;

  @BeforeEach
  void project() {
    files = new RunFiles(tmp);
  }

  private static final Map<String, Object> VALUES = values();

  private static Map<String, Object> values() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("i", 42L);
    m.put("neg", -7L);
    m.put("f", 0.25);
    m.put("nan", Double.NaN);
    m.put("inf", Double.NEGATIVE_INFINITY);
    m.put("yes", true);
    m.put("no", false);
    m.put("s", "text");
    m.put("list", List.of(1L, 2.5, "x"));
    m.put("map", Map.of("k", 1L));
    return m;
  }

  @Test
  void everyTypeReadsBackAsItWasLoggedWithOrWithoutNames() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      VALUES.forEach(w::log);
    }
    String[] names = VALUES.keySet().toArray(new String[0]);
    Table named = files.dataframe(names);
    Table all = files.dataframe();
    for (String n : names) {
      assertThat(named.row(0).get(n)).as(n + " by name").isEqualTo(VALUES.get(n));
      assertThat(all.row(0).get(n)).as(n + " with all run-level values").isEqualTo(VALUES.get(n));
    }
  }

  @Test
  void everyTypeReadsBackAsItWasLoggedInsideALoop() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      VALUES.forEach((n, v) -> w.log(at("epoch", 0), n, v));
    }
    Table t = files.dataframe(VALUES.keySet().toArray(new String[0]));
    for (Map.Entry<String, Object> e : VALUES.entrySet()) {
      assertThat(t.row(0).get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  @Test
  void aLoopsElementsReadBackAsLongsDoublesAndStringsAtEveryDepth() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      for (int e = 0; e < 2; e++) {
        Frame epoch = new Frame(Frame.ROOT, "epoch", e, 10 + e); // Integer elements
        w.log(epoch, "acc", 0.5 + e);
        for (int b = 0; b < 2; b++) w.log(new Frame(epoch, "batch", b, b == 0 ? "first" : 0.5), "loss", (double) b);
      }
    }
    Table t = files.dataframe("loss", "acc");
    assertThat(t.columns()).containsExactly("projid", "tstamp", "filename", "run_id", "epoch", "epoch_value", "batch",
        "batch_value", "loss", "acc");
    List<List<Object>> rows = new ArrayList<>();
    for (Table.Row r : t) rows.add(Arrays.asList(r.get("epoch_value"), r.get("batch_value"), r.get("loss"), r.get("acc")));
    assertThat(rows).containsExactly(
        Arrays.asList(10L, "first", 0.0, 0.5),
        Arrays.asList(10L, 0.5, 1.0, 0.5),
        Arrays.asList(11L, "first", 0.0, 1.5),
        Arrays.asList(11L, 0.5, 1.0, 1.5));
  }

  @Test
  void aQueryGivesLongsDoublesTextsAndSaysHowLongABlobIs() {
    files.run(RUN, "2026-01-01T00:00:00Z").close();
    Table t = files.query("SELECT 1 AS i, 1.5 AS f, 'x' AS s, x'010203' AS b, NULL AS n");
    assertThat(t.columns()).containsExactly("i", "f", "s", "b", "n");
    assertThat(t.row(0).toMap().values()).containsExactly(1L, 1.5, "x", "<3 bytes>", null);
  }

  @Test
  void aLoopWhoseFirstElementsAreNotPlainValuesStillHasItsElementColumn() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      Object[] elements = {new Object(), new Object(), "third"};
      for (int i = 0; i < elements.length; i++) w.log(new Frame(Frame.ROOT, "item", i, elements[i]), "n", (long) i);
    }
    List<List<Object>> rows = new ArrayList<>();
    for (Table.Row r : files.dataframe("n")) rows.add(Arrays.asList(r.get("item"), r.get("item_value"), r.get("n")));
    assertThat(rows).containsExactly(Arrays.asList(0L, null, 0L), Arrays.asList(1L, null, 1L), Arrays.asList(2L, "third", 2L));
  }

  @Test
  void aNullValueAndALoopElementThatIsNoPlainValueAfterOneThatIsReadBackAsNull() {
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log("before", 5L).log("nothing", null);
      Object[] elements = {"a", new Object(), "c"};
      for (int i = 0; i < elements.length; i++) w.log(new Frame(Frame.ROOT, "item", i, elements[i]), "n", (long) i);
    }
    assertThat(files.dataframe().row(0).toMap()).containsEntry("nothing", null);
    assertThat(files.dataframe("nothing").row(0).toMap()).containsEntry("nothing", null);
    List<Object> items = new ArrayList<>();
    for (Table.Row r : files.dataframe("n")) items.add(r.get("item_value"));
    assertThat(items).containsExactly("a", null, "c");
  }
  @Test
  void aPositionsElementStaysWithItWhenARunningRunIsReadInParts() {
    Frame a = new Frame(Frame.ROOT, "file", 0, "a.csv");
    try (RunFiles.Writer w = files.run(RUN, "2026-01-01T00:00:00Z")) {
      w.log(new Frame(a, "step", 0, null), "loss", 1.0).flush();
      assertThat(files.dataframe("loss").column("file_value")).containsExactly("a.csv"); // read while the run runs
      w.log(new Frame(a, "step", 1, null), "loss", 2.0).log(a, "acc", 0.5); // at a position stored before
      w.log(new Frame(new Frame(Frame.ROOT, "file", 1, "b.csv"), "step", 0, null), "loss", 3.0);
    }
    List<List<Object>> rows = new ArrayList<>();
    for (Table.Row r : files.dataframe("loss", "acc")) {
      rows.add(Arrays.asList(r.get("file_value"), r.get("step"), r.get("loss"), r.get("acc")));
    }
    assertThat(rows).containsExactly(
        Arrays.asList("a.csv", 0L, 1.0, 0.5), Arrays.asList("a.csv", 1L, 2.0, 0.5), Arrays.asList("b.csv", 0L, 3.0, null));
    assertThat(files.dataframe("acc").column("file_value")).containsExactly("a.csv");
  }
}
