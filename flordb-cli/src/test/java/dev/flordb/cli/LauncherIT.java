package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code flordb} launcher script: linked onto the PATH from another directory, it finds its
 * checkout through the links; two first uses at once build once.
 *
 * <h2>How it runs without building anything</h2>
 *
 * The launcher rebuilds the command line when the sources are newer than its jar, with {@code mvn
 * package} on the checkout it sits in. Run on this checkout from inside {@code mvn verify}, it
 * could start a second build of the tree the outer build is writing. So the tests copy the
 * script into a checkout of their own, in a temporary directory, that has no sources at all:
 *
 * <ul>
 *   <li>with the jars (the ones {@code package} just built: this is an integration test, run by
 *       failsafe after {@code package}), nothing is stale and the script only runs them;
 *   <li>without them, it builds, and a stand-in {@code mvn} first on the PATH counts the builds,
 *       takes a second, and puts the real jar in place.
 * </ul>
 *
 * The script under test is the real one, byte for byte; only where it sits differs.
 */
class LauncherIT {
  private static final Path SCRIPT = Path.of("..", "flordb").toAbsolutePath().normalize();
  private static final Path CLI_JAR = Path.of("target", "flordb-cli.jar").toAbsolutePath();
  private static final Path PROGRAM_JAR = Path.of("target", "flordb-all.jar").toAbsolutePath();
  private static final Path GOLDEN_HELP = Path.of("src", "test", "resources", "help", "flordb.txt");

  @TempDir Path tmp;
  Path elsewhere;

  @BeforeEach
  void preconditions() throws IOException {
    assertThat(SCRIPT).as("the launcher, beside the root pom").isRegularFile();
    assertThat(CLI_JAR).as("the command line's jar: LauncherIT runs after package (mvn verify)").isRegularFile();
    assertThat(PROGRAM_JAR).as("the programs' jar: LauncherIT runs after package (mvn verify)").isRegularFile();
    elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
  }

  /** A checkout with the launcher in it and nothing else; with or without the built jars. */
  private Path checkout(String name, boolean withJars) throws IOException {
    Path root = Files.createDirectories(tmp.resolve(name));
    Files.copy(SCRIPT, root.resolve("flordb"), StandardCopyOption.COPY_ATTRIBUTES);
    if (withJars) {
      Path target = Files.createDirectories(root.resolve("flordb-cli/target"));
      sameFile(CLI_JAR, target.resolve("flordb-cli.jar"));
      sameFile(PROGRAM_JAR, target.resolve("flordb-all.jar"));
    }
    return root;
  }

