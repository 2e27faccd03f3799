package dev.flordb;

import static dev.flordb.TestProjects.dataframe;
import static dev.flordb.TestProjects.query;
import static dev.flordb.TestProjects.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flordb.TestProjects.Output;
import dev.flordb.internal.run.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad names and bad --kwargs get a clear error that names the value; what was logged stays. */
class BadInputTest {
  @TempDir Path tmp;

  static Stream<Arguments> badNames() {
    String longName = "n".repeat(10_000);
    return Stream.of(
        Arguments.of("", "\"\"", "is empty"),
        Arguments.of("   ", "\"   \"", "is empty"),
        Arguments.of(longName, "\"" + "n".repeat(40) + "...\"", "is 10000 characters long (at most 200)"),
        Arguments.of("lo\u0007ss", "\"lo\\u0007ss\"", "control character at position 2"),
        Arguments.of("my::loss", "\"my::loss\"", "contains '::'"),
        Arguments.of("tstamp", "\"tstamp\"", "column every dataframe has"),
        Arguments.of(" loss", "\" loss\"", "white space"));
  }

  @ParameterizedTest(name = "[{index}] {2}")
  @MethodSource("badNames")
  void aBadNameIsRefusedWithAMessageNamingItAndEarlierRecordsStay(String name, String shown, String why) {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      s.log("loss", 0.5);
      assertThatThrownBy(() -> s.log(name, 1.0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Flor.log name " + shown + " ")
          .hasMessageContaining(why);
      assertThatThrownBy(() -> s.arg(name, 1.0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Flor.arg name " + shown + " ");
      assertThatThrownBy(() -> s.loop(name, 0, 3))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Flor.loop name " + shown + " ");
      assertThatThrownBy(() -> s.iteration(name, 0, "x"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Flor.iteration name " + shown + " ");
      s.log("after", 1);
      assertThat(s.read(st -> st.dataframe("loss")).column("loss")).containsExactly(0.5);
    }
    assertThat(dataframe(repo).row(0).toMap()).containsEntry("loss", 0.5).containsEntry("after", 1L);
    assertThat(query(repo, "SELECT status FROM runs").column("status")).containsExactly("finished");
  }

  @Test
  void aNullNameIsRefused() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      assertThatThrownBy(() -> s.log(null, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("name null is null");
    }
  }

  @Test
  void aMalformedKwargsPairIsRefusedBeforeTheRunStartsAndEarlierRunsStay() {
    Path repo = TestProjects.emptyRepo(tmp);
    TestProjects.train(repo, 0.1, 1, 2);
    Table before = dataframe(repo, "lr", "loss");
    assertThatThrownBy(() -> session(repo, "--kwargs", "lr0.1").start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'lr0.1'")
        .hasMessageContaining("name=value");
    try (var files = Files.list(repo.resolve(".flor/records"))) {
      assertThat(files.count()).isEqualTo(1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(dataframe(repo, "lr", "loss").toCsv()).isEqualTo(before.toCsv());
  }

  @Test
  void aKwargsValueThatCannotBeCastIsRefusedNamingTheValueAndTheType() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo, "--kwargs", "lr=0.1", "epochs=five").start()) {
      assertThat(s.arg("lr", 0.01)).isEqualTo(0.1);
      assertThatThrownBy(() -> s.arg("epochs", 5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("epochs=five")
          .hasMessageContaining("'five' is not an Integer")
          .hasMessageContaining("--kwargs epochs=5");
    }
    assertThat(dataframe(repo).column("lr")).containsExactly(0.1);
    assertThat(dataframe(repo).columns()).doesNotContain("epochs");
  }

  @Test
  void aNullDefaultWithoutACommandLineValueSaysHowToPassOne() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      s.log("before", 1);
      assertThatThrownBy(() -> s.arg("data", null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Flor.arg(\"data\", null)")
          .hasMessageContaining("--kwargs data=VALUE");
    }
    assertThat(dataframe(repo).column("before")).containsExactly(1L);
  }

  @Test
  void aNullDefaultTakesTheCommandLineValueAsText() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo, "--kwargs", "data=train.csv").start()) {
      assertThat(s.<Object>arg("data", null)).isEqualTo("train.csv");
    }
    assertThat(dataframe(repo).column("data")).containsExactly("train.csv");
  }

  @Test
  void kwargsAreCastToTheTypeOfTheDefault() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo, "--kwargs", "epochs=7", "big=9000000000", "lr=1e-3", "f=0.5",
        "shuffle=yes", "name=resnet", "--other", "x=1").start()) {
      assertThat(s.arg("epochs", 5)).isEqualTo(7);
      assertThat(s.arg("big", 1L)).isEqualTo(9_000_000_000L);
      assertThat(s.arg("lr", 0.01)).isEqualTo(0.001);
      assertThat(s.arg("f", 1f)).isEqualTo(0.5f);
      assertThat(s.arg("shuffle", false)).isTrue();
      assertThat(s.arg("name", "mlp")).isEqualTo("resnet");
      assertThat(s.arg("x", 2)).isEqualTo(2); // after --other: not a kwarg
      assertThat(s.arg("unset", 3)).isEqualTo(3);
    }
    assertThat(dataframe(repo).row(0).toMap())
        .containsEntry("epochs", 7L).containsEntry("big", 9_000_000_000L).containsEntry("lr", 0.001)
        .containsEntry("f", 0.5).containsEntry("shuffle", true).containsEntry("name", "resnet")
        .containsEntry("x", 2L).containsEntry("unset", 3L);
  }

  @Test
  void aDefaultOfAnotherTypeIsRefused() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      assertThatThrownBy(() -> s.arg("layers", List.of(1, 2)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Flor.arg(\"layers\", ...)")
          .hasMessageContaining("Integer, Long, Double, Float, Boolean or String");
    }
  }

  @Test
  void aKwargGivenTwiceIsRefused() {
    Path repo = TestProjects.emptyRepo(tmp);
    assertThatThrownBy(() -> session(repo, "--kwargs", "lr=0.1", "lr=0.2").start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'lr' twice");
  }

  @Test
  void unknownKwargsAreReportedAtCloseAsAWarnRecordAndOnTheErrorStream() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output out = new Output();
    try (Session s = session(repo, out, "--kwargs", "lr=0.1", "epohcs=3").start()) {
      s.arg("lr", 0.01);
      s.arg("epochs", 5);
    }
    assertThat(out.err()).contains("flordb: ", "[epohcs]", "never read");
    Table warn = query(repo, "SELECT value FROM logs WHERE kind = 'warn'");
    assertThat(warn.size()).isEqualTo(1);
    assertThat(warn.row(0).getString("value")).contains("[epohcs]").contains("[lr, epochs]");
    assertThat(dataframe(repo).columns()).doesNotContain("warn");
  }

  @Test
  void knownKwargsProduceNoWarning() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output out = new Output();
    try (Session s = session(repo, out, "--kwargs", "lr=0.1").start()) {
      s.arg("lr", 0.01);
    }
    assertThat(out.err()).isEmpty();
    assertThat(query(repo, "SELECT count(*) AS n FROM logs WHERE kind = 'warn'").row(0).getLong("n")).isZero();
  }

