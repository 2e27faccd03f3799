package dev.flordb.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.source.AnalysisCache;
import dev.flordb.internal.source.SourceAnalyzer.Analysis;
import dev.flordb.internal.source.SourceAnalyzer.Statement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AnalysisCache} with the real analyser: what every replayed run of a version but the first reads. */
class AnalysisCacheTest {
  static final String PROGRAM = """
      import dev.flordb.Flor;
      public class Prog {
        public static void main(String[] args) {
          double total = 0;
          for (int e : Flor.loop("epoch", 0, 3)) {
            for (int s : Flor.loop("step", 0, 4)) {
              total += s;
              Flor.log("loss", 1.0 / (s + 1));
            }
            Flor.log("sum_loss", total);
          }
        }
      }
      """;

  @TempDir Path dir;

  static Statement sumLoss(Analysis a) {
    return a.statements().stream().filter(s -> s.name().equals("sum_loss")).findFirst().orElseThrow();
  }

  Path program(String text) throws IOException {
    return Files.writeString(dir.resolve("Prog.java"), text);
  }

  List<Path> entries() throws IOException {
    Path cache = dir.resolve(".flor/cache");
    if (!Files.isDirectory(cache)) return List.of();
    try (Stream<Path> files = Files.list(cache)) {
      return files.sorted().toList();
    }
  }

  @Test
  void theSecondAnalysisOfAVersionIsTheFirstOneReadBack() throws IOException {
    Path src = program(PROGRAM);
    Analysis first = AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of("sum_loss"));
    assertThat(entries()).hasSize(1);

    Analysis again = AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of("sum_loss"));

    assertThat(again).isEqualTo(first);
    assertThat(sumLoss(first).runNestedLoops()).isTrue();
    assertThat(sumLoss(first).fromFirstIteration()).isTrue();
  }

  @Test
  void anEntryIsReadNotRecomputed() throws IOException {
    Path src = program(PROGRAM);
    AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of("sum_loss"));
    Path entry = entries().get(0);
    Files.writeString(entry, Files.readString(entry).replace("which the step loop writes", "READ FROM THE CACHE"));

    Analysis again = AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of("sum_loss"));

    assertThat(String.join(" ", sumLoss(again).reasons())).contains("READ FROM THE CACHE");
  }

  @Test
  void anotherQuestionOrAnotherTextIsAnotherEntry() throws IOException {
    Path src = program(PROGRAM);
    AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of("sum_loss"));
    AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of());
    AnalysisCache.of(dir.resolve(".flor"), src).sites();
    program(PROGRAM.replace("total += s;", "total += 2 * s;"));
    Analysis changed = AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of("sum_loss"));

    assertThat(entries()).hasSize(4);
    assertThat(changed.statements()).extracting(Statement::name).containsExactly("loss", "sum_loss");
  }

  @Test
  void aDamagedEntryIsAnalysedAgain() throws IOException {
    Path src = program(PROGRAM);
    Analysis first = AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of("sum_loss"));
    Files.writeString(entries().get(0), "{\"version\":2,\"statements\":[{\"na");

    assertThat(AnalysisCache.of(dir.resolve(".flor"), src).all(Set.of("sum_loss"))).isEqualTo(first);
  }

  @Test
  void theSitesOfAVersionAreKeptForTheNextRun() throws IOException {
    Path src = program(PROGRAM);
    AnalysisCache cache = AnalysisCache.of(dir.resolve(".flor"), src);
    assertThat(cache.cachedSites()).isNull();

    cache.sites();

    var sites = AnalysisCache.of(dir.resolve(".flor"), src).cachedSites();
    assertThat(sites.paths).containsEntry("loss", Set.of(List.of("epoch", "step"))).containsEntry("sum_loss", Set.of(List.of("epoch")));
    assertThat(sites.outermost).containsExactly("epoch");
  }
}
