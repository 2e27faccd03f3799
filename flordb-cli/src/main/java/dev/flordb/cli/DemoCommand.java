package dev.flordb.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The tour: a scratch git repository with a training program, two recorded runs, and the table
 * of what they logged. Every step really happens; nothing is precomputed.
 */
@Command(name = "demo", description = {
    "Record two runs of an example training program in a scratch repository and query them.",
    "Everything happens for real, in a new directory that is printed first."})
final class DemoCommand implements Callable<Integer> {
  static final String PROGRAM = "Train.java";
  static final String PROGRAM_JAR = "flordb-all.jar";

  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", description = "Where to create the scratch repository (default: a new temporary directory).")
  Path dir;

  @Option(names = "--quick", description = "Fewer epochs, for CI.")
  boolean quick;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path repo = dir != null ? dir.toAbsolutePath() : Files.createTempDirectory("flordb-demo-");
    Files.createDirectories(repo);
    if (Files.exists(repo.resolve(PROGRAM)) || Files.exists(repo.resolve(".git"))) {
      throw new IllegalArgumentException(repo + " already holds a repository or " + PROGRAM
          + "; give --dir a new or empty directory");
    }
    long t0 = System.nanoTime();
    heading(out, "1. A scratch git repository with a training program: " + repo);
    try (InputStream in = DemoCommand.class.getResourceAsStream("/dev/flordb/demo/" + PROGRAM)) {
      Files.copy(in, repo.resolve(PROGRAM));
    }
    run(repo, out, "git", "init", "-q");
    out.println("   " + PROGRAM + " logs lr, epochs, batch_size, seed (Flor.arg), loss every 10 steps and acc per epoch.");

    String epochs = quick ? "2" : "5";
    heading(out, "2. Two runs with different hyper-parameters");
    runProgram(repo, out, "lr=0.1", "epochs=" + epochs);
    runProgram(repo, out, "lr=0.02", "epochs=" + epochs);

    heading(out, "3. What they logged: flordb dataframe lr epochs acc");
    cli(out, "-C", repo.toString(), "dataframe", "lr", "epochs", "acc");
    heading(out, "4. The runs and their code versions: flordb runs");
    cli(out, "-C", repo.toString(), "runs");
    heading(out, "5. The repository is as it was: git status --short");
    run(repo, out, "git", "status", "--short");
    out.printf("%n   Done in %.1f s. Look around:%n", (System.nanoTime() - t0) / 1e9);
    out.println("     ./flordb -C " + repo + " dataframe lr loss");
    out.println("     ./flordb -C " + repo + " query \"SELECT name, count(*) FROM logs GROUP BY name\"");
    out.println("     git -C " + repo + " log --oneline --glob=refs/flor/runs    # one snapshot commit per run");
    out.flush();
    return 0;
  }

  private static void heading(PrintWriter out, String text) {
    out.println();
    out.println("== " + text);
    out.flush();
  }

  private void cli(PrintWriter out, String... args) {
    int code = FlorCli.execute(out, spec.commandLine().getErr(), args);
    if (code != 0) throw new IllegalStateException("flordb " + String.join(" ", args) + " exited with " + code);
  }

  private void runProgram(Path repo, PrintWriter out, String... kwargs) throws IOException, InterruptedException {
    // the same class path as: java -cp "$(./flordb classpath)" Train.java
    List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-cp", programClassPath(), PROGRAM, "--kwargs"));
    cmd.addAll(List.of(kwargs));
    out.println("   $ java -cp \"$(./flordb classpath)\" " + PROGRAM + " --kwargs " + String.join(" ", kwargs));
    out.flush();
    run(new ProcessBuilder(cmd).directory(repo.toFile()), out);
  }

  private static void run(Path repo, PrintWriter out, String... cmd) throws IOException, InterruptedException {
    run(new ProcessBuilder(cmd).directory(repo.toFile()), out);
  }

  private static void run(ProcessBuilder pb, PrintWriter out) throws IOException, InterruptedException {
    pb.redirectErrorStream(true);
    Process p = pb.start();
    try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
      for (String line; (line = r.readLine()) != null; ) {
        out.println("   " + line);
        out.flush();
      }
    }
    int code = p.waitFor();
    if (code != 0) throw new IllegalStateException(String.join(" ", pb.command()) + " exited with " + code);
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * What a program needs on its class path: {@value #PROGRAM_JAR} beside the jar this runs from
   * (the command line itself runs from the heavier flordb-cli.jar, which also holds replay's tree
   * matching), else the jar this runs from, else (in tests and IDEs) this JVM's class path.
   */
  static String programClassPath() {
    try {
      Path self = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!self.toString().endsWith(".jar")) return System.getProperty("java.class.path");
      Path programJar = self.resolveSibling(PROGRAM_JAR);
      return Files.isRegularFile(programJar) ? programJar.toString() : self.toString();
    } catch (java.net.URISyntaxException e) {
      return System.getProperty("java.class.path");
    }
  }
}
