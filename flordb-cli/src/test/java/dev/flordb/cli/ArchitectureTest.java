package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layout is the architecture, and stays so: modules depend on each other one way (API, then
 * the shared store on PostgreSQL, source analysis, replay, the web page, then the command line), packages never import a package that
 * imports them back, and the API module names no class of another module nor loads one by name.
 * Read from the sources of every module (this test runs in flordb-cli, next to them).
 */
class ArchitectureTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  /** Each module's main sources and the packages it owns. */
  static final Map<String, String> MODULES = Map.of(
      "flordb-api", "dev.flordb",
      "flordb-postgres", "dev.flordb.postgres",
      "flordb-source", "dev.flordb.source",
      "flordb-replay", "dev.flordb.replay",
      "flordb-web", "dev.flordb.web",
      "flordb-cli", "dev.flordb.cli");
  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+);", Pattern.MULTILINE);

  record Source(String module, String pkg, Path file, String text) {}

  static List<Source> sources() {
    List<Source> out = new ArrayList<>();
    for (String module : MODULES.keySet()) {
      Path dir = ROOT.resolve(module).resolve("src/main/java");
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String text = Files.readString(f);
          Matcher m = PACKAGE.matcher(text);
          out.add(new Source(module, m.find() ? m.group(1) : "", f, text));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** Package to the packages (of ours) it imports. */
  static Map<String, Set<String>> packageImports(List<Source> sources) {
    Set<String> packages = new TreeSet<>();
    for (Source s : sources) packages.add(s.pkg());
    Map<String, Set<String>> deps = new TreeMap<>();
    for (Source s : sources) {
      Matcher m = IMPORT.matcher(s.text());
      while (m.find()) {
        String imported = m.group(1);
        for (String p = imported.substring(0, Math.max(0, imported.lastIndexOf('.'))); !p.isEmpty();
            p = p.contains(".") ? p.substring(0, p.lastIndexOf('.')) : "") {
          if (packages.contains(p)) {
            if (!p.equals(s.pkg())) deps.computeIfAbsent(s.pkg(), k -> new TreeSet<>()).add(p);
            break;
          }
        }
      }
    }
    return deps;
  }

  @Test
  void noPackageImportsAPackageThatImportsItBack() {
    Map<String, Set<String>> deps = packageImports(sources());
    Set<String> mutual = new TreeSet<>();
    deps.forEach((a, bs) -> bs.forEach(b -> {
      if (a.compareTo(b) < 0 && deps.getOrDefault(b, Set.of()).contains(a)) mutual.add(a + " <-> " + b);
    }));
    assertThat(mutual).isEmpty();
  }

  /**
   * The mechanisms use the API's nouns (Table, FlorException, Checkpointable); the front door
   * reaches them only through the run it starts (and Table writes JSON as records do).
   */
  @Test
  void theApiPackageReachesTheMechanismsOnlyThroughTheRunItStarts() {
    assertThat(packageImports(sources()).get("dev.flordb")).containsExactly("dev.flordb.internal.records", "dev.flordb.internal.run");
  }

  @Test
  void modulesDependOnEachOtherOneWay() {
    List<String> order = List.of("flordb-api", "flordb-postgres", "flordb-source", "flordb-replay", "flordb-web", "flordb-cli");
    List<String> wrong = new ArrayList<>();
    for (Source s : sources()) {
      int mine = order.indexOf(s.module());
      Matcher m = IMPORT.matcher(s.text());
      while (m.find()) {
        for (int later = mine + 1; later < order.size(); later++) {
          if (m.group(1).startsWith(MODULES.get(order.get(later)) + ".")) {
            wrong.add(ROOT.relativize(s.file()) + " imports " + m.group(1));
          }
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void theApiModuleNamesNoClassOfAnotherModuleAndLoadsNoneByName() {
    List<String> found = new ArrayList<>();
    for (Source s : sources()) {
      if (!s.module().equals("flordb-api")) continue;
      for (String other : List.of("dev.flordb.postgres", "dev.flordb.source", "dev.flordb.replay", "dev.flordb.web", "dev.flordb.cli")) {
        if (s.text().contains(other + ".")) found.add(ROOT.relativize(s.file()) + " names " + other);
      }
      // the checkpoint codec loads the user's own classes by name; none of FlorDB's is loaded so
      if (Pattern.compile("(forName|loadClass)\\(\\s*\"dev\\.flordb").matcher(s.text()).find()) {
        found.add(ROOT.relativize(s.file()) + " loads a FlorDB class by name");
      }
    }
    assertThat(found).isEmpty();
  }
}
