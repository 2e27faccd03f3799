package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.records.Json;
import dev.flordb.testing.ChildJvm;
import dev.flordb.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A team's clones of one project (a bare repository as their remote) sharing one real PostgreSQL
 * server (FLOR_STORE), started by the test.
 */
class SharedStoreTest {
  static final String TRAIN = """
      import dev.flordb.Flor;
      import java.util.List;

      public class Train {
        public static void main(String[] args) {
          double lr = Flor.arg("lr", 0.01);
          String who = Flor.arg("who", "nobody");
          for (int epoch : Flor.loop("epoch", 0, 3)) {
            for (String batch : Flor.loop("batch", List.of("a", "bb"))) {
              Flor.log("loss", lr * (epoch + 1) + batch.length());
            }
            Flor.log("acc", 0.5 + epoch * 0.125);
            Flor.log("n", epoch * 10);
            Flor.log("ok", epoch % 2 == 0);
          }
          Flor.log("note", "done by " + who);
        }
      }
      """;

  @RegisterExtension static final PostgresServer pg = new PostgresServer();

  /** Three clones of a project with Train.java committed, the first one's remote a bare repository. */
  static Project[] clones(Path tmp) {
    Project a = Project.init(tmp.resolve("a"));
    a.write("Train.java", TRAIN);
    a.commitAll("training");
    Path bare = a.publish(tmp.resolve("origin.git"));
    return new Project[] {a, Project.cloneOf(bare, tmp.resolve("b")), Project.cloneOf(bare, tmp.resolve("c"))};
  }

  static void train(Project p, String store, String... kwargs) {
    List<String> args = new ArrayList<>(List.of("--kwargs"));
    args.addAll(List.of(kwargs));
    ChildJvm.source(p.dir, "Train.java", args.toArray(new String[0])).env("FLOR_STORE", store).run().assertSucceeded();
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rows(Project.Cli cli) {
    assertThat(cli.exit()).as(cli.toString()).isZero();
    return (List<Map<String, Object>>) Json.parse(cli.out());
  }

  @Test
  void twoClonesRecordIntoOneStoreAndTheThirdSeesEveryValueAsTheirLocalStoresGiveThem(@TempDir Path tmp) {
    String store = pg.newDatabase("three_clones");
    Project[] c = clones(tmp);
    train(c[0], store, "lr=0.1", "who=a");
    train(c[0], store, "lr=0.2", "who=a");
    train(c[1], store, "lr=0.3", "who=b");

    String[] names = {"lr", "who", "loss", "acc", "n", "ok", "note"};
    List<Map<String, Object>> shared = rows(c[2].cli(withStore(store, "dataframe", join("--json", names))));
    List<Map<String, Object>> local = new ArrayList<>(rows(c[0].cli(join("dataframe", join("--json", names)))));
    local.addAll(rows(c[1].cli(join("dataframe", join("--json", names)))));
    local.sort(Comparator.comparing((Map<String, Object> r) -> (String) r.get("tstamp"))
        .thenComparing(r -> (String) r.get("run_id")));

    assertThat(shared).hasSize(3 * 3 * 2).isEqualTo(local);
    assertThat(shared.get(0)).containsEntry("batch_value", "a").containsEntry("n", 0L).containsEntry("ok", true)
        .containsEntry("note", "done by a");

    // the run-level table and the commands that read agree too
    assertThat(rows(c[2].cli(withStore(store, "dataframe", "--json")))).hasSize(3);
    Project.Cli runs = c[2].cli(withStore(store, "runs"));
    assertThat(runs.exit()).as(runs.toString()).isZero();
    assertThat(runs.out().lines().filter(l -> l.contains("finished")).count()).isEqualTo(3);
    Project.Cli stat = c[2].cli(withStore(store, "stat"));
    assertThat(stat.out()).as(stat.toString()).contains("runs:     3");
    Project.Cli replay = c[2].cli(withStore(store, "replay", "acc", "--dry-run"));
    assertThat(replay.out()).as(replay.toString()).contains("3 runs of other clones in the shared store cannot be"
        + " replayed here without their snapshots: 'flordb pull' brings them");

    // a program's own reads (Flor.dataframe) see every clone's runs too
    c[2].write("Read.java", """
        import dev.flordb.Flor;
        public class Read {
          public static void main(String[] args) {
            System.out.println("rows " + Flor.dataframe("loss").size());
          }
        }
        """);
    ChildJvm.Finished read = ChildJvm.source(c[2].dir, "Read.java").env("FLOR_STORE", store).run().assertSucceeded();
    assertThat(read.out()).contains("rows 18");
  }

  static String[] join(String first, String... rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(rest));
    return all.toArray(new String[0]);
  }

