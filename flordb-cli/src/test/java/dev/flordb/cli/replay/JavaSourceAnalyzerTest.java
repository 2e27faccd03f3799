package dev.flordb.cli.replay;

import static dev.flordb.cli.replay.LoopLevelsTest.lineOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.flordb.internal.source.SourceAnalyzer;
import dev.flordb.internal.source.SourceAnalyzer.Analysis;
import dev.flordb.internal.source.SourceAnalyzer.Placement;
import dev.flordb.internal.source.SourceAnalyzer.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What {@link JavaSourceAnalyzer} finds a statement to fill in depends on, on small programs
 * written the way training scripts are: each case gives the whole {@link Statement} (placement,
 * flags and the reasons as the user reads them) or the part that matters.
 */
class JavaSourceAnalyzerTest {
  private static final JavaSourceAnalyzer ANALYZER = new JavaSourceAnalyzer();

  static Analysis analyze(String source, String... names) {
    return ANALYZER.analyze("Prog.java", source, Set.of(names));
  }

  static Statement only(String source, String name) {
    List<Statement> s = analyze(source, name).statements();
    assertThat(s).as(name).hasSize(1);
    return s.get(0);
  }

  static Statement statement(String source, String name, List<String> loops, Placement placement, boolean nested,
      boolean first, String... reasons) {
    return new Statement(name, lineOf(source, "\"" + name + "\""), loops, placement, nested, first, List.of(reasons));
  }

  // ------------------------------------------------------------------------------ the state a statement reads

  static final String TRAINING = """
      import dev.flordb.Flor;
      import java.util.Map;
      import java.util.Random;

      public class Prog {
        public static void main(String[] args) {
          double[] w = new double[4];
          Random rng = new Random(1);
          double decay = 1.0;
          try (var c = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
            for (int epoch : Flor.loop("epoch", 0, 4)) {
              double total = 0;
              for (int step : Flor.loop("step", 0, 10)) {
                double loss = rng.nextDouble();
                w[0] -= 0.1 * loss * decay;
                total += loss;
              }
              Flor.log("sum_loss", total);
              Flor.log("decay_now", decay);
              Flor.log("w_norm", Math.sqrt(w[0] * w[0]));
              decay *= 0.7;
            }
          }
          Flor.log("final_decay", decay);
          Flor.log("final_w", w[0]);
        }
      }
      """;

  @Test
  void anAccumulatorSummedInTheNestedLoopNeedsTheNestedLoop() {
    assertThat(only(TRAINING, "sum_loss")).isEqualTo(statement(TRAINING, "sum_loss", List.of("epoch"), Placement.OUTER, true, false,
        "sum_loss reads total, which the step loop writes: the step loop will run for each epoch"));
  }

