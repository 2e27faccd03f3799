package dev.flordb.internal.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ServiceLoader;

/**
 * A database that a team's clones of a project share ({@code FLOR_STORE}): the API owns this
 * interface and {@link SharedStore} does all the work on it with plain JDBC (the same record
 * ingest and dataframe code as the local SQLite store); an implementation in another module
 * ({@code flordb-postgres}) brings the driver and what is particular to its database, and is
 * found with {@link ServiceLoader}, so that the API names no class of another module.
 *
 * <h2>What an implementation provides</h2>
 *
 * For each project (named by a {@code project} id that every clone computes alike), tables under
 * the names and columns of the local store's ({@link Store}): {@code runs}, {@code ctx}, {@code
 * logs} (with a {@code rowid} that grows in insertion order) and the view {@code records}, plus
 * {@code files(path, run_id, bytes, lines, bad_lines, damage)}: how much of each record file the
 * database holds, {@code packs(id, rid, name, n, data)} as the local store's ({@code CellPacks}:
 * {@code id} growing in insertion order, {@code data} binary) and {@code meta(key, value)}: a row
 * {@code ('packs', 'rebuild')} left by an upgrade from a schema without packs has {@link
 * SharedStore} make them from the rows; {@code summaries(rid, kind, name, in_loop, source, type, n,
 * lo, hi, last, at)} as the local store's ({@code NameSummaries}), {@code lo} and {@code hi} exact
 * numbers, {@code last} text, a row {@code ('summaries', 'rebuild')} in {@code meta} asking for them
 * to be made from the rows as for packs. Unqualified names on the connections it opens resolve to that project's tables.
 * Values are stored as text, typed by their {@code type} column; loop elements ({@code ctx.value})
 * as JSON text. The implementation creates and upgrades its schema itself, versioned, and
 * documents it where it defines it.
 */
public interface SharedDatabase {

  /** Whether this implementation serves the URL ({@code jdbc:postgresql://...}). */
  boolean accepts(String url);

  /**
   * A connection for shipping and reading the project's records, its tables created (or brought
   * up to the current schema version) if needed. Credentials come from the URL or where the
   * database's own tools take them from, never from FlorDB's files.
   */
  Connection open(String url, String project) throws SQLException;

  /**
   * A connection that can only read the project's tables, whatever SQL it is given: a role that
   * may only read them, in read-only transactions (not a check of the SQL's text).
   */
  Connection openReadOnly(String url, String project) throws SQLException;

  /**
   * Inside the caller's transaction on a connection from {@link #open}: waits until no one else
   * writes the project's records, and keeps them off until the transaction ends.
   */
  void lockProject(Connection c) throws SQLException;

  /**
   * Rows on their way into one table of the project, inside the caller's transaction, the
   * database's fastest way (PostgreSQL: COPY); null to take multi-row INSERTs. {@code table}
   * names the table and its columns as {@code logs(rid, seq, ...)}.
   */
  default BulkRows bulkRows(Connection c, String table, int width) throws SQLException {
    return null;
  }

  /**
   * Rows of stored values (Long, Double, String or null) for one table: buffered by {@link #add},
   * in the table after {@link #flush} (within the transaction).
   */
  interface BulkRows extends AutoCloseable {
    void add(Object... row) throws SQLException;

    void flush() throws SQLException;

    @Override
    void close() throws SQLException;
  }

  /**
   * An SQL expression that is the stored value in the text column {@code column} as an exact
   * number when it holds a finite one (an {@code int} or {@code float} value), else NULL.
   */
  String finiteNumber(String column);

  /**
   * The {@code rowid} that the next row appended to {@code logs} gets, on a connection from {@link
   * #open} inside a transaction that holds the project's lock ({@link #lockProject}).
   */
  long nextLogRow(Connection c) throws SQLException;

  /** The URL as messages may show it: no password, no user, no parameters. */
  String redact(String url);

  /**
   * The implementation that serves {@code url}, or null when none on the class path does (or one
   * cannot be loaded).
   */
  static SharedDatabase find(String url) {
    try {
      for (SharedDatabase d : ServiceLoader.load(SharedDatabase.class, SharedDatabase.class.getClassLoader())) {
        if (d.accepts(url)) return d;
      }
    } catch (java.util.ServiceConfigurationError | LinkageError e) {
      return null;
    }
    return null;
  }
}
