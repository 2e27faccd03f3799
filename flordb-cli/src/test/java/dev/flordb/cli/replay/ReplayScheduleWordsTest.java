package dev.flordb.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.ReplayOptions.Level;
import dev.flordb.internal.source.SourceAnalyzer.Placement;
import dev.flordb.internal.source.SourceAnalyzer.Statement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the replay schedule says about each statement: its strategy, what forced it, and the level a version replays at. */
class ReplayScheduleWordsTest {
  private static List<String> words(String source, String... names) {
    return new JavaSourceAnalyzer().analyze("Train.java", source, Set.of(names)).statements().stream()
        .flatMap(s -> ReplaySchedule.describe(s, "Train.java").stream()).toList();
  }

  @Test
  void eachStatementSaysItsStrategyAndWhatForcedIt() {
    assertThat(String.join("\n", words(JavaSourceAnalyzerTest.TRAINING, "sum_loss", "decay_now", "w_norm", "final_decay", "final_w")))
        .isEqualTo("""
            "sum_loss" (Train.java:18): in the epoch loop body: nested loops run
              sum_loss reads total, which the step loop writes: the step loop will run for each epoch
            "decay_now" (Train.java:19): in the epoch loop body: nested loops skipped, from the first epoch
              decay_now reads decay, carried across epochs and not checkpointed: the epochs before each selected one run first; \
            enrol it (e.g. a double[1] in Flor.checkpointing) to skip them
            "w_norm" (Train.java:20): in the epoch loop body: nested loops skipped
            "final_decay" (Train.java:24): after the loops: the outer loop runs again from its first iteration, nested loops skipped
              final_decay reads decay, which the epoch loop writes and no checkpoint restores: every epoch runs, in order from the first; \
            enrol it (e.g. a double[1] in Flor.checkpointing) to skip them
            "final_w" (Train.java:25): after the loops: the final state is restored""");
  }

  @Test
  void theVersionsLevelIsTheDeepestThatItsStatementsNeed() {
    assertThat(ReplaySchedule.levelOf(st(Placement.OUTSIDE, false, false))).isEqualTo(Level.OUTSIDE);
    assertThat(ReplaySchedule.levelOf(st(Placement.OUTSIDE, false, true))).as("the outer iterations run").isEqualTo(Level.OUTER);
    assertThat(ReplaySchedule.levelOf(st(Placement.OUTSIDE, true, false))).isEqualTo(Level.NESTED);
    assertThat(ReplaySchedule.levelOf(st(Placement.OUTER, false, false))).isEqualTo(Level.OUTER);
    assertThat(ReplaySchedule.levelOf(st(Placement.OUTER, false, true))).isEqualTo(Level.OUTER);
    assertThat(ReplaySchedule.levelOf(st(Placement.OUTER, true, false))).isEqualTo(Level.NESTED);
    assertThat(ReplaySchedule.levelOf(st(Placement.NESTED, false, false))).isEqualTo(Level.NESTED);
    assertThat(ReplaySchedule.levelOf(st(Placement.UNKNOWN, false, false))).isEqualTo(Level.NESTED);
  }

  private static Statement st(Placement p, boolean nested, boolean first) {
    return new Statement("x", 1, p == Placement.OUTSIDE ? List.of() : List.of("epoch"), p, nested, first, List.of());
  }
}
