package dev.flordb.internal.run;

import dev.flordb.internal.records.RecordFormat;
import dev.flordb.internal.replay.RecordedRun;
import dev.flordb.internal.replay.ReplayLevels;
import dev.flordb.internal.replay.ReplayOptions;
import dev.flordb.internal.source.SourceAnalyzer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a replay is to do, known before its record file is opened: the recorded run, the
 * program's source analysis (or null: every statement is checked), and the strategy (the level
 * and whether every outermost iteration runs from the first), given with {@code --level} or
 * chosen from the analysis. {@link Replay} carries it out.
 */
record ReplayPlan(ReplayOptions options, RecordedRun recorded, CompletableFuture<SourceAnalyzer.Analysis> analysis,
    ReplayOptions.Level level, boolean fromStart, List<String> reasons) {

  /** The plan for {@code options}: the strategy given with {@code --level}, else the analysis's. */
  static ReplayPlan of(ReplayOptions options, Path florDir, Path workTree, Launch launch, String replaySource,
      SourceAnalyzer.Analysis given, Console console) {
    RecordedRun recorded = RecordedRun.load(florDir, options.run, options.apply);
    Path source = ReplayLevels.sourceOf(launch.details, workTree, replaySource);
    CompletableFuture<SourceAnalyzer.Analysis> analysis;
    if (given != null) {
      analysis = CompletableFuture.completedFuture(given);
    } else if (options.level == null) {
      SourceAnalyzer.Analysis found = ReplayLevels.analyzeAll(florDir, source, options.apply); // the strategy needs it now
      if (found == null) throw ReplayLevels.noAnalysis(source, options.apply);
      analysis = CompletableFuture.completedFuture(found);
    } else {
      // The strategy was given: the analysis only says which statements to check, while the program sets up.
      analysis = CompletableFuture.supplyAsync(() -> {
        try {
          return ReplayLevels.analyzeAll(florDir, source, options.apply);
        } catch (RuntimeException e) {
          console.warn("could not analyse the program's source (" + e.getMessage() + "); the replay checks every"
              + " statement of the program it executes again");
          return null;
        }
      }, RunStart.daemonThreads("flordb-analysis"));
    }
    ReplayLevels.Strategy strategy = options.level != null
        ? new ReplayLevels.Strategy(options.level, options.fromStart, List.of("chosen with --level"))
        : ReplayLevels.strategy(analysis.join(), options.apply);
    return new ReplayPlan(options, recorded, analysis, strategy.level(), strategy.fromStart() || options.fromStart,
        strategy.reasons());
  }

  /** The record that opens the replay's file, at {@code startMillis}. */
  Map<String, Object> header(Launch launch, long startMillis) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("format", RecordFormat.VERSION);
    h.put("apply", new ArrayList<>(options.apply));
    h.put("level", level.name().toLowerCase(Locale.ROOT));
    h.put("from_start", fromStart);
    // the store shows this file's values only once a verdict record at its end says they were verified
    h.put("verdict", "at_end");
    h.put("start_ms", startMillis);
    h.put("launch", launch.details);
    return h;
  }
}
