package dev.flordb.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The tour: a scratch git repository with the MNIST training program, two recorded runs, the
 * table of what they logged, a statement added in hindsight, the replay that fills it in for both
 * runs, and the numbers. Every step really happens; nothing is precomputed.
 */
@Command(name = "demo",
    header = "Record, query and replay an example training program in a scratch repository.",
    description = "Records two runs of a small neural network on real handwritten digits, queries"
        + " them, adds a log statement in hindsight and replays both runs to fill it in. Everything"
        + " happens for real, in a new directory that is printed first.")
final class DemoCommand implements Callable<Integer> {
  static final String PROGRAM = "TrainMnist.java";
  static final String DATA = "digits.bin.gz";
  /** The line of the program after which the demo adds its hindsight statement. */
  static final String ANCHOR = "        int[] order = shuffledOrder(train.count, rng);\n";
  static final String HINDSIGHT = "        Flor.log(\"weight_norm\", model.weightNorm());\n";

  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", description = "Where to create the scratch repository (default: a new temporary directory).")
  Path dir;

  @Option(names = "--quick", description = "Short epochs, for CI.")
  boolean quick;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    // The project is named after its directory: a readable name, in a fresh temporary directory.
    Path repo = dir != null ? dir.toAbsolutePath() : Files.createTempDirectory("flordb-demo-").resolve("mnist-demo");
    Files.createDirectories(repo);
    if (Files.exists(repo.resolve(PROGRAM)) || Files.exists(repo.resolve(".git"))) {
      throw new ParameterException(spec.commandLine(), repo + " already holds a repository or " + PROGRAM
          + "; give --dir a new or empty directory");
    }
    long t0 = System.nanoTime();
    heading(out, "1. A scratch git repository with a training program: " + repo);
    for (String file : List.of(PROGRAM, DATA)) {
      try (InputStream in = DemoCommand.class.getResourceAsStream("/dev/flordb/demo/" + file)) {
        Files.copy(in, repo.resolve(file));
      }
    }
    run(repo, out, "git", "init", "-q");
    run(repo, out, "git", "add", PROGRAM, DATA);
    run(repo, out, "git", "-c", "user.name=FlorDB demo", "-c", "user.email=demo@flordb.invalid", "commit", "-q",
        "-m", "A training program");
    out.println("   " + PROGRAM + ": a neural network (784-512-10) trained with SGD on 10,000 real MNIST digits.");
    out.println("   It logs its hyper-parameters (Flor.arg), the loss every 25 steps and the held-out accuracy");
    out.println("   per epoch, and checkpoints the model, the optimiser and the random generator per epoch.");

    List<String> size = quick ? List.of("epochs=2", "max_steps=40") : List.of("epochs=3");
    heading(out, "2. Two runs with different learning rates");
    long f0 = System.nanoTime();
    runProgram(repo, out, "lr=0.05", size);
    runProgram(repo, out, "lr=0.01", size);
    double forward = (System.nanoTime() - f0) / 1e9;

    heading(out, "3. What they logged: flordb dataframe lr acc");
    cli(out, "-C", repo.toString(), "dataframe", "lr", "acc");

    heading(out, "4. In hindsight, you want the weights' norm at the start of every epoch: edit the program");
    Path program = repo.resolve(PROGRAM);
    String source = Files.readString(program, StandardCharsets.UTF_8);
    if (!source.contains(ANCHOR)) throw new IllegalStateException(PROGRAM + " no longer has the line the demo edits after");
    Files.writeString(program, source.replace(ANCHOR, ANCHOR + HINDSIGHT), StandardCharsets.UTF_8);
    run(repo, out, "git", "--no-pager", "diff", "--no-color", "-U2");
    out.println("   (not committed: replay keeps today's code itself, on refs/flor/replays/)");

    heading(out, "5. Fill it in for the past runs: flordb replay weight_norm --yes");
    out.println("   (--yes because the demo runs unattended; without it, replay shows the schedule and asks)");
    long r0 = System.nanoTime();
    cli(out, "-C", repo.toString(), "replay", "weight_norm", "--yes");
    double replay = (System.nanoTime() - r0) / 1e9;

    heading(out, "6. The new column next to the old ones: flordb dataframe lr acc weight_norm");
    cli(out, "-C", repo.toString(), "dataframe", "lr", "acc", "weight_norm");

    heading(out, "7. The numbers");
    out.printf(Locale.ROOT, "   forward: two runs in %.1f s; replay of both: %.1f s (%.0f%% of the forward time)%n", forward,
        replay, 100 * replay / forward);
    out.println("   Only the edit is in the working tree: git status --short");
    run(repo, out, "git", "status", "--short");
    out.printf(Locale.ROOT, "%n   Done in %.1f s. Look around:%n", (System.nanoTime() - t0) / 1e9);
    out.println("     ./flordb -C " + repo + " dataframe lr acc weight_norm");
    out.println("     ./flordb -C " + repo + " query \"SELECT name, source, count(*) FROM logs GROUP BY name, source\"");
    out.println("     ./flordb -C " + repo + " runs");
    out.println("     git -C " + repo + " log --oneline --glob=refs/flor    # a snapshot per run, and what each replay ran");
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

  private void runProgram(Path repo, PrintWriter out, String lr, List<String> size)
      throws IOException, InterruptedException {
    // the same class path as: java -cp "$(./flordb classpath)" TrainMnist.java
    List<String> kwargs = new ArrayList<>(List.of(lr));
    kwargs.addAll(size);
    List<String> cmd = new ArrayList<>(List.of(FlorCli.javaBinary(), "-cp", FlorCli.programClassPath(), PROGRAM, "--kwargs"));
    cmd.addAll(kwargs);
    out.println();
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
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        out.println("   " + line);
        out.flush();
      }
    }
    int code = p.waitFor();
    if (code != 0) throw new IllegalStateException(String.join(" ", pb.command()) + " exited with " + code);
  }
}
