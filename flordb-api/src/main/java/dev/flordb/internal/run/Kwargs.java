package dev.flordb.internal.run;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code --kwargs name=value ...} part of a program's command line, as in FlorDB: every
 * token after {@code --kwargs} up to the next {@code --option} is one pair.
 */
public final class Kwargs {
  private final Map<String, String> pairs;

  private Kwargs(Map<String, String> pairs) {
    this.pairs = pairs;
  }

  public static Kwargs none() {
    return new Kwargs(Collections.emptyMap());
  }

  /** Parses the program's arguments; throws {@link IllegalArgumentException} on a malformed pair. */
  public static Kwargs parse(List<String> args) {
    Map<String, String> out = new LinkedHashMap<>();
    boolean inside = false;
    for (String a : args) {
      if (a.equals("--kwargs")) {
        inside = true;
        continue;
      }
      if (!inside) continue;
      if (a.startsWith("--")) {
        inside = false;
        continue;
      }
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--kwargs takes name=value pairs, but got '" + a
            + "'. Example: --kwargs lr=0.01 epochs=5");
      }
      String name = a.substring(0, eq).trim();
      if (a.startsWith("=", eq + 1)) {
        throw new IllegalArgumentException("--kwargs " + a + ": the value of '" + name + "' starts with '='; write "
            + name + "=" + a.substring(eq + 2) + " (one '=' between the name and the value)");
      }
      if (out.containsKey(name)) {
        throw new IllegalArgumentException("--kwargs sets '" + name + "' twice ('" + out.get(name)
            + "' and '" + a.substring(eq + 1) + "'); keep one of them");
      }
      out.put(name, a.substring(eq + 1));
    }
    return new Kwargs(out);
  }

  public Optional<String> get(String name) {
    return Optional.ofNullable(pairs.get(name));
  }

  public Map<String, String> all() {
    return Collections.unmodifiableMap(pairs);
  }

  /** Rejects defaults of a type that the command line cannot be cast to. */
  public static void checkDefaultType(String name, Object defaultValue) {
    if (defaultValue == null || defaultValue instanceof String || defaultValue instanceof Integer
        || defaultValue instanceof Long || defaultValue instanceof Double || defaultValue instanceof Float
        || defaultValue instanceof Boolean) {
      return;
    }
    throw new IllegalArgumentException("Flor.arg(\"" + name + "\", ...) has a default of type "
        + defaultValue.getClass().getName() + "; use an Integer, Long, Double, Float, Boolean or"
        + " String default");
  }

  /** Casts a command-line string to the type of an arg's default value. */
  @SuppressWarnings("unchecked")
  public static <T> T cast(String name, String text, T defaultValue) {
    if (defaultValue == null || defaultValue instanceof String) return (T) text;
    String t = text.trim();
    try {
      if (defaultValue instanceof Integer) return (T) Integer.valueOf(t);
      if (defaultValue instanceof Long) return (T) Long.valueOf(t);
      if (defaultValue instanceof Double) return (T) finite(name, text, Double.valueOf(t), t);
      if (defaultValue instanceof Float) {
        Float f = Float.valueOf(t);
        finite(name, text, (double) f, t);
        return (T) f;
      }
    } catch (NumberFormatException e) {
      throw badValue(name, text, defaultValue);
    }
    if (defaultValue instanceof Boolean) {
      switch (t.toLowerCase(Locale.ROOT)) {
        case "true": case "1": case "yes": return (T) Boolean.TRUE;
        case "false": case "0": case "no": return (T) Boolean.FALSE;
        default: throw badValue(name, text, defaultValue);
      }
    }
    checkDefaultType(name, defaultValue);
    throw new AssertionError(defaultValue);
  }

  /** A number too large for its type reads as Infinity: refused, unless the text says infinity. */
  private static Double finite(String name, String text, Double value, String t) {
    if (value.isInfinite() && !t.toLowerCase(Locale.ROOT).contains("inf")) {
      throw new IllegalArgumentException("--kwargs " + name + "=" + text + ": " + t + " is beyond the range of the"
          + " arg's type (a double reaches about 1.8e308); pass a smaller value, or Infinity if that is what you mean");
    }
    return value;
  }

  private static IllegalArgumentException badValue(String name, String text, Object defaultValue) {
    String type = defaultValue.getClass().getSimpleName();
    return new IllegalArgumentException("--kwargs " + name + "=" + text + ": '" + text + "' is not a"
        + (type.startsWith("I") ? "n " : " ") + type + ", which the default of Flor.arg(\"" + name
        + "\", " + defaultValue + ") asks for. Pass for example --kwargs " + name + "=" + defaultValue);
  }

  @Override
  public String toString() {
    return Arrays.toString(pairs.entrySet().toArray());
  }
}
