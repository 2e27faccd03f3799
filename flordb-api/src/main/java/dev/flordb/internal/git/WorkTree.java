package dev.flordb.internal.git;

import dev.flordb.FlorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a run needs of the user's repository before it opens it: where its working tree is, and
 * that git ignores {@code .flor/}. Plain file access, no JGit: a replay (which writes no snapshot)
 * never loads JGit at all, and a directory outside any repository is reported at once.
 */
public final class WorkTree {
  private WorkTree() {}

  /**
   * The working tree of the repository that contains {@code dir}. Throws, saying how to make
   * one, when there is none.
   */
  public static Path find(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (System.getenv("GIT_DIR") != null) return Snapshots.open(abs).workTree(); // let JGit read the environment
    boolean inGitDir = false;
    for (Path part : abs) inGitDir |= part.toString().equals(".git");
    for (Path p = abs; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve(".git"))) return p;
      if (!inGitDir && looksLikeGitDir(p)) throw bare(abs, p);
    }
    throw notARepository(abs);
  }

  /** Whether a directory is a git directory (HEAD, objects, refs): outside a .git, a bare repository. */
  private static boolean looksLikeGitDir(Path p) {
    return Files.isRegularFile(p.resolve("HEAD")) && Files.isDirectory(p.resolve("objects"))
        && Files.isDirectory(p.resolve("refs"));
  }

  static FlorException bare(Path abs, Path gitDir) {
    return new FlorException(abs + " is in the bare git repository " + gitDir + ", which has no working tree:"
        + " FlorDB snapshots the working tree a program runs in. Clone it (git clone " + gitDir + " DIR) and run"
        + " the program in the clone.");
  }

  static FlorException notARepository(Path abs) {
    return new FlorException(abs + " is not inside a git repository. FlorDB keeps the code version"
        + " of every run in git: run 'git init' in your project's directory (no commit is needed)"
        + " and try again.");
  }

  /**
   * Makes git ignore {@code .flor/} for a work tree whose {@code .git} is a directory, without
   * opening the repository: done first thing in a run, so that {@code .flor/} never shows in
   * {@code git status}. Returns false when {@code .git} is a file (a linked worktree or
   * submodule); then {@link Snapshots#excludeFlorDir()} does it once the repository is open.
   */
  public static boolean excludeFlorDirIn(Path workTree) throws IOException {
    Path gitDir = workTree.resolve(".git");
    if (!Files.isDirectory(gitDir)) return false;
    excludeFlorDir(gitDir);
    return true;
  }

  /** Adds {@code /.flor/} to {@code info/exclude} of this git directory, unless it is there. */
  static void excludeFlorDir(Path gitDir) throws IOException {
    Path exclude = gitDir.resolve("info").resolve("exclude");
    String line = "/.flor/";
    if (Files.exists(exclude)) {
      for (String l : Files.readAllLines(exclude, StandardCharsets.UTF_8)) {
        if (l.trim().equals(line) || l.trim().equals(".flor/") || l.trim().equals("/.flor")) return;
      }
    } else {
      Files.createDirectories(exclude.getParent());
    }
    String existing = Files.exists(exclude) ? Files.readString(exclude, StandardCharsets.UTF_8) : "";
    String text = (existing.isEmpty() || existing.endsWith("\n") ? "" : "\n")
        + "# FlorDB's local store (record files are kept in refs/flor/runs/*)\n" + line + "\n";
    Files.writeString(exclude, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
