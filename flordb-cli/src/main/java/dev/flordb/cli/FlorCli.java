package dev.flordb.cli;

import dev.flordb.FlorException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code flordb} command. Exit codes: 0 done, 1 the work failed, 2 bad usage.
 */
@Command(
    name = "flordb",
    mixinStandardHelpOptions = true,
    versionProvider = FlorCli.Version.class,
    description = "Hindsight logging for the machine-learning lifecycle: query what your runs logged.",
    subcommands = {
      DemoCommand.class,
      DataframeCommand.class,
      QueryCommand.class,
      RunsCommand.class,
      UnpackCommand.class,
      StatCommand.class,
      dev.flordb.cli.replay.ReplayCommand.class,
      ClasspathCommand.class,
      CommandLine.HelpCommand.class,
    },
    usageHelpAutoWidth = true)
public final class FlorCli implements Runnable {
  @Spec CommandSpec spec;

  @CommandLine.Option(names = "-C", paramLabel = "DIR",
      description = "Run as if flordb was started in DIR (as git -C does).")
  java.nio.file.Path dir;

  /** The directory given with {@code -C} before the subcommand, or null. */
  public java.nio.file.Path directory() {
    return dir;
  }

  /** The java command of this JVM, to start programs with. */
  public static String javaBinary() {
    return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The self-contained jar for programs' class paths, built beside the command line's own flordb-cli.jar. */
  static final String PROGRAM_JAR = "flordb-all.jar";

  /**
   * What a program needs on its class path: {@value #PROGRAM_JAR} beside the jar that holds this
   * class (the command line runs from the heavier flordb-cli.jar, which adds replay's tree
   * matching), else that jar itself, else (in tests and IDEs) this JVM's class path.
   */
  public static String programClassPath() {
    try {
      java.nio.file.Path self = java.nio.file.Path.of(FlorCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!self.toString().endsWith(".jar")) return System.getProperty("java.class.path");
      java.nio.file.Path programJar = self.resolveSibling(PROGRAM_JAR);
      return java.nio.file.Files.isRegularFile(programJar) ? programJar.toString() : self.toString();
    } catch (java.net.URISyntaxException e) {
      return System.getProperty("java.class.path");
    }
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command, for example: flordb runs");
  }

  public static void main(String[] args) {
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the command line with these writers; returns the exit code (for tests). */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new FlorCli());
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("flordb: " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr());
      c.getErr().println("See '" + c.getCommandSpec().qualifiedName() + " --help'.");
      return 2;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof IllegalArgumentException) {
        commandLine.getErr().println("flordb: " + ex.getMessage());
        return 2;
      }
      if (ex instanceof FlorException) {
        commandLine.getErr().println("flordb: " + ex.getMessage());
        return 1;
      }
      throw ex;
    });
    return cl.execute(args);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = FlorCli.class.getPackage().getImplementationVersion();
      return new String[] {"flordb " + (v == null ? "(development build)" : v)};
    }
  }
}