  @Test
  void aScalarCarriedFromEpochToEpochNeedsTheEpochsBefore() {
    assertThat(only(TRAINING, "decay_now")).isEqualTo(statement(TRAINING, "decay_now", List.of("epoch"), Placement.OUTER, false, true,
        "decay_now reads decay, carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " enrol it (e.g. a double[1] in Flor.checkpointing) to skip them"));
  }

  @Test
  void enrolledStateOnlyKeepsTheCheapStrategy() {
    assertThat(only(TRAINING, "w_norm")).isEqualTo(statement(TRAINING, "w_norm", List.of("epoch"), Placement.OUTER, false, false));
    assertThat(only(TRAINING, "final_w")).isEqualTo(statement(TRAINING, "final_w", List.of(), Placement.OUTSIDE, false, false));
  }

  @Test
  void afterTheLoopsReadingWhatTheLoopCarriedNeedsEveryEpoch() {
    assertThat(only(TRAINING, "final_decay")).isEqualTo(statement(TRAINING, "final_decay", List.of(), Placement.OUTSIDE, false, true,
        "final_decay reads decay, which the epoch loop writes and no checkpoint restores: every epoch runs, in order from the first;"
            + " enrol it (e.g. a double[1] in Flor.checkpointing) to skip them"));
  }

  @Test
  void anOptimiserNotEnrolledWhoseStepChangesACounter() {
    String src = """
        import dev.flordb.Flor;
        import java.util.Map;

        public class Prog {
          static final class Sgd {
            int updates;
            final double lr;
            Sgd(double lr) { this.lr = lr; }
            void step(double[] w, double g) {
              w[0] -= lr * g;
              updates++;
            }
          }

          public static void main(String[] args) {
            double[] w = new double[4];
            Sgd opt = new Sgd(0.1);
            try (var c = Flor.checkpointing(Map.of("w", w))) {
              for (int epoch : Flor.loop("epoch", 0, 4)) {
                for (int step : Flor.loop("step", 0, 10)) opt.step(w, 0.5);
                Flor.log("updates", opt.updates);
                Flor.log("lr", opt.lr);
              }
            }
          }
        }
        """;
    assertThat(only(src, "updates")).isEqualTo(statement(src, "updates", List.of("epoch"), Placement.OUTER, true, true,
        "updates reads opt.updates, which the step loop writes: the step loop will run for each epoch",
        "updates reads opt.updates, carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " enrol opt in Flor.checkpointing to skip them"));
    assertThat(only(src, "lr")).as("a field that nothing writes after the constructor")
        .isEqualTo(statement(src, "lr", List.of("epoch"), Placement.OUTER, false, false));
  }

  @Test
  void aStaticCounterIncrementedThroughAMethodCalledInTheNestedLoop() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          static int calls;

          static double step(double x) {
            calls++;
            return x * 0.5;
          }

          public static void main(String[] args) {
            double x = 1;
            for (int epoch : Flor.loop("epoch", 0, 4)) {
              for (int s : Flor.loop("step", 0, 10)) step(x);
              Flor.log("calls", calls);
            }
          }
        }
        """;
    assertThat(only(src, "calls")).isEqualTo(statement(src, "calls", List.of("epoch"), Placement.OUTER, true, true,
        "calls reads Prog.calls, which the step loop writes: the step loop will run for each epoch",
        "calls reads Prog.calls, carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " keep Prog.calls in an object enrolled in Flor.checkpointing rather than a static field to skip them"));
  }

  @Test
  void aFieldOfThisInAnInstanceWhoseMethodRunsTheLoops() {
    String src = """
        import dev.flordb.Flor;
        import java.util.Map;

        public class Prog {
          double total;
          final double lr = 0.1;
          double[] w = new double[3];

          void run() {
            try (var c = Flor.checkpointing(Map.of("w", w))) {
              for (int epoch : Flor.loop("epoch", 0, 3)) {
                for (int step : Flor.loop("step", 0, 5)) {
                  total += step * lr;
                  w[0] += lr;
                }
                Flor.log("total", total);
                Flor.log("lr", lr);
                Flor.log("w0", w[0]);
              }
            }
          }

          public static void main(String[] args) {
            new Prog().run();
          }
        }
        """;
    assertThat(only(src, "total")).isEqualTo(statement(src, "total", List.of("epoch"), Placement.OUTER, true, true,
        "total reads total, which the step loop writes: the step loop will run for each epoch",
        "total reads total, carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " enrol this Prog in Flor.checkpointing to skip them"));
    assertThat(analyze(src, "lr", "w0").statements()).extracting(Statement::name, Statement::runNestedLoops, Statement::fromFirstIteration)
        .as("another field of the same object, and an enrolled one").containsExactly(tuple("lr", false, false), tuple("w0", false, false));
  }

  @Test
  void anUnenrolledRandomUsedInTheNestedLoop() {
    String src = """
        import dev.flordb.Flor;
        import java.util.Map;
        import java.util.Random;

        public class Prog {
          public static void main(String[] args) {
            Random rng = new Random(1);
            Random noise = new Random(2);
            double[] w = new double[1];
            try (var c = Flor.checkpointing(Map.of("w", w, "rng", rng))) {
              for (int epoch : Flor.loop("epoch", 0, 3)) {
                for (int step : Flor.loop("step", 0, 5)) w[0] += rng.nextGaussian() + noise.nextGaussian();
                Flor.log("noise", noise.nextInt(10));
                Flor.log("draw", rng.nextInt(10));
              }
            }
          }
        }
        """;
    assertThat(only(src, "noise")).isEqualTo(statement(src, "noise", List.of("epoch"), Placement.OUTER, true, true,
        "noise reads noise, which the step loop writes: the step loop will run for each epoch",
        "noise reads noise, carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " enrol it in Flor.checkpointing to skip them"));
    assertThat(only(src, "draw")).as("the enrolled generator").isEqualTo(statement(src, "draw", List.of("epoch"), Placement.OUTER, false, false));
  }

  @Test
  void aMethodOfAnEnrolledObjectThatReadsAStaticFieldBringsThatDependence() {
    String src = """
        import dev.flordb.Flor;
        import java.util.Map;

        public class Prog {
          static double scale = 1.0;

          static final class Model {
            double[] w = new double[2];
            double norm() { return Math.sqrt(w[0] * w[0] + w[1] * w[1]); }
            double scaled() { return norm() * scale; }
            void step(double g) {
              w[0] -= g;
              scale *= 0.99;
            }
          }

          public static void main(String[] args) {
            Model model = new Model();
            try (var c = Flor.checkpointing(Map.of("model", model))) {
              for (int epoch : Flor.loop("epoch", 0, 3)) {
                for (int step : Flor.loop("step", 0, 4)) model.step(0.5);
                Flor.log("norm", model.norm());
                Flor.log("scaled", model.scaled());
              }
            }
          }
        }
        """;
    assertThat(only(src, "norm")).isEqualTo(statement(src, "norm", List.of("epoch"), Placement.OUTER, false, false));
    Statement scaled = only(src, "scaled");
    assertThat(scaled.runNestedLoops()).isTrue();
    assertThat(scaled.fromFirstIteration()).isTrue();
    assertThat(scaled.reasons()).containsExactly(
        "scaled reads Prog.scale, which the step loop writes: the step loop will run for each epoch",
        "scaled reads Prog.scale, carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " keep Prog.scale in an object enrolled in Flor.checkpointing rather than a static field to skip them");
  }

  @Test
  void aValueRecomputedAtTheTopOfEachEpochIsNotCarried() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          public static void main(String[] args) {
            double seen = 0;
            double best = Double.MAX_VALUE;
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              seen = epoch * 2.0;
              double loss = 1.0 / (epoch + 1);
              if (loss < best) best = loss;
              Flor.log("seen", seen);
              Flor.log("best", best);
            }
          }
        }
        """;
    assertThat(only(src, "seen")).isEqualTo(statement(src, "seen", List.of("epoch"), Placement.OUTER, false, false));
    assertThat(only(src, "best")).isEqualTo(statement(src, "best", List.of("epoch"), Placement.OUTER, false, true,
        "best reads best, carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " enrol it (e.g. a double[1] in Flor.checkpointing) to skip them"));
  }

  @Test
  void throughAHelperMethodsParameter() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          static void report(double x) {
            Flor.log("report", x);
          }

          public static void main(String[] args) {
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              double total = 0;
              for (int step : Flor.loop("step", 0, 5)) total += step;
              report(total);
            }
          }
        }
        """;
    assertThat(only(src, "report")).isEqualTo(statement(src, "report", List.of("epoch"), Placement.OUTER, true, false,
        "report reads total (through x), which the step loop writes: the step loop will run for each epoch"));
  }

  @Test
  void codeTheAnalysisCannotSeeIntoNeedsEverything() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          public static void main(String[] args) {
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              for (int step : Flor.loop("step", 0, 5)) Metrics.count(step);
              Flor.log("seen", Metrics.total());
              Flor.log("coin", Math.random());
            }
          }
        }
        """;
    assertThat(analyze(src, "seen", "coin").statements()).containsExactly(
        statement(src, "seen", List.of("epoch"), Placement.OUTER, true, true,
            "seen reads the result of Metrics.total() (line 7), which the analysis cannot see into: every epoch runs in full, from the first"),
        statement(src, "coin", List.of("epoch"), Placement.OUTER, true, true,
            "coin reads Math.random()'s hidden state (line 8), which the analysis cannot see into: every epoch runs in full, from the first"));
  }

  // ------------------------------------------------------------------------------ lambdas

  @Test
  void aLambdaCapturingState() {
    String src = """
        import dev.flordb.Flor;
        import java.util.function.DoubleSupplier;

        public class Prog {
          public static void main(String[] args) {
            double[] sum = new double[1];
            DoubleSupplier mean = () -> sum[0] / 10;
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              for (int step : Flor.loop("step", 0, 10)) sum[0] += step;
              Flor.log("mean", mean.getAsDouble());
            }
          }
        }
        """;
    assertThat(only(src, "mean")).isEqualTo(statement(src, "mean", List.of("epoch"), Placement.OUTER, true, true,
        "mean reads sum, which the step loop writes: the step loop will run for each epoch",
        "mean reads sum, carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " enrol it in Flor.checkpointing to skip them"));
  }

  @Test
  void aStatementInALambdaRunsWhereTheLambdaIsInvoked() {
    String src = """
        import dev.flordb.Flor;
        import java.util.function.IntConsumer;

        public class Prog {
          static void apply(int x, IntConsumer f) {
            f.accept(x);
          }

          static void forSteps(int n, IntConsumer body) {
            for (int s : Flor.loop("step", 0, n)) body.accept(s);
          }

          public static void main(String[] args) {
            Runnable tick = () -> Flor.log("tick", 1);
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              Flor.log("made_here", 0);
              for (int step : Flor.loop("batch", 0, 5)) {
                apply(step, v -> Flor.log("applied", v));
                tick.run();
              }
              forSteps(4, s -> Flor.log("in_helper_loop", s));
            }
          }
        }
        """;
    Analysis a = analyze(src, "applied", "tick", "in_helper_loop", "made_here");
    assertThat(a.statements()).extracting(Statement::name, Statement::loops, Statement::placement).containsExactly(
        tuple("tick", List.of("epoch", "batch"), Placement.NESTED),
        tuple("made_here", List.of("epoch"), Placement.OUTER),
        tuple("applied", List.of("epoch", "batch"), Placement.NESTED),
        tuple("in_helper_loop", List.of("epoch", "step"), Placement.NESTED));
    assertThat(a.statements()).allSatisfy(s -> assertThat(s.reasons()).isEmpty());
    assertThat(a.sites()).containsEntry("tick", Set.of(List.of("epoch", "batch")))
        .containsEntry("in_helper_loop", Set.of(List.of("epoch", "step")));
  }

  @Test
  void aLambdaHandedToALibraryMayRunInAnyLoop() {
    String src = """
        import dev.flordb.Flor;
        import java.util.List;

        public class Prog {
          public static void main(String[] args) {
            double[] sum = {0};
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              List.of(1, 2).forEach(x -> Flor.log("each", x));
              List.of(3, 4).forEach(x -> sum[0] += x);
              Flor.log("sum", sum[0]);
            }
          }
        }
        """;
    assertThat(only(src, "each")).isEqualTo(statement(src, "each", List.of("epoch"), Placement.NESTED, false, false,
        "each is in the lambda at line 8, passed to forEach() at line 8, which is not code of this file, so it may run in any loop:"
            + " taken as nested"));
    assertThat(analyze(src).sites()).doesNotContainKey("each");
    assertThat(only(src, "sum")).isEqualTo(statement(src, "sum", List.of("epoch"), Placement.OUTER, true, true,
        "sum reads sum, which the lambda at line 9 (passed to forEach() at line 9) writes, and when that runs cannot be told:"
            + " every epoch runs in full, from the first"));
  }

  // ------------------------------------------------------------------------------ the outer loop's own control

  @Test
  void anOuterLoopThatStopsOnAFlagSetInTheNestedLoop() {
    String src = """
        import dev.flordb.Flor;
        import java.util.Map;

        public class Prog {
          public static void main(String[] args) {
            double[][] x = {{1, 2}, {2, 1}, {-1, -2}};
            int[] y = {1, 1, -1};
            double[] w = new double[2];
            try (var c = Flor.checkpointing(Map.of("w", w))) {
              for (int epoch : Flor.loop("epoch", 0, 100)) {
                boolean updated = false;
                for (int i : Flor.loop("sample", 0, x.length)) {
                  if (y[i] * (w[0] * x[i][0] + w[1] * x[i][1]) <= 0) {
                    w[0] += y[i] * x[i][0];
                    w[1] += y[i] * x[i][1];
                    updated = true;
                  }
                }
                Flor.log("w_norm", Math.sqrt(w[0] * w[0] + w[1] * w[1]));
                if (!updated) break;
              }
            }
            Flor.log("final_w", w[0]);
          }
        }
        """;
    String why = "the epoch loop stops when updated is false, and the sample loop sets updated: the sample loop will run for each epoch";
    assertThat(analyze(src, "w_norm", "final_w").statements()).containsExactly(
        statement(src, "w_norm", List.of("epoch"), Placement.OUTER, true, false, why),
        statement(src, "final_w", List.of(), Placement.OUTSIDE, true, false, why));
  }

  @Test
  void aConvergenceLoopInAMethodOtherThanMain() {
    String src = """
        import dev.flordb.Flor;
        import java.util.Map;

        public class Prog {
          final double[] centroids = {0, 1, 2};

          void fit(double[] x) {
            for (int it : Flor.loop("iter", 0, 50)) {
              double[] sum = new double[centroids.length];
              int[] count = new int[centroids.length];
              for (int i : Flor.loop("point", 0, x.length)) {
                int best = nearest(x[i]);
                sum[best] += x[i];
                count[best]++;
              }
              boolean moved = false;
              for (int j = 0; j < centroids.length; j++) {
                double c = count[j] == 0 ? centroids[j] : sum[j] / count[j];
                if (c != centroids[j]) moved = true;
                centroids[j] = c;
              }
              if (!moved) break;
            }
          }

          int nearest(double v) {
            int best = 0;
            for (int j = 1; j < centroids.length; j++) if (Math.abs(v - centroids[j]) < Math.abs(v - centroids[best])) best = j;
            return best;
          }

          double sse(double[] x) {
            double s = 0;
            for (double v : x) s += Math.pow(v - centroids[nearest(v)], 2);
            return s;
          }

          public static void main(String[] args) {
            double[] x = {0.1, 0.2, 5.0, 5.1, 9.9};
            Prog km = new Prog();
            try (var c = Flor.checkpointing(Map.of("km", km))) {
              km.fit(x);
            }
            Flor.log("sse", km.sse(x));
          }
        }
        """;
    Analysis a = analyze(src, "sse");
    assertThat(a.statements()).containsExactly(statement(src, "sse", List.of(), Placement.OUTSIDE, true, false,
        "the iter loop stops when moved is false, and the point loop sets sum (through moved): the point loop will run for each iter"));
    assertThat(a.sites()).containsExactly(Map.entry("sse", Set.of(List.of())));
    assertThat(a.outermostLoops()).containsExactly("iter");
  }

  @Test
  void anExitFromInsideTheNestedLoopNeedsIt() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          public static void main(String[] args) {
            double[] w = new double[1];
            for (int epoch : Flor.loop("epoch", 0, 10)) {
              Flor.log("w", w[0]);
              for (int step : Flor.loop("step", 0, 5)) {
                w[0] += step;
                if (w[0] > 100) return;
              }
            }
          }
        }
        """;
    Statement s = only(src, "w");
    assertThat(s.runNestedLoops()).isTrue();
    assertThat(s.reasons()).contains(
        "the epoch loop can stop inside the step loop (return at line 10): the step loop will run for each epoch");
  }

  @Test
  void anOuterLoopThatStopsOnACounterItCarries() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          public static void main(String[] args) {
            int patience = 0;
            double best = 1e9;
            for (int epoch : Flor.loop("epoch", 0, 10)) {
              double loss = 1.0 / (epoch + 1);
              Flor.log("loss", loss);
              if (loss < best) {
                best = loss;
                patience = 0;
              } else if (++patience > 3) {
                break;
              }
            }
          }
        }
        """;
    String when = "the epoch loop stops when loss >= best and ++patience > 3";
    assertThat(only(src, "loss")).isEqualTo(statement(src, "loss", List.of("epoch"), Placement.OUTER, false, true,
        when + ", and best is carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " enrol it (e.g. a double[1] in Flor.checkpointing) to skip them",
        when + ", and patience is carried across epochs and not checkpointed: the epochs before each selected one run first;"
            + " enrol it (e.g. an int[1] in Flor.checkpointing) to skip them"));
  }

  @Test
  void methodReferencesAnonymousClassesAndLambdasInFieldsRunWhereTheyAreInvoked() {
    String src = """
        import dev.flordb.Flor;
        import java.util.ArrayList;
        import java.util.List;
        import java.util.Map;
        import java.util.function.IntConsumer;

        public class Prog {
          static int hits;
          Runnable onEpoch;

          static void repeat(int n, IntConsumer f) {
            for (int i : Flor.loop("step", 0, n)) f.accept(i);
          }

          static void hit(int i) {
            hits++;
            Flor.log("hit", i);
          }

          public static void main(String[] args) {
            List<double[]> layers = new ArrayList<>();
            layers.add(new double[3]);
            var same = layers;
            Prog p = new Prog();
            p.onEpoch = () -> Flor.log("on_epoch", hits);
            try (var c = Flor.checkpointing(Map.of("layers", layers))) {
              for (int epoch : Flor.loop("epoch", 0, 10)) {
                repeat(3, Prog::hit);
                repeat(2, new IntConsumer() {
                  public void accept(int i) { Flor.log("anon", i); }
                });
                double norm = 0;
                for (double[] l : layers) norm += l[0];
                Flor.log("norm", norm);
                Flor.log("size", same.size());
                p.onEpoch.run();
              }
            }
          }
        }
        """;
    Analysis a = analyze(src, "hit", "anon", "norm", "size", "on_epoch");
    assertThat(a.statements()).extracting(Statement::name, Statement::loops, Statement::placement, Statement::runNestedLoops,
        Statement::fromFirstIteration).containsExactly(
            tuple("hit", List.of("epoch", "step"), Placement.NESTED, false, false),
            tuple("on_epoch", List.of("epoch"), Placement.OUTER, true, true),
            tuple("anon", List.of("epoch", "step"), Placement.NESTED, false, false),
            tuple("norm", List.of("epoch"), Placement.OUTER, false, false),
            tuple("size", List.of("epoch"), Placement.OUTER, false, false));
    assertThat(a.statements().get(1).reasons()).first().isEqualTo(
        "on_epoch reads Prog.hits, which the step loop writes: the step loop will run for each epoch");
  }

  @Test
  void conditionsInWords() {
    com.github.javaparser.ast.expr.Expression c = com.github.javaparser.StaticJavaParser.parseExpression("!updated");
    assertThat(Dependences.condition(c, false)).isEqualTo("updated is false");
    assertThat(Dependences.condition(c, true)).isEqualTo("updated is true");
    assertThat(Dependences.condition(com.github.javaparser.StaticJavaParser.parseExpression("(delta < 1e-4)"), false)).isEqualTo("delta < 1e-4");
    assertThat(Dependences.condition(com.github.javaparser.StaticJavaParser.parseExpression("loss < best"), true)).isEqualTo("loss >= best");
    assertThat(Dependences.condition(com.github.javaparser.StaticJavaParser.parseExpression("a && b"), true)).isEqualTo("!(a && b)");
    assertThat(Dependences.plural("epoch")).isEqualTo("epochs");
    assertThat(Dependences.plural("batch")).isEqualTo("batches");
    assertThat(Dependences.plural("query")).isEqualTo("queries");
  }

  // ------------------------------------------------------------------------------ places

  @Test
  void iterationIsNotALoop() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          public static void main(String[] args) throws Exception {
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              try (var doc = Flor.iteration("doc", epoch, "d" + epoch)) {
                Flor.log("in_iteration", epoch);
              }
            }
          }
        }
        """;
    assertThat(only(src, "in_iteration")).isEqualTo(statement(src, "in_iteration", List.of("epoch"), Placement.OUTER, false, false));
  }

  @Test
  void sitesListEveryLiteralNamedStatementWhereverItRuns() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          static void helper(int s) {
            Flor.log("grad", s);
          }

          public static void main(String[] args) {
            Flor.log("lr", 0.1);
            for (int epoch : Flor.loop("epoch", 0, 3)) {
              helper(epoch);
              for (int step : Flor.loop("step", 0, 5)) {
                helper(step);
                Flor.log("loss", step);
                if (step > 3) break;
              }
              Flor.log("acc", epoch);
            }
            Flor.log("acc", 1.0);
          }

          void onRequest() {
            Flor.log("req", 1);
          }
        }
        """;
    Analysis a = analyze(src);
    assertThat(a.statements()).isEmpty();
    assertThat(a.sites()).isEqualTo(Map.of(
        "lr", Set.of(List.of()),
        "grad", Set.of(List.of("epoch"), List.of("epoch", "step")),
        "loss", Set.of(List.of("epoch", "step")),
        "acc", Set.of(List.of("epoch"), List.of())));
    assertThat(a.outermostLoops()).containsExactly("epoch");
  }

  @Test
  void aMethodThatIsNeverCalledHasNoKnownPlace() {
    String src = """
        import dev.flordb.Flor;

        public class Prog {
          public static void main(String[] args) {
            for (int epoch : Flor.loop("epoch", 0, 3)) Flor.log("acc", epoch);
          }

          void onRequest(int id) {
            Flor.log("req", id);
          }
        }
        """;
    assertThat(only(src, "req")).isEqualTo(statement(src, "req", List.of(), Placement.UNKNOWN, true, true,
        "method onRequest() (line 8) is not main and is not called in Prog.java (called from another file, by reflection or by a"
            + " framework?), so where it runs cannot be told",
        "where req runs cannot be told, so neither can what it reads: every iteration runs in full, from the first"));
  }

  @Test
  void aSyntaxErrorSaysWhere() {
    assertThatThrownBy(() -> ANALYZER.analyze("Bad.java", "class Bad {\n  void f( {\n}\n", Set.of("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Bad.java does not parse as Java: syntax error at line 2, column ");
  }

  @Test
  void aNameNoStatementLogsIsRefused() {
    assertThatThrownBy(() -> analyze(TRAINING, "sum_loss", "grad_norm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no Flor.log statement in Prog.java logs \"grad_norm\"; the names it logs are:"
            + " decay_now, final_decay, final_w, sum_loss, w_norm");
  }

  @Test
  void aMapOfCheckpointsBuiltStepByStepIsReadToo() {
    String src = """
        import dev.flordb.Flor;
        import java.util.HashMap;
        import java.util.Map;

        public class Prog {
          public static void main(String[] args) {
            double[] w = new double[1];
            Map<String, Object> state = new HashMap<>();
            state.put("w", w);
            try (var c = Flor.checkpointing(state)) {
              for (int epoch : Flor.loop("epoch", 0, 3)) {
                for (int step : Flor.loop("step", 0, 5)) w[0] += step;
                Flor.log("w0", w[0]);
              }
            }
          }
        }
        """;
    assertThat(only(src, "w0")).isEqualTo(statement(src, "w0", List.of("epoch"), Placement.OUTER, false, false));
  }

  @Test
  void anObjectEnrolledByTheMethodItIsPassedTo() {
    String src = """
        import dev.flordb.Flor;
        import java.util.Map;

        public class Prog {
          static final class Model {
            double[] w = new double[2];
            double norm() { return Math.abs(w[0]); }
          }

          static void train(Model m) {
            try (var c = Flor.checkpointing(Map.of("model", m))) {
              for (int epoch : Flor.loop("epoch", 0, 3)) {
                for (int step : Flor.loop("step", 0, 4)) m.w[0] += step;
                Flor.log("inside", m.norm());
              }
            }
          }

          public static void main(String[] args) {
            Model model = new Model();
            train(model);
            Flor.log("after", model.norm());
          }
        }
        """;
    assertThat(analyze(src, "inside", "after").statements()).containsExactly(
        statement(src, "inside", List.of("epoch"), Placement.OUTER, false, false),
        statement(src, "after", List.of(), Placement.OUTSIDE, false, false));
  }

  @Test
  void isTheServiceTheApiFinds() {
    assertThat(SourceAnalyzer.find()).isInstanceOf(JavaSourceAnalyzer.class);
  }

  // ------------------------------------------------------------------------------ the examples

  @Test
  void theMnistExampleKeepsTheCheapStrategyForAWeightNormAtTheStartOfEachEpoch() throws Exception {
    String original = Files.readString(Path.of("../examples/mnist/TrainMnist.java"));
    String anchor = "        int[] order = shuffledOrder(";
    assertThat(original).contains(anchor);
    String edited = original.replace(anchor, "        Flor.log(\"weight_norm\", model.weightNorm());\n" + anchor);
    Analysis a = ANALYZER.analyze("TrainMnist.java", edited, Set.of("weight_norm"));
    assertThat(a.statements()).containsExactly(
        new Statement("weight_norm", lineOf(edited, "\"weight_norm\""), List.of("epoch"), Placement.OUTER, false, false, List.of()));
    assertThat(a.sites()).containsEntry("loss", Set.of(List.of("epoch", "step"))).containsEntry("acc", Set.of(List.of("epoch")));
    assertThat(a.outermostLoops()).containsExactly("epoch");
  }

  @Test
  void theStatementsOfTheMnistReplayTestReadOnlyTheModel() throws Exception {
    // the edit of MnistReplayTest: a statement before the nested loop, in it, after it and after all loops
    String edited = Files.readString(Path.of("../examples/mnist/TrainMnist.java"))
        .replace("        int[] order = shuffledOrder(", "        Flor.log(\"s_before\", model.b2[0]);\n        int[] order = shuffledOrder(")
        .replace("          optimizer.step(model, scratch);\n", "          optimizer.step(model, scratch);\n          Flor.log(\"s_nested\", model.b2[1]);\n")
        .replace("        Flor.log(\"acc\", () -> model.accuracy(heldOut, scratch));\n      }\n    }\n",
            "        Flor.log(\"s_after\", model.w2[0]);\n        Flor.log(\"acc\", () -> model.accuracy(heldOut, scratch));\n"
                + "      }\n    }\n    Flor.log(\"s_final\", model.w1[5]);\n");
    assertThat(edited).contains("s_before", "s_nested", "s_after", "s_final");
    Analysis a = ANALYZER.analyze("TrainMnist.java", edited, Set.of("s_before", "s_after", "s_nested", "s_final"));
    assertThat(a.statements()).extracting(Statement::name, Statement::placement, Statement::runNestedLoops, Statement::fromFirstIteration)
        .containsExactly(
            tuple("s_before", Placement.OUTER, false, false),
            tuple("s_nested", Placement.NESTED, false, false),
            tuple("s_after", Placement.OUTER, false, false),
            tuple("s_final", Placement.OUTSIDE, false, false));
  }

  @Test
  void theQuickstartAndTheVersionsOfTheAcrossVersionsTest() throws Exception {
    String today = Files.readString(Path.of("src/test/resources/versions/today.java"));
    assertThat(ANALYZER.analyze("Train.java", today, Set.of("wnorm")).statements())
        .extracting(Statement::placement, Statement::runNestedLoops, Statement::fromFirstIteration)
        .containsExactly(tuple(Placement.OUTER, false, false));
  }
}