  /** A hard link where the file system allows one, else a copy (the jars are read, never written). */
  private static void sameFile(Path existing, Path link) throws IOException {
    try {
      Files.createLink(link, existing);
    } catch (IOException | UnsupportedOperationException differentFileSystems) {
      Files.copy(existing, link, StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  /** bin/flordb -> ../links/flordb (relative) -> CHECKOUT/flordb (absolute): a chain of two links. */
  private Path linkedOntoAPath(Path checkout) throws IOException {
    Path links = Files.createDirectories(tmp.resolve("links-" + checkout.getFileName()));
    Files.createSymbolicLink(links.resolve("flordb"), checkout.resolve("flordb"));
    Path bin = Files.createDirectories(tmp.resolve("bin-" + checkout.getFileName()));
    Files.createSymbolicLink(bin.resolve("flordb"), Path.of("..", links.getFileName().toString(), "flordb"));
    return bin;
  }

  private record Ran(int exit, String out, String err) {}

  /** Standard output and error of each process started, in files. */
  private final Map<Process, Path[]> outputs = new HashMap<>();

  /** Starts {@code command} in a directory that is not the checkout, with this PATH. */
  private Process run(List<String> command, String path) throws IOException {
    Path out = tmp.resolve("out-" + outputs.size());
    Path err = tmp.resolve("err-" + outputs.size());
    ProcessBuilder pb = new ProcessBuilder(command).directory(elsewhere.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("PATH", path);
    pb.environment().remove("FLOR_JAVA_OPTS");
    Process p = pb.start();
    outputs.put(p, new Path[] {out, err});
    return p;
  }

  /** Waits for {@code p} and gives what it printed. */
  private Ran done(Process p) throws Exception {
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("the launcher finishes").isTrue();
    Path[] files = outputs.get(p);
    return new Ran(p.exitValue(), Files.readString(files[0]), Files.readString(files[1]));
  }

  /** This JVM's java first, so that the launcher finds a JDK 17, then the PATH of the build. */
  private static String path(Path... first) {
    List<String> entries = new ArrayList<>();
    for (Path p : first) entries.add(p.toString());
    entries.add(Path.of(System.getProperty("java.home"), "bin").toString());
    entries.add(System.getenv("PATH"));
    return String.join(File.pathSeparator, entries);
  }

  @Test
  void linkedOntoThePathFromAnotherDirectoryItFindsItsCheckoutAndRuns() throws Exception {
    Path checkout = checkout("checkout", true);
    Path bin = linkedOntoAPath(checkout);

    Ran help = done(run(List.of("bash", "-c", "flordb --help"), path(bin)));
    assertThat(help.exit()).as(help.toString()).isZero();
    assertThat(help.err()).isEmpty();
    assertThat(help.out()).isEqualTo(Files.readString(GOLDEN_HELP, StandardCharsets.UTF_8));

    Ran replayHelp = done(run(List.of(bin.resolve("flordb").toString(), "replay", "--help"), path()));
    assertThat(replayHelp.exit()).as(replayHelp.toString()).isZero();
    assertThat(replayHelp.out()).contains("Usage: flordb replay ");

    Ran classpath = done(run(List.of(bin.resolve("flordb").toString(), "classpath"), path()));
    assertThat(classpath.exit()).as(classpath.toString()).isZero();
    assertThat(Path.of(classpath.out().strip())).as("the programs' jar of the checkout it found")
        .isEqualTo(checkout.toRealPath().resolve("flordb-cli/target/flordb-all.jar"));
  }

  @Test
  void twoFirstUsesAtOnceBuildOnceAndBothRun() throws Exception {
    Path checkout = checkout("fresh", false);
    Path bin = linkedOntoAPath(checkout);
    Path calls = tmp.resolve("mvn-calls");
    Path fakeBin = Files.createDirectories(tmp.resolve("fake-maven"));
    Path mvn = fakeBin.resolve("mvn");
    Files.writeString(mvn, """
        #!/usr/bin/env bash
        # Stands in for Maven in LauncherIT: records the call, takes a second, then writes the
        # jars where 'mvn -f ROOT/pom.xml package' would.
        echo "$*" >> '%s'
        root=
        while [ $# -gt 0 ]; do
          if [ "$1" = -f ]; then root="$(dirname "$2")"; fi
          shift
        done
        mkdir -p "$root/flordb-cli/target"
        sleep 1
        cp '%s' "$root/flordb-cli/target/flordb-cli.jar"
        cp '%s' "$root/flordb-cli/target/flordb-all.jar"
        """.formatted(calls, CLI_JAR, PROGRAM_JAR));
    Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));

    String flordb = bin.resolve("flordb").toString();
    Process first = run(List.of(flordb, "runs", "--help"), path(fakeBin));
    Process second = run(List.of(flordb, "stat", "--help"), path(fakeBin));
    Ran a = done(first);
    Ran b = done(second);

    assertThat(a.exit()).as(a.toString()).isZero();
    assertThat(b.exit()).as(b.toString()).isZero();
    assertThat(a.out()).startsWith("One line per run");
    assertThat(b.out()).startsWith("What the store holds");
    assertThat(Files.readAllLines(calls)).as("builds").hasSize(1).allSatisfy(call -> assertThat(call)
        .contains("-f " + checkout.toRealPath().resolve("pom.xml"), "-DskipTests", "package"));
    assertThat(a.err() + b.err()).contains("flordb: building the command line");
  }
}
