package dev.flordb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database of schema version 1 knew each run's snapshot commit but not its code version, which
 * the store works out when it opens it; where the commit cannot be read (or there is no git), the
 * code version stays unknown, and the store says why.
 */
class OldRunsTest {
  private static final String RUN = "20250101-000000-000-aaaaaa";
  private static final String GONE = "ffffffffffffffffffffffffffffffffffffffff";

  @TempDir Path tmp;
  Path repo;
  Path flor;

  @BeforeEach
  void aVersionOneDatabaseWhoseRunsCommitIsGone() throws Exception {
    repo = TestProjects.repoWithCommit(tmp);
    flor = repo.resolve(".flor");
    Files.createDirectories(flor.resolve("records"));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + flor.resolve(Store.DB_FILE));
        Statement s = c.createStatement()) {
      TestProjects.createSchemaVersionOne(s);
      s.execute("INSERT INTO runs(run_id, projid, tstamp, status, version, args) VALUES ('" + RUN + "', 'proj',"
          + " '2025-01-01T00:00:00Z', 'finished', '" + GONE + "', '{}')");
    }
  }

  private static List<Object> codeVersions(Store s) {
    return s.query("SELECT code_version FROM runs").column("code_version");
  }

  @Test
  void aRunWhoseSnapshotCommitCannotBeReadKeepsAnUnknownCodeVersionAndTheStoreSaysWhy() {
    List<String> warnings = new ArrayList<>();
    try (Snapshots git = Snapshots.open(repo); Store s = Store.open(flor, git, warnings::add)) {
      assertThat(codeVersions(s)).containsExactly((Object) null);
      assertThat(s.query("SELECT version FROM runs").column("version")).containsExactly(GONE);
    }
    assertThat(warnings).singleElement().asString().startsWith("could not read the snapshot commit " + GONE
        + " of a run (").endsWith("); its code version is not known");
  }

  @Test
  void withoutGitAnOldRunsCodeVersionStaysUnknown() {
    List<String> warnings = new ArrayList<>();
    try (Store s = Store.open(flor, null, warnings::add)) {
      assertThat(codeVersions(s)).isEqualTo(Arrays.asList((Object) null));
      assertThat(s.query("SELECT value FROM meta WHERE key = 'schema_version'").column("value")).containsExactly("4");
    }
    assertThat(warnings).isEmpty();
  }
}
