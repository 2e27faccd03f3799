package dev.flordb.internal.git;

import dev.flordb.FlorException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * What a run's snapshot leaves out of the working tree, besides what git ignores. Read from
 * {@code flordb.properties} at the repository's root:
 *
 * <pre>
 * # globs, comma-separated, added to the defaults below; a glob without '/' matches a file's
 * # name in any directory, one with '/' the path from the repository's root
 * snapshot.exclude = *.csv, data/**
 * # false: only the globs above (the defaults are not applied)
 * snapshot.exclude.defaults = true
 * # files larger than this (MiB) whose content git does not hold yet are left out
 * snapshot.max_file_mb = 10
 * </pre>
 *
 * <p>The default globs, {@link #DEFAULT_EXCLUDES}, name files that usually hold secrets: {@code
 * .env} files, private keys and certificates' key stores, {@code .netrc}, credential files. They
 * apply to untracked files only: a file that is tracked is in the user's history already, and a
 * replay of the version needs it.
 */
public final class SnapshotRules {
  static final String FILE = "flordb.properties";
  /** Untracked files that look like they hold secrets, by name. */
  static final List<String> DEFAULT_EXCLUDES = List.of(
      ".env", ".env.*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
      "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", "_netrc", ".pgpass", "credentials*",
      "*.secret", "secrets.*");
  /** Files this large are data, which belongs in .gitignore: a source file is rarely over 1 MiB. */
  static final long DEFAULT_MAX_FILE_BYTES = 10L << 20;

  private final List<String> globs;
  private final List<PathMatcher> byName = new ArrayList<>();
  private final List<PathMatcher> byPath = new ArrayList<>();
  final long maxFileBytes;

  SnapshotRules(List<String> globs, long maxFileBytes) {
    this.globs = List.copyOf(globs);
    this.maxFileBytes = maxFileBytes;
    for (String g : globs) {
      try {
        (g.contains("/") ? byPath : byName).add(FileSystems.getDefault().getPathMatcher("glob:" + g));
      } catch (IllegalArgumentException e) {
        throw new FlorException(FILE + ": snapshot.exclude glob \"" + g + "\" is not a glob (" + e.getMessage()
            + "); for example: snapshot.exclude = *.csv, data/**", e);
      }
    }
  }

  /** The work tree's {@code flordb.properties} (snapshot rules, replay commands, the shared store), or none. */
  public static Properties properties(Path workTree) {
    Path file = workTree.resolve(FILE);
    Properties p = new Properties();
    if (Files.isRegularFile(file)) {
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(in);
      } catch (IOException | IllegalArgumentException e) {
        throw new FlorException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    return p;
  }

  /** The rules of the work tree: its {@code flordb.properties}, else the defaults. */
  static SnapshotRules read(Path workTree) {
    Path file = workTree.resolve(FILE);
    Properties p = properties(workTree);
    List<String> globs = new ArrayList<>();
    String defaults = p.getProperty("snapshot.exclude.defaults", "true").trim();
    if (!defaults.equals("true") && !defaults.equals("false")) {
      throw new FlorException(file + ": snapshot.exclude.defaults is \"" + defaults + "\"; it must be true or false");
    }
    if (defaults.equals("true")) globs.addAll(DEFAULT_EXCLUDES);
    for (String g : p.getProperty("snapshot.exclude", "").split(",")) if (!g.isBlank()) globs.add(g.trim());
    long max = DEFAULT_MAX_FILE_BYTES;
    String mb = p.getProperty("snapshot.max_file_mb");
    if (mb != null) {
      try {
        max = Math.round(Double.parseDouble(mb.trim()) * (1 << 20));
        if (max <= 0) throw new NumberFormatException();
      } catch (NumberFormatException e) {
        throw new FlorException(file + ": snapshot.max_file_mb is \"" + mb.trim() + "\"; it must be a positive"
            + " number of MiB, for example snapshot.max_file_mb = 10", e);
      }
    }
    return new SnapshotRules(globs, max);
  }

  /** Whether an untracked file at this repository-relative path ('/'-separated) is left out. */
  boolean excludes(String path) {
    if (globs.isEmpty()) return false;
    Path p = Path.of(path);
    Path name = p.getFileName();
    for (PathMatcher m : byName) if (m.matches(name)) return true;
    for (PathMatcher m : byPath) if (m.matches(p)) return true;
    return false;
  }

  List<String> globs() {
    return globs;
  }
}
