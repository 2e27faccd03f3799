package dev.flordb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Session;
import dev.flordb.internal.run.Ticker;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.store.Store;
import dev.flordb.testing.FakeClock;
import dev.flordb.testing.TempRepo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Shared fixtures: real git repositories in temporary directories, a small "training" program
 * run in-process through {@link Session}, and reads of the project's store.
 *
 * <p>The training program logs {@code lr} once (an arg), {@code loss} at every
 * {@code epoch}/{@code step} and {@code acc} once per epoch, with values that tests can
 * recompute: {@link #loss} and {@link #acc}.
 */
public final class TestProjects {
  private TestProjects() {}

  public static final String PROGRAM = "Train.java";
  public static final String SOURCE = "public class Train {\n  // version 1\n}\n";

  private static final AtomicLong LAST_START = new AtomicLong();

  /** A fresh {@code git init} repository (no commits) named {@code proj} under {@code parent}. */
  public static Path emptyRepo(Path parent) {
    return emptyRepo(parent, "proj");
  }

  public static Path emptyRepo(Path parent, String name) {
    TempRepo repo = TempRepo.init(parent.resolve(name));
    repo.write(PROGRAM, SOURCE);
    return repo.dir;
  }

  /** A repository whose first commit holds {@code Train.java}. */
  public static Path repoWithCommit(Path parent) {
    Path dir = emptyRepo(parent);
    TempRepo.open(dir).commitAll("first");
    return dir;
  }

  public static void commit(Git git, String message) throws GitAPIException {
    git.commit().setMessage(message).setSign(false)
        .setAuthor("Test", "test@example.com").setCommitter("Test", "test@example.com").call();
  }

  public static void write(Path repo, String path, String text) {
    TempRepo.open(repo).write(path, text);
  }

  /**
   * A session builder for {@code Train.java} with these program arguments, quiet, writing to
   * the given buffers, with a start time later than any earlier test run's (so that runs sort
   * in the order they were made).
   */
  public static Session.Builder session(Path repo, Output output, String... programArgs) {
    long now = System.currentTimeMillis();
    long start = LAST_START.updateAndGet(last -> Math.max(last + 1, now));
    return Session.builder(repo)
        .program(PROGRAM, programArgs)
        .quiet(true)
        .startMillis(start)
        .streams(output.outStream, output.errStream);
  }

  public static Session.Builder session(Path repo, String... programArgs) {
    return session(repo, new Output(), programArgs);
  }

  /** FlorDB's clock seam reading a clock the test sets (for {@link Session.Builder#ticker}). */
  public static Ticker ticker(FakeClock clock) {
    return new Ticker() {
      @Override
      public long millis() {
        return clock.millis();
      }

      @Override
      public long nanos() {
        return clock.nanos();
      }
    };
  }

  /** Buffers for a session's own output (echo, warnings). */
  public static final class Output {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

    public String out() {
      return out.toString(StandardCharsets.UTF_8);
    }

    public String err() {
      return err.toString(StandardCharsets.UTF_8);
    }
  }

  /** What {@link #train} did. */
  public record Run(String runId, ObjectId commit, Path recordFile, Output output) {}

  public static double loss(double lr, int epoch, int step) {
    return lr * (epoch * 10 + step) + 0.5;
  }

  public static double acc(double lr, int epoch) {
    return 0.25 * epoch + lr;
  }

  /**
   * Runs the training program once: {@code --kwargs lr=<lr>}, {@code epochs} outer and
   * {@code steps} inner iterations.
   */
  public static Run train(Path repo, double lr, int epochs, int steps) {
    Output output = new Output();
    Session s = session(repo, output, "--kwargs", "lr=" + lr).start();
    try (s) {
      double rate = s.arg("lr", 0.01);
      for (int e : s.loop("epoch", 0, epochs)) {
        for (int st : s.loop("step", 0, steps)) {
          s.log("loss", loss(rate, e, st));
        }
        s.log("acc", acc(rate, e));
      }
    }
    return new Run(s.runId(), s.snapshotCommit(), s.recordFile(), output);
  }

  public static Path florDir(Path repo) {
    return repo.resolve(".flor");
  }

  /** The dataframe of the project in {@code repo}, read through a store of its own. */
  public static Table dataframe(Path repo, String... names) {
    try (Snapshots git = Snapshots.open(repo); Store store = Store.open(florDir(repo), git)) {
      return store.dataframe(names);
    }
  }

  public static Table query(Path repo, String sql) {
    try (Snapshots git = Snapshots.open(repo); Store store = Store.open(florDir(repo), git)) {
      return store.query(sql);
    }
  }

  /** The table's rows as lists of cells, for comparing with expected rows. */
  public static List<List<Object>> rows(Table t) {
    List<List<Object>> out = new ArrayList<>();
    for (Table.Row r : t) out.add(new ArrayList<>(r.toMap().values()));
    return out;
  }

  /** The table's rows as lists of the cells of {@code columns}, in that order. */
  public static List<List<Object>> rows(Table t, String... columns) {
    List<List<Object>> out = new ArrayList<>();
    for (Table.Row r : t) {
      List<Object> row = new ArrayList<>();
      for (String c : columns) row.add(r.get(c));
      out.add(row);
    }
    return out;
  }

  /** Every record file's bytes (as ISO-8859-1 text, one char per byte), by file name. */
  public static Map<String, String> recordFiles(Path repo) {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(florDir(repo).resolve("records"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        out.put(f.getFileName().toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  public static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The tables and view of a version 1 store, as flordb 0.1 wrote them, with no rows. */
  static void createSchemaVersionOne(java.sql.Statement s) throws java.sql.SQLException {
    s.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)");
    s.execute("INSERT INTO meta VALUES ('schema_version', '1')");
    s.execute("CREATE TABLE runs(rid INTEGER PRIMARY KEY, run_id TEXT UNIQUE NOT NULL, projid TEXT, tstamp TEXT,"
        + " filename TEXT, status TEXT, version TEXT, args TEXT, start_ms INTEGER, end_ms INTEGER, pid INTEGER,"
        + " pid_start_ms INTEGER, host TEXT, error TEXT, header TEXT)");
    s.execute("CREATE TABLE ctx(id INTEGER PRIMARY KEY, rid INTEGER NOT NULL, parent INTEGER NOT NULL,"
        + " depth INTEGER NOT NULL, loop TEXT NOT NULL, idx INTEGER NOT NULL, value)");
    s.execute("CREATE TABLE logs(rid INTEGER NOT NULL, seq INTEGER NOT NULL, ctx INTEGER NOT NULL, kind TEXT NOT NULL,"
        + " name TEXT NOT NULL, type TEXT NOT NULL, value, source TEXT NOT NULL, t INTEGER)");
    s.execute("CREATE TABLE files(path TEXT PRIMARY KEY, run_id TEXT, offset INTEGER NOT NULL, lines INTEGER NOT NULL,"
        + " bad_lines INTEGER NOT NULL)");
    s.execute("CREATE VIEW records AS SELECT r.projid, r.tstamp, r.filename, r.run_id, l.seq, c.loop,"
        + " c.idx AS iteration, l.ctx, l.kind, l.name, l.value, l.type, l.source"
        + " FROM logs l JOIN runs r ON r.rid = l.rid LEFT JOIN ctx c ON c.id = l.ctx");
  }
}
