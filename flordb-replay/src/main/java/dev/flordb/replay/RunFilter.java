package dev.flordb.replay;

import dev.flordb.Table;
import dev.flordb.internal.store.Store;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --where}: a condition over each run's values, such as {@code lr > 0.001 and epochs >= 5},
 * evaluated by the store's database over one row per run (SQLite, or PostgreSQL for a shared store,
 * where a name whose values are all numbers compares as a number, and one whose values are all
 * booleans as a boolean, as in SQLite). A name stands for the run's arg of that name, else the
 * last value it logged under that name outside any loop, else its last value anywhere. The
 * condition is SQL (and, or, not, comparisons, between, in, like, is null); it runs on the store's
 * read-only connection, so it can only read.
 */
public final class RunFilter {
  private static final Pattern TOKEN = Pattern.compile("'(?:[^']|'')*'|\"[^\"]*\"|[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> SQL_WORDS = Set.of("and", "or", "not", "in", "is", "null", "like", "glob",
      "between", "true", "false", "escape", "collate", "nocase", "case", "when", "then", "else", "end", "cast",
      "as", "integer", "real", "text", "abs", "round", "lower", "upper", "length", "coalesce", "ifnull", "min",
      "max", "exists", "distinct", "select", "from", "where");

  private RunFilter() {}

  /** The ids of the runs that satisfy {@code condition}. */
  public static Set<String> matching(Store store, String condition) {
    Set<String> names = new LinkedHashSet<>();
    StringBuilder rewritten = new StringBuilder();
    Matcher m = TOKEN.matcher(condition);
    int at = 0;
    while (m.find()) {
      String token = m.group();
      rewritten.append(condition, at, m.start());
      boolean word = Character.isLetter(token.charAt(0)) || token.charAt(0) == '_';
      boolean call = word && condition.substring(m.end()).stripLeading().startsWith("(");
      if (word && !call && !SQL_WORDS.contains(token.toLowerCase(Locale.ROOT))) {
        names.add(token);
        rewritten.append('"').append(token).append('"');
      } else {
        rewritten.append(token);
      }
      at = m.end();
    }
    rewritten.append(condition.substring(at));
    if (names.isEmpty()) {
      throw new IllegalArgumentException("--where '" + condition + "' names no value; for example --where \"lr > 0.001\"");
    }
    Set<String> known = new LinkedHashSet<>();
    Set<String> notNumbers = new LinkedHashSet<>();
    Set<String> notBooleans = new LinkedHashSet<>();
    for (Table.Row r : store.query("SELECT DISTINCT name, type FROM logs WHERE kind IN ('arg', 'log') AND name IN ("
        + String.join(", ", names.stream().map(RunFilter::quote).toList()) + ")")) {
      String name = r.getString("name");
      String type = r.getString("type");
      known.add(name);
      if (!type.equals("int") && !type.equals("float")) notNumbers.add(name);
      if (!type.equals("bool")) notBooleans.add(name);
    }
    // a shared store keeps values as text (SQLite compares its typed values as they are)
    boolean text = store.readsShared();
    Set<String> unknown = new LinkedHashSet<>(names);
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("--where names " + unknown + ", which no run has logged; 'flordb query"
          + " \"SELECT DISTINCT name FROM logs\"' lists the names");
    }
    StringBuilder sql = new StringBuilder("SELECT run_id FROM (SELECT r.run_id");
    for (String n : names) {
      // as text, a shared store's numbers and booleans would compare as text, or not at all
      String cast = !text ? null : !notNumbers.contains(n) ? "DOUBLE PRECISION" : !notBooleans.contains(n) ? "BOOLEAN" : null;
      sql.append(cast != null ? ", CAST(" : ", ").append("(SELECT l.value FROM logs l WHERE l.rid = r.rid AND l.name = ")
          .append(quote(n)).append(" AND l.kind IN ('arg', 'log') ORDER BY l.kind = 'arg' DESC, l.ctx = 0 DESC, l.seq DESC LIMIT 1)")
          .append(cast != null ? " AS " + cast + ")" : "").append(" AS \"").append(n).append('"');
    }
    sql.append(" FROM runs r) AS per_run WHERE ").append(rewritten);
    Set<String> out = new LinkedHashSet<>();
    Table result;
    try {
      result = store.query(sql.toString());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--where '" + condition + "' is not a condition " + (text ? "PostgreSQL" : "SQLite")
          + " understands ("
          + e.getMessage() + "); for example --where \"lr > 0.001 and epochs >= 5\"", e);
    }
    for (Table.Row r : result) out.add(r.getString("run_id"));
    return out;
  }

  static String quote(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}