  static final String PAUSING = """
      import dev.flordb.Flor;
      import java.io.BufferedReader;
      import java.io.InputStreamReader;

      public class Pausing {
        public static void main(String[] args) throws Exception {
          BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
          for (int i : Flor.loop("i", 0, 400)) {
            Flor.log("v", i * 1000 + 7);
            if (i == 199) {
              Flor.commit();
              System.out.println("half");
              System.out.flush();
              in.readLine();
            }
          }
        }
      }
      """;

  @Test
  void aStoreOfTheSchemaBeforePacksIsUpgradedAndItsDataframeIsStillTheLocalOne(@TempDir Path tmp) throws Exception {
    String store = pg.newDatabase("before_packs");
    Project[] c = clones(tmp);
    train(c[0], store, "lr=0.1", "who=a");
    String[] names = {"lr", "who", "loss", "acc", "n", "ok", "note"};
    List<Map<String, Object>> local = rows(c[0].cli(join("dataframe", join("--json", names))));
    // as a flordb of schema version 1 left it: no packs
    try (Connection conn = DriverManager.getConnection(store); Statement s = conn.createStatement()) {
      String schema;
      try (ResultSet rs = s.executeQuery("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'flor\\_%'")) {
        assertThat(rs.next()).isTrue();
        schema = rs.getString(1);
      }
      s.execute("DROP TABLE " + schema + ".packs");
      s.execute("DROP TABLE " + schema + ".summaries");
      s.execute("UPDATE " + schema + ".meta SET value = '1' WHERE key = 'schema_version'");
    }

    assertThat(rows(c[2].cli(withStore(store, "dataframe", join("--json", names))))).hasSize(3 * 2).isEqualTo(local);
    // and what is shipped after the upgrade is packed with its rows
    train(c[1], store, "lr=0.3", "who=b");
    List<Map<String, Object>> both = new ArrayList<>(local);
    both.addAll(rows(c[1].cli(join("dataframe", join("--json", names)))));
    assertThat(rows(c[2].cli(withStore(store, "dataframe", join("--json", names))))).isEqualTo(both);
  }

  @Test
  void aRunWhoseStoreStopsFinishesNormallyAndAfterSyncEveryValueIsThereOnceAndNoMessageShowsThePassword(
      @TempDir Path tmp) throws Exception {
    String store = pg.newDatabase("stopped") + "&password=hunter2-secret";
    Project p = Project.init(tmp.resolve("p"));
    p.write("Pausing.java", PAUSING);
    p.commitAll("pausing");
    String err;
    try (ChildJvm.Running run = ChildJvm.source(p.dir, "Pausing.java").env("FLOR_STORE", store).start()) {
      run.awaitLine(l -> l.equals("half"));
      pg.stop();
      try {
        run.send("go");
        assertThat(run.awaitExit()).as(run.stderr()).isZero();
        err = run.stderr();
      } finally {
        pg.restart();
      }
    }
    assertThat(err).doesNotContain("hunter2").containsOnlyOnce("the shared store cannot take this run's records")
        .contains("flordb sync");

    Project.Cli sync = p.cli(withStore(store, "sync"));
    assertThat(sync.exit()).as(sync.toString()).isZero();
    assertThat(sync.out()).startsWith("shipped ");
    List<Map<String, Object>> counts = rows(p.cli(withStore(store, "query", "--json",
        "SELECT count(*) AS n, count(DISTINCT value) AS d, min(value::bigint) AS lo, max(value::bigint) AS hi"
            + " FROM logs WHERE name = 'v'")));
    assertThat(counts).containsExactly(Map.of("n", 400L, "d", 400L, "lo", 7L, "hi", 399_007L));
    assertThat(rows(p.cli(withStore(store, "query", "--json", "SELECT status FROM runs"))))
        .containsExactly(Map.of("status", "finished"));
    Project.Cli again = p.cli(withStore(store, "sync"));
    assertThat(again.out()).isEqualTo("the shared store has every record of this clone\n");
  }

