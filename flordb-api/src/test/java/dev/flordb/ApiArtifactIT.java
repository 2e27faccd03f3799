package dev.flordb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API artifact as a user's Maven project gets it: {@code dev.flordb:flordb} and its pom, next
 * to the user's own SLF4J binding.
 *
 * <h2>How it builds a project without installing anything</h2>
 *
 * An integration test (failsafe, after {@code package}): it takes the jar and pom this build just
 * made and lays them out, with the parent pom, in a local repository of its own in a temporary
 * directory, the way {@code mvn install} would. A small project there depends on them and on
 * {@code slf4j-simple}, and a second Maven (the one running this build, else {@code mvn} on the
 * PATH) builds it with {@code -Dmaven.repo.local} set to that repository, so nothing of ours
 * reaches {@code ~/.m2} and {@code mvn install} need never have run. Everything else (plugins,
 * JGit, SLF4J) it resolves from this build's local repository, which the project lists as a
 * {@code file:} repository ahead of Maven Central, so a machine that has run this build needs no
 * network, and a fresh one only Central.
 */
class ApiArtifactIT {
  /** The system properties failsafe is given in flordb-api's pom. */
  private static final String VERSION = property("flordb.version");
  private static final Path JAR = Path.of(property("flordb.jar"));
  private static final Path POM = Path.of(property("flordb.pom"));
  private static final Path PARENT_POM = Path.of(property("flordb.parentPom"));
  private static final Path OUTER_REPOSITORY = Path.of(property("flordb.outerRepository"));
  private static final String SLF4J_VERSION = property("flordb.slf4jVersion");

  @TempDir Path tmp;
  private final long started = System.currentTimeMillis();

