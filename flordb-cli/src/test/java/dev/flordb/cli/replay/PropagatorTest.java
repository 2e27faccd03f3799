package dev.flordb.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.flordb.cli.replay.Propagator.Kind;
import dev.flordb.cli.replay.Propagator.Outcome;
import dev.flordb.cli.replay.Propagator.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.stream.Stream;
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden cases under {@code src/test/resources/propagation/<case>/}: {@code old.java} and {@code
 * today.java} go in with the {@code selectors} (one a line), and the patched text must equal
 * {@code expected.java} whole. {@code outcomes} lists the outcomes, one a line, as {@code name
 * KIND oldLine}, followed by {@code : explanation} for statements not placed.
 */
class PropagatorTest {

  static Stream<String> cases() throws IOException, URISyntaxException {
    Path root = Path.of(Objects.requireNonNull(PropagatorTest.class.getResource("/propagation")).toURI());
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void patchedOldVersionIsWhatACarefulHumanWouldWrite(String name) throws Exception {
    Path dir = Path.of(Objects.requireNonNull(PropagatorTest.class.getResource("/propagation/" + name)).toURI());
    Result result = Propagator.propagate("Train.java", Files.readString(dir.resolve("today.java")),
        Files.readString(dir.resolve("old.java")), Files.readAllLines(dir.resolve("selectors")));

    String expected = Files.readString(dir.resolve("expected.java"));
    if (!result.patchedSource().equals(expected)) {
      fail("the patched source differs from expected.java (- expected, + patched):\n" + diff(expected, result.patchedSource())
          + "\noutcomes: " + result.outcomes());
    }
    assertThat(result.outcomes().stream().map(PropagatorTest::describe))
        .containsExactlyElementsOf(Files.readAllLines(dir.resolve("outcomes")));
    assertThat(result.changed()).isEqualTo(!expected.equals(Files.readString(dir.resolve("old.java"))));
  }

  private static String describe(Outcome o) {
    return o.name() + " " + o.kind() + " " + o.oldLine() + (o.kind() == Kind.NOT_PLACED ? ": " + o.explanation() : "");
  }

  private static String diff(String a, String b) throws IOException {
    RawText x = new RawText(a.getBytes(StandardCharsets.UTF_8));
    RawText y = new RawText(b.getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DiffFormatter f = new DiffFormatter(out)) {
      f.format(DiffAlgorithm.getAlgorithm(DiffAlgorithm.SupportedAlgorithm.HISTOGRAM).diff(RawTextComparator.DEFAULT, x, y), x, y);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