  @Test
  void aStoreThatIsDownIsNamedWithoutItsPasswordAndTheCommandFails(@TempDir Path tmp) {
    Project p = Project.init(tmp.resolve("p"));
    p.write("Train.java", TRAIN);
    p.commitAll("training");
    Project.Cli r = p.cli("--store", "jdbc:postgresql://localhost:1/nowhere?user=me&password=hunter2-secret", "runs");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("flordb: the shared store postgresql://localhost:1/nowhere could not")
        .doesNotContain("hunter2").doesNotContain("user=me");
  }

  @Test
  void queriesOnTheSharedStoreOnlyRead(@TempDir Path tmp) {
    String store = pg.newDatabase("read_only");
    Project[] c = clones(tmp);
    train(c[0], store, "lr=0.1");
    for (String sql : List.of("DELETE FROM logs", "SELECT 1; DELETE FROM logs",
        "COMMIT; SET default_transaction_read_only = off; DELETE FROM logs", "COMMIT; RESET ROLE; DROP TABLE logs")) {
      Project.Cli r = c[1].cli(withStore(store, "query", sql));
      assertThat(r.exit()).as(sql + "\n" + r).isEqualTo(1);
    }
    assertThat(rows(c[1].cli(withStore(store, "query", "--json", "SELECT count(*) AS n FROM logs WHERE name = 'loss'"))))
        .containsExactly(Map.of("n", 6L));
  }

  static final String WRITER = """
      import dev.flordb.Flor;

      public class Writer {
        public static void main(String[] args) {
          long k = Flor.arg("writer", 0L);
          for (int i : Flor.loop("i", 0, 3000)) Flor.log("v", k * 1_000_000 + i);
        }
      }
      """;

