package dev.flordb.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Child JVMs for the tests whose behaviour is about real processes: a single-file program run by
 * Java's source launcher ({@code java -cp CP Train.java --kwargs ...}) or a main class of the test
 * sources, started in a project directory with the test's class path (which holds flordb and its
 * dependencies). Children run with {@code FLOR_QUIET=1} unless a test asks for the echo.
 *
 * <p>Children share a temporary directory ({@code java.io.tmpdir}) that this JVM makes and deletes
 * when it ends: what a killed child leaves there (the SQLite driver's native library, which it
 * removes only at a normal exit) goes with it. Not one per child, and not deleted when the child
 * ends: a run records its JVM options, and its replays later in the test start with them again.
 *
 * <p>Waits are bounded by generous deadlines, which only turn a hang into a clear failure; no
 * assertion depends on how fast a child is.
 */
public final class ChildJvm {
  /** How long any child may take before the test gives up on it. */
  static final Duration DEADLINE = Duration.ofMinutes(2);

  private final List<String> command = new ArrayList<>();
  private final Path dir;
  private boolean quiet = true;
  private final Map<String, String> extraEnv = new java.util.LinkedHashMap<>();

  private ChildJvm(Path dir, String classPath) {
    this.dir = dir;
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Cheap start-up; neither flag changes what a program does.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    // the child's spilled records go where its test's go, and where the test's reads look for them
    // (the build sets flordb.spill.dir, Spill.DIR_PROPERTY, so that no test spills into /tmp or ~/.cache)
    String spill = System.getProperty("flordb.spill.dir");
    if (spill != null) command.add("-Dflordb.spill.dir=" + spill);
    command.add("-cp");
    command.add(classPath);
  }

  /** {@code java -cp CP FILE ARGS...} in {@code dir}: a single-file program, as users run one. */
  public static ChildJvm source(Path dir, String sourceFile, String... args) {
    return sourceWithClassPath(dir, System.getProperty("java.class.path"), sourceFile, args);
  }

  /** The same with a class path of the caller's choice (for example what {@code flordb classpath} printed). */
  public static ChildJvm sourceWithClassPath(Path dir, String classPath, String sourceFile, String... args) {
    ChildJvm c = new ChildJvm(dir, classPath);
    c.command.add(sourceFile);
    c.command.addAll(List.of(args));
    return c;
  }

  /** {@code java -cp CP MAIN ARGS...} in {@code dir}: a main class of the test sources. */
  public static ChildJvm mainClass(Path dir, Class<?> main, String... args) {
    ChildJvm c = new ChildJvm(dir, System.getProperty("java.class.path"));
    c.command.add(main.getName());
    c.command.addAll(List.of(args));
    return c;
  }

  /** {@code java -cp CP MAIN ARGS...} in {@code dir}: a compiled program of the user's. */
  public static ChildJvm mainClassName(Path dir, String classPath, String main, String... args) {
    ChildJvm c = new ChildJvm(dir, classPath);
    c.command.add(main);
    c.command.addAll(List.of(args));
    return c;
  }

  /** Sets an environment variable of the child (FLOR_STORE, say). */
  public ChildJvm env(String name, String value) {
    extraEnv.put(name, value);
    return this;
  }

  /** Lets the child echo what it logs (FLOR_QUIET unset). */
  public ChildJvm echo() {
    quiet = false;
    return this;
  }

  /** The children's temporary directory, made at the first child, deleted when this JVM ends. */
  private static Path childrenTmp;

