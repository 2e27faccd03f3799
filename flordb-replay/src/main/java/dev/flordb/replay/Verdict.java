package dev.flordb.replay;

import dev.flordb.internal.records.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a replayed program says of itself when it ends, in the file that {@code
 * FLOR_REPLAY_VERDICT} names (the same JSON ends its record file, as a record of kind {@code
 * verdict}):
 *
 * <pre>{@code
 * {"run": "...", "status": "verified" | "diverged", "level": "outer", "from_start": false,
 *  "stored": 12, "checked": 340, "states_checked": 5,
 *  "record_file": ".flor/records/RUN.replay-STAMP.jsonl",      (relative to the work tree)
 *  "divergences": [{"kind": "value" | "state" | "shape", "name": "loss" (or null),
 *                   "position": "epoch=3, step=2" (or ""), "recorded": "0.25", "replayed": "0.5",
 *                   "message": "a sentence"}],
 *  "never_logged": ["names applied but never executed"]}
 * }</pre>
 *
 * The program's exit code goes with it: 0 verified, 3 diverged (the values of that attempt are
 * not shown), anything else failed. Counts it does not give are null.
 */
public record Verdict(String status, String level, Boolean fromStart, Long stored, Long checked, Long statesChecked,
    String recordFile, List<Divergence> divergences, List<String> neverLogged) {

  /** One place where the replay did not reproduce what the run recorded. */
  record Divergence(String kind, String name, String position, String recorded, String replayed, String message) {
    /** One line for the console: the statement, where, recorded against replayed, and why. */
    String describe() {
      StringBuilder s = new StringBuilder();
      s.append(name == null ? (kind == null ? "the replay" : kind) : "\"" + name + "\"");
      if (position != null && !position.isEmpty()) s.append(" at ").append(position);
      if (recorded != null || replayed != null) {
        s.append(": recorded ").append(recorded).append(", replayed ").append(replayed);
      }
      if (message != null && !message.isEmpty()) s.append(" (").append(message).append(")");
      return s.toString();
    }
  }

  /** The verdict in {@code file}, or null when the program wrote none (or an unreadable one, which counts as none). */
  static Verdict read(Path file) {
    if (!Files.isRegularFile(file)) return null;
    Object o;
    try {
      o = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return null;
    }
    if (!(o instanceof Map)) return null;
    Map<?, ?> m = (Map<?, ?>) o;
    List<Divergence> divergences = new ArrayList<>();
    if (m.get("divergences") instanceof List) {
      for (Object d : (List<?>) m.get("divergences")) {
        if (!(d instanceof Map)) continue;
        Map<?, ?> dm = (Map<?, ?>) d;
        divergences.add(new Divergence(str(dm.get("kind")), str(dm.get("name")), str(dm.get("position")),
            str(dm.get("recorded")), str(dm.get("replayed")), str(dm.get("message"))));
      }
    }
    List<String> never = new ArrayList<>();
    if (m.get("never_logged") instanceof List) for (Object n : (List<?>) m.get("never_logged")) never.add(String.valueOf(n));
    return new Verdict(str(m.get("status")), str(m.get("level")),
        m.get("from_start") instanceof Boolean ? (Boolean) m.get("from_start") : null, num(m.get("stored")),
        num(m.get("checked")), num(m.get("states_checked")), str(m.get("record_file")), divergences, never);
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  private static Long num(Object o) {
    return o instanceof Number ? ((Number) o).longValue() : null;
  }
}