  @Test
  void sixRunsAtOnceFromTwoClonesAreSixRunsWithNothingMixedLostOrTwice(@TempDir Path tmp) {
    String store = pg.newDatabase("six_runs");
    Project a = Project.init(tmp.resolve("a"));
    a.write("Writer.java", WRITER);
    a.commitAll("writer");
    Project b = Project.cloneOf(a.publish(tmp.resolve("origin.git")), tmp.resolve("b"));
    List<ChildJvm.Running> running = new ArrayList<>();
    try {
      for (int k = 1; k <= 6; k++) {
        Project p = k <= 3 ? a : b;
        running.add(ChildJvm.source(p.dir, "Writer.java", "--kwargs", "writer=" + k).env("FLOR_STORE", store).start());
      }
      for (ChildJvm.Running r : running) assertThat(r.awaitExit()).as(r.stderr()).isZero();
    } finally {
      running.forEach(ChildJvm.Running::close);
    }
    assertThat(a.cli(withStore(store, "sync")).exit()).isZero();
    assertThat(b.cli(withStore(store, "sync")).exit()).isZero();
    List<Map<String, Object>> perRun = rows(a.cli(withStore(store, "query", "--json",
        "SELECT (r.args::json->>'writer')::bigint AS writer, count(*) AS n, count(DISTINCT l.seq) AS seqs,"
            + " count(DISTINCT l.value) AS distinct_values,"
            + " sum(CASE WHEN l.value::bigint - c.idx = (r.args::json->>'writer')::bigint * 1000000 THEN 0 ELSE 1 END)"
            + "   AS misplaced, sum(CASE WHEN c.rid = l.rid THEN 0 ELSE 1 END) AS foreign_positions"
            + " FROM logs l JOIN runs r ON r.rid = l.rid JOIN ctx c ON c.id = l.ctx"
            + " WHERE l.name = 'v' GROUP BY 1 ORDER BY 1")));
    assertThat(perRun).hasSize(6);
    for (int k = 1; k <= 6; k++) {
      assertThat(perRun.get(k - 1)).as("writer " + k).containsEntry("writer", (long) k).containsEntry("n", 3000L)
          .containsEntry("seqs", 3000L).containsEntry("distinct_values", 3000L).containsEntry("misplaced", 0L)
          .containsEntry("foreign_positions", 0L);
    }
    List<Map<String, Object>> runs = rows(a.cli(withStore(store, "query", "--json",
        "SELECT count(*) AS runs, count(DISTINCT run_id) AS ids, sum(CASE WHEN status = 'finished' THEN 1 ELSE 0 END)"
            + " AS finished FROM runs")));
    assertThat(runs).containsExactly(Map.of("runs", 6L, "ids", 6L, "finished", 6L));
  }

  static final String MANY = """
      import dev.flordb.Flor;

      public class Many {
        public static void main(String[] args) {
          for (int e : Flor.loop("e", 0, 100)) {
            for (int i : Flor.loop("i", 0, 2000)) Flor.log("v", e * 10_000 + i);
          }
        }
      }
      """;

  @Test
  void aSyncKilledMidwayAndRunAgainStoresEveryRecordExactlyOnce(@TempDir Path tmp) throws Exception {
    String store = pg.newDatabase("killed_sync");
    Project p = Project.init(tmp.resolve("p"));
    p.write("Many.java", MANY);
    p.commitAll("many");
    ChildJvm.source(p.dir, "Many.java").run().assertSucceeded(); // recorded offline: no FLOR_STORE
    try (java.sql.Connection watch = java.sql.DriverManager.getConnection(store)) {
      try (ChildJvm.Running sync = ChildJvm.mainClass(p.dir, FlorCli.class, "--store", store, "sync").start()) {
        // kill it while it is inside the transaction that ships the file
        boolean inside = false;
        for (int i = 0; i < 6000 && !inside && sync.isAlive(); i++) {
          try (java.sql.Statement s = watch.createStatement(); java.sql.ResultSet rs = s.executeQuery(
              "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'flordb' AND query LIKE 'COPY logs%' AND backend_xid IS NOT NULL")) {
            rs.next();
            inside = rs.getLong(1) > 0;
          }
          if (!inside) Thread.sleep(5);
        }
        assertThat(inside).as("the sync reached the transaction " + sync.stderr()).isTrue();
        sync.kill9();
      }
      long afterKill;
      try (java.sql.Statement s = watch.createStatement()) {
        s.execute("SET search_path TO flor_" + dev.flordb.internal.store.SharedStore.projectOf(
            dev.flordb.internal.git.Snapshots.open(p.dir)));
        try (java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM logs WHERE name = 'v'")) {
          rs.next();
          afterKill = rs.getLong(1);
        }
      }
      assertThat(afterKill).as("a file is shipped whole or not at all").isIn(0L, 200_000L);
    }
    Project.Cli again = p.cli(withStore(store, "sync"));
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(rows(p.cli(withStore(store, "query", "--json",
        "SELECT count(*) AS n, count(DISTINCT seq) AS seqs FROM logs WHERE name = 'v'"))))
        .containsExactly(Map.of("n", 200_000L, "seqs", 200_000L));
  }

