package dev.flordb.postgres;

import dev.flordb.internal.store.SharedDatabase;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;

/**
 * The shared store on PostgreSQL ({@code FLOR_STORE=jdbc:postgresql://HOST:PORT/DATABASE}).
 *
 * <h2>Credentials</h2>
 *
 * As PostgreSQL's own tools take them: {@code user} and {@code password} in the URL, else the
 * password from {@code PGPASSWORD}, else from {@code ~/.pgpass} (or {@code PGPASSFILE}; the
 * driver reads it). The user defaults to {@code PGUSER}, then the system user. No message shows
 * the URL beyond its host, port and database ({@link #redact}).
 *
 * <h2>Schema version 4</h2>
 *
 * Each project has a schema of its own, {@code flor_<first commit>}, holding the tables of the
 * local store ({@code Store}) under the same names, so that the same SQL reads either:
 *
 * <pre>
 * meta(key PRIMARY KEY, value)          schema_version = 4; packs = rebuild, summaries = rebuild
 *                                       while they are still to be made from the rows (an
 *                                       upgraded schema)
 * runs(rid PRIMARY KEY (identity), run_id UNIQUE, projid, tstamp, filename, status, version,
 *      args, start_ms, end_ms, pid, pid_start_ms, host, error, header, code_version)
 * ctx(id PRIMARY KEY, rid, parent, depth, loop, idx, value)
 *                                       value: the loop element as JSON text ("3", "\"cat\"");
 *                                       indexes ctx_parent: BRIN on (rid, parent), and ctx_root:
 *                                       (rid) WHERE parent = 0, for the ingest's look-up of a
 *                                       position's children (see below)
 * logs(rowid (identity: insertion order; a shipping takes its values from the identity's sequence
 *      itself, see CopyRows), rid, seq, ctx, kind, name, type, value, source, t)
 *                                       index logs_rid: BRIN on (rid), for one run's rows
 *                                       value: text, read by its type (int, float, bool 0/1,
 *                                       json, str); cast it in SQL: value::float
 * files(path PRIMARY KEY, run_id, bytes, lines, bad_lines, damage)
 *                                       each record file's high-water mark: its first bytes
 *                                       (whole lines) are in the tables, exactly once
 * packs(id PRIMARY KEY (identity), rid, name, n, data bytea)
 *                                       the dataframe's copy of the values, as the local store's
 *                                       (CellPacks), written in the transaction of their rows;
 *                                       data stored uncompressed
 * summaries(rid, kind, name, in_loop, source, type, n, lo numeric, hi numeric, last, at,
 *      PRIMARY KEY (rid, kind, name, in_loop, source, type))
 *                                       what each run logged of each name, as the local store's
 *                                       (NameSummaries: count, least and greatest finite number,
 *                                       exactly; the last value as text and its rowid), written
 *                                       in the transaction of their rows; flordb serve reads it
 * view records                          as the local store's
 * </pre>
 *
 * <p>Upgrades, each in the transaction that checks the version: 1 to 2 ({@code PACKS_STEP}) adds
 * {@code packs} (empty) and the {@code packs = rebuild} mark, and drops version 1's index on
 * {@code logs(name)} (the dataframe reads packs now; a query by name scans {@code logs}); 2 to 3
 * ({@code SUMMARIES_STEP}) adds {@code summaries} (empty) and the {@code summaries = rebuild}
 * mark. The first shipping or reading after either makes what is marked from the rows and removes
 * the mark, in one transaction under the project's write lock.
 *
 * <p>3 to 4 ({@code SHIPPING_STEP}; for the shipping of a million records, each part measured on
 * it) replaces the unique B-tree {@code ctx_position} on {@code ctx(rid, parent, loop, idx)}, whose upkeep was half of what
 * PostgreSQL spent taking a million positions, with the BRIN index {@code ctx_parent} on {@code
 * ctx(rid, parent)} (a fifth of the cost) and the partial B-tree {@code ctx_root} on {@code
 * ctx(rid) WHERE parent = 0}. Nothing needs the uniqueness: a reading gives each position its id
 * once, under the project's write lock, and exactly-once rests on the files' high-water marks. The
 * ingest only looks up the children of positions made by an earlier shipping of the run, and a
 * run's positions lie together in the table (ids are given in order, rows are only ever added):
 * BRIN reads the ranges of the enclosing loop's part of the run (and whole any range added since
 * the last autovacuum); the outermost positions, which lie all over the run's part, are found by
 * {@code ctx_root}. It adds the BRIN index {@code logs_rid} on {@code logs(rid)}, so that a run's
 * page reads its rows without scanning every run's. It also stores the packs' {@code data} uncompressed ({@code STORAGE EXTERNAL};
 * pglz took 0.3 s; packs written before stay as they are), and lets a shipping give {@code
 * logs.rowid} itself ({@code GENERATED BY DEFAULT}): PostgreSQL's {@code nextval} per row was a
 * fifth of its time for the records; the shipping takes them in one go from the same sequence.
 *
 * Text columns that are compared or sorted use the "C" collation, which orders as SQLite does.
 * The schema is created by the first connection of a project, and a newer version than this
 * code knows is refused. The schema {@code flor} holds one table, {@code reader(role, password)}:
 * the password of each project's role {@code flor_reader_<first commit>}, which may only read that
 * project's tables, in read-only transactions, and is what queries run as; only the user who
 * made the table (and superusers) can read it.
 */
