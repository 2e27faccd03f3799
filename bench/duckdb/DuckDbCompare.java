import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * DuckDB against SQLite on the same store, for the dataframe of {@code FirstReadBench}: the record
 * files of a repository kept with {@code -Dkeep=true}, and its current {@code .flor/flor.db}.
 *
 * <p>DuckDB: (1) load the record files with its own JSON reader into a typed table, one row per
 * record with its loop positions as columns (what a columnar query side would hold); (2) the
 * pivot for {@code dataframe("hparam", "loss")} in SQL, every row fetched through JDBC into Java
 * arrays as a Table needs them. SQLite: the same pivot as one SQL join over {@code logs} and
 * {@code ctx}, fetched the same way (the engine's floor, without FlorDB's general rules).
 *
 * <p>Usage: {@code bench/duckdb.sh REPO} (fetches the driver with Maven, then runs this).
 */
public final class DuckDbCompare {
  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]);
    Path records = repo.resolve(".flor/records");
    Path duck = Files.createTempFile("flordb-duck", ".duckdb");
    Files.delete(duck);
    int rounds = Integer.getInteger("rounds", 3);
    try (Connection d = DriverManager.getConnection("jdbc:duckdb:" + duck); Statement s = d.createStatement()) {
      long a = System.nanoTime();
      s.execute("CREATE TABLE rec AS SELECT run, seq, t, kind, name, type, src, value, ctx FROM read_json('"
          + records + "/*.jsonl', format = 'newline_delimited', columns = {run: 'VARCHAR', seq: 'BIGINT', t: 'BIGINT',"
          + " ctx: 'JSON', kind: 'VARCHAR', name: 'VARCHAR', type: 'VARCHAR', value: 'JSON', src: 'VARCHAR'})");
      long b = System.nanoTime();
      s.execute("CREATE TABLE cells AS SELECT run, seq, kind, name, type, src,"
          + " CASE WHEN type IN ('float', 'int') THEN TRY_CAST(value AS DOUBLE) END AS num,"
          + " CASE WHEN type NOT IN ('float', 'int') THEN CAST(value AS VARCHAR) END AS text,"
          + " json_array_length(ctx) AS depth,"
          + " ctx->>'$[0][0]' AS loop0, CAST(ctx->>'$[0][1]' AS BIGINT) AS idx0,"
          + " ctx->>'$[1][0]' AS loop1, CAST(ctx->>'$[1][1]' AS BIGINT) AS idx1 FROM rec WHERE kind != 'run'");
      s.execute("CREATE TABLE runs AS SELECT run AS run_id, value->>'projid' AS projid, value->>'tstamp' AS tstamp,"
          + " value->>'filename' AS filename FROM rec WHERE kind = 'run'");
      long c = System.nanoTime();
      System.out.printf("duckdb load: read_json into a table %.3f s, typed cells with positions %.3f s%n",
          (b - a) / 1e9, (c - b) / 1e9);
      System.out.printf("RESULT duck_load_s %.3f%n", (c - a) / 1e9);
      String pivot = "SELECT r.projid, r.tstamp, r.filename, l.run AS run_id, l.idx0 AS epoch, l.idx1 AS step,"
          + " h.num AS hparam, l.num AS loss FROM cells l JOIN runs r ON r.run_id = l.run"
          + " LEFT JOIN (SELECT run, last(num ORDER BY seq) AS num FROM cells WHERE name = 'hparam' AND depth = 0 GROUP BY run) h"
          + " ON h.run = l.run WHERE l.name = 'loss' ORDER BY r.tstamp, l.run, epoch, step";
      measure("duckdb", d, pivot, rounds);
    } finally {
      Files.deleteIfExists(duck);
      Files.deleteIfExists(Path.of(duck + ".wal"));
    }
    try (Connection q = DriverManager.getConnection("jdbc:sqlite:" + repo.resolve(".flor/flor.db"))) {
      String pivot = "SELECT r.projid, r.tstamp, r.filename, r.run_id, e.idx AS epoch, c.idx AS step,"
          + " (SELECT h.value FROM logs h WHERE h.rid = l.rid AND h.name = 'hparam' AND h.ctx = 0 ORDER BY h.seq DESC LIMIT 1) AS hparam,"
          + " l.value AS loss FROM logs l JOIN ctx c ON c.id = l.ctx JOIN ctx e ON e.id = c.parent JOIN runs r ON r.rid = l.rid"
          + " WHERE l.name = 'loss' ORDER BY r.tstamp, r.run_id, epoch, step";
      measure("sqlite", q, pivot, rounds);
    }
  }

  private static void measure(String engine, Connection conn, String sql, int rounds) throws Exception {
    double[] all = new double[rounds];
    double[] query = new double[rounds];
    int n = 0;
    for (int round = 0; round < rounds; round++) {
      long a = System.nanoTime();
      long firstRow;
      List<Object[]> rows = new ArrayList<>();
      try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        int width = rs.getMetaData().getColumnCount();
        firstRow = 0;
        while (rs.next()) {
          if (firstRow == 0) firstRow = System.nanoTime();
          Object[] r = new Object[width];
          for (int i = 0; i < width; i++) r[i] = rs.getObject(i + 1);
          rows.add(r);
        }
      }
      long b = System.nanoTime();
      n = rows.size();
      all[round] = (b - a) / 1e9;
      query[round] = (firstRow - a) / 1e9;
      System.out.printf("%s round %d: %,d rows, %.3f s (first row after %.3f s)%n", engine, round, n, all[round], query[round]);
    }
    java.util.Arrays.sort(all);
    System.out.printf("RESULT %s_pivot_s %.3f%n", engine, all[rounds / 2]);
  }
}
