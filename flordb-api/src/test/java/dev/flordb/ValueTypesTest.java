package dev.flordb;

import static dev.flordb.TestProjects.dataframe;
import static dev.flordb.TestProjects.query;
import static dev.flordb.TestProjects.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.TestProjects.Output;
import dev.flordb.internal.run.Session;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values come back with their type, through the dataframe and through SQL. */
class ValueTypesTest {
  /** Something FlorDB cannot store as data: kept as its string form. */
  static final class Weights {
    final int n;

    Weights(int n) {
      this.n = n;
    }

    @Override
    public String toString() {
      return "Weights(" + n + ")";
    }
  }

  @TempDir static Path tmp;
  static Path repo;
  static Output output;
  static Map<String, Object> row;

  @BeforeAll
  static void oneRunLoggingEveryKindOfValue() {
    repo = TestProjects.emptyRepo(tmp);
    output = new Output();
    try (Session s = session(repo, output).start()) {
      s.log("int", 42);
      s.log("long", 1L << 40);
      s.log("double", 0.125);
      s.log("float", 0.25f);
      s.log("bool", true);
      s.log("text", "a \"quoted\", line\nand more");
      s.log("ints", new int[] {1, 2, 3});
      s.log("list", List.of("x", 2.5, false));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("a", 1);
      m.put("b", List.of(1, 2));
      s.log("map", m);
      s.log("nan", Double.NaN);
      s.log("inf", Double.NEGATIVE_INFINITY);
      s.log("weights", new Weights(3));
      s.log("weights_again", new Weights(4));
    }
    row = dataframe(repo).row(0).toMap();
  }

  @Test
  void integersComeBackAsLongs() {
    assertThat(row.get("int")).isEqualTo(42L);
    assertThat(row.get("long")).isEqualTo(1L << 40);
  }

  @Test
  void floatingPointNumbersComeBackAsDoubles() {
    assertThat(row.get("double")).isEqualTo(0.125);
    assertThat(row.get("float")).isEqualTo(0.25);
  }

  @Test
  void booleansComeBackAsBooleans() {
    assertThat(row.get("bool")).isEqualTo(Boolean.TRUE);
  }

  @Test
  void stringsComeBackUnchanged() {
    assertThat(row.get("text")).isEqualTo("a \"quoted\", line\nand more");
  }

  @Test
  void arraysListsAndMapsComeBackAsListsAndMaps() {
    assertThat(row.get("ints")).isEqualTo(List.of(1L, 2L, 3L));
    assertThat(row.get("list")).isEqualTo(List.of("x", 2.5, false));
    assertThat(row.get("map")).isEqualTo(Map.of("a", 1L, "b", List.of(1L, 2L)));
  }

  @Test
  void nonFiniteNumbersSurvive() {
    assertThat((Double) row.get("nan")).isNaN();
    assertThat(row.get("inf")).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void anArbitraryObjectIsKeptAsItsStringForm() {
    assertThat(row.get("weights")).isEqualTo("Weights(3)");
    assertThat(row.get("weights_again")).isEqualTo("Weights(4)");
  }

  @Test
  void theUserIsToldOnceThatAnObjectIsStoredAsItsStringForm() {
    List<String> warnings = output.err().lines().filter(l -> l.startsWith("flordb: ")).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("'weights'", Weights.class.getName(), "string form");
  }

  @Test
  void sqlSeesTheStoredTypeOfEveryValue() {
    Table t = query(repo, "SELECT name, type FROM logs WHERE kind = 'log' ORDER BY seq");
    Map<String, Object> types = new LinkedHashMap<>();
    for (Table.Row r : t) types.put(r.getString("name"), r.get("type"));
    assertThat(types).containsExactly(
        Map.entry("int", "int"), Map.entry("long", "int"), Map.entry("double", "float"),
        Map.entry("float", "float"), Map.entry("bool", "bool"), Map.entry("text", "str"),
        Map.entry("ints", "json"), Map.entry("list", "json"), Map.entry("map", "json"),
        Map.entry("nan", "float"), Map.entry("inf", "float"), Map.entry("weights", "repr"),
        Map.entry("weights_again", "repr"));
  }

  @Test
  void sqlReadsNumbersAsNumbersAndTextAsText() {
    Table t = query(repo, "SELECT name, value FROM logs WHERE name IN ('int', 'long', 'double', 'text', 'ints')"
        + " ORDER BY seq");
    assertThat(TestProjects.rows(t)).containsExactly(
        List.of("int", 42L), List.of("long", 1L << 40), List.of("double", 0.125),
        List.of("text", "a \"quoted\", line\nand more"), List.of("ints", "[1,2,3]"));
  }

  @Test
  void aValueInALoopKeepsItsTypeToo(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    try (Session s = session(r).start()) {
      for (int i : s.loop("i", 0, 2)) {
        s.log("flag", i == 1);
        s.log("count", i);
      }
    }
    Table t = dataframe(r, "flag", "count");
    assertThat(t.column("flag")).containsExactly(false, true);
    assertThat(t.column("count")).containsExactly(0L, 1L);
  }

  @Test
  void logReturnsTheValueItWasGiven(@TempDir Path dir) {
    Path r = TestProjects.emptyRepo(dir);
    Weights w = new Weights(1);
    try (Session s = session(r).start()) {
      assertThat(s.log("w", w)).isSameAs(w);
      assertThat(s.log("n", 5)).isEqualTo(5);
    }
  }
}