public final class PostgresDatabase implements SharedDatabase {
  static final int SCHEMA_VERSION = 4;
  private static final String PREFIX = "jdbc:postgresql:";

  private static final String RECORDS_VIEW = "SELECT r.projid, r.tstamp, r.filename, r.run_id, l.seq,"
      + " c.loop, c.idx AS iteration, l.ctx, l.kind, l.name, l.value, l.type, l.source,"
      + " (WITH RECURSIVE up(id, depth, word) AS (SELECT l.ctx, 0, NULL::text COLLATE \"C\" UNION ALL"
      + " SELECT x.parent, up.depth + 1, x.loop || '=' || x.idx FROM up JOIN ctx x ON x.id = up.id)"
      + " SELECT string_agg(word, ' ' ORDER BY depth DESC) FROM up WHERE word IS NOT NULL) AS position"
      + " FROM logs l JOIN runs r ON r.rid = l.rid LEFT JOIN ctx c ON c.id = l.ctx";

  private static final String PACKS = "CREATE TABLE packs(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
      + " rid bigint NOT NULL, name text COLLATE \"C\" NOT NULL, n integer NOT NULL, data bytea NOT NULL)";
  private static final String PACKS_INDEX = "CREATE INDEX packs_name ON packs(name, rid, id)";

  private static final String SUMMARIES = "CREATE TABLE summaries(rid bigint NOT NULL, kind text COLLATE \"C\" NOT NULL,"
      + " name text COLLATE \"C\" NOT NULL, in_loop integer NOT NULL, source text COLLATE \"C\" NOT NULL,"
      + " type text COLLATE \"C\" NOT NULL, n bigint NOT NULL, lo numeric, hi numeric, last text COLLATE \"C\","
      + " at bigint NOT NULL, PRIMARY KEY (rid, kind, name, in_loop, source, type))";

  /** Finds a position's children (autosummarize: the ranges a shipping fills are summarized in the background). */
  private static final String CTX_PARENT =
      "CREATE INDEX IF NOT EXISTS ctx_parent ON ctx USING brin (rid, parent) WITH (autosummarize = on)";
  /**
   * Finds a run's outermost positions, which lie all over its part of the table (a BRIN range
   * holding one matches any parent): few rows (an epoch loop's), so little to keep.
   */
  private static final String CTX_ROOT = "CREATE INDEX IF NOT EXISTS ctx_root ON ctx(rid) WHERE parent = 0";
  /**
   * Finds a run's rows in {@code logs} (flordb serve's run page and charts): a shipping appends a
   * file's rows together, so each run's lie in a few block ranges, and BRIN costs next to nothing
   * to keep.
   */
  private static final String LOGS_RID =
      "CREATE INDEX IF NOT EXISTS logs_rid ON logs USING brin (rid) WITH (autosummarize = on)";

