package dev.flordb.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flordb.replay.Propagator.Kind;
import dev.flordb.replay.Propagator.Outcome;
import dev.flordb.replay.Propagator.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden cases under {@code src/test/resources/propagation/<case>/}: {@code old.java} and {@code
 * today.java} go in with the {@code selectors} (one a line), and the patched text must equal
 * {@code expected.java} whole. {@code outcomes} lists the outcomes, one a line, as {@code name
 * KIND oldLine}, followed by {@code : explanation} for statements not placed.
 */
class PropagatorTest {

  static Stream<String> cases() throws IOException, URISyntaxException {
    Path root = Path.of(Objects.requireNonNull(PropagatorTest.class.getResource("/propagation")).toURI());
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void patchedOldVersionIsWhatACarefulHumanWouldWrite(String name) throws Exception {
    Path dir = Path.of(Objects.requireNonNull(PropagatorTest.class.getResource("/propagation/" + name)).toURI());
    Result result = Propagator.propagate("Train.java", Files.readString(dir.resolve("today.java")),
        Files.readString(dir.resolve("old.java")), Files.readAllLines(dir.resolve("selectors")));

    String expected = Files.readString(dir.resolve("expected.java"));
    if (!result.patchedSource().equals(expected)) {
      fail("the patched source differs from expected.java (- expected, + patched):\n" + diff(expected, result.patchedSource())
          + "\noutcomes: " + result.outcomes());
    }
    assertThat(result.outcomes().stream().map(PropagatorTest::describe))
        .containsExactlyElementsOf(Files.readAllLines(dir.resolve("outcomes")));
    assertThat(result.changed()).isEqualTo(!expected.equals(Files.readString(dir.resolve("old.java"))));
  }

  // ---- single behaviours ----

  static final String OLD = """
      import dev.flordb.Flor;

      public class Train {
        public static void main(String[] args) {
          double[] w = new double[4];
          for (int epoch : Flor.loop("epoch", 0, 3)) {
            double[] g = gradient(w);
            update(w, g);
          }
        }
      }
      """;

  static final String TODAY = """
      import dev.flordb.Flor;

      public class Train {
        public static void main(String[] args) {
          double[] w = new double[4];
          for (int epoch : Flor.loop("epoch", 0, 3)) {
            double[] grad = gradient(w);
            update(w, grad);
            Flor.log("grad_norm", norm(grad));
          }
        }

        static double norm(double[] v) { return Math.sqrt(v[0] * v[0]); }
      }
      """;

  @Test
  void unknownSelectorIsAnErrorNamingIt() {
    assertThatThrownBy(() -> Propagator.propagate("Train.java", TODAY, OLD, List.of("grad_norm", "gradnorm")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"gradnorm\"")
        .hasMessageContaining("grad_norm");
  }

  @Test
  void lineSelectorWithoutALogStatementIsAnError() {
    assertThatThrownBy(() -> Propagator.propagate("Train.java", TODAY, OLD, List.of("@3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 3");
  }

  @Test
  void syntaxErrorInTodaysVersionNamesTheFileAndLine() {
    String broken = TODAY.replace("update(w, grad);", "update(w, grad)");
    assertThatThrownBy(() -> Propagator.propagate("Train.java", broken, OLD, List.of("grad_norm")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Train.java (today's version) does not parse as Java, line 8, column ");
  }

  @Test
  void syntaxErrorInTheOldVersionNamesTheFileAndLine() {
    String broken = OLD.replace("double[] g = gradient(w);", "double[] g = gradient(w;");
    assertThatThrownBy(() -> Propagator.propagate("Train.java", TODAY, broken, List.of("grad_norm")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Train.java (old version) does not parse as Java, line 7, column ");
  }

  @Test
  void anOldVersionThatIsTodaysFileWithoutTheStatementGetsItWhereItIsToday() {
    String today = OLD.replace("update(w, g);\n", "update(w, g);\n      Flor.log(\"g_norm\", norm(g));\n");

    Result result = Propagator.propagate("Train.java", today, OLD, List.of("g_norm"));

    assertThat(result.patchedSource()).isEqualTo(today);
    assertThat(result.outcomes()).containsExactly(new Outcome("g_norm", 9, Kind.INSERTED, 9,
        "inserted where it is today (the rest of the file is the same)"));
  }

  @Test
  void explanationNamesTheNeighbourItWasPlacedByAndTheRenames() {
    Result result = Propagator.propagate("Train.java", TODAY.replace("norm(grad)", "Math.abs(grad[0])"), OLD, List.of("grad_norm"));

    assertThat(result.outcomes()).containsExactly(new Outcome("grad_norm", 9, Kind.INSERTED, 9,
        "inserted after `update(w, g);`, which matches `update(w, grad);` at today's line 8; renamed `grad` to `g`"));
    assertThat(result.patchedSource())
        .isEqualTo(OLD.replace("update(w, g);\n", "update(w, g);\n      Flor.log(\"grad_norm\", Math.abs(g[0]));\n"));
    assertThat(result.changed()).isTrue();
    assertThat(result.allPlaced()).isTrue();
  }

  @Test
  void diffShowsTheInsertedLineInContext() {
    Result result = Propagator.propagate("Train.java", TODAY.replace("norm(grad)", "grad[0]"), OLD, List.of("grad_norm"));

    assertThat(result.diff()).isEqualTo("""
        --- Train.java (old version)
        +++ Train.java (patched)
        @@ -6,6 +6,7 @@
             for (int epoch : Flor.loop("epoch", 0, 3)) {
               double[] g = gradient(w);
               update(w, g);
        +      Flor.log("grad_norm", g[0]);
             }
           }
         }
        """);
  }

  @Test
  void unchangedOldVersionHasNoDiff() {
    Result result = Propagator.propagate("Train.java", TODAY, TODAY, List.of("grad_norm"));

    assertThat(result.changed()).isFalse();
    assertThat(result.patchedSource()).isEqualTo(TODAY);
    assertThat(result.diff()).isEmpty();
  }

  @Test
  void methodTheOldVersionLacksLeavesTheStatementNotPlaced() {
    Result result = Propagator.propagate("Train.java", TODAY, OLD, List.of("grad_norm"));

    assertThat(result.patchedSource()).isEqualTo(OLD);
    assertThat(result.allPlaced()).isFalse();
    assertThat(result.outcomes()).containsExactly(new Outcome("grad_norm", 9, Kind.NOT_PLACED, -1,
        "`norm`, declared at today's line 13, has no counterpart in the old version"));
  }

  @Test
  void variableTheOldVersionLacksLeavesTheStatementNotPlaced() {
    String today = TODAY.replace("      Flor.log(\"grad_norm\", norm(grad));\n",
        "      double clipped = Math.min(grad[0], 1);\n      Flor.log(\"clipped\", clipped);\n");

    Result result = Propagator.propagate("Train.java", today, OLD, List.of("clipped"));

    assertThat(result.outcomes()).extracting(Outcome::kind, Outcome::explanation).containsExactly(
        tuple(Kind.NOT_PLACED, "`clipped`, declared at today's line 9, has no counterpart in the old version"));
  }

  @Test
  void logCallInsideALargerStatementIsNotPlaced() {
    String today = TODAY.replace("Flor.log(\"grad_norm\", norm(grad));", "double n = Flor.log(\"grad_norm\", norm(grad));");

    Result result = Propagator.propagate("Train.java", today, OLD, List.of("grad_norm"));

    assertThat(result.outcomes()).extracting(Outcome::kind, Outcome::explanation).containsExactly(
        tuple(Kind.NOT_PLACED, "the log call is part of a larger statement,"
            + " `double n = Flor.log(\"grad_norm\", norm(grad));`; only a statement that is just a log call can be carried into another version"));
  }

  @Test
  void windowsLineEndingsAreKeptAndGivenToTheInsertedLine() {
    String old = OLD.replace("\n", "\r\n");

    Result result = Propagator.propagate("Train.java", TODAY.replace("norm(grad)", "grad[0]"), old, List.of("grad_norm"));

    assertThat(result.patchedSource()).isEqualTo(old.replace("update(w, g);\r\n", "update(w, g);\r\n      Flor.log(\"grad_norm\", g[0]);\r\n"));
  }

  @Test
  void statementLastInItsMethodGoesBeforeTheOldVersionsReturn() {
    String old = """
        import dev.flordb.Flor;

        class Train {
          static void save(double[] w) {
            if (w == null) return;
            writeAll(w);
            return;
          }
        }
        """;
    String today = """
        import dev.flordb.Flor;

        class Train {
          static void save(double[] w) {
            Storage.write(Storage.path("w"), w);
            Flor.log("saved", w.length);
          }
        }
        """;

    Result result = Propagator.propagate("Train.java", today, old, List.of("saved"));

    assertThat(result.patchedSource()).isEqualTo(old.replace("    writeAll(w);\n", "    writeAll(w);\n    Flor.log(\"saved\", w.length);\n"));
  }

  @Test
  void sealedTypesRecordsAndSwitchPatternsAreMatched() {
    String types = "public class Train {\n  sealed interface Shape permits Dot, Line {}\n  record Dot() implements Shape {}\n"
        + "  record Line(double length) implements Shape {}\n"
        + "  static double size(Shape s) { return switch (s) { case Dot d -> 0; case Line(double l) when l > 0 -> l; case Line l -> 0; }; }\n";
    String today = TODAY.replace("norm(grad)", "grad[0]").replace("public class Train {", types);
    String old = OLD.replace("public class Train {", types);

    Result result = Propagator.propagate("Train.java", today, old, List.of("grad_norm"));

    assertThat(result.patchedSource()).isEqualTo(old.replace("update(w, g);\n", "update(w, g);\n      Flor.log(\"grad_norm\", g[0]);\n"));
  }

  @Test
  void syntaxNewerThanJava21IsAnErrorNamingTheFileAndLine() {
    String today = TODAY.replace("import dev.flordb.Flor;", "import module java.base;\nimport dev.flordb.Flor;");

    assertThatThrownBy(() -> Propagator.propagate("Train.java", today, OLD, List.of("grad_norm")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Train.java (today's version) does not parse as Java, line 1, column 1: ");
  }

  private static String describe(Outcome o) {
    return o.name() + " " + o.kind() + " " + o.oldLine() + (o.kind() == Kind.NOT_PLACED ? ": " + o.explanation() : "");
  }

  private static String diff(String a, String b) throws IOException {
    RawText x = new RawText(a.getBytes(StandardCharsets.UTF_8));
    RawText y = new RawText(b.getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DiffFormatter f = new DiffFormatter(out)) {
      f.format(DiffAlgorithm.getAlgorithm(DiffAlgorithm.SupportedAlgorithm.HISTOGRAM).diff(RawTextComparator.DEFAULT, x, y), x, y);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