  private static String property(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank() || v.startsWith("${")) {
      fail("system property " + name + " is not set: ApiArtifactIT runs through failsafe in mvn verify,"
          + " which sets it (see flordb-api/pom.xml)");
    }
    return v;
  }

  @BeforeEach
  void theArtifactWasBuilt() {
    assertThat(JAR).as("the API jar: ApiArtifactIT runs after package").isRegularFile();
  }

  @Test
  void aProjectWithItsOwnSlf4jBindingSeesItsLogLinesAndWhatFlorLogged() throws Exception {
    Path repository = tmp.resolve("repository");
    install(repository, "flordb-parent", "pom", PARENT_POM);
    install(repository, "flordb", "pom", POM);
    install(repository, "flordb", "jar", JAR);

    Path project = TestProjects.emptyRepo(tmp, "consumer");
    Files.writeString(project.resolve("pom.xml"), consumerPom());
    Path source = project.resolve("src/main/java/example/App.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, """
        package example;

        import dev.flordb.Flor;
        import org.slf4j.LoggerFactory;

        public class App {
          public static void main(String[] args) {
            LoggerFactory.getLogger(App.class).info("a line of the application's own");
            Flor.log("answer", 42);
          }
        }
        """);

    List<String> build = new ArrayList<>(List.of(maven(), "-B", "-q",
        "-Dmaven.repo.local=" + repository,
        "compile", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
        "-Dmdep.outputFile=classpath.txt"));
    Finished mvn = run(project, build);
    assertThat(mvn.exit).as("the consumer's build:\n%s", mvn).isZero();

    String classPath = Files.readString(project.resolve("classpath.txt")).strip();

    Finished app = run(project, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", project.resolve("target/classes") + File.pathSeparator + classPath, "example.App"));
    assertThat(app.exit).as(app.toString()).isZero();
    assertThat(app.err).as(app.toString())
        .contains("[main] INFO example.App - a line of the application's own")
        .doesNotContain("SLF4J(W)");
    assertThat(app.out).as(app.toString()).contains("answer: 42");
    Table logged = TestProjects.dataframe(project, "answer");
    assertThat(logged.column("answer")).containsExactly(42L);
    assertThat(classPath.split(File.pathSeparator))
        .anyMatch(e -> e.startsWith(repository.resolve("dev/flordb/flordb").toString()))
        .anyMatch(e -> e.contains("slf4j-simple"))
        .as("no SLF4J binding comes with dev.flordb:flordb").noneMatch(e -> e.contains("slf4j-nop"));

    Path ours = OUTER_REPOSITORY.resolve("dev/flordb");
    if (Files.exists(ours)) {
      try (Stream<Path> files = Files.walk(ours)) {
        assertThat(files.filter(Files::isRegularFile).filter(f -> modifiedSince(f, started)).toList())
            .as("nothing written to the outer local repository's dev/flordb").isEmpty();
      }
    }
  }

  private static boolean modifiedSince(Path file, long millis) {
    try {
      return Files.getLastModifiedTime(file).toMillis() >= millis;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theArtifactNamesItsModuleAndComesWithSourcesAndJavadocOfTheApiOnly() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name")).isEqualTo("dev.flordb");
    }
    String base = JAR.getFileName().toString().replaceAll("\\.jar$", "");
    try (JarFile sources = new JarFile(JAR.resolveSibling(base + "-sources.jar").toFile())) {
      assertThat(sources.getEntry("dev/flordb/Flor.java")).isNotNull();
    }
    try (JarFile javadoc = new JarFile(JAR.resolveSibling(base + "-javadoc.jar").toFile())) {
      List<String> names = Collections.list(javadoc.entries()).stream().map(e -> e.getName()).toList();
      assertThat(names).contains("index.html", "dev/flordb/Flor.html", "dev/flordb/Scope.html", "dev/flordb/Table.html")
          .noneMatch(n -> n.startsWith("dev/flordb/internal"));
    }
  }

  /** Puts {@code file} where {@code mvn install} would put dev.flordb:ARTIFACT:VERSION of this type. */
  private static void install(Path repository, String artifact, String type, Path file) throws IOException {
    Path dir = repository.resolve("dev/flordb").resolve(artifact).resolve(VERSION);
    Files.createDirectories(dir);
    Files.copy(file, dir.resolve(artifact + "-" + VERSION + "." + type), StandardCopyOption.REPLACE_EXISTING);
  }

  private static String consumerPom() {
    String outer = OUTER_REPOSITORY.toUri().toString();
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>example</groupId>
          <artifactId>consumer</artifactId>
          <version>1</version>
          <properties>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
            <maven.compiler.release>17</maven.compiler.release>
          </properties>
          <repositories>
            <repository>
              <id>outer-local</id>
              <url>%1$s</url>
              <snapshots><enabled>false</enabled></snapshots>
            </repository>
          </repositories>
          <pluginRepositories>
            <pluginRepository>
              <id>outer-local</id>
              <url>%1$s</url>
              <snapshots><enabled>false</enabled></snapshots>
            </pluginRepository>
          </pluginRepositories>
          <dependencies>
            <dependency>
              <groupId>dev.flordb</groupId>
              <artifactId>flordb</artifactId>
              <version>%2$s</version>
            </dependency>
            <dependency>
              <groupId>org.slf4j</groupId>
              <artifactId>slf4j-simple</artifactId>
              <version>%3$s</version>
            </dependency>
          </dependencies>
          <build>
            <pluginManagement>
              <plugins>
                <plugin>
                  <groupId>org.apache.maven.plugins</groupId>
                  <artifactId>maven-compiler-plugin</artifactId>
                  <version>3.14.0</version>
                </plugin>
                <plugin>
                  <groupId>org.apache.maven.plugins</groupId>
                  <artifactId>maven-resources-plugin</artifactId>
                  <version>3.3.1</version>
                </plugin>
              </plugins>
            </pluginManagement>
          </build>
        </project>
        """.formatted(outer, VERSION, SLF4J_VERSION);
  }

  /** The Maven that runs this build, else mvn on the PATH; a clear failure when there is none. */
  private static String maven() {
    String home = System.getProperty("flordb.mavenHome");
    if (home != null && !home.isBlank() && !home.startsWith("${")) {
      Path mvn = Path.of(home, "bin", "mvn");
      if (Files.isExecutable(mvn)) return mvn.toString();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path mvn = Path.of(dir, "mvn");
      if (!dir.isEmpty() && Files.isExecutable(mvn)) return mvn.toString();
    }
    return fail("ApiArtifactIT builds a Maven project and needs Maven: flordb.mavenHome (" + home
        + ") has no bin/mvn, and there is no mvn on the PATH");
  }

  private record Finished(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  private Finished run(Path dir, List<String> command) throws Exception {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove("FLOR_QUIET"); // the echo is one of the things to see
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail(String.join(" ", command) + " did not finish in 5 minutes");
    }
    return new Finished(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