  @Test
  void anArgReadTwiceReturnsTheFirstValueAndIsLoggedOnce() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo, "--kwargs", "lr=0.1").start()) {
      assertThat(s.arg("lr", 0.01)).isEqualTo(0.1);
      assertThat(s.arg("lr", 0.5)).isEqualTo(0.1);
    }
    assertThat(query(repo, "SELECT count(*) AS n FROM logs WHERE name = 'lr'").row(0).getLong("n")).isEqualTo(1);
  }

  @Test
  void aRangeThatEndsBeforeItStartsIsRefused() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      assertThatThrownBy(() -> s.loop("epoch", 3, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Flor.loop(\"epoch\", 3, 1)");
      assertThatThrownBy(() -> s.loop("epoch", null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("items is null");
    }
  }

  @Test
  void anEmptyDataframeNameIsRefused() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      assertThatThrownBy(() -> s.read(st -> st.dataframe("loss", " ")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must not be empty");
      assertThatThrownBy(() -> s.read(st -> st.query("  ")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("the query is empty");
    }
  }

  @Test
  void aKwargWithTwoEqualSignsIsRefusedWithTheFix() {
    Path repo = TestProjects.emptyRepo(tmp);
    assertThatThrownBy(() -> session(repo, "--kwargs", "lr==3").start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--kwargs lr==3: the value of 'lr' starts with '='; write lr=3 (one '=' between the name and the value)");
  }

  @Test
  void aKwargBeyondTheRangeOfADoubleIsRefusedAndNotReportedAsUnread() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output out = new Output();
    try (Session s = session(repo, out, "--kwargs", "lr=1e400").start()) {
      assertThatThrownBy(() -> s.arg("lr", 0.1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("--kwargs lr=1e400: 1e400 is beyond the range of the arg's type");
    }
    assertThat(out.err()).doesNotContain("never read");
    try (Session s = session(repo, "--kwargs", "lr=-Infinity").start()) {
      assertThat(s.arg("lr", 0.1)).isEqualTo(Double.NEGATIVE_INFINITY);
    }
  }

  @Test
  void aBigNumberBeyondADoubleIsStoredExactlyAsTextAndSaidSo() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output out = new Output();
    try (Session s = session(repo, out).start()) {
      s.log("huge", new java.math.BigDecimal("1e400"));
      s.log("tiny", new java.math.BigDecimal("1e-400"));
      s.log("big", new java.math.BigInteger("1" + "0".repeat(400)));
      s.log("fine", new java.math.BigDecimal("2.5"));
    }
    Table t = dataframe(repo, "huge", "tiny", "big", "fine");
    assertThat(t.row(0).toMap()).containsEntry("huge", "1E+400").containsEntry("tiny", "1E-400")
        .containsEntry("big", "1" + "0".repeat(400)).containsEntry("fine", 2.5);
    assertThat(out.err()).contains("'huge' is 1E+400, beyond the range of a double: it is stored exactly, as text");
  }

  @Test
  void aValueWhoseToStringThrowsIsRecordedAsSuchAndNeverThrowsIntoTheProgram() {
    Path repo = TestProjects.emptyRepo(tmp);
    Output out = new Output();
    Object broken = new Object() {
      @Override
      public String toString() {
        throw new IllegalStateException("half built");
      }
    };
    try (Session s = session(repo, out).quiet(false).start()) {
      assertThat(s.log("model", broken)).isSameAs(broken);
      s.log("after", 1);
    }
    assertThat((String) dataframe(repo, "model").row(0).toMap().get("model")).contains("toString() threw")
        .contains("half built");
    assertThat(dataframe(repo).row(0).toMap()).containsEntry("after", 1L);
  }

  @Test
  void runsStartedAtTheSameMomentGetDistinctTimestamps() {
    Path repo = TestProjects.emptyRepo(tmp);
    long now = System.currentTimeMillis();
    for (int i = 0; i < 8; i++) {
      try (Session s = Session.builder(repo).program("Train.java").quiet(true).startMillis(now).start()) {
        s.log("i", i);
      }
    }
    assertThat(query(repo, "SELECT count(DISTINCT tstamp) AS n FROM runs").row(0).getLong("n")).isEqualTo(8L);
  }

  @Test
  void readingTheStoreStartsNoRun() {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      s.log("x", 1);
    }
    Table t = Session.read(repo, store -> store.dataframe("x"));
    assertThat(t.column("x")).containsExactly(1L);
    assertThat(query(repo, "SELECT count(*) AS n FROM runs").row(0).getLong("n")).isEqualTo(1L);
    assertThat(TestProjects.recordFiles(repo)).hasSize(1);
  }
}