  private static synchronized Path childrenTmp() throws IOException {
    if (childrenTmp == null) {
      Path d = Files.createTempDirectory("flordb-children-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          Trees.delete(d);
        } catch (IOException e) {
          System.err.println("cannot remove the child JVMs' temporary directory " + d + ": " + e);
        }
      }, "flordb-children-tmp"));
      childrenTmp = d;
    }
    return childrenTmp;
  }

  private ProcessBuilder builder() throws IOException {
    List<String> cmd = new ArrayList<>(command);
    cmd.add(1, "-Djava.io.tmpdir=" + childrenTmp());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    // The child finds its repository from its working directory, as a user's program does.
    env.remove("GIT_DIR");
    env.remove("GIT_WORK_TREE");
    env.remove("GIT_INDEX_FILE");
    env.remove("FLOR_CAPTURE");
    env.remove("FLOR_STORE");
    env.putAll(extraEnv);
    if (quiet) env.put("FLOR_QUIET", "1");
    else env.remove("FLOR_QUIET");
    return pb;
  }

  /** What a finished child did. */
  public record Finished(int exitCode, String out, String err) {
    /** Fails with the child's output unless it exited with 0. */
    public Finished assertSucceeded() {
      if (exitCode != 0) fail("the child exited with " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err);
      return this;
    }
  }

  /** Runs the child to its end (within {@link #DEADLINE}). */
  public Finished run() {
    try {
      Path out = Files.createTempFile(childrenTmp(), "flordb-child", ".out");
      Path err = Files.createTempFile(childrenTmp(), "flordb-child", ".err");
      try {
        Process p = builder().redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close(); // nothing to read on standard input
        if (!p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly().waitFor();
          fail("the child did not end within " + DEADLINE + ": " + command + "\n--- stderr\n" + Files.readString(err));
        }
        return new Finished(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts the child and returns at once; its standard output is read line by line as it comes. */
  public Running start() {
    try {
      Path err = Files.createTempFile(childrenTmp(), "flordb-child", ".err");
      Process p = builder().redirectError(err.toFile()).start();
      return new Running(p, err, command);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A child that is running: its output lines with the time each arrived, its input, kill and wait. */
  public static final class Running implements AutoCloseable {
    /** A line of the child's standard output and when the test read it ({@link System#nanoTime()}). */
    public record Line(String text, long readNanos) {}

    private final Process process;
    private final Path errFile;
    private final List<String> command;
    private final List<Line> lines = new ArrayList<>();
    private boolean outputEnded;
    private final Thread reader;

    private Running(Process process, Path errFile, List<String> command) {
      this.process = process;
      this.errFile = errFile;
      this.command = command;
      this.reader = new Thread(this::readOutput, "child-stdout-" + process.pid());
      reader.setDaemon(true);
      reader.start();
    }

    private void readOutput() {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l; (l = r.readLine()) != null; ) {
          long now = System.nanoTime();
          synchronized (this) {
            lines.add(new Line(l, now));
            notifyAll();
          }
        }
      } catch (IOException e) {
        // the child was killed: its output ends here
      } finally {
        synchronized (this) {
          outputEnded = true;
          notifyAll();
        }
      }
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Every line read so far. */
    public synchronized List<Line> lines() {
      return new ArrayList<>(lines);
    }

    /** Waits (within {@link #DEADLINE}) for a line that matches; fails with the child's stderr if none comes. */
    public synchronized Line awaitLine(Predicate<String> wanted) {
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          if (wanted.test(lines.get(seen).text())) return lines.get(seen);
        }
        long left = deadline - System.nanoTime();
        if (outputEnded || left <= 0) {
          fail("the child " + (outputEnded ? "ended its output" : "did not print the expected line within " + DEADLINE)
              + " (last lines: " + lines.subList(Math.max(0, lines.size() - 3), lines.size()) + ")\n--- stderr\n" + stderr());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }

    /** Writes one line to the child's standard input. */
    public void send(String line) {
      try {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** SIGTERM on Linux and macOS (how Ctrl-C or a service manager stops a program): shutdown hooks run. Returns the exit code. */
    public int terminate() {
      process.destroy();
      return awaitExit();
    }

    /** SIGKILL on Linux and macOS ({@code kill -9}): no shutdown hook runs. Waits until the child is gone. */
    public void kill9() {
      process.destroyForcibly();
      awaitExit();
    }

    /** Waits (within {@link #DEADLINE}) for the child to end, and for its output to be read; returns its exit code. */
    public int awaitExit() {
      try {
        if (!process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor();
          fail("the child did not end within " + DEADLINE + ": " + command + "\n--- stderr\n" + stderr());
        }
        reader.join(DEADLINE.toMillis());
        return process.exitValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    public String stderr() {
      try {
        return Files.readString(errFile);
      } catch (IOException e) {
        return "(unreadable: " + e + ")";
      }
    }

    /** Kills the child if it is still there (a failed test) and removes its temporary file. */
    @Override
    public void close() {
      if (process.isAlive()) process.destroyForcibly();
      try {
        process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        Files.deleteIfExists(errFile);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException ignored) {
        // a temporary file
      }
    }
  }
}
