package dev.flordb.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** flordb.properties holds settings of several parts; replay's are the replay.* keys. */
class ReplaySettingsTest {
  @TempDir Path tree;

  @Test
  void aPropertiesFileWithOnlySnapshotSettingsSetsNoReplayCommands() throws IOException {
    Files.writeString(tree.resolve("flordb.properties"), "snapshot.exclude = *.csv\n");
    assertThat(ReplaySettings.read(tree)).isNull();
  }

  @Test
  void aBuildWithoutALaunchIsStillRefusedSayingWhatIsMissing() throws IOException {
    Files.writeString(tree.resolve("flordb.properties"), "replay.build = make\n");
    assertThatThrownBy(() -> ReplaySettings.read(tree))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sets no replay.launch");
  }
}