  /**
   * Packs are stored as they are, not compressed: compressing the megabytes of a million values
   * (PostgreSQL's pglz) took 0.3 s at the end of every such shipping, for half their size.
   */
  private static final String PACKS_UNCOMPRESSED = "ALTER TABLE packs ALTER COLUMN data SET STORAGE EXTERNAL";

  private static final String[] SCHEMA = {
    "CREATE TABLE meta(key text PRIMARY KEY, value text)",
    "CREATE TABLE runs(rid bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, run_id text COLLATE \"C\" UNIQUE NOT NULL,"
        + " projid text COLLATE \"C\", tstamp text COLLATE \"C\", filename text COLLATE \"C\", status text COLLATE \"C\","
        + " version text, args text, start_ms bigint, end_ms bigint, pid bigint, pid_start_ms bigint, host text,"
        + " error text, header text, code_version text)",
    "CREATE TABLE ctx(id bigint PRIMARY KEY, rid bigint NOT NULL, parent bigint NOT NULL, depth integer NOT NULL,"
        + " loop text COLLATE \"C\" NOT NULL, idx bigint NOT NULL, value text)",
    CTX_PARENT,
    CTX_ROOT,
    "CREATE TABLE logs(rowid bigint GENERATED BY DEFAULT AS IDENTITY, rid bigint NOT NULL, seq bigint NOT NULL,"
        + " ctx bigint NOT NULL, kind text COLLATE \"C\" NOT NULL, name text COLLATE \"C\" NOT NULL, type text NOT NULL,"
        + " value text COLLATE \"C\", source text NOT NULL, t bigint)",
    LOGS_RID,
    // no index on logs(name): the dataframe reads packs, and keeping one costs shipping a tenth of its time
    "CREATE TABLE files(path text COLLATE \"C\" PRIMARY KEY, run_id text, bytes bigint NOT NULL, lines bigint NOT NULL,"
        + " bad_lines bigint NOT NULL, damage text)",
    "CREATE VIEW records AS " + RECORDS_VIEW,
    PACKS,
    PACKS_INDEX,
    SUMMARIES,
    PACKS_UNCOMPRESSED,
  };

  /** Version 1 to 2: the dataframe's packs, made from the rows by the first connection after. */
  private static final String[] PACKS_STEP = {
    PACKS, PACKS_INDEX, "INSERT INTO meta VALUES ('packs', 'rebuild')", "DROP INDEX IF EXISTS logs_name",
  };

  /** Version 2 to 3: the runs' summaries for flordb serve, made from the rows by the first connection after. */
  private static final String[] SUMMARIES_STEP = {
    SUMMARIES, "INSERT INTO meta VALUES ('summaries', 'rebuild')",
  };

  /** Version 3 to 4: indexes and storage that ship a million records in a fraction of the time. */
  private static final String[] SHIPPING_STEP = {
    "DROP INDEX IF EXISTS ctx_position", CTX_PARENT, CTX_ROOT, LOGS_RID, PACKS_UNCOMPRESSED,
    "ALTER TABLE logs ALTER COLUMN rowid SET GENERATED BY DEFAULT",
  };

  /** What brings a schema of version {@code i + 1} to {@code i + 2}. */
  private static final String[][] UPGRADES = {PACKS_STEP, SUMMARIES_STEP, SHIPPING_STEP};

  @Override
  public boolean accepts(String url) {
    return url != null && url.startsWith(PREFIX);
  }

