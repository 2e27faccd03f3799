package dev.flordb.internal.store;

import dev.flordb.FlorException;
import dev.flordb.Table;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.RecordFormat;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevSort;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * The store a team shares ({@code FLOR_STORE}, a JDBC URL): every clone ships its record files
 * there, and reads every clone's runs of the project from there. The record files stay the
 * truth; the shared database, like {@code .flor/flor.db}, is an index of them that can always be
 * rebuilt by shipping them again.
 *
 * <h2>Exactly once</h2>
 *
 * Each record file is shipped in one transaction that holds the project's write lock ({@link
 * SharedDatabase#lockProject}), reads how far the database has the file ({@code files.bytes}, the
 * file's high-water mark), stores the whole lines after it with the same {@link RecordIngest} as
 * the local store and moves the mark: a shipping that stops anywhere (a lost connection, kill -9)
 * leaves the database as before it, and shipping again starts from the mark. Any number of clones
 * and programs may ship at once.
 *
 * <h2>The project</h2>
 *
 * A project is named by the first commit of its history ({@link #projectOf}), which every clone
 * has; different projects in one database never meet.
 */
public final class SharedStore implements AutoCloseable {
  private final SharedDatabase db;
  private final String url;
  private final String project;
  private Connection conn;
  private Connection reader;
  /** A second connection, for the dataframe's second reading thread. */
  private Connection reading;

  private SharedStore(SharedDatabase db, String url, String project) {
    this.db = db;
    this.url = url;
    this.project = project;
  }

  /**
   * The shared store at {@code url} for the project of {@code git}. Connects on first use, so
   * that an unreachable database fails the first shipping or reading, with a message that names
   * it (without its password).
   */
  public static SharedStore open(String url, Snapshots git) {
    SharedDatabase db = SharedDatabase.find(url);
    if (db == null) {
      throw new FlorException("the shared store " + redactUnknown(url) + " is not a database this flordb can use:"
          + " it serves jdbc:postgresql://HOST:PORT/DATABASE URLs (with flordb-postgres on the class path)."
          + " Fix FLOR_STORE, --store or store.url in flordb.properties, or unset it to use the local store only.");
    }
    return new SharedStore(db, url, projectOf(git));
  }

  /** A URL this flordb cannot read, as messages show it: up to its parameters, without user or password. */
  private static String redactUnknown(String url) {
    String s = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
    return s.replaceAll("//[^/@]*@", "//");
  }

  /**
   * The project's id in shared stores: the first commit of the repository's history (the oldest
   * root commit reachable from HEAD), which every clone of the project has.
   */
  public static String projectOf(Snapshots git) {
    Repository repo = git.repository();
    try (RevWalk walk = new RevWalk(repo)) {
      ObjectId head = git.head();
      if (head == null) {
        throw new FlorException("the shared store names a project by the first commit of its history, and "
            + git.workTree() + " has no commit yet: commit once (git commit), then run again");
      }
      walk.markStart(walk.parseCommit(head));
      walk.sort(RevSort.COMMIT_TIME_DESC);
      RevCommit first = null;
      for (RevCommit c : walk) {
        if (c.getParentCount() > 0) continue;
        if (first == null || c.getCommitTime() < first.getCommitTime()
            || (c.getCommitTime() == first.getCommitTime() && c.name().compareTo(first.name()) < 0)) {
          first = c;
        }
      }
      return first.name();
    } catch (IOException e) {
      throw new FlorException("cannot read the history of " + git.workTree() + " to name the project: " + e.getMessage(), e);
    }
  }

  /** The database as messages show it (no password) and the project. */
  public String describe() {
    return db.redact(url) + " (project " + project.substring(0, 12) + ")";
  }

  public String project() {
    return project;
  }

  private Connection conn() throws SQLException {
    if (conn == null || conn.isClosed()) {
      conn = db.open(url, project);
      makeFromRows(conn);
    }
    return conn;
  }

  /**
   * Makes the dataframe's packs and the runs' summaries from the rows if the schema was upgraded
   * from one without them ({@code meta} says {@code packs = rebuild}, {@code summaries =
   * rebuild}): once, under the project's write lock, so that shipping (which writes both with its
   * rows) waits for it.
   */
  private void makeFromRows(Connection c) throws SQLException {
    if (pending(c).isEmpty()) return;
    c.setAutoCommit(false);
    try {
      db.lockProject(c);
      List<String> due = pending(c);
      if (due.contains("packs")) CellPacks.fill(c, true);
      if (due.contains("summaries")) NameSummaries.rebuild(c, db);
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM meta WHERE key IN ('packs', 'summaries') AND value = 'rebuild'")) {
        ps.executeUpdate();
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** What an upgrade left to be made from the rows: packs, summaries. */
  private static List<String> pending(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
            "SELECT key FROM meta WHERE key IN ('packs', 'summaries') AND value = 'rebuild'");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) out.add(rs.getString(1));
    }
    return out;
  }

  /** A failure to reach or use the database, named without its password. */
  private FlorException failure(String what, SQLException e) {
    return new FlorException("the shared store " + db.redact(url) + " could not " + what + ": " + e.getMessage()
        + ". The records are safe in the record files; 'flordb sync' ships them once it is back (or unset"
        + " FLOR_STORE to read the local store only).", e);
  }

  // ---------------------------------------------------------------- shipping

  /** What a run's clone knows about it beyond its records: its status, snapshot commit and code version. */
  public record RunState(String runId, String status, String version, String codeVersion, boolean authoritative) {}

  /** What a shipping did. */
  public record Shipped(int files, long records) {}

  /**
   * Ships what the record files in {@code recordsDir} hold beyond what the shared database has,
   * then the runs' states; idempotent (see the class comment).
   *
   * @throws FlorException when the database cannot be reached or refuses, naming it
   */
  public synchronized Shipped ship(Path recordsDir, List<RunState> states) {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(recordsDir, "*" + RecordFormat.SUFFIX)) {
      for (Path p : ds) if (RecordFormat.runOfFile(p.getFileName().toString()) != null) files.add(p);
    } catch (java.nio.file.NoSuchFileException e) {
      return new Shipped(0, 0);
    } catch (IOException e) {
      throw new FlorException("cannot list the record files in " + recordsDir + ": " + e.getMessage(), e);
    }
    files.sort(null);
    Path shipping = null; // the file being shipped, which a refusal names
    try {
      Map<String, Long> known = marks();
      int n = 0;
      long records = 0;
      for (Path f : files) {
        long size = Files.size(f);
        if (size <= known.getOrDefault(f.getFileName().toString(), 0L) || !ReplayVerdict.ingestible(f)) continue;
        shipping = f;
        long r = shipFile(f);
        shipping = null;
        if (r > 0) n++;
        records += r;
      }
      if (states != null) states(states);
      return new Shipped(n, records);
    } catch (SQLException e) {
      throw failure(shipping == null ? "take the records" : "take the records of run "
          + RecordFormat.runOfFile(shipping.getFileName().toString()) + " (" + shipping + ")", e);
    } catch (IOException e) {
      throw new FlorException("cannot read the record files in " + recordsDir + ": " + e.getMessage(), e);
    }
  }

  private Map<String, Long> marks() throws SQLException {
    Map<String, Long> out = new HashMap<>();
    try (PreparedStatement ps = conn().prepareStatement("SELECT path, bytes FROM files"); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
    }
    return out;
  }

  /**
   * Ships the whole lines of one record file after its high-water mark, in one transaction;
   * returns how many lines it shipped (0 when the database had them all).
   */
  public synchronized long shipFile(Path file) throws SQLException, IOException {
    String key = file.getFileName().toString();
    String run = RecordFormat.runOfFile(key);
    Connection c = conn();
    c.setAutoCommit(false);
    boolean ok = false;
    try {
      db.lockProject(c);
      long offset = 0;
      long lines = 0;
      long bad = 0;
      String damage = null;
      boolean known = false;
      try (PreparedStatement ps = c.prepareStatement("SELECT bytes, lines, bad_lines, damage FROM files WHERE path = ?")) {
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            known = true;
            offset = rs.getLong(1);
            lines = rs.getLong(2);
            bad = rs.getLong(3);
            damage = rs.getString(4);
          }
        }
      }
      long shipped = 0;
      if (!known && key.equals(run + RecordFormat.SUFFIX) && hasHeader(c, run)) {
        // Another clone shipped a run of this id (ids are the start time and 24 random bits).
        throw new FlorException("the shared store " + db.redact(url) + " already has a run " + run + " from"
            + " another clone: two runs started in the same millisecond drew the same id. This run's records"
            + " stay in " + file + " only; rename nothing, and tell the FlorDB developers");
      }
      if (Files.size(file) > offset) {
        try (RecordIngest in = new RecordIngest(c, key, db); RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
          RecordIngest.Progress read = in.read(raf, offset, lines);
          in.finish();
          shipped = read.lines() - lines;
          try (PreparedStatement ps = c.prepareStatement(
              "INSERT INTO files(path, run_id, bytes, lines, bad_lines, damage) VALUES (?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT(path) DO UPDATE SET run_id = excluded.run_id, bytes = excluded.bytes,"
                  + " lines = excluded.lines, bad_lines = excluded.bad_lines, damage = excluded.damage")) {
            ps.setString(1, key);
            ps.setString(2, in.fileRun != null ? in.fileRun : run);
            ps.setLong(3, read.consumed());
            ps.setLong(4, read.lines());
            ps.setLong(5, bad + read.bad());
            ps.setString(6, damage != null ? damage : in.firstDamage);
            ps.executeUpdate();
          }
        }
      }
      c.commit();
      ok = true;
      return shipped;
    } finally {
      if (!ok) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection is gone: the database dropped the transaction with it
        }
      }
      try {
        c.setAutoCommit(true);
      } catch (SQLException ignored) {
        // as above
      }
    }
  }

  /**
   * Records a run's snapshot commit (and its code version) as the run's own clone knows them, at
   * the end of the run; a null commit changes nothing.
   */
  public synchronized void shipped(String runId, Snapshots git, ObjectId commit) throws SQLException {
    if (commit == null) return;
    String code = null;
    try {
      code = CodeVersion.of(git.repository(), commit).name();
    } catch (IOException | RuntimeException e) {
      // the code version stays unknown, as in the local store
    }
    states(List.of(new RunState(runId, null, commit.name(), code, true)));
  }

  private static boolean hasHeader(Connection c, String run) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT header FROM runs WHERE run_id = ?")) {
      ps.setString(1, run);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getString(1) != null;
      }
    }
  }

  /**
   * Brings the runs' statuses, snapshot commits and code versions up to what this clone knows:
   * where it is {@code authoritative} (the run ran on this machine, whose processes it can see)
   * it overwrites them, else it only fills in what the database lacks.
   */
  private void states(List<RunState> states) throws SQLException {
    Connection c = conn();
    Map<String, String[]> have = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT run_id, status, version, code_version FROM runs");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) have.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE runs SET status = ?, version = ?, code_version = ? WHERE run_id = ?")) {
      int n = 0;
      for (RunState s : states) {
        String[] h = have.get(s.runId());
        if (h == null) continue; // not shipped (yet)
        String status = s.authoritative() && s.status() != null ? s.status() : h[0];
        String version = s.authoritative() && s.version() != null || h[1] == null ? s.version() : h[1];
        String code = s.authoritative() && s.codeVersion() != null || h[2] == null ? s.codeVersion() : h[2];
        if (Objects.equals(status, h[0]) && Objects.equals(version, h[1]) && Objects.equals(code, h[2])) continue;
        ps.setString(1, status);
        ps.setString(2, version);
        ps.setString(3, code);
        ps.setString(4, s.runId());
        ps.addBatch();
        n++;
      }
      if (n > 0) ps.executeBatch();
    }
  }

  /** Connects now (schema checked, packs made if due) rather than at the first shipping or reading. */
  public synchronized void connect() {
    try {
      conn();
    } catch (SQLException e) {
      throw failure("be reached", e);
    }
  }

  // ---------------------------------------------------------------- reading

  /** The run ids of every clone's runs of the project that the shared store has. */
  public synchronized java.util.Set<String> runIds() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    try (PreparedStatement ps = conn().prepareStatement("SELECT run_id FROM runs"); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) out.add(rs.getString(1));
    } catch (SQLException e) {
      throw failure("list the runs", e);
    }
    return out;
  }

  /** The dataframe of every clone's runs of the project, by the rules of {@link Dataframe}; notes go to {@code notes}. */
  public synchronized Table dataframe(Consumer<String> notes, String... names) {
    try {
      Connection second = null;
      if (Runtime.getRuntime().availableProcessors() > 1) {
        if (reading == null || reading.isClosed()) reading = db.open(url, project);
        second = reading;
      }
      Connection first = conn();
      // in transactions, so that the driver streams the rows (a million of them) rather than holding them all
      first.setAutoCommit(false);
      if (second != null) second.setAutoCommit(false);
      try {
        Dataframe d = new Dataframe(first, second, true, true);
        Table t = d.build(names);
        for (String note : d.notes()) notes.accept(note);
        return t;
      } finally {
        for (Connection c : new Connection[] {first, second}) {
          if (c == null) continue;
          c.rollback();
          c.setAutoCommit(true);
        }
      }
    } catch (SQLException e) {
      throw failure("read the dataframe", e);
    }
  }

  /**
   * A new connection that can only read the project's tables ({@link SharedDatabase#openReadOnly}),
   * for a reader that runs its own SQL ({@code flordb serve}); the caller closes it. The schema is
   * brought up to date first ({@link #connect}).
   */
  public Connection openReader() {
    connect();
    try {
      return db.openReadOnly(url, project);
    } catch (SQLException e) {
      throw failure("open a read-only connection", e);
    }
  }

  /**
   * Runs one SQL statement of the user's on the shared database, on a connection that can only
   * read ({@link SharedDatabase#openReadOnly}).
   */
  public synchronized Table query(String sql) {
    Connection r;
    try {
      if (reader == null || reader.isClosed()) reader = db.openReadOnly(url, project);
      r = reader;
    } catch (SQLException e) {
      throw failure("open a read-only connection", e);
    }
    try (PreparedStatement s = r.prepareStatement(sql)) {
      boolean hasRows = s.execute();
      if (!hasRows) throw new FlorException("the query did not read anything: a query reads (SELECT ...)");
      try (ResultSet rs = s.getResultSet()) {
        return Store.toTable(rs);
      }
    } catch (SQLException e) {
      String state = e.getSQLState();
      // 25006: read-only transaction; 42501: no privilege (the read-only role)
      if ("25006".equals(state) || "42501".equals(state)) {
        throw new FlorException("the query would change the shared store, which queries only read (" + e.getMessage()
            + "); for example: SELECT run_id, status FROM runs", e);
      }
      throw new FlorException("the query failed on the shared store " + db.redact(url) + ": " + e.getMessage()
          + ". The tables are runs, logs, ctx and the view records (PostgreSQL SQL; values are text: value::float);"
          + " try: SELECT name, count(*) FROM logs GROUP BY name", e);
    } finally {
      try {
        r.rollback();
      } catch (SQLException ignored) {
        // the read-only transaction ends either way
      }
    }
  }

  @Override
  public synchronized void close() {
    for (Connection c : new Connection[] {conn, reader, reading}) {
      try {
        if (c != null) c.close();
      } catch (SQLException ignored) {
        // closing a connection we no longer use
      }
    }
    conn = null;
    reader = null;
    reading = null;
  }
}
