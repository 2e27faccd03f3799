package dev.flordb.internal.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every FLOR_* variable has one meaning, read one way; a bad value is refused with its name. */
class SettingsTest {
  @Test
  void nothingSetGivesTheDefaults() {
    Settings s = Settings.of(Map.of());
    assertThat(s.quiet).isFalse();
    assertThat(s.capture).isTrue();
    assertThat(s.checkpoints).isTrue();
    assertThat(s.checkpointFraction).isEqualTo(0.1);
    assertThat(s.checkpointIntervalSeconds).isZero();
    assertThat(s.replayVerdict).isNull();
    assertThat(s.replaySource).isNull();
  }

  @Test
  void switchesTakeTheUsualWordsInAnyCase() {
    for (String on : new String[] {"1", "true", "YES", "On"}) assertThat(Settings.of(Map.of("FLOR_QUIET", on)).quiet).isTrue();
    for (String off : new String[] {"0", "false", "No", "OFF"}) {
      assertThat(Settings.of(Map.of("FLOR_CAPTURE", off)).capture).isFalse();
      assertThat(Settings.of(Map.of("FLOR_CHECKPOINTS", off)).checkpoints).isFalse();
    }
    assertThat(Settings.of(Map.of("FLOR_QUIET", "  ")).quiet).as("blank is unset").isFalse();
  }

  @Test
  void aValueThatIsNeitherOnNorOffIsRefusedWithItsName() {
    assertThatThrownBy(() -> Settings.of(Map.of("FLOR_QUIET", "maybe")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("FLOR_QUIET=maybe is neither on nor off; use FLOR_QUIET=1 or FLOR_QUIET=0");
  }

  @Test
  void numbersAndPathsAreRead() {
    Settings s = Settings.of(Map.of("FLOR_CKPT_FRACTION", "1", "FLOR_CKPT_INTERVAL_S", "30",
        "FLOR_REPLAY_VERDICT", "/tmp/v.json", "FLOR_REPLAY_SOURCE", "src/main/java/Train.java"));
    assertThat(s.checkpointFraction).isEqualTo(1.0);
    assertThat(s.checkpointIntervalSeconds).isEqualTo(30.0);
    assertThat(s.replayVerdict).isEqualTo(Path.of("/tmp/v.json"));
    assertThat(s.replaySource).isEqualTo("src/main/java/Train.java");
    assertThatThrownBy(() -> Settings.of(Map.of("FLOR_CKPT_FRACTION", "a tenth")))
        .hasMessage("FLOR_CKPT_FRACTION=a tenth is not a number; unset it or give one, for example FLOR_CKPT_FRACTION=0.1");
  }

  @Test
  void theSharedStoreIsFlorStoreElseStoreUrlInFlordbPropertiesElseNone(@org.junit.jupiter.api.io.TempDir Path dir)
      throws java.io.IOException {
    assertThat(Settings.of(Map.of()).storeUrl(dir)).isNull();
    java.nio.file.Files.writeString(dir.resolve("flordb.properties"), "store.url = jdbc:postgresql://db:5432/team?user=me\n");
    assertThat(Settings.of(Map.of()).storeUrl(dir)).isEqualTo("jdbc:postgresql://db:5432/team?user=me");
    assertThat(Settings.of(Map.of("FLOR_STORE", "jdbc:postgresql://other/x")).storeUrl(dir)).isEqualTo("jdbc:postgresql://other/x");
  }

  @Test
  void aStoreUrlWithAPasswordInTheCommittedPropertiesFileIsRefused(@org.junit.jupiter.api.io.TempDir Path dir)
      throws java.io.IOException {
    java.nio.file.Files.writeString(dir.resolve("flordb.properties"), "store.url = jdbc:postgresql://db/team?user=me&password=s3cret\n");
    assertThatThrownBy(() -> Settings.of(Map.of()).storeUrl(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("store.url holds a password, and the file is committed with the project")
        .hasMessageNotContaining("s3cret");
  }
}