  @Override
  public String redact(String url) {
    String s = url.startsWith("jdbc:") ? url.substring(5) : url;
    int q = s.indexOf('?');
    if (q >= 0) s = s.substring(0, q);
    return s.replaceAll("//[^/@]*@", "//"); // user:password@ (not JDBC's form, but some write it)
  }

  /** The URL without its user and password parameters, and them as properties (PGPASSWORD if it names none). */
  private static Properties credentials(String url, StringBuilder bare) {
    Properties p = new Properties();
    int q = url.indexOf('?');
    bare.append(q < 0 ? url : url.substring(0, q));
    if (q >= 0) {
      char sep = '?';
      for (String param : url.substring(q + 1).split("&")) {
        int eq = param.indexOf('=');
        String key = eq < 0 ? param : param.substring(0, eq);
        if (key.equals("user") || key.equals("password")) {
          p.setProperty(key, URLDecoder.decode(eq < 0 ? "" : param.substring(eq + 1), StandardCharsets.UTF_8));
        } else if (!param.isEmpty()) {
          bare.append(sep).append(param);
          sep = '&';
        }
      }
    }
    if (!p.containsKey("user") && System.getenv("PGUSER") != null) p.setProperty("user", System.getenv("PGUSER"));
    if (!p.containsKey("password") && System.getenv("PGPASSWORD") != null) {
      p.setProperty("password", System.getenv("PGPASSWORD"));
    }
    // a store that is down must not hold a program or a command for long
    p.setProperty("connectTimeout", "5");
    p.setProperty("loginTimeout", "5");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "flordb");
    // a dataframe reads a million rows: streamed in batches (its reads run in transactions), not all held at once
    p.setProperty("defaultRowFetchSize", "20000");
    return p;
  }

  @Override
  public Connection open(String url, String project) throws SQLException {
    StringBuilder bare = new StringBuilder();
    Properties p = credentials(url, bare);
    Connection c = DriverManager.getConnection(bare.toString(), p);
    boolean ok = false;
    try {
      prepare(c, schema(project));
      ok = true;
      return c;
    } finally {
      if (!ok) c.close();
    }
  }

  static String schema(String project) {
    if (!project.matches("[0-9a-f]{40}")) throw new IllegalArgumentException("project " + project + " is not a commit id");
    return "flor_" + project;
  }

  /** Creates or checks the project's schema (under a lock, so that clones that start at once agree), and uses it. */
  private static void prepare(Connection c, String schema) throws SQLException {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SELECT pg_advisory_xact_lock(hashtext('flordb schema " + schema + "'))");
      boolean exists;
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
        ps.setString(1, schema);
        try (ResultSet rs = ps.executeQuery()) {
          exists = rs.next();
        }
      }
      if (!exists) {
        s.execute("CREATE SCHEMA " + schema);
        s.execute("SET LOCAL search_path TO " + schema);
        for (String ddl : SCHEMA) s.execute(ddl);
        s.execute("INSERT INTO meta VALUES ('schema_version', '" + SCHEMA_VERSION + "')");
      } else {
        String found = null;
        try (ResultSet rs = s.executeQuery("SELECT value FROM " + schema + ".meta WHERE key = 'schema_version'")) {
          if (rs.next()) found = rs.getString(1);
        }
        if (found == null || Integer.parseInt(found) > SCHEMA_VERSION) {
          throw new SQLException("the schema " + schema + " has schema version " + found + ", newer than this flordb"
              + " reads (at most " + SCHEMA_VERSION + "): use the newer flordb");
        }
        int version = Integer.parseInt(found);
        if (version < SCHEMA_VERSION) {
          s.execute("SET LOCAL search_path TO " + schema);
          for (int v = version; v < SCHEMA_VERSION; v++) for (String ddl : UPGRADES[v - 1]) s.execute(ddl);
          s.execute("UPDATE meta SET value = '" + SCHEMA_VERSION + "' WHERE key = 'schema_version'");
        }
      }
      c.commit();
      s.execute("SET search_path TO " + schema);
      s.execute("SET work_mem TO '128MB'"); // a dataframe sorts and joins a million rows: in memory, not on disk
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  @Override
  public BulkRows bulkRows(Connection c, String table, int width) throws SQLException {
    if (table.startsWith("logs(")) return CopyRows.numbered(c, "logs", "rowid", table.substring(5), width);
    return new CopyRows(c, "COPY " + table + " FROM STDIN", width, null);
  }

  @Override
  public String finiteNumber(String column) {
    // the ingest stores numbers in their JSON form and NaN and the infinities as words
    return "CASE WHEN " + column + " ~ '^-?[0-9]' THEN " + column + "::numeric END";
  }

  @Override
  public long nextLogRow(Connection c) throws SQLException {
    // the identity's sequence (step 1, from 1): under the project's lock no one else draws from it
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('logs', 'rowid')::regclass), 0) + 1")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void lockProject(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SELECT pg_advisory_xact_lock(hashtext('flordb records ' || current_schema()))");
    }
  }

  /** The role a project's queries run as: it may read that project's tables only (roles are the server's, not a database's). */
  static String readerRole(String project) {
    return "flor_reader_" + project;
  }

  @Override
  public Connection openReadOnly(String url, String project) throws SQLException {
    String schema = schema(project);
    String role;
    String password;
    try (Connection owner = open(url, project)) {
      owner.setAutoCommit(false);
      try (Statement s = owner.createStatement()) {
        s.execute("SELECT pg_advisory_xact_lock(hashtext('flordb reader'))");
        role = readerRole(project);
        s.execute("CREATE SCHEMA IF NOT EXISTS flor");
        s.execute("CREATE TABLE IF NOT EXISTS flor.reader(role text PRIMARY KEY, password text NOT NULL)");
        s.execute("REVOKE ALL ON flor.reader FROM PUBLIC");
        password = null;
        try (PreparedStatement ps = owner.prepareStatement("SELECT password FROM flor.reader WHERE role = ?")) {
          ps.setString(1, role);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) password = rs.getString(1);
          }
        }
        boolean roleExists;
        try (PreparedStatement ps = owner.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
          ps.setString(1, role);
          try (ResultSet rs = ps.executeQuery()) {
            roleExists = rs.next();
          }
        }
        if (password == null || !roleExists) {
          byte[] b = new byte[24];
          new SecureRandom().nextBytes(b);
          password = HexFormat.of().formatHex(b);
          s.execute((roleExists ? "ALTER ROLE " : "CREATE ROLE ") + role + " LOGIN PASSWORD '" + password + "'");
          s.execute("ALTER ROLE " + role + " SET default_transaction_read_only = on");
          try (PreparedStatement ps = owner.prepareStatement("INSERT INTO flor.reader VALUES (?, ?)"
              + " ON CONFLICT (role) DO UPDATE SET password = excluded.password")) {
            ps.setString(1, role);
            ps.setString(2, password);
            ps.executeUpdate();
          }
        }
        s.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
        s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
        owner.commit();
      } catch (SQLException e) {
        owner.rollback();
        if ("42501".equals(e.getSQLState())) {
          throw new SQLException("the user of FLOR_STORE may not create the read-only role that queries run as ("
              + e.getMessage() + "); run one query as the database's owner, or grant that user CREATEROLE", "42501", e);
        }
        throw e;
      }
    }
    StringBuilder bare = new StringBuilder();
    Properties p = credentials(url, bare);
    p.setProperty("user", role);
    p.setProperty("password", password);
    p.setProperty("readOnly", "true");
    p.setProperty("readOnlyMode", "always");
    Connection c = DriverManager.getConnection(bare.toString(), p);
    try (Statement s = c.createStatement()) {
      s.execute("SET search_path TO " + schema);
    }
    c.setAutoCommit(false);
    c.setReadOnly(true);
    return c;
  }
}
