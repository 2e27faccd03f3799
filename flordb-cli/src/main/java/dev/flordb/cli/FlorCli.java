package dev.flordb.cli;

import dev.flordb.FlorException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code flordb} command: one small class per subcommand, listed here.
 *
 * <h2>Help</h2>
 *
 * Every command answers {@code --help} and {@code -h} with its usage, and {@code --version} and
 * {@code -V} with the version, on standard output with exit code 0: the standard help options
 * and the layout of the usage text (80 columns, the headings) are set here once, with {@code
 * scope = INHERIT}, and picocli copies them to every subcommand. The complete help of each
 * command is a golden file under {@code src/test/resources/help/} (see {@code HelpTest}).
 *
 * <h2>Exit codes</h2>
 *
 * 0 done; 1 the work failed (a query SQLite refuses, no git repository, a damaged store, a run
 * that failed to replay); 2 bad usage (an unknown command or option, a missing or malformed
 * argument, a value the command refuses). See {@link #execute}.
 */
@Command(
    name = "flordb",
    scope = CommandLine.ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = FlorCli.Version.class,
    header = "Hindsight logging for the machine-learning lifecycle.",
    description = "Query what your runs logged, and fill in what they did not log by replaying them"
        + " from their own code versions and checkpoints. 'flordb COMMAND --help' shows a command's"
        + " options.",
    subcommands = {
      DemoCommand.class,
      DataframeCommand.class,
      QueryCommand.class,
      RunsCommand.class,
      UnpackCommand.class,
      StatCommand.class,
      SyncCommand.class,
      PushCommand.class,
      PullCommand.class,
      dev.flordb.cli.ReplayCommand.class,
      ServeCommand.class,
      ClasspathCommand.class,
      CommandLine.HelpCommand.class,
    },
    usageHelpWidth = FlorCli.USAGE_WIDTH,
    usageHelpAutoWidth = false,
    synopsisHeading = "%nUsage: ",
    descriptionHeading = "%n",
    parameterListHeading = "%nParameters:%n",
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands:%n",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:the work failed (the message says why)",
      "2:bad usage (the message says what was expected)",
    })
public final class FlorCli implements Runnable {
  /** The width of the usage help: fixed, so that it wraps the same on every terminal and in tests. */
  static final int USAGE_WIDTH = 80;

  @Spec CommandSpec spec;

  @CommandLine.Option(names = "-C", paramLabel = "DIR",
      description = "Run as if flordb was started in DIR (as git -C does).")
  java.nio.file.Path dir;

  @CommandLine.Option(names = "--store", paramLabel = "URL",
      description = "The store the team shares, a JDBC URL (jdbc:postgresql://HOST:PORT/DB); overrides FLOR_STORE"
          + " and store.url in flordb.properties. Its password goes in PGPASSWORD or the .pgpass file.")
  String store;

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

  /**
   * Runs the command line with these writers; returns the exit code (for tests).
   *
   * <ul>
   *   <li>2, bad usage: what picocli cannot parse, and the {@link CommandLine.ParameterException}
   *       a command throws for a value it refuses before it starts the work. The replay command
   *       reports what it refuses as an {@link IllegalArgumentException}, from code it shares
   *       with the API (whose convention that is), so from replay that is bad usage too.
   *   <li>1, a failure in the work: everything else, with the message. An {@link
   *       IllegalArgumentException} from the other commands was raised by the work, after their
   *       arguments were checked: by the data they read (a name that is a loop, a value in the
   *       store that does not decode), so it is a failure, not bad usage. Exceptions that are
   *       neither FlorDB's nor about a value come with their stack trace: they are bugs.
   * </ul>
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new FlorCli());
    // picocli's own text for "flordb help" starts and ends with blank lines of its own, which
    // the headings above already put there
    cl.getSubcommands().get("help").getCommandSpec().usageMessage().description(
        "With no COMMAND, the usage of flordb; with a COMMAND, its usage (as 'flordb COMMAND --help').");
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("flordb: " + ex.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr());
      c.getErr().println("See '" + c.getCommandSpec().qualifiedName() + " --help'.");
      return USAGE;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter e = commandLine.getErr();
      if (ex instanceof NumberFormatException) {
        // numbers on the command line are parsed by picocli; this one was read from the store
        e.println("flordb: the query database holds a number that does not read (" + ex.getMessage()
            + "); it is a cache of the record files, which 'flordb unpack' rebuilds it from");
      } else if (ex instanceof FlorException || ex instanceof IllegalArgumentException
          || ex instanceof IllegalStateException || ex instanceof UncheckedIOException) {
        e.println("flordb: " + ex.getMessage());
      } else {
        e.print("flordb: unexpected error, please report it: ");
        ex.printStackTrace(e);
      }
      e.flush();
      boolean refusedByReplay = ex instanceof IllegalArgumentException && !(ex instanceof NumberFormatException)
          && commandLine.getCommandSpec().userObject() instanceof dev.flordb.cli.ReplayCommand;
      return refusedByReplay ? USAGE : FAILURE;
    });
    return cl.execute(args);
  }

  /** The exit code of a failure in the work. */
  static final int FAILURE = 1;
  /** The exit code of bad usage. */
  static final int USAGE = 2;

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = FlorCli.class.getPackage().getImplementationVersion();
      return new String[] {"flordb " + (v == null ? "(development build)" : v)};
    }
  }
}
