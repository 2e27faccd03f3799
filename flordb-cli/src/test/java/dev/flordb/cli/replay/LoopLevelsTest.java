package dev.flordb.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.flordb.cli.replay.LoopLevels.Level;
import dev.flordb.cli.replay.LoopLevels.LogStatement;
import dev.flordb.cli.replay.LoopLevels.NonLiteralLog;
import dev.flordb.cli.replay.LoopLevels.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopLevelsTest {

  static final String PROGRAM = """
      import dev.flordb.Flor;
      import java.util.List;

      public class Prog {
        public static void main(String[] args) {
          Flor.log("before", 1);
          List<String> docs = List.of("a", "b");
          for (int epoch : Flor.loop("epoch", 0, 3)) {
            Flor.log("start", epoch);
            for (int step : Flor.loop("step", 0, 4)) {
              Flor.log("loss", step);
              helper(step);
            }
            Flor.log("acc", epoch);
            Flor.log("twice", epoch);
          }
          for (String doc : Flor.loop("doc", docs)) {
            Flor.log("chars", doc.length());
          }
          Flor.log("final", 0);
          Flor.log("twice", 1);
        }

        static void helper(int step) {
          Flor.log("grad", step);
        }
      }
      """;

  /** The 1-based line of the only line of {@code source} containing {@code text}. */
  static int lineOf(String source, String text) {
    List<String> lines = source.lines().toList();
    int found = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        assertThat(found).as("%s occurs once", text).isEqualTo(-1);
        found = i + 1;
      }
    }
    assertThat(found).as("%s occurs", text).isPositive();
    return found;
  }

  static LogStatement only(String source, String name) {
    Result r = LoopLevels.analyze("Prog.java", source, List.of(name));
    assertThat(r.statements()).hasSize(1);
    return r.statements().get(0);
  }

  @Test
  void beforeAllLoops() {
    LogStatement s = only(PROGRAM, "before");
    assertThat(s).isEqualTo(new LogStatement("before", lineOf(PROGRAM, "\"before\""), List.of(), Level.OUTSIDE_LOOPS, List.of(), ""));
    assertThat(s.outermostLoop()).isEmpty();
    assertThat(s.inCalledMethod()).isFalse();
  }

  @Test
  void aValueLoggedLazilyIsALogStatementLikeAnyOther() {
    String source = """
        import dev.flordb.Flor;

        public class Prog {
          public static void main(String[] args) {
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              Flor.logLazily("acc", () -> 0.5 * epoch);
            }
          }
        }
        """;
    assertThat(only(source, "acc")).isEqualTo(
        new LogStatement("acc", lineOf(source, "\"acc\""), List.of("epoch"), Level.OUTER_BODY, List.of(), ""));
  }

  @Test
  void outerBodyBeforeAndAfterTheNestedLoop() {
    assertThat(only(PROGRAM, "start")).isEqualTo(
        new LogStatement("start", lineOf(PROGRAM, "\"start\""), List.of("epoch"), Level.OUTER_BODY, List.of(), ""));
    LogStatement acc = only(PROGRAM, "acc");
    assertThat(acc.level()).isEqualTo(Level.OUTER_BODY);
    assertThat(acc.loops()).containsExactly("epoch");
    assertThat(acc.outermostLoop()).contains("epoch");
    assertThat(acc.line()).isEqualTo(lineOf(PROGRAM, "\"acc\""));
  }

  @Test
  void insideTheNestedLoop() {
    assertThat(only(PROGRAM, "loss")).isEqualTo(
        new LogStatement("loss", lineOf(PROGRAM, "\"loss\""), List.of("epoch", "step"), Level.NESTED, List.of(), ""));
  }

  @Test
  void afterAllLoops() {
    assertThat(only(PROGRAM, "final").level()).isEqualTo(Level.OUTSIDE_LOOPS);
  }

  @Test
  void loopOverAList() {
    LogStatement s = only(PROGRAM, "chars");
    assertThat(s.loops()).containsExactly("doc");
    assertThat(s.level()).isEqualTo(Level.OUTER_BODY);
  }

  @Test
  void outermostLoopsOfTheProgram() {
    assertThat(LoopLevels.analyze("Prog.java", PROGRAM, List.of("loss")).outermostLoops()).containsExactly("epoch", "doc");
  }

  @Test
  void helperMethodCalledFromTheNestedLoop() {
    LogStatement s = only(PROGRAM, "grad");
    assertThat(s).isEqualTo(new LogStatement("grad", lineOf(PROGRAM, "\"grad\""), List.of("epoch", "step"), Level.NESTED,
        List.of("helper() at line " + lineOf(PROGRAM, "helper(step);")), ""));
    assertThat(s.inCalledMethod()).isTrue();
  }

  @Test
  void helperCalledAtTwoLevelsTakesTheDeepest() {
    String src = """
        import dev.flordb.Flor;
        class P {
          public static void main(String... args) {
            for (int e : Flor.loop("epoch", 0, 2)) {
              report(e);
              for (int s : Flor.loop("step", 0, 2)) {
                report(s);
              }
            }
          }
          static void report(int x) {
            Flor.log("x", x);
          }
        }
        """;
    LogStatement s = only(src, "x");
    assertThat(s.level()).isEqualTo(Level.NESTED);
    assertThat(s.loops()).containsExactly("epoch", "step");
    assertThat(s.callPath()).containsExactly("report() at line 7");
    assertThat(s.reason()).isEqualTo("reached at several levels (OUTER_BODY, NESTED); the deepest is taken");
  }

  @Test
  void helperThroughTwoCallsAndNestedLoopInAHelper() {
    String src = """
        import dev.flordb.Flor;
        class P {
          public static void main(String[] args) {
            for (int e : Flor.loop("epoch", 0, 2)) {
              trainEpoch(e);
            }
          }
          static void trainEpoch(int e) {
            for (int s : Flor.loop("step", 0, 2)) {
              new Stats().record(s);
            }
          }
          static class Stats {
            void record(int s) { Flor.log("s", s); }
          }
        }
        """;
    LogStatement s = only(src, "s");
    assertThat(s.level()).isEqualTo(Level.NESTED);
    assertThat(s.loops()).containsExactly("epoch", "step");
    assertThat(s.callPath()).containsExactly("trainEpoch() at line 5", "record() at line 10");
    assertThat(LoopLevels.analyze("P.java", src, List.of("s")).outermostLoops()).containsExactly("epoch");
  }

  @Test
  void unknownWhenAMethodIsNotCalledInTheFileOrPassedAsAReference() {
    String src = """
        import dev.flordb.Flor;
        import java.util.List;
        class P {
          public static void main(String[] args) {
            for (int e : Flor.loop("epoch", 0, 2)) {
              List.of(1, 2).forEach(P::each);
            }
          }
          static void each(int i) { Flor.log("each", i); }
          public void onRequest(int id) { Flor.log("req", id); }
        }
        """;
    LogStatement each = only(src, "each");
    assertThat(each.level()).isEqualTo(Level.UNKNOWN);
    assertThat(each.reason()).isEqualTo("method each() (line 9) is passed as the method reference P::each at line 6, so when it runs cannot be told");
    LogStatement req = only(src, "req");
    assertThat(req.level()).isEqualTo(Level.UNKNOWN);
    assertThat(req.reason()).isEqualTo("method onRequest() (line 10) is not main and is not called in Prog.java"
        + " (called from another file, by reflection or by a framework?), so where it runs cannot be told");
  }

  @Test
  void aStatementInALambdaIsWhereTheLambdaRuns() {
    String src = """
        import dev.flordb.Flor;
        import java.util.List;
        import java.util.function.IntConsumer;
        class P {
          static void steps(IntConsumer body) {
            for (int s : Flor.loop("step", 0, 3)) body.accept(s);
          }
          public static void main(String[] args) {
            for (int e : Flor.loop("epoch", 0, 2)) {
              steps(s -> Flor.log("in_step", s));
              List.of(1).forEach(x -> Flor.log("by_library", x));
            }
          }
        }
        """;
    LogStatement inStep = only(src, "in_step");
    assertThat(inStep.level()).isEqualTo(Level.NESTED);
    assertThat(inStep.loops()).containsExactly("epoch", "step");
    assertThat(inStep.callPath()).containsExactly("steps() at line 10", "accept() at line 6");
    LogStatement byLibrary = only(src, "by_library");
    assertThat(byLibrary.level()).as("it may run in any loop").isEqualTo(Level.NESTED);
    assertThat(byLibrary.reason()).isEqualTo("it is in the lambda at line 11, passed to forEach() at line 11, which is not code of"
        + " this file, so it may run in any loop: taken as nested");
  }

  @Test
  void unknownForRecursionThroughALoop() {
    String src = """
        import dev.flordb.Flor;
        class P {
          public static void main(String[] args) { walk(3); }
          static void walk(int d) {
            Flor.log("depth", d);
            for (int i : Flor.loop("child", 0, d)) walk(d - 1);
          }
        }
        """;
    LogStatement s = only(src, "depth");
    assertThat(s.level()).isEqualTo(Level.UNKNOWN);
    assertThat(s.reason()).isEqualTo("method walk() (line 4) calls itself recursively from inside a Flor loop, so its depth is unbounded");
  }

  @Test
  void staticImports() {
    String src = """
        import static dev.flordb.Flor.*;
        class P {
          public static void main(String[] args) {
            for (var e : loop("epoch", 0, 2)) {
              for (var s : loop("step", 0, 2)) log("loss", s);
              log("acc", e);
            }
          }
        }
        """;
    Result r = LoopLevels.analyze("P.java", src, List.of("loss", "acc"));
    assertThat(r.statements()).extracting(LogStatement::name, LogStatement::level)
        .containsExactly(tuple("loss", Level.NESTED), tuple("acc", Level.OUTER_BODY));
    String single = """
        import static dev.flordb.Flor.log;
        import static dev.flordb.Flor.loop;
        class P {
          public static void main(String[] args) {
            for (var e : loop("epoch", 0, 2)) log("acc", e);
          }
        }
        """;
    assertThat(only(single, "acc").level()).isEqualTo(Level.OUTER_BODY);
  }

  @Test
  void unqualifiedCallsAreNotFlorsWithoutAStaticImportOrWhenShadowed() {
    String src = """
        import dev.flordb.Flor;
        class P {
          public static void main(String[] args) {
            for (var e : loop("epoch", 0, 2)) { log("own", e); Flor.log("acc", e); }
          }
          static Iterable<Integer> loop(String n, int a, int b) { return java.util.List.of(); }
          static void log(String n, int v) {}
        }
        """;
    assertThat(only(src, "acc").level()).isEqualTo(Level.OUTSIDE_LOOPS);
    assertThatThrownBy(() -> LoopLevels.analyze("P.java", src, List.of("own")))
        .hasMessage("no Flor.log statement in P.java logs \"own\"; the names it logs are: acc");
    String shadowed = "import static dev.flordb.Flor.*;\n" + src;
    assertThatThrownBy(() -> LoopLevels.analyze("P.java", shadowed, List.of("own")))
        .hasMessage("no Flor.log statement in P.java logs \"own\"; the names it logs are: acc");
  }

  @Test
  void lineSelection() {
    int line = lineOf(PROGRAM, "\"loss\"");
    Result r = LoopLevels.analyze("Prog.java", PROGRAM, List.of("@" + line));
    assertThat(r.statements()).extracting(LogStatement::name).containsExactly("loss");
    assertThat(r.statements().get(0).level()).isEqualTo(Level.NESTED);
    assertThatThrownBy(() -> LoopLevels.analyze("Prog.java", PROGRAM, List.of("@2")))
        .hasMessage("no Flor.log statement in Prog.java is on line 2; Flor.log statements are on lines "
            + "6 (before), 9 (start), 11 (loss), 14 (acc), 15 (twice), 18 (chars), 20 (final), 21 (twice), 25 (grad)");
  }

  @Test
  void severalNamesAtOnceInSourceOrder() {
    Result r = LoopLevels.analyze("Prog.java", PROGRAM, List.of("final", "loss", "acc", "@" + lineOf(PROGRAM, "\"loss\"")));
    assertThat(r.statements()).extracting(LogStatement::name, LogStatement::level).containsExactly(
        tuple("loss", Level.NESTED),
        tuple("acc", Level.OUTER_BODY),
        tuple("final", Level.OUTSIDE_LOOPS));
    assertThat(r.file()).isEqualTo("Prog.java");
  }

  @Test
  void aNameLoggedAtTwoLevelsIsReportedTwice() {
    Result r = LoopLevels.analyze("Prog.java", PROGRAM, List.of("twice"));
    assertThat(r.statementsFor("twice")).extracting(LogStatement::line, LogStatement::level).containsExactly(
        tuple(15, Level.OUTER_BODY),
        tuple(21, Level.OUTSIDE_LOOPS));
  }

  @Test
  void unknownNameListsTheLoggedNames() {
    assertThatThrownBy(() -> LoopLevels.analyze("Prog.java", PROGRAM, List.of("loss", "los", "accuracy")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no Flor.log statement in Prog.java logs \"los\", \"accuracy\"; the names it logs are: "
            + "acc, before, chars, final, grad, loss, start, twice");
  }

  @Test
  void namesThatAreNotLiteralsAreReported() {
    String src = """
        import dev.flordb.Flor;
        class P {
          public static void main(String[] args) {
            for (int e : Flor.loop("epoch", 0, 2)) {
              String key = "m" + e;
              Flor.log(key, e);
              Flor.log("acc", e);
            }
          }
        }
        """;
    Result r = LoopLevels.analyze("P.java", src, List.of("acc"));
    assertThat(r.nonLiteralLogs()).containsExactly(new NonLiteralLog(6, "Flor.log(key, e)"));
    assertThatThrownBy(() -> LoopLevels.analyze("P.java", src, List.of("@6")))
        .hasMessage("the Flor.log call on line 6 of P.java, Flor.log(key, e), does not name its value with a string literal;"
            + " replay selects statements by their literal name");
    assertThatThrownBy(() -> LoopLevels.analyze("P.java", src, List.of("m0")))
        .hasMessage("no Flor.log statement in P.java logs \"m0\"; the names it logs are: acc;"
            + " 1 more Flor.log call has a name that is not a string literal (line 6: Flor.log(key, e))");
  }

  @Test
  void sourceThatDoesNotParse() {
    assertThatThrownBy(() -> LoopLevels.analyze("Bad.java", "class {", List.of("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Bad.java does not parse as Java: ");
  }

  @Test
  void java21SyntaxOfThePropagationCases() throws Exception {
    Path cases = Path.of("src/test/resources/propagation");
    Result arm = LoopLevels.analyze(cases.resolve("inside-a-switch-case-with-a-record-pattern/today.java"), List.of("decayed_to", "loss"));
    assertThat(arm.statements()).extracting(LogStatement::name, LogStatement::level, LogStatement::loops).containsExactly(
        tuple("decayed_to", Level.OUTER_BODY, List.of("epoch")),
        tuple("loss", Level.OUTER_BODY, List.of("epoch")));
    Result schedule = LoopLevels.analyze(cases.resolve("records-sealed-types-and-switch-patterns/today.java"), List.of("lr"));
    assertThat(schedule.statements()).extracting(LogStatement::level, LogStatement::loops)
        .containsExactly(tuple(Level.OUTER_BODY, List.of("epoch")));
    for (String version : List.of("old.java", "expected.java")) {
      assertThat(LoopLevels.analyze(cases.resolve("inside-a-switch-case-with-a-record-pattern/" + version), List.of("loss")).outermostLoops())
          .containsExactly("epoch");
      assertThat(LoopLevels.analyze(cases.resolve("records-sealed-types-and-switch-patterns/" + version), List.of("loss")).outermostLoops())
          .containsExactly("epoch");
    }
  }

  @Test
  void mnistExample() throws Exception {
    Result r = LoopLevels.analyze(Path.of("../examples/mnist/TrainMnist.java"), List.of("loss", "acc"));
    assertThat(r.file()).isEqualTo("TrainMnist.java");
    assertThat(r.outermostLoops()).containsExactly("epoch");
    assertThat(r.statementsFor("loss")).singleElement().satisfies(s -> {
      assertThat(s.level()).isEqualTo(Level.NESTED);
      assertThat(s.loops()).containsExactly("epoch", "step");
    });
    assertThat(r.statementsFor("acc")).singleElement().satisfies(s -> {
      assertThat(s.level()).isEqualTo(Level.OUTER_BODY);
      assertThat(s.loops()).containsExactly("epoch");
    });
  }

  @Test
  void quickstartExample() throws Exception {
    Result r = LoopLevels.analyze(Path.of("../examples/quickstart/Train.java"), List.of("acc", "loss"));
    assertThat(r.statements()).extracting(LogStatement::name, LogStatement::level, LogStatement::loops).containsExactly(
        tuple("loss", Level.NESTED, List.of("epoch", "step")),
        tuple("acc", Level.OUTER_BODY, List.of("epoch")));
    assertThat(r.outermostLoops()).containsExactly("epoch");
  }
}
