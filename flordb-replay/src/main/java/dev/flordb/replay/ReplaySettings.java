package dev.flordb.replay;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The project's own build and launch commands for replaying old versions, for programs that are
 * neither a single source file nor a Maven- or Gradle-layout class directory (a jar, a build with
 * generated sources, ...). Read from {@code flordb.properties} at the repository root:
 *
 * <pre>
 * # run in the directory that holds the old version (optional)
 * replay.build = mvn -q -o -DskipTests package
 * # the program, without its arguments; {tree} is that directory
 * replay.launch = java -cp {tree}/target/app.jar com.example.Train
 * </pre>
 *
 * The launch runs in the directory the original run was started in, with the run's recorded
 * arguments and the replay flags appended. Words are split on spaces; no shell is involved in the
 * launch (the build runs through {@code sh -c}).
 */
public record ReplaySettings(String build, String launch) {
  static final String FILE = "flordb.properties";

  /** The settings in the work tree, or null when the project has none. */
  static ReplaySettings read(Path workTree) {
    Path file = workTree.resolve(FILE);
    if (!Files.isRegularFile(file)) return null;
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    String launch = p.getProperty("replay.launch");
    if (launch == null && p.getProperty("replay.build") == null) return null; // the file sets other things (snapshot.*)
    if (launch == null || launch.isBlank()) {
      throw new IllegalArgumentException(file + " sets no replay.launch; for example"
          + " replay.launch = java -cp {tree}/target/app.jar com.example.Train");
    }
    String build = p.getProperty("replay.build");
    return new ReplaySettings(build == null || build.isBlank() ? null : build.trim(), launch.trim());
  }

  List<String> launchCommand(Path tree) {
    List<String> words = new ArrayList<>();
    for (String w : launch.split("\\s+")) words.add(w.replace("{tree}", tree.toString()));
    return words;
  }
}
