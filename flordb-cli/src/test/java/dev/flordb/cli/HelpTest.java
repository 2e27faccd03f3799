package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The complete help text of {@code flordb} and of each of its commands, compared whole with the
 * golden files in {@code src/test/resources/help/}: {@code flordb.txt} for {@code flordb --help},
 * {@code <command>.txt} for {@code flordb <command> --help}.
 *
 * <p>After changing a command's options or descriptions, regenerate the files and review the diff:
 *
 * <pre>
 * mvn -B -q -pl flordb-cli -am test -Dtest=HelpTest -Dsurefire.failIfNoSpecifiedTests=false -Dflordb.help.regenerate=true
 * git diff flordb-cli/src/test/resources/help
 * </pre>
 *
 * (The tests then pass against what they wrote; a normal run compares again.)
 */
class HelpTest {
  private static final Path GOLDEN = Path.of("src/test/resources/help");
  private static final boolean REGENERATE = Boolean.getBoolean("flordb.help.regenerate");

  /** Every command of {@code flordb}, as picocli knows them, and the root as "flordb". */
  static List<String> commands() {
    List<String> all = new ArrayList<>(List.of("flordb"));
    all.addAll(new CommandLine(new FlorCli()).getSubcommands().keySet());
    return all;
  }

  private static String[] helpArgs(String command, String flag) {
    return command.equals("flordb") ? new String[] {flag} : new String[] {command, flag};
  }

  /** What {@code flordb [COMMAND] --help} prints, with a check that it exits 0 and prints nothing else. */
  private static String help(String command) {
    Project.Cli c = Project.flordb(helpArgs(command, "--help"));
    assertThat(c.exit()).as(c.toString()).isZero();
    assertThat(c.err()).isEmpty();
    return c.out().replace(System.lineSeparator(), "\n");
  }

  @ParameterizedTest(name = "{0} --help")
  @MethodSource("commands")
  void helpPrintsTheCompleteUsageOnStandardOutputAndExitsZero(String command) throws IOException {
    String text = help(command);
    Path golden = GOLDEN.resolve(command + ".txt");
    if (REGENERATE) Files.writeString(golden, text, StandardCharsets.UTF_8);
    assertThat(golden).as("golden file; see HelpTest's Javadoc to create it").exists();
    assertThat(text).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0} -h")
  @MethodSource("commands")
  void minusHIsTheSameAsHelp(String command) {
    Project.Cli h = Project.flordb(helpArgs(command, "-h"));
    assertThat(h.exit()).as(h.toString()).isZero();
    assertThat(h.err()).isEmpty();
    assertThat(h.out()).isEqualTo(Project.flordb(helpArgs(command, "--help")).out());
  }

  @ParameterizedTest(name = "help {0}")
  @MethodSource("commands")
  void theHelpCommandPrintsTheSameUsage(String command) {
    if (command.equals("flordb")) return;
    Project.Cli h = Project.flordb("help", command);
    assertThat(h.exit()).as(h.toString()).isZero();
    assertThat(h.out()).isEqualTo(Project.flordb(command, "--help").out());
  }

  @ParameterizedTest(name = "{0} --help")
  @MethodSource("commands")
  void helpWrapsWithinTheUsageWidth(String command) {
    assertThat(Project.flordb(helpArgs(command, "--help")).out().lines())
        .allSatisfy(line -> assertThat(line.length()).as(line).isLessThanOrEqualTo(FlorCli.USAGE_WIDTH))
        .allSatisfy(line -> assertThat(line).as("no trailing white space").isEqualTo(line.stripTrailing()));
  }

  @Test
  void thereIsOneGoldenFilePerCommandAndNoOther() throws IOException {
    if (REGENERATE) {
      try (Stream<Path> s = Files.list(GOLDEN)) {
        for (Path p : s.toList()) Files.delete(p);
      }
      for (String command : commands()) Files.writeString(GOLDEN.resolve(command + ".txt"), help(command), StandardCharsets.UTF_8);
    }
    List<String> files;
    try (Stream<Path> s = Files.list(GOLDEN)) {
      files = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(files).containsExactlyInAnyOrderElementsOf(commands().stream().map(c -> c + ".txt").toList());
  }

  @Test
  void queryHelpDoesNotAskForTheSql() {
    Project.Cli c = Project.flordb("query", "--help");
    assertThat(c.exit()).isZero();
    assertThat(c.out()).startsWith("Any SQL over the store (read-only).\n\nUsage: flordb query ");
  }

  @Test
  void versionIsPrintedByEveryCommandButHelp() {
    for (String command : commands()) {
      if (command.equals("help")) continue;
      Project.Cli c = Project.flordb(helpArgs(command, "--version"));
      assertThat(c.exit()).as(command).isZero();
      assertThat(c.out()).as(command).startsWith("flordb ");
    }
  }
}
