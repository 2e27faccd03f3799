package dev.flordb.internal;

import dev.flordb.FlorException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Finds where the applied statements sit from the program's syntax tree, through the CLI's
 * JavaParser-based analysis ({@code dev.flordb.cli.replay.LoopLevels}) when it is on the class
 * path (it is in the self-contained jar), so that the API artifact itself needs no parser.
 */
final class ReplayLevels {
  private static final String ANALYSIS = "dev.flordb.cli.replay.LoopLevels";

  private ReplayLevels() {}

  static ReplayOptions.Level find(Launch launch, Set<String> apply) {
    Object main = launch.details.get("source_file");
    if (main == null) {
      throw new IllegalArgumentException("replay needs to know where " + apply + " sit in the program's loops;"
          + " for a compiled program pass --level outside|outer|nested (flordb replay finds it for you)");
    }
    Path source = Path.of(main.toString());
    try {
      Class<?> c = Class.forName(ANALYSIS);
      Method analyze = c.getMethod("analyze", Path.class, List.class);
      Object result = analyze.invoke(null, source, new ArrayList<>(apply));
      List<?> statements = (List<?>) result.getClass().getMethod("statements").invoke(result);
      ReplayOptions.Level deepest = ReplayOptions.Level.OUTSIDE;
      for (Object st : statements) {
        String level = st.getClass().getMethod("level").invoke(st).toString();
        ReplayOptions.Level l;
        switch (level) {
          case "OUTSIDE_LOOPS": l = ReplayOptions.Level.OUTSIDE; break;
          case "OUTER_BODY": l = ReplayOptions.Level.OUTER; break;
          case "NESTED": l = ReplayOptions.Level.NESTED; break;
          default:
            Object reason = st.getClass().getMethod("reason").invoke(st);
            throw new IllegalArgumentException("cannot tell where \"" + st.getClass().getMethod("name").invoke(st)
                + "\" sits in " + source.getFileName() + " (" + reason + "); pass --level outside|outer|nested");
        }
        if (l.compareTo(deepest) > 0) deepest = l;
      }
      return deepest;
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("pass --level outside|outer|nested: the syntax-tree analysis is not on"
          + " the class path (it is in flordb-all.jar: java -cp \"$(./flordb classpath)\" ...)");
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalArgumentException) throw (IllegalArgumentException) cause;
      throw new FlorException("cannot analyse " + source + ": " + cause, cause);
    } catch (ReflectiveOperationException e) {
      throw new FlorException("cannot analyse " + source + ": " + e, e);
    }
  }
}
