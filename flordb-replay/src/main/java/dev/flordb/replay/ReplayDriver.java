package dev.flordb.replay;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import dev.flordb.FlorException;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.RecordFormat;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
 *
 * <h2>Trust</h2>
 *
 * Each replayed program is told where to write its {@link Verdict} ({@code FLOR_REPLAY_VERDICT},
 * {@code .flor/replays/<stamp>/<run>.<attempt>.verdict.json}) and says with its exit code whether
 * what it executed again reproduced the run's records: 0 verified, 3 diverged. A run whose replay
 * diverges, or that stored no value of a name the run lacks (the statement never ran), is replayed
 * again with {@link ReplaySchedule#SAFER} (every iteration from the start, in one JVM); if that
 * diverges too, its values are refused and its divergences reported. A program that writes no
 * verdict is judged by its exit code alone.
 *
 * <h2>What is kept</h2>
 *
 * The record files of an attempt that verified are added to the run's replay commit ({@link
 * Snapshots#addReplayRecords}), so that replayed values survive {@code rm -rf .flor} and come
 * back with {@code flordb unpack}. The record files of an attempt that diverged are moved out of
 * {@code .flor/records/} into {@code .flor/replays/<stamp>/diverged/}, for inspection: nothing
 * reads them as values.
 */
public final class ReplayDriver {
  /** How one run's replay ended, after all its attempts. */
  enum Result {
    /** Every name the run lacked was filled in, and what ran again reproduced the records (or the program did not say). */
    VERIFIED,
    /** What ran again did not reproduce the records, even with the safer strategy: nothing is shown. */
    DIVERGED,
    /** A name the run lacked got no value, even with the safer strategy: its statement never ran. */
    MISSING,
    /** The program failed (or could not be built or started). */
    FAILED
  }

  /**
   * One launch of a run's replayed program.
   *
   * @param flags the replay flags it was given
   * @param exit its exit code
   * @param verdict what it said of itself, or null when it wrote no verdict
   * @param stored values stored, by name, counted in its record files
   * @param recordFiles its record files (kept in git when verified, moved aside when diverged)
   * @param log what it printed
   */
  record Attempt(int number, List<String> flags, int exit, Verdict verdict, Map<String, Long> stored,
      List<Path> recordFiles, Path log) {
    /** Values stored: as the verdict says, else as counted in the record files. */
    long storedTotal() {
      if (verdict != null && verdict.stored() != null) return verdict.stored();
      return stored.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The replay flags that differ from the plain run's, for messages. */
    String strategy() {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < flags.size(); i++) {
        String f = flags.get(i);
        if (f.equals("--level") || f.equals("--jobs")) s.append(s.length() == 0 ? "" : " ").append(f).append(' ').append(flags.get(++i));
        else if (f.equals("--from-start")) s.append(s.length() == 0 ? "" : " ").append(f);
      }
      return s.toString();
    }
  }

  /**
   * How one run's replay went.
   *
   * @param missing names the run lacked and still lacks (their statements never ran)
   * @param message why it failed, or what the user should know; null when there is nothing to say
   */
  public record Outcome(PastRun run, ReplaySchedule.Version version, Result result, double seconds, String message,
      List<Attempt> attempts, List<String> missing) {
    public boolean ok() {
      return result == Result.VERIFIED;
    }

    /** How it ended, in a word: verified, diverged, missing or failed. */
    public String status() {
      return result.name().toLowerCase(Locale.ROOT);
    }
  }

  private final Snapshots git;
  private final ReplaySchedule schedule;
  private final String programClassPath;
  private final Path florDir;
  private final Path logs;
  private final PrintWriter out;
  private final Map<ReplaySchedule.Version, Future<Prepared>> prepared = new HashMap<>();
  private final AtomicInteger done = new AtomicInteger();
  private int total;
  private volatile java.util.function.Consumer<Outcome> listener = o -> {};

  /** A version ready to launch: where it lies and how to start it (without the run's arguments). */
  private record Prepared(Path tree, List<String> command) {}

  public ReplayDriver(Snapshots git, Path florDir, ReplaySchedule schedule, String programClassPath, PrintWriter out) {
    this.git = git;
    this.schedule = schedule;
    this.programClassPath = programClassPath;
    this.florDir = florDir;
    this.logs = florDir.resolve("replays").resolve(schedule.stamp);
    this.out = out;
  }

  /** Also tells {@code listener} of each run's outcome as it comes (the web page shows them live). */
  public ReplayDriver onOutcome(java.util.function.Consumer<Outcome> listener) {
    this.listener = listener;
    return this;
  }

  public List<Outcome> run() throws IOException, InterruptedException {
    Files.createDirectories(logs);
    List<ReplaySchedule.Version> versions = schedule.versions.stream().filter(ReplaySchedule.Version::runnable).toList();
    for (ReplaySchedule.Version v : versions) {
      for (PastRun r : v.runs) {
        // What ran, kept in git: `git diff refs/flor/runs/RUN refs/flor/replays/STAMP/RUN -- . ':!.flor'` shows the patch.
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
    List<Attempt> attempts = new ArrayList<>();
    try {
      Prepared p = prepared.get(v).get();
      o = replayWithRetry(v, r, p, start, attempts);
    } catch (ExecutionException e) {
      String why = e.getCause() instanceof FlorException || e.getCause() instanceof IllegalArgumentException
          ? e.getCause().getMessage() : String.valueOf(e.getCause());
      o = failed(v, r, start, why, attempts);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      o = failed(v, r, start, "interrupted", attempts);
    } catch (IOException e) {
      o = failed(v, r, start, e.toString(), attempts);
    }
    report(o);
    return o;
  }

  private Outcome failed(ReplaySchedule.Version v, PastRun r, long start, String why, List<Attempt> attempts) {
    return new Outcome(r, v, Result.FAILED, elapsed(start), why, List.copyOf(attempts), List.of());
  }

  /** Replays the run, and again with the safer strategy when the first replay diverged or left a name unfilled. */
  private Outcome replayWithRetry(ReplaySchedule.Version v, PastRun r, Prepared p, long start, List<Attempt> attempts)
      throws IOException, InterruptedException {
    List<String> lacking = new ArrayList<>(schedule.lacking.getOrDefault(r.runId(), List.copyOf(v.apply)));
    lacking.retainAll(v.apply);
    Attempt a = launch(v, r, p, 1, false);
    attempts.add(a);
    Result result = judge(a, missing(attempts, lacking));
    boolean safeAlready = schedule.request.level() == dev.flordb.internal.replay.ReplayOptions.Level.NESTED
        && schedule.request.fromStart();
    if ((result == Result.DIVERGED || result == Result.MISSING) && !safeAlready) {
      a = launch(v, r, p, 2, true);
      attempts.add(a);
      result = judge(a, missing(attempts, lacking));
    }
    List<String> missing = result == Result.MISSING ? missing(attempts, lacking) : List.of();
    String message = null;
    if (result == Result.FAILED) {
      message = "exit " + a.exit() + "; the end of its output (" + a.log() + "):\n" + tail(a.log());
    }
    return new Outcome(r, v, result, elapsed(start), message, List.copyOf(attempts), missing);
  }

  private static Result judge(Attempt a, List<String> missing) {
    // the engine counts a statement that never ran as a divergence of the run's shape; a replay
    // that diverged in a value or a state stopped there, so what it never ran says nothing more
    if (a.exit() == DIVERGED_EXIT) {
      boolean onlyNeverRan = a.verdict() != null && !a.verdict().neverLogged().isEmpty()
          && a.verdict().divergences().stream().allMatch(d -> "shape".equals(d.kind()));
      return onlyNeverRan && !missing.isEmpty() ? Result.MISSING : Result.DIVERGED;
    }
    if (a.exit() != 0) return Result.FAILED;
    return missing.isEmpty() ? Result.VERIFIED : Result.MISSING;
  }

  /** The exit code of a replayed program whose replay did not reproduce the run's records. */
  static final int DIVERGED_EXIT = 3;

  /**
   * The names the run lacked that its verified attempts stored no value of, and those the last
   * verified attempt's program says it never executed.
   */
  private static List<String> missing(List<Attempt> attempts, List<String> lacking) {
    Set<String> out = new LinkedHashSet<>(lacking);
    Attempt last = null;
    for (Attempt a : attempts) {
      if (a.exit() != 0) continue;
      a.stored().forEach((name, n) -> {
        if (n > 0) out.remove(name);
      });
      last = a;
    }
    if (last == null) return List.copyOf(lacking);
    if (last.verdict() != null) {
      for (String n : last.verdict().neverLogged()) if (lacking.contains(n)) out.add(n);
    }
    return List.copyOf(out);
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
    cmd.add(java != null && Files.isExecutable(Path.of(java)) ? java : javaBinary());
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
    long start = System.nanoTime();
    Process p = new ProcessBuilder("sh", "-c", command).directory(tree.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    int code = p.waitFor();
    if (code != 0) {
      throw new FlorException("the build command '" + command + "' failed (exit " + code + ") for version "
          + v.label + ":\n" + tail(log));
    }
    // For the next schedule's estimate: forward runs' timings know nothing of the build.
    BuildTimes.record(florDir, command, elapsed(start));
  }

  /**
   * Runs the run's replayed program once: with the schedule's strategy, or ({@code safer}) with
   * {@link ReplaySchedule#SAFER}. Keeps its record files in git when it verified, and moves them
   * aside when it diverged.
   */
  private Attempt launch(ReplaySchedule.Version v, PastRun r, Prepared p, int attempt, boolean safer)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(p.command());
    cmd.addAll(r.launchList("args"));
    int flagsAt = cmd.size();
    cmd.addAll(List.of("--replay", r.runId(), "--apply", String.join(",", v.apply),
        "--level", v.level.name().toLowerCase(Locale.ROOT), "--jobs", String.valueOf(schedule.segmentsPerRun(v))));
    if (v.fromStart) cmd.add("--from-start"); // the statements read state no checkpoint restores
    for (String i : schedule.request.iter()) cmd.addAll(List.of("--iter", i));
    for (String o : schedule.request.overrides()) cmd.addAll(List.of("--override", o));
    if (safer) {
      List<String> flags = List.of(ReplaySchedule.SAFER.split(" "));
      for (int i = 0; i < flags.size(); i++) {
        if (i + 1 < flags.size() && !flags.get(i + 1).startsWith("--")) setFlag(cmd, flagsAt, flags.get(i), flags.get(++i));
        else setFlag(cmd, flagsAt, flags.get(i), null);
      }
    } else if (schedule.request.fromStart()) {
      setFlag(cmd, flagsAt, "--from-start", null);
    }
    Path log = logs.resolve(r.runId() + "." + attempt + ".log");
    Path verdictFile = logs.resolve(r.runId() + "." + attempt + ".verdict.json");
    Files.deleteIfExists(verdictFile);
    Path records = florDir.resolve("records");
    Set<Path> before = replayFiles(records, r.runId());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(r.directory(git.workTree()).toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("FLOR_QUIET", "1");
    pb.environment().put("FLOR_REPLAY_VERDICT", verdictFile.toAbsolutePath().toString());
    if (v.layout.kind() != ProgramLayout.Kind.SOURCE && v.patches.size() == 1) {
      // a compiled program does not name its source: the engine analyses the patched file
      pb.environment().put("FLOR_REPLAY_SOURCE", p.tree().resolve(v.patches.keySet().iterator().next()).toString());
    }
    Process proc = pb.start();
    int code = proc.waitFor();

    Verdict verdict = Verdict.read(verdictFile);
    Set<Path> files = replayFiles(records, r.runId());
    files.removeAll(before);
    if (verdict != null && verdict.recordFile() != null) {
      Path named = git.workTree().resolve(verdict.recordFile()).normalize();
      if (Files.isRegularFile(named)) files.add(named);
    }
    List<Path> recordFiles = new ArrayList<>(new java.util.TreeSet<>(files));
    Map<String, Long> stored = count(recordFiles, v.apply);
    if (code == 0 && !recordFiles.isEmpty()) {
      git.addReplayRecords(schedule.stamp + "/" + r.runId(), recordFiles);
    } else if (code == DIVERGED_EXIT) {
      List<Path> moved = new ArrayList<>();
      Path aside = logs.resolve("diverged");
      Files.createDirectories(aside);
      for (Path f : recordFiles) moved.add(Files.move(f, aside.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING));
      recordFiles = moved;
    }
    return new Attempt(attempt, List.copyOf(cmd.subList(flagsAt, cmd.size())), code, verdict, stored, recordFiles, log);
  }

  /** Sets a replay flag (after {@code from}, where the replay flags begin) to {@code value}, or adds it; null: a flag without value. */
  private static void setFlag(List<String> cmd, int from, String flag, String value) {
    int at = cmd.subList(from, cmd.size()).indexOf(flag);
    if (at < 0) {
      cmd.add(flag);
      if (value != null) cmd.add(value);
    } else if (value != null) {
      cmd.set(from + at + 1, value);
    }
  }

  /** The run's replay record files, {@code <run>.replay-<id>.jsonl}. */
  private static Set<Path> replayFiles(Path records, String runId) throws IOException {
    Set<Path> out = new LinkedHashSet<>();
    if (!Files.isDirectory(records)) return out;
    try (var files = Files.newDirectoryStream(records, runId + Snapshots.REPLAY_RECORDS_INFIX + "*" + RecordFormat.SUFFIX)) {
      for (Path f : files) out.add(f);
    }
    return out;
  }

  /** The replayed values in record files, by name: how many of each applied name they store. */
  private static Map<String, Long> count(List<Path> files, Set<String> apply) throws IOException {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String n : apply) out.put(n, 0L);
    for (Path f : files) {
      try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        for (String line; (line = in.readLine()) != null; ) {
          if (!line.contains("\"kind\":\"log\"")) continue;
          try {
            RecordFormat.Entry e = RecordFormat.parse(line);
            if (e.kind().equals("log") && e.source().equals("replay") && apply.contains(e.name())) out.merge(e.name(), 1L, Long::sum);
          } catch (RuntimeException cut) {
            // a line cut short: the complete ones count
          }
        }
      }
    }
    return out;
  }

  private void report(Outcome o) {
    int n = done.incrementAndGet();
    double estimate = schedule.estimate(o.version(), o.run());
    String status = o.result() == Result.VERIFIED ? "done  " : o.result().name();
    synchronized (out) {
      out.printf(Locale.ROOT, "[%d/%d] %s %s  %s in %s (estimated %s)%n", n, total, status,
          o.run().tstamp(), o.version().label, ReplaySchedule.seconds(o.seconds()),
          ReplaySchedule.seconds(estimate));
      for (String line : describe(o)) out.println("        " + line);
      out.flush();
    }
    listener.accept(o);
  }

  /** What happened in each attempt, for the console: divergences, names left unfilled, the failure. */
  List<String> describe(Outcome o) {
    List<String> lines = new ArrayList<>(attemptLines(o));
    lines.addAll(missingLines(o));
    if (o.message() != null) lines.addAll(List.of(o.message().split("\n")));
    return lines;
  }

  /** Each attempt that diverged, with its divergences, and how the run ended; empty when none diverged. */
  List<String> attemptLines(Outcome o) {
    List<String> lines = new ArrayList<>();
    List<Attempt> attempts = o.attempts();
    for (Attempt a : attempts) {
      String which = attempts.size() == 1 ? "" : (a.number() == 1 ? "first replay" : "replayed again")
          + " (" + a.strategy() + "): ";
      if (a.exit() == DIVERGED_EXIT) {
        List<Verdict.Divergence> ds = a.verdict() == null ? List.of() : a.verdict().divergences();
        lines.add(which + "diverged from what the run recorded" + (ds.isEmpty() ? " (the program said no more; see "
            + a.log() + ")" : ":"));
        for (Verdict.Divergence d : ds) lines.add("  " + d.describe());
      } else if (a.exit() == 0 && attempts.size() > 1) {
        lines.add(which + (a.number() == attempts.size() && o.ok() ? "verified, " + a.storedTotal() + " values stored"
            : a.storedTotal() + " values stored, but a statement never ran"));
      }
    }
    if (o.result() == Result.DIVERGED) {
      lines.add("not stored: what replay computed for this run is not what it recorded, so its values are refused"
          + " (kept for inspection in " + logs.resolve("diverged") + ")");
    }
    return lines;
  }

  /** One sentence per name that the run still lacks because its statement never ran. */
  List<String> missingLines(Outcome o) {
    List<String> lines = new ArrayList<>();
    for (String name : o.missing()) {
      lines.add("\"" + name + "\" (" + place(o.version(), name) + ") never ran in this run's replay"
          + (o.attempts().size() > 1 ? ", even from the start with every iteration" : "")
          + ": nothing was filled in for it. The statement sits where this run's code does not go"
          + " (a branch it never took, a method it never called), or after the code the run reached.");
    }
    return lines;
  }

  /** Where the name is logged in today's code and where it was placed in the version. */
  private String place(ReplaySchedule.Version v, String name) {
    String today = schedule.todayPlaces.get(name);
    for (Map.Entry<String, Propagator.Result> e : v.patches.entrySet()) {
      for (Propagator.Outcome o : e.getValue().outcomes()) {
        if (o.name().equals(name) && o.kind() != Propagator.Kind.NOT_PLACED) {
          return "today's " + today + "; " + v.label + "'s " + e.getKey() + ":" + o.oldLine();
        }
      }
    }
    return "today's " + today;
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

  /** This JVM's java command, for programs whose recorded one is gone. */
  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
