package dev.flordb.internal.run;

import dev.flordb.internal.records.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The run's args ({@link dev.flordb.Flor#arg}): each name's value, fixed by its first read (from
 * {@code --kwargs}, else the default; in a replay the recorded run's, which {@link Replay#arg}
 * finds), the {@code --kwargs} the program never read, and the args as the snapshot commit's
 * message shows them.
 */
final class Args {
  /** What {@link #seen} returns for a name not read yet. */
  static final Object NONE = new Object();

  private final Kwargs kwargs;
  /** Guarded by itself. */
  private final Map<String, Object> values = new LinkedHashMap<>();
  /** Args the program asked for, including those whose --kwargs value it refused. */
  private final Set<String> read = ConcurrentHashMap.newKeySet();

  Args(Kwargs kwargs) {
    this.kwargs = kwargs;
  }

  Map<String, String> kwargs() {
    return kwargs.all();
  }

  /** The value {@code name} has had since it was first read, or {@link #NONE}. */
  Object seen(String name) {
    synchronized (values) {
      return values.containsKey(name) ? values.get(name) : NONE;
    }
  }

  /** A forward run's value: from {@code --kwargs}, else the default; kept. */
  <T> T given(String name, T defaultValue) {
    T value;
    var given = kwargs.get(name);
    if (given.isPresent()) {
      read.add(name); // read, even if its value is refused below
      value = Kwargs.cast(name, given.get(), defaultValue);
    } else if (defaultValue == null) {
      throw new IllegalArgumentException("Flor.arg(\"" + name + "\", null) has no default and no value"
          + " on the command line: pass one with --kwargs " + name + "=VALUE, or give a default.");
    } else {
      value = defaultValue;
    }
    return keep(name, value);
  }

  /** Keeps {@code value} as {@code name}'s from now on. */
  <T> T keep(String name, T value) {
    synchronized (values) {
      values.put(name, value);
    }
    return value;
  }

  /** The snapshot commit's lines for the args: "args: lr=0.1", then the trailers. */
  void describe(StringBuilder msg, String runId) {
    synchronized (values) {
      if (!values.isEmpty()) {
        msg.append("args:");
        values.forEach((k, v) -> msg.append(' ').append(k).append('=').append(v));
        msg.append('\n');
      }
      msg.append("\nFlor-Run: ").append(runId).append('\n');
      msg.append("Flor-Args: ").append(Json.write(values)).append('\n');
    }
  }

  /** What to say of {@code --kwargs} the program never read with Flor.arg, or null. */
  String unusedKwargs() {
    List<String> unknown = new ArrayList<>();
    synchronized (values) {
      for (String k : kwargs.all().keySet()) if (!values.containsKey(k) && !read.contains(k)) unknown.add(k);
      if (unknown.isEmpty()) return null;
      return "--kwargs named " + unknown + ", which the program never read with Flor.arg"
          + (values.isEmpty() ? "" : " (it read " + values.keySet() + ")")
          + ": check the spelling; those values were not used.";
    }
  }
}
