package dev.flordb.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;

/** Temporary git repositories for the benchmarks: made with JGit, deleted afterwards. */
final class Repos {
  private Repos() {}

  /** A fresh repository (no commits) holding one small source file, as a user's project would. */
  static Path create(String prefix) {
    try {
      Path base = System.getenv("FLOR_BENCH_TMP") == null ? null : Path.of(System.getenv("FLOR_BENCH_TMP"));
      Path dir = base == null ? Files.createTempDirectory(prefix) : Files.createTempDirectory(base, prefix);
      try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
        Files.writeString(dir.resolve("Bench.java"),
            "class Bench { public static void main(String[] a) { /* the benchmarked program */ } }\n");
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GitAPIException e) {
      throw new IllegalStateException("git init failed: " + e.getMessage(), e);
    }
  }

  static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) return;
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
          Files.delete(f);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }

  /** Median of a sample (sorted copy). */
  static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static int intProp(String name, int dflt) {
    String v = System.getProperty(name);
    return v == null ? dflt : Integer.parseInt(v);
  }
}
