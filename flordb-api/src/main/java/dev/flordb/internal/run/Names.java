package dev.flordb.internal.run;

import dev.flordb.internal.records.Json;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The rules for names of logged values, args and loops, checked once per distinct name. */
public final class Names {
  static final int MAX_LENGTH = 200;
  /** Columns every dataframe has; a value of that name would be hidden by them. */
  static final Set<String> RESERVED = Set.of("projid", "tstamp", "filename", "source", "run_id");

  private final Set<String> checked = ConcurrentHashMap.newKeySet();
  /** The name checked last: a loop logs the same few names, mostly the same String. Racy, and benign: names are immutable. */
  private String last;

  void check(String what, String name) {
    // small enough for the first compiler to inline at every log: a run's first loop runs on its code
    if (name != last || name == null) checkAgain(what, name);
  }

  private void checkAgain(String what, String name) {
    if (name != null && checked.contains(name)) {
      last = name;
      return;
    }
    String problem = problem(name);
    if (problem != null) {
      throw new IllegalArgumentException(what + " name " + shown(name) + " " + problem
          + ". Use a short name for the column you want, for example Flor.log(\"loss\", loss).");
    }
    checked.add(name);
    last = name;
  }

  static String problem(String name) {
    if (name == null) return "is null";
    if (name.isBlank()) return "is empty";
    if (name.length() > MAX_LENGTH) return "is " + name.length() + " characters long (at most " + MAX_LENGTH + ")";
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) return "contains a control character at position " + i;
    }
    if (name.contains("::")) return "contains '::', which is kept for FlorDB's own values (io::, prof::)";
    if (!name.equals(name.strip())) return "starts or ends with white space";
    if (RESERVED.contains(name)) return "is the name of a column every dataframe has (" + RESERVED + ")";
    return null;
  }

  private static String shown(String name) {
    if (name == null) return "null";
    String s = name.length() > 40 ? name.substring(0, 40) + "..." : name;
    StringBuilder sb = new StringBuilder();
    Json.writeString(sb, s); // escapes control characters, so the message shows what was passed
    return sb.toString();
  }
}
