package dev.flordb.replay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a recorded run's program lives in the repository and how replay runs an old version of
 * it, read from how the run was launched:
 *
 * <ul>
 *   <li>{@link Kind#SOURCE}: a single file run by Java's source launcher ({@code java Train.java});
 *       the patched old file is run the same way.
 *   <li>{@link Kind#CLASSES}: a compiled program whose class path holds the project's own class
 *       directories; each maps to its source root by the Maven layout ({@code target/classes} from
 *       {@code src/main/java}, {@code target/test-classes} from {@code src/test/java}) or the
 *       Gradle one ({@code build/classes/java/main} from {@code src/main/java}). The patched old
 *       sources are compiled into a fresh directory, which takes the class directories' place.
 *   <li>{@link Kind#CUSTOM}: anything else (a jar, another layout), or any program when the
 *       project's {@code flordb.properties} names the build and launch commands ({@link
 *       ReplaySettings}).
 * </ul>
 *
 * @param sourceFile the repository-relative path of the main source file, or null if unknown
 * @param sourceRoots repository-relative source roots, in class-path order (CLASSES)
 * @param resourceRoots repository-relative resource roots that exist beside them (CLASSES)
 * @param classDirs the class-path entries that {@code sourceRoots} compile to (CLASSES)
 * @param reason for CUSTOM without settings: why the program could not be placed
 */
public record ProgramLayout(Kind kind, String sourceFile, List<String> sourceRoots, List<String> resourceRoots,
    List<String> classDirs, String reason) {

  enum Kind { SOURCE, CLASSES, CUSTOM }

  private static final String[][] LAYOUTS = {
    // class directory suffix, source root, resource root (relative to the module)
    {"target/classes", "src/main/java", "src/main/resources"},
    {"target/test-classes", "src/test/java", "src/test/resources"},
    {"build/classes/java/main", "src/main/java", "build/resources/main"},
    {"build/classes/java/test", "src/test/java", "build/resources/test"},
  };

  /** The layout of a run's program, given the repository's work tree and its files at that version. */
  static ProgramLayout of(PastRun run, Path workTree, Map<String, ?> filesAtVersion, boolean customSettings) {
    String mode = run.launchString("mode");
    String main = run.launchString("main");
    Path cwd = run.directory(workTree);
    if (customSettings) return custom(null);
    if ("source".equals(mode) && main != null) {
      String rel = relative(workTree, run.inThisClone(cwd.resolve(main), workTree));
      if (rel == null) return custom("its source file " + main + " lies outside the repository");
      if (!filesAtVersion.containsKey(rel)) return custom(rel + " is not in the run's snapshot");
      return new ProgramLayout(Kind.SOURCE, rel, List.of(), List.of(), List.of(), null);
    }
    if ("class".equals(mode) && main != null) {
      List<String> roots = new ArrayList<>();
      List<String> resources = new ArrayList<>();
      List<String> classDirs = new ArrayList<>();
      for (String entry : classPath(run)) {
        String rel = relative(workTree, cwd.resolve(entry));
        if (rel == null) continue; // a dependency outside the project
        for (String[] l : LAYOUTS) {
          if (!rel.equals(l[0]) && !rel.endsWith("/" + l[0])) continue;
          String module = rel.substring(0, rel.length() - l[0].length());
          roots.add(module + l[1]);
          if (hasFilesUnder(filesAtVersion, module + l[2])) resources.add(module + l[2]);
          classDirs.add(entry);
        }
      }
      if (roots.isEmpty()) {
        return custom("none of its class path lies in the repository's Maven or Gradle class directories");
      }
      String mainFile = main.replace('.', '/') + ".java";
      String source = roots.stream().map(r -> r + "/" + mainFile).filter(filesAtVersion::containsKey)
          .findFirst().orElse(null);
      return new ProgramLayout(Kind.CLASSES, source, roots, resources, classDirs, null);
    }
    return custom("it was launched as " + (mode == null ? "an unknown kind of program" : mode + " " + main));
  }

  private static ProgramLayout custom(String reason) {
    return new ProgramLayout(Kind.CUSTOM, null, List.of(), List.of(), List.of(), reason);
  }

  static List<String> classPath(PastRun run) {
    String cp = run.launchString("class_path");
    List<String> out = new ArrayList<>();
    if (cp != null) for (String e : cp.split(java.io.File.pathSeparator)) if (!e.isEmpty()) out.add(e);
    return out;
  }

  /** Whether a repository-relative path is one of this program's sources. */
  boolean ownsSource(String path) {
    if (!path.endsWith(".java")) return false;
    if (kind == Kind.SOURCE) return path.equals(sourceFile);
    if (kind == Kind.CLASSES) return sourceRoots.stream().anyMatch(r -> path.startsWith(r + "/"));
    return true;
  }

  private static boolean hasFilesUnder(Map<String, ?> files, String dir) {
    return files.keySet().stream().anyMatch(p -> p.startsWith(dir + "/"));
  }

  /** The repository-relative form of a path, or null when it lies outside the work tree. */
  static String relative(Path workTree, Path p) {
    Path abs = p.toAbsolutePath().normalize();
    Path root = workTree.toAbsolutePath().normalize();
    if (!abs.startsWith(root)) {
      try { // the work tree may have been reached through a symbolic link
        abs = abs.toRealPath();
        root = root.toRealPath();
      } catch (java.io.IOException e) {
        return null;
      }
      if (!abs.startsWith(root)) return null;
    }
    return root.relativize(abs).toString().replace('\\', '/');
  }
}
