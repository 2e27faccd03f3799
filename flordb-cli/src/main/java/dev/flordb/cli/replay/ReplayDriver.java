package dev.flordb.cli.replay;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import dev.flordb.FlorException;
import dev.flordb.internal.Snapshots;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Carries out a {@link ReplaySchedule}: for each code version, materialises its snapshot in a
 * temporary directory (never in the user's working tree), writes the patched files, builds what
 * needs building, and runs each of its runs in replay mode; versions run in parallel, bounded by
 * {@code --jobs}. One failing version does not stop the others.
 */
final class ReplayDriver {
  /** How one run's replay went. */
  record Outcome(PastRun run, ReplaySchedule.Version version, boolean ok, double seconds, String message) {}

  private final Snapshots git;
  private final ReplaySchedule schedule;
  private final String programClassPath;
  private final Path logs;
  private final PrintWriter out;
  private final Map<ReplaySchedule.Version, Future<Prepared>> prepared = new HashMap<>();
  private final AtomicInteger done = new AtomicInteger();
  private int total;

  /** A version ready to launch: where it lies and how to start it (without the run's arguments). */
  private record Prepared(Path tree, List<String> command) {}

  ReplayDriver(Snapshots git, Path florDir, ReplaySchedule schedule, String programClassPath, PrintWriter out) {
    this.git = git;
    this.schedule = schedule;
    this.programClassPath = programClassPath;
    this.logs = florDir.resolve("replays").resolve(schedule.stamp);
    this.out = out;
  }

  List<Outcome> run() throws IOException, InterruptedException {
    Files.createDirectories(logs);
    List<ReplaySchedule.Version> versions = schedule.versions.stream().filter(ReplaySchedule.Version::runnable).toList();
    for (ReplaySchedule.Version v : versions) {
      for (PastRun r : v.runs) {
        // What ran, kept in git: `git diff refs/flor/runs/RUN refs/flor/replays/STAMP/RUN` shows the patch.
        git.commitPatched(r.version(), v.patchedFiles(), schedule.stamp + "/" + r.runId(),
            "flordb replay of " + r.runId() + ": " + String.join(", ", v.apply));
      }
    }
    total = schedule.runs().size();
    // Versions are prepared (written out, compiled) ahead, in order, as many at once as runs:
    // while the first version compiles, a core that would wait for it prepares the next.
    ExecutorService versionPool = Executors.newFixedThreadPool(schedule.concurrentRuns(), daemon("flordb-replay-build"));
    ExecutorService runPool = Executors.newFixedThreadPool(schedule.concurrentRuns(), daemon("flordb-replay"));
    List<Path> trees = new ArrayList<>();
    try {
      for (ReplaySchedule.Version v : versions) prepared.put(v, versionPool.submit(() -> prepare(v, trees)));
      List<Future<Outcome>> futures = new ArrayList<>();
      for (ReplaySchedule.Version v : versions) {
        for (PastRun r : v.runs) {
          futures.add(runPool.submit(() -> replay(v, r)));
        }
      }
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> f : futures) {
        try {
          outcomes.add(f.get());
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
      }
      return outcomes;
    } finally {
      runPool.shutdownNow();
      versionPool.shutdownNow();
      synchronized (trees) {
        for (Path t : trees) deleteTree(t);
      }
    }
  }

  private Outcome replay(ReplaySchedule.Version v, PastRun r) {
    long start = System.nanoTime();
    Outcome o;
    try {
      Prepared p = prepared.get(v).get();
      o = launch(v, r, p, start);
    } catch (ExecutionException e) {
      String why = e.getCause() instanceof FlorException || e.getCause() instanceof IllegalArgumentException
          ? e.getCause().getMessage() : String.valueOf(e.getCause());
      o = new Outcome(r, v, false, elapsed(start), why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      o = new Outcome(r, v, false, elapsed(start), "interrupted");
    } catch (IOException e) {
      o = new Outcome(r, v, false, elapsed(start), e.toString());
    }
    report(o);
    return o;
  }

  private Prepared prepare(ReplaySchedule.Version v, List<Path> trees) throws IOException, InterruptedException {
    Path tree = Files.createTempDirectory("flordb-replay-" + v.label + "-");
    synchronized (trees) {
      trees.add(tree);
    }
    git.materialize(v.runs.get(0).version(), tree);
    for (Map.Entry<String, byte[]> e : v.patchedFiles().entrySet()) Files.write(tree.resolve(e.getKey()), e.getValue());
    PastRun first = v.runs.get(0);
    switch (v.layout.kind()) {
      case SOURCE:
        return sourceProgram(v, first, tree);
      case CLASSES:
        List<Path> sources = new ArrayList<>();
        for (String root : v.layout.sourceRoots()) {
          Path dir = tree.resolve(root);
          if (!Files.isDirectory(dir)) continue;
          try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> p.toString().endsWith(".java")).forEach(sources::add);
          }
        }
        Path classes = tree.resolve(".flordb-classes");
        compile(sources, classes, classPathOf(v, first, List.of()), first, tree);
        List<String> own = new ArrayList<>();
        own.add(classes.toString());
        for (String res : v.layout.resourceRoots()) own.add(tree.resolve(res).toString());
        return new Prepared(tree, javaCommand(first, classPathOf(v, first, own), List.of(), first.launchString("main")));
      default:
        ReplaySettings s = schedule.settings;
        if (s.build() != null) build(s.build(), tree, v);
        return new Prepared(tree, s.launchCommand(tree));
    }
  }

  /**
   * A single-file program is compiled once per version here, as the source launcher would compile
   * it at every start (its first top-level class is the main class, and {@code
   * jdk.launcher.sourcefile} names the file, as under the launcher), so that each run's replay
   * does not pay for the compilation again (0.7 s and a core's worth of CPU per run for the MNIST
   * example). Programs launched with source-launcher options ({@code --source},
   * {@code --enable-preview}) are run through the launcher, as they were.
   */
  private Prepared sourceProgram(ReplaySchedule.Version v, PastRun first, Path tree) throws IOException {
    Path file = tree.resolve(v.layout.sourceFile());
    String classPath = classPathOf(v, first, List.of());
    List<String> options = first.launchList("jvm_options");
    if (options.contains("--source") || options.contains("--enable-preview")) {
      return new Prepared(tree, javaCommand(first, classPath, List.of(), file.toString()));
    }
    Path classes = tree.resolve(".flordb-classes");
    String main = compile(List.of(file), classes, classPath, first, tree);
    return new Prepared(tree, javaCommand(first, classes + File.pathSeparator + classPath,
        List.of("-Djdk.launcher.sourcefile=" + file), main));
  }

  /** The recorded java command with this class path, options and main, without the program's arguments. */
  private List<String> javaCommand(PastRun run, String classPath, List<String> extraOptions, String main) {
    List<String> cmd = new ArrayList<>();
    String java = run.launchString("java");
    cmd.add(java != null && Files.isExecutable(Path.of(java)) ? java : dev.flordb.cli.FlorCli.javaBinary());
    List<String> options = run.launchList("jvm_options");
    for (int i = 0; i < options.size(); i++) {
      String o = options.get(i);
      if (o.equals("-cp") || o.equals("-classpath") || o.equals("--class-path")) {
        i++; // replaced below
      } else if (!o.startsWith("--class-path=")) {
        cmd.add(o);
      }
    }
    cmd.addAll(extraOptions);
    if (!classPath.isEmpty()) cmd.addAll(List.of("-cp", classPath));
    cmd.add(main);
    return cmd;
  }

  /**
   * The run's class path with the project's class directories replaced by {@code own}, relative
   * entries resolved against the run's directory, and a FlorDB jar that has moved since replaced
   * by today's.
   */
  private String classPathOf(ReplaySchedule.Version v, PastRun run, List<String> own) {
    Path cwd = run.directory(git.workTree());
    List<String> entries = new ArrayList<>();
    boolean ownAdded = false;
    for (String e : ProgramLayout.classPath(run)) {
      if (v.layout.classDirs().contains(e)) {
        if (!ownAdded) entries.addAll(own);
        ownAdded = true;
        continue;
      }
      Path p = cwd.resolve(e);
      if (!Files.exists(p) && p.getFileName().toString().startsWith("flordb")) {
        entries.add(programClassPath);
      } else {
        entries.add(p.toString());
      }
    }
    if (!ownAdded) entries.addAll(0, own);
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Compiles {@code sources} into {@code classes} with the JDK's compiler, for the Java release the
   * run was recorded on; returns the first top-level class of the first source file (the main
   * class the source launcher would take). Errors name the file and line.
   */
  private String compile(List<Path> sources, Path classes, String classPath, PastRun run, Path tree) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) throw new FlorException("this Java has no compiler (javax.tools); run flordb with a JDK");
    Files.createDirectories(classes);
    List<String> options = new ArrayList<>(List.of("-d", classes.toString(), "-encoding", "UTF-8", "-g",
        "-proc:none", "-cp", classPath));
    int major = majorVersion(run.launchString("java_version"));
    if (major >= 9 && major < Runtime.version().feature()) options.addAll(List.of("--release", String.valueOf(major)));
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      JavacTask task = (JavacTask) javac.getTask(new StringWriter(), files, diagnostics, options, null,
          files.getJavaFileObjectsFromPaths(sources));
      String main = null;
      for (CompilationUnitTree unit : task.parse()) {
        if (main != null) break;
        for (Tree type : unit.getTypeDecls()) {
          if (!(type instanceof ClassTree)) continue;
          String name = ((ClassTree) type).getSimpleName().toString();
          main = unit.getPackageName() == null ? name : unit.getPackageName() + "." + name;
          break;
        }
      }
      task.generate();
      if (diagnostics.getDiagnostics().stream().anyMatch(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR)) {
        StringBuilder why = new StringBuilder("the patched version does not compile:");
        diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR).limit(10)
            .forEach(d -> why.append("\n  ").append(d.getSource() == null ? "" : tree.relativize(Path.of(d.getSource().toUri())) + ":"
                + d.getLineNumber() + ": ").append(d.getMessage(Locale.ROOT)));
        throw new FlorException(why.toString());
      }
      return main;
    }
  }

  private static int majorVersion(String javaVersion) {
    if (javaVersion == null) return -1;
    try {
      String s = javaVersion.startsWith("1.") ? javaVersion.substring(2) : javaVersion;
      return Integer.parseInt(s.split("[.+\\-]")[0]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void build(String command, Path tree, ReplaySchedule.Version v) throws IOException, InterruptedException {
    Path log = logs.resolve("build-" + v.label + ".log");
    Process p = new ProcessBuilder("sh", "-c", command).directory(tree.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    int code = p.waitFor();
    if (code != 0) {
      throw new FlorException("the build command '" + command + "' failed (exit " + code + ") for version "
          + v.label + ":\n" + tail(log));
    }
  }

  private Outcome launch(ReplaySchedule.Version v, PastRun r, Prepared p, long start)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(p.command());
    cmd.addAll(r.launchList("args"));
    cmd.addAll(List.of("--replay", r.runId(), "--apply", String.join(",", v.apply),
        "--level", v.level.name().toLowerCase(Locale.ROOT), "--jobs", String.valueOf(schedule.segmentsPerRun(v))));
    if (v.fromStart) cmd.add("--from-start"); // the statements read state no checkpoint restores
    for (String i : schedule.request.iter()) cmd.addAll(List.of("--iter", i));
    for (String o : schedule.request.overrides()) cmd.addAll(List.of("--override", o));
    Path log = logs.resolve(r.runId() + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(r.directory(git.workTree()).toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("FLOR_QUIET", "1");
    Process proc = pb.start();
    int code = proc.waitFor();
    if (code != 0) {
      return new Outcome(r, v, false, elapsed(start), "exit " + code + "; the end of its output (" + log + "):\n"
          + tail(log));
    }
    return new Outcome(r, v, true, elapsed(start), null);
  }

  private void report(Outcome o) {
    int n = done.incrementAndGet();
    double estimate = schedule.estimate(o.version(), o.run());
    synchronized (out) {
      out.printf(Locale.ROOT, "[%d/%d] %s %s  %s in %s (estimated %s)%n", n, total, o.ok() ? "done  " : "FAILED",
          o.run().tstamp(), o.version().label, ReplaySchedule.seconds(o.seconds()),
          ReplaySchedule.seconds(estimate));
      if (!o.ok()) for (String line : o.message().split("\n")) out.println("        " + line);
      out.flush();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  private static double elapsed(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
