package dev.flordb.internal.replay;

import dev.flordb.internal.records.Liveness;

import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.store.ReplayVerdict;
import dev.flordb.internal.store.Store;

import dev.flordb.internal.records.RecordFormat;

import dev.flordb.FlorException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What replay needs from a recorded run, read from its own record file: the arg values it used,
 * how many iterations its outermost loop had, and which values it (or an earlier replay) has.
 */
public final class RecordedRun {
  final String runId;
  public final Map<String, Object> args = new LinkedHashMap<>();
  /** Outermost loop name to its number of iterations. */
  final Map<String, Long> outerIterations = new HashMap<>();
  /** name + "@" + position of every value the run already has for the applied names (any source). */
  private final java.util.Set<String> filled = new java.util.HashSet<>();
  private boolean ended;
  private Map<?, ?> header;
  private final Path file;
  /** The recorded values and checkpoint states, for the replay to check itself against. */
  public final ReplayCheck check = new ReplayCheck();

  private RecordedRun(String runId, Path file) {
    this.runId = runId;
    this.file = file;
  }

  public static RecordedRun load(Path florDir, String runId, java.util.Set<String> apply) {
    Path file = florDir.resolve("records").resolve(runId + RecordFormat.SUFFIX);
    if (!Files.isRegularFile(file)) {
      throw new FlorException("there is no recorded run " + runId + " in " + florDir.getParent()
          + " (no " + file.getFileName() + "); 'flordb runs' lists the runs, and 'flordb unpack' restores"
          + " record files from git");
    }
    RecordedRun r = new RecordedRun(runId, file);
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        RecordFormat.Entry e;
        try {
          e = RecordFormat.parse(line);
        } catch (RuntimeException bad) {
          continue; // a cut last line; the rest is what the run recorded
        }
        if (e.kind().equals("run") && e.value() instanceof Map) {
          r.header = (Map<?, ?>) e.value();
        } else if (e.kind().equals("end")) {
          r.ended = true;
        } else if (e.kind().equals("log")) {
          if (apply.contains(e.name())) r.filled(e);
          if (e.source().equals("forward")) r.check.recordedValue(e.name(), Frame.positionKey(e.ctx()), e.type(), e.value());
        } else if (e.kind().equals("ckpt") && e.ctx().size() == 1 && e.value() instanceof Map
            && ((Map<?, ?>) e.value()).get("state_hash") instanceof String) {
          RecordFormat.Position at = e.ctx().get(0);
          r.check.recordedState(at.loop(), at.index(), Long.parseUnsignedLong((String) ((Map<?, ?>) e.value()).get("state_hash"), 16));
        }
        if (e.kind().equals("arg") && e.ctx().isEmpty()) {
          r.args.putIfAbsent(e.name(), e.value());
        } else if (e.kind().equals("prof") && e.ctx().isEmpty() && e.name().endsWith("::iterations")) {
          String loop = e.name().substring("prof::".length(), e.name().length() - "::iterations".length());
          r.outerIterations.put(loop, ((Number) e.value()).longValue());
        }
      }
    } catch (IOException e) {
      throw new FlorException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!r.ended && r.stillRunning()) {
      throw new FlorException("run " + runId + " is still being recorded (process " + r.header.get("pid")
          + "); replay it once it has finished");
    }
    r.readEarlierReplays(florDir.resolve("records"), apply);
    return r;
  }

  private boolean stillRunning() {
    if (header == null || !(header.get("pid") instanceof Number) || !(header.get("pid_start_ms") instanceof Number)) {
      return false;
    }
    return Liveness.alive(((Number) header.get("pid")).longValue(), ((Number) header.get("pid_start_ms")).longValue(),
        String.valueOf(header.get("host")));
  }

  private void filled(RecordFormat.Entry e) {
    filled.add(e.name() + "@" + Frame.positionKey(e.ctx()));
  }

  /** Whether the run (or an earlier replay) already has a value of {@code name} at this position. */
  public boolean isFilled(String name, String positionKey) {
    return filled.contains(name + "@" + positionKey);
  }

  /** Values earlier replays filled in: replaying again does not store them twice. */
  private void readEarlierReplays(Path records, java.util.Set<String> apply) {
    try (var files = Files.newDirectoryStream(records, runId + ".replay-*" + RecordFormat.SUFFIX)) {
      for (Path f : files) {
        if (!ReplayVerdict.ingestible(f)) continue; // a replay that diverged, failed or was cut short filled in nothing
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          for (String line; (line = in.readLine()) != null; ) {
            if (!line.contains("\"kind\":\"log\"")) continue;
            try {
              RecordFormat.Entry e = RecordFormat.parse(line);
              if (apply.contains(e.name())) filled(e);
            } catch (RuntimeException cut) {
              // a replay cut short: the complete lines count
            }
          }
        }
      }
    } catch (IOException e) {
      throw new FlorException("cannot read earlier replays in " + records + ": " + e.getMessage(), e);
    }
  }

  /** The text of the first value of {@code name} the run recorded at a position, or null: for messages. */
  public String recordedText(String name, String positionKey) {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.contains("\"kind\":\"log\"")) continue;
        try {
          RecordFormat.Entry e = RecordFormat.parse(line);
          if (e.name().equals(name) && e.source().equals("forward") && Frame.positionKey(e.ctx()).equals(positionKey)) {
            return RecordWriter.valueText(e.type(), e.value());
          }
        } catch (RuntimeException cut) {
          // a cut line
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /** The recorded value of an arg, as the type of the program's default, or null if the run had none. */
  public static Object asTypeOf(Object recorded, Object defaultValue) {
    if (recorded == null || defaultValue == null) return recorded;
    if (defaultValue instanceof Integer && recorded instanceof Number) return ((Number) recorded).intValue();
    if (defaultValue instanceof Long && recorded instanceof Number) return ((Number) recorded).longValue();
    if (defaultValue instanceof Double && recorded instanceof Number) return ((Number) recorded).doubleValue();
    if (defaultValue instanceof Float && recorded instanceof Number) return ((Number) recorded).floatValue();
    if (defaultValue instanceof String) return recorded.toString();
    return recorded;
  }
}