  /**
   * The summaries a shipping writes point at its rows by the rowids it foresaw from logs.rowid's
   * sequence, and it checks the sequence before writing them. Here another connection draws a
   * number from that sequence after the rows were copied and before the summaries are written (the
   * shipping waits on a lock the test holds on packs, which it writes in between): the sequence is
   * not where the summaries expect, the shipping is refused whole, and the next sync ships it.
   */
  @Test
  void aShippingDuringWhichAnotherConnectionDrawsALogsRowidIsRefusedWholeAndTheNextSyncShipsItOnce(
      @TempDir Path tmp) throws Exception {
    String store = pg.newDatabase("foreseen_rowids");
    Project p = Project.init(tmp.resolve("p"));
    p.write("Train.java", TRAIN);
    p.commitAll("training");
    train(p, store, "lr=0.1", "who=a"); // shipped as it ran
    String shipped = p.runs().get(0).getString("run_id");
    ChildJvm.source(p.dir, "Train.java", "--kwargs", "lr=0.2", "who=b").run().assertSucceeded(); // offline
    String offline = p.runs().stream().map(r -> r.getString("run_id")).filter(r -> !r.equals(shipped)).findFirst()
        .orElseThrow();
    String schema;
    try (dev.flordb.internal.git.Snapshots git = dev.flordb.internal.git.Snapshots.open(p.dir)) {
      schema = "flor_" + dev.flordb.internal.store.SharedStore.projectOf(git);
    }
    String[] tables = {"runs", "ctx", "logs", "packs", "summaries", "files"};
    Map<String, Long> before = counts(store, schema, tables);

    try (Connection other = DriverManager.getConnection(store); Connection watch = DriverManager.getConnection(store)) {
      other.setAutoCommit(false);
      try (Statement s = other.createStatement()) {
        s.execute("LOCK TABLE " + schema + ".packs IN SHARE MODE");
      }
      java.util.concurrent.CompletableFuture<Project.Cli> sync =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> p.cli(withStore(store, "sync")));
      // the shipping has copied its rows and set the sequence after them, and waits to write its packs
      boolean waiting = false;
      for (int i = 0; i < 6000 && !waiting && !sync.isDone(); i++) {
        try (Statement s = watch.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_locks l"
            + " JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE NOT l.granted AND c.relname = 'packs' AND n.nspname = '" + schema + "'")) {
          rs.next();
          waiting = rs.getLong(1) > 0;
        }
        if (!waiting) Thread.sleep(5);
      }
      assertThat(waiting).as("the sync reached the packs").isTrue();
      try (Statement s = other.createStatement(); ResultSet rs = s.executeQuery(
          "SELECT nextval(pg_get_serial_sequence('" + schema + ".logs', 'rowid'))")) {
        rs.next();
      }
      other.commit();
      Project.Cli refused = sync.get(2, java.util.concurrent.TimeUnit.MINUTES);
      assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
      assertThat(refused.err()).as(refused.toString())
          .contains("could not take the records of run " + offline + " (")
          .contains("the summaries expected the rows of logs to end before rowid")
          .contains("nothing of this shipping is kept: sync again");
    }
    assertThat(counts(store, schema, tables)).as("nothing of the refused shipping is in the store").isEqualTo(before);

    Project.Cli again = p.cli(withStore(store, "sync"));
    assertThat(again.exit()).as(again.toString()).isZero();
    assertThat(again.out()).startsWith("shipped ");
    String[] names = {"lr", "who", "loss", "acc", "n", "ok", "note"};
    assertThat(rows(p.cli(withStore(store, "dataframe", join("--json", names)))))
        .isEqualTo(rows(p.cli(join("dataframe", join("--json", names)))));
    String ofRun = " FROM logs l JOIN runs r ON r.rid = l.rid WHERE r.run_id = ";
    assertThat(rows(p.cli(withStore(store, "query", "--json", "SELECT count(*) AS n, count(DISTINCT l.seq) AS seqs"
        + ofRun + "'" + offline + "'")))).isEqualTo(rows(p.cli(withStore(store, "query", "--json",
            "SELECT count(*) AS n, count(DISTINCT l.seq) AS seqs" + ofRun + "'" + shipped + "'"))));
    // every summary points at a row of its own run and name that holds its last value
    try (Connection c = DriverManager.getConnection(store); Statement s = c.createStatement()) {
      s.execute("SET search_path TO " + schema);
      try (ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE l.rid = m.rid AND l.name = m.name"
          + " AND l.value IS NOT DISTINCT FROM m.last) FROM summaries m LEFT JOIN logs l ON l.rowid = m.at")) {
        rs.next();
        assertThat(rs.getLong(1)).isGreaterThan(before.get("summaries"));
        assertThat(rs.getLong(2)).isEqualTo(rs.getLong(1));
      }
    }
  }

  /** The number of rows of each table of the project's schema. */
  private static Map<String, Long> counts(String store, String schema, String... tables) throws Exception {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    try (Connection c = DriverManager.getConnection(store); Statement s = c.createStatement()) {
      for (String t : tables) {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + "." + t)) {
          rs.next();
          out.put(t, rs.getLong(1));
        }
      }
    }
    return out;
  }

  @Test
  void pushThenPullBringsTheSnapshotsLeavesTheBranchAndWorkingTreeAndAReplayThereFillsInANewStatement(
      @TempDir Path tmp) {
    String store = pg.newDatabase("push_pull");
    Project[] c = clones(tmp);
    train(c[0], store, "lr=0.1", "who=a");
    String run = c[0].runs().get(0).getString("run_id");
    Project.Cli push = c[0].cli("push");
    assertThat(push.exit()).as(push.toString()).isZero();
    assertThat(push.out()).startsWith("pushed 1 ref (0 up to date) to origin");

    TempRepoState before = new TempRepoState(c[1].gitState());
    Project.Cli pull = c[1].cli("pull");
    assertThat(pull.exit()).as(pull.toString()).isZero();
    assertThat(c[1].refs("refs/flor/runs/")).containsKey("refs/flor/runs/" + run);
    assertThat(new TempRepoState(c[1].gitState())).isEqualTo(before);
    assertThat(c[1].runs()).extracting(r -> r.getString("run_id")).containsExactly(run);
    assertThat(c[1].cli("push").out()).as("nothing new to send back").startsWith("pushed 0 refs (1 up to date)");

    c[1].write("Train.java", TRAIN.replace("Flor.log(\"acc\",",
        "Flor.log(\"acc2\", 2 * (0.5 + epoch * 0.125));\n          Flor.log(\"acc\","));
    Project.Cli replay = c[1].cli(withStore(store, "replay", "acc2", "--yes"));
    assertThat(replay.exit()).as(replay.toString()).isZero();
    List<Map<String, Object>> df = rows(c[1].cli("dataframe", "--json", "acc", "acc2"));
    assertThat(df).hasSize(3).allSatisfy(r -> assertThat(r.get("acc2")).isEqualTo(2 * (Double) r.get("acc")));
    // the replayed values were shipped: the third clone sees them in the shared store, with their source
    List<Map<String, Object>> shared = rows(c[2].cli(withStore(store, "dataframe", "--json", "acc", "acc2")));
    assertThat(shared).isEqualTo(df);
    assertThat(shared).allSatisfy(r -> assertThat(r.get("source")).isEqualTo("replay"));
  }

  /** A clone's git state (TempRepo.GitState) as a value. */
  record TempRepoState(dev.flordb.testing.TempRepo.GitState s) {}

  private static String[] withStore(String store, String command, String... args) {
    List<String> all = new ArrayList<>(List.of("--store", store, command));
    all.addAll(List.of(args));
    return all.toArray(new String[0]);
  }
}
