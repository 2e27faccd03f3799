package dev.flordb.internal.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How this JVM was launched: the program's file name (the source file for Java's source launcher,
 * else the main class or jar), its arguments, and what a later replay needs to launch it again.
 *
 * <p>A run's {@code filename} is the program's path relative to the repository's root, with
 * {@code /} between directories ({@code train/Regress.java}), once {@link #inWorkTree} has placed
 * it; a source file or jar outside the repository keeps its file name, and the launch details
 * (the run header's {@code launch}) say where it was: {@code "outside_repository": "/abs/path"}. A
 * compiled program's filename is its main class.
 */
public final class Launch {
  private static final String SOURCE_LAUNCHER = "com.sun.tools.javac.launcher.Main";

  public final String filename;
  /** The program's own arguments (after the main class, jar or source file). */
  public final List<String> programArgs;
  public final Map<String, Object> details;

  private Launch(String filename, List<String> programArgs, Map<String, Object> details) {
    this.filename = filename;
    this.programArgs = programArgs;
    this.details = details;
  }

  public static Launch ofThisJvm() {
    String command = System.getProperty("sun.java.command", "");
    String[] words = command.trim().isEmpty() ? new String[0] : command.trim().split(" ");
    String main = words.length == 0 ? "unknown" : words[0];
    String sourceFile = System.getProperty("jdk.launcher.sourcefile");
    String mainToken = main;
    if (main.endsWith(SOURCE_LAUNCHER) && words.length > 1) {
      mainToken = words[1];
      if (sourceFile == null) sourceFile = words[1];
    }
    String filename;
    if (sourceFile != null) {
      filename = Path.of(sourceFile).getFileName().toString();
    } else if (main.endsWith(".jar")) {
      filename = Path.of(main).getFileName().toString();
    } else {
      filename = main;
    }

    // The exact argument vector (spaces kept) where the platform gives it, else sun.java.command.
    List<String> all = ProcessHandle.current().info().arguments().map(Arrays::asList).orElse(null);
    List<String> args = new ArrayList<>();
    List<String> jvmOptions = new ArrayList<>();
    if (all != null) {
      int at = all.indexOf(mainToken);
      if (at < 0) at = indexOfSuffix(all, mainToken);
      if (at >= 0) {
        args.addAll(all.subList(at + 1, all.size()));
        jvmOptions.addAll(all.subList(0, at));
        if (main.endsWith(".jar") && !jvmOptions.isEmpty()) jvmOptions.remove(jvmOptions.size() - 1); // -jar
      }
    } else if (words.length > 1) {
      int from = mainToken.equals(main) ? 1 : 2;
      args.addAll(Arrays.asList(words).subList(Math.min(from, words.length), words.length));
    }

    Map<String, Object> d = new LinkedHashMap<>();
    d.put("java", ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
    d.put("java_version", System.getProperty("java.version"));
    d.put("jvm_options", jvmOptions);
    d.put("class_path", System.getProperty("java.class.path", ""));
    // A program compiled ahead by replay runs as a class, with jdk.launcher.sourcefile naming its
    // source as under the launcher: it is relaunched as a class (the launcher refuses a source
    // file whose class is on the class path), and its source is still known.
    boolean viaLauncher = main.endsWith(SOURCE_LAUNCHER);
    d.put("main", viaLauncher && sourceFile != null ? sourceFile : main);
    d.put("mode", viaLauncher ? "source" : main.endsWith(".jar") ? "jar" : "class");
    if (sourceFile != null) d.put("source_file", sourceFile);
    d.put("args", args);
    d.put("cwd", System.getProperty("user.dir"));
    return new Launch(filename, args, d);
  }

  /** For a session that tests or embedders build directly. */
  public static Launch of(String filename, List<String> args) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("main", filename);
    d.put("mode", "embedded");
    d.put("args", args);
    return new Launch(filename, args, d);
  }

  /**
   * The same launch with the filename made relative to the repository's work tree, for a program
   * run from a source file or a jar; one outside the work tree keeps its file name, and the details
   * say where it is ({@code outside_repository}).
   */
  public Launch inWorkTree(Path workTree) {
    Object mode = details.get("mode");
    Object file = "source".equals(mode) ? details.get("source_file") : "jar".equals(mode) ? details.get("main") : null;
    if (file == null) return this;
    Path abs = Path.of(workingDirectory()).resolve(file.toString()).toAbsolutePath().normalize();
    String relative = relative(workTree, abs);
    Map<String, Object> d = new LinkedHashMap<>(details);
    if (relative == null) {
      d.put("outside_repository", abs.toString());
      return new Launch(abs.getFileName().toString(), programArgs, d);
    }
    return new Launch(relative, programArgs, d);
  }

  /** The path of {@code abs} inside {@code workTree}, with '/' separators, or null if it lies outside. */
  static String relative(Path workTree, Path abs) {
    Path root = workTree.toAbsolutePath().normalize();
    Path p = abs;
    if (!p.startsWith(root)) {
      try { // either may have been reached through a symbolic link
        p = p.toRealPath();
        root = root.toRealPath();
      } catch (java.io.IOException e) {
        return null;
      }
      if (!p.startsWith(root)) return null;
    }
    if (p.equals(root)) return null;
    StringBuilder sb = new StringBuilder();
    for (Path part : root.relativize(p)) sb.append(sb.length() == 0 ? "" : "/").append(part);
    return sb.toString();
  }

  /** The same launch with the arguments the program handed over itself (they are exact). */
  public Launch withProgramArgs(String[] args) {
    Map<String, Object> d = new LinkedHashMap<>(details);
    d.put("args", List.of(args));
    return new Launch(filename, List.of(args), d);
  }

  /**
   * The command that runs this program again with other arguments (for a replay's segments), or
   * null when it was not launched from a command line (a session built in a test).
   */
  public List<String> relaunch(List<String> args) {
    Object mode = details.get("mode");
    Object main = details.get("main");
    if (main == null || details.get("java") == null || "embedded".equals(mode)) return null;
    List<String> cmd = new ArrayList<>();
    cmd.add(details.get("java").toString());
    for (Object o : (List<?>) details.getOrDefault("jvm_options", List.of())) cmd.add(o.toString());
    String cp = String.valueOf(details.getOrDefault("class_path", ""));
    boolean hasCp = cmd.contains("-cp") || cmd.contains("-classpath") || cmd.contains("--class-path");
    if (!hasCp && !cp.isEmpty() && !"jar".equals(mode)) cmd.addAll(List.of("-cp", cp));
    if ("jar".equals(mode)) cmd.add("-jar");
    cmd.add(main.toString());
    cmd.addAll(args);
    return cmd;
  }

  /** The working directory the program was started in. */
  public String workingDirectory() {
    return String.valueOf(details.getOrDefault("cwd", System.getProperty("user.dir")));
  }

  /** Whether progress bars may be drawn: a terminal, and not a CI log. */
  public static boolean interactiveTerminal() {
    return Console.detectInteractive();
  }

  private static int indexOfSuffix(List<String> all, String token) {
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).endsWith("/" + token) || token.endsWith("/" + all.get(i))) return i;
    }
    return -1;
  }

  /** Milliseconds since the epoch when this JVM started. */
  public static long jvmStartMillis() {
    // ProcessHandle rather than the management beans, which take tens of milliseconds to load.
    // Without a start instant, now: this is read before any session (and its ticker) exists.
    return ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli)
        .orElseGet(System::currentTimeMillis);
  }
}
