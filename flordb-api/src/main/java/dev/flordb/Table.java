package dev.flordb;

import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.TableRows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, immutable table: what {@link Flor#dataframe} and {@link Flor#query} return.
 *
 * <pre>{@code
 * Table t = Flor.dataframe("lr", "acc");
 * System.out.println(t);                 // aligned, like a data frame
 * for (Table.Row r : t) {
 *   double acc = r.getDouble("acc");
 *   ...
 * }
 * t.writeCsv(Files.newBufferedWriter(Path.of("acc.csv")));
 * }</pre>
 *
 * <p>Cells keep their type: whole numbers are {@code Long}, other numbers {@code Double},
 * booleans {@code Boolean}, text {@code String}, logged JSON values lists and maps; a missing
 * value is {@code null}.
 *
 * <h2>The dataframe</h2>
 *
 * {@code Flor.dataframe("lr", "loss", "acc")} (and {@code flordb dataframe lr loss acc}) follows
 * these rules, none of which depends on the order of the names:
 *
 * <ul>
 *   <li><b>Columns</b>: {@code projid, tstamp, filename, run_id} (the project, the run's start,
 *       its program's path from the repository's root, the run's unique id: runs started
 *       together may share a {@code tstamp}, never a {@code run_id}); then one column per loop
 *       around the values, outermost first (the iteration, counted from 0), each followed by
 *       {@code <loop>_value} where the loop's elements are plain values (numbers, strings,
 *       booleans) other than its own index: the element of that iteration, as {@link
 *       Flor#loop(String, Iterable)} or {@link Flor#iteration(String, long, String)} saw it; then
 *       the names, in the order asked for; and {@code source}, last, only when some value in the
 *       table was filled in by a replay: {@code "replay"} on the rows that hold a replayed value,
 *       {@code "forward"} on the others.
 *   <li><b>Rows</b>: one per innermost loop position where one of the names was logged (a
 *       position inside which none of them was), in each run. A run that logged the names only
 *       outside every loop has one row.
 *   <li><b>Cells</b>: each name's value at the row's position, else at the nearest position that
 *       encloses it: a run-level value ({@code lr}, an arg) is on every row of its run, a
 *       per-epoch value ({@code acc}) on every step row of its epoch; blank where the name was not
 *       logged there.
 *   <li><b>A name logged several times at one position</b> shows its last value (a value the run
 *       logged before one a replay filled in), and the read says so on standard error; the
 *       {@code records} view of {@link Flor#query} has every value, with its {@code position}.
 *   <li>Rows are ordered by run ({@code tstamp}, then {@code run_id}), then by loop positions.
 * </ul>
 *
 * With no names, {@code dataframe()} has one row per run with every value it logged outside all
 * loops.
 *
 * <p>A table does not change once made, nor does anything it hands out: {@link #of} copies the
 * rows it is given, lists, maps and arrays in cells become unmodifiable lists and maps, and
 * {@link #columns()}, {@link #column(String)} and {@link #iterator()} cannot modify it. A table
 * can therefore be shared between threads. A {@link Flor#query query} has the columns its SQL
 * selects.
 */
public final class Table implements Iterable<Table.Row> {
  private static final int PRINTED_ROWS = 40;

  private final List<String> columns;
  private final List<Object[]> rows;
  private final Map<String, Integer> positions = new HashMap<>();

  private Table(List<String> columns, List<Object[]> rows) {
    this.columns = columns;
    this.rows = rows;
    for (int i = 0; i < columns.size(); i++) positions.putIfAbsent(columns.get(i), i);
  }

  /**
   * A table of these columns and rows. Each row holds one cell per column, in column order. Both
   * are copied: changing the lists or arrays afterwards does not change the table. Cells that are
   * lists, maps or arrays are copied, recursively, into unmodifiable lists and maps; other cells
   * are kept as they are.
   *
   * @throws IllegalArgumentException if a row does not have one cell per column
   * @throws NullPointerException if {@code columns}, a column name, {@code rows} or a row is null
   */
  public static Table of(List<String> columns, List<Object[]> rows) {
    List<String> cols = List.copyOf(columns);
    if (rows instanceof TableRows) { // made for a table, never changed (the dataframe's): kept, not copied
      if (!rows.isEmpty() && rows.get(0).length != cols.size()) {
        throw new IllegalArgumentException("a row has " + rows.get(0).length + " cells but the table has "
            + cols.size() + " columns " + cols);
      }
      return new Table(cols, rows);
    }
    List<Object[]> copy = new ArrayList<>(rows.size());
    for (Object[] r : rows) {
      if (r.length != cols.size()) {
        throw new IllegalArgumentException("a row has " + r.length + " cells but the table has "
            + cols.size() + " columns " + cols);
      }
      Object[] cells = r.clone();
      for (int c = 0; c < cells.length; c++) cells[c] = TableRows.frozen(cells[c]);
      copy.add(cells);
    }
    return new Table(cols, Collections.unmodifiableList(copy));
  }

  /** The column names, in order (unmodifiable). A name can appear twice in a query's table. */
  public List<String> columns() {
    return columns;
  }

  /** The number of rows. */
  public int size() {
    return rows.size();
  }

  /** Whether the table has no rows (it still has its columns). */
  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /**
   * Row {@code i}, counted from 0.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= i < size()}
   */
  public Row row(int i) {
    return new Row(rows.get(i));
  }

  /**
   * The cells of one column, top to bottom (an unmodifiable view). When a name appears more than
   * once, the first column of that name.
   *
   * @throws IllegalArgumentException if there is no such column (the message lists the columns)
   */
  public List<Object> column(String name) {
    int c = position(name);
    return new AbstractList<>() {
      @Override
      public Object get(int i) {
        return rows.get(i)[c];
      }

      @Override
      public int size() {
        return rows.size();
      }
    };
  }

  /** The rows, top to bottom; the iterator cannot remove them. */
  @Override
  public Iterator<Row> iterator() {
    Iterator<Object[]> it = rows.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Row next() {
        return new Row(it.next());
      }
    };
  }

  private int position(String column) {
    Integer p = positions.get(column);
    if (p == null) {
      throw new IllegalArgumentException("no column '" + column + "'; the columns are " + columns);
    }
    return p;
  }

  /**
   * One row of the table, with typed getters. A getter of the wrong type names the column, the
   * value and what to call instead; an unknown column name is an {@link IllegalArgumentException}
   * that lists the columns.
   */
  public final class Row {
    private final Object[] cells;

    Row(Object[] cells) {
      this.cells = cells;
    }

    /**
     * The cell of the named column, of whatever type it holds ({@code null} when missing).
     *
     * @throws IllegalArgumentException if there is no such column
     */
    public Object get(String column) {
      return cells[position(column)];
    }

    /**
     * The cell of column {@code column}, counted from 0 in the order of {@link #columns()}.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= column < columns().size()}
     */
    public Object get(int column) {
      return cells[column];
    }

    /**
     * The cell as text: a string as it is, any other value as JSON ({@code 3}, {@code true},
     * {@code [1,2]}); {@code null} when missing.
     *
     * @throws IllegalArgumentException if there is no such column
     */
    public String getString(String column) {
      Object v = get(column);
      return v == null ? null : v instanceof String ? (String) v : Json.write(v);
    }

    /**
     * The cell as a whole number: a {@code Long}, or another number without a fraction; {@code
     * null} when missing.
     *
     * @throws IllegalArgumentException if there is no such column
     * @throws IllegalStateException if the cell holds something else
     */
    public Long getLong(String column) {
      Object v = get(column);
      if (v == null || v instanceof Long) return (Long) v;
      if (v instanceof Number && ((Number) v).doubleValue() == ((Number) v).longValue()) {
        return ((Number) v).longValue();
      }
      throw wrongType(column, v, "a whole number");
    }

    /**
     * The cell as a number; {@code null} when missing.
     *
     * @throws IllegalArgumentException if there is no such column
     * @throws IllegalStateException if the cell holds something else
     */
    public Double getDouble(String column) {
      Object v = get(column);
      if (v == null) return null;
      if (v instanceof Number) return ((Number) v).doubleValue();
      throw wrongType(column, v, "a number");
    }

    /**
     * The cell as a boolean; {@code null} when missing.
     *
     * @throws IllegalArgumentException if there is no such column
     * @throws IllegalStateException if the cell holds something else
     */
    public Boolean getBoolean(String column) {
      Object v = get(column);
      if (v == null || v instanceof Boolean) return (Boolean) v;
      throw wrongType(column, v, "a boolean");
    }

    private IllegalStateException wrongType(String column, Object v, String wanted) {
      return new IllegalStateException("column '" + column + "' holds " + Json.write(v) + " ("
          + v.getClass().getSimpleName() + "), not " + wanted + "; use get(\"" + column + "\")");
    }

    /**
     * Column name to cell, in column order: a new map on each call, which the caller may change.
     * When a name appears more than once, the last cell of that name.
     */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < columns.size(); i++) m.put(columns.get(i), cells[i]);
      return m;
    }

    /** The row as {@code {column=cell, ...}}, for debugging. */
    @Override
    public String toString() {
      return toMap().toString();
    }
  }

  // ---------------------------------------------------------------- output

  /** Aligned text; long tables show their first and last rows, like a data frame. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    print(sb, PRINTED_ROWS);
    return sb.toString();
  }

  /**
   * Writes every row as aligned text, the header first: numbers to the right, text to the left,
   * missing cells empty, newlines in text as {@code \n}.
   *
   * @throws java.io.UncheckedIOException if {@code out} throws an {@link IOException}
   */
  public void print(Appendable out) {
    print(out, Integer.MAX_VALUE);
  }

  private void print(Appendable out, int maxRows) {
    List<Integer> shown = new ArrayList<>();
    boolean cut = rows.size() > maxRows;
    for (int i = 0; i < rows.size(); i++) {
      if (!cut || i < maxRows / 2 || i >= rows.size() - maxRows / 2) shown.add(i);
    }
    int n = columns.size();
    int[] width = new int[n];
    boolean[] numeric = new boolean[n];
    for (int c = 0; c < n; c++) {
      width[c] = columns.get(c).length();
      numeric[c] = true;
    }
    List<String[]> text = new ArrayList<>(shown.size());
    for (int i : shown) {
      Object[] r = rows.get(i);
      String[] t = new String[n];
      for (int c = 0; c < n; c++) {
        t[c] = cellText(r[c]);
        width[c] = Math.max(width[c], t[c].length());
        if (r[c] != null && !(r[c] instanceof Number)) numeric[c] = false;
      }
      text.add(t);
    }
    try {
      String[] header = columns.toArray(new String[0]);
      line(out, header, width, numeric);
      for (int k = 0; k < text.size(); k++) {
        if (cut && k == maxRows / 2) out.append("...\n");
        line(out, text.get(k), width, numeric);
      }
      if (cut || rows.isEmpty()) out.append("[").append(String.valueOf(rows.size())).append(" rows]\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void line(Appendable out, String[] cells, int[] width, boolean[] right) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < cells.length; c++) {
      if (c > 0) sb.append("  ");
      int pad = width[c] - cells[c].length();
      if (right[c]) sb.append(" ".repeat(pad)).append(cells[c]);
      else sb.append(cells[c]).append(c == cells.length - 1 ? "" : " ".repeat(pad));
    }
    out.append(sb.toString().stripTrailing()).append('\n');
  }

  private static String cellText(Object v) {
    if (v == null) return "";
    if (v instanceof String) return ((String) v).replace("\n", "\\n");
    if (v instanceof Number || v instanceof Boolean) return v.toString();
    return Json.write(v);
  }

  /**
   * Writes RFC 4180 CSV: a header line, then one line per row, each ended by CRLF; missing cells
   * are empty, lists and maps are written as JSON.
   *
   * @throws java.io.UncheckedIOException if {@code out} throws an {@link IOException}
   */
  public void writeCsv(Appendable out) {
    try {
      csvLine(out, new ArrayList<>(columns));
      for (Object[] r : rows) {
        List<Object> cells = new ArrayList<>(r.length);
        Collections.addAll(cells, r);
        csvLine(out, cells);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void csvLine(Appendable out, List<?> cells) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) sb.append(',');
      Object v = cells.get(i);
      String s = v == null ? "" : v instanceof String ? (String) v : v instanceof Number || v instanceof Boolean ? v.toString() : Json.write(v);
      if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
        sb.append('"').append(s.replace("\"", "\"\"")).append('"');
      } else {
        sb.append(s);
      }
    }
    out.append(sb).append("\r\n");
  }

  /** The table as {@link #writeCsv CSV}. */
  public String toCsv() {
    StringBuilder sb = new StringBuilder();
    writeCsv(sb);
    return sb.toString();
  }

  /**
   * Writes a JSON array with one object per row, columns as keys; numbers and booleans stay
   * numbers and booleans, missing cells are {@code null}.
   *
   * @throws java.io.UncheckedIOException if {@code out} throws an {@link IOException}
   */
  public void writeJson(Appendable out) {
    try {
      out.append('[');
      for (int i = 0; i < rows.size(); i++) {
        out.append(i == 0 ? "\n  " : ",\n  ");
        out.append(Json.write(row(i).toMap()));
      }
      out.append(rows.isEmpty() ? "]\n" : "\n]\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The table as {@link #writeJson JSON}. */
  public String toJson() {
    StringBuilder sb = new StringBuilder();
    writeJson(sb);
    return sb.toString();
  }
}
