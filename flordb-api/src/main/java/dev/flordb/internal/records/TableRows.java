package dev.flordb.internal.records;

import java.lang.reflect.Array;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * Rows that {@code Table.of} keeps as they are instead of copying them: each {@link #get} makes a
 * new array of the row's cells, and the cells are {@link #frozen} already. The dataframe of ten
 * million values is one: its columns stay columns, and a row is made when it is read.
 *
 * <p>Whoever extends it promises what copying would otherwise ensure: every row has one cell per
 * column, and nothing a row is made from changes afterwards.
 */
public abstract class TableRows extends AbstractList<Object[]> implements RandomAccess {
  /** A new array of the cells of row {@code i}. */
  @Override
  public abstract Object[] get(int i);

  /** The cell itself, or for a list, map or array an unmodifiable copy (recursively). */
  public static Object frozen(Object cell) {
    if (cell == null) return null;
    Class<?> k = cell.getClass();
    // most cells: checked by class alone, before the interface checks below (slower on these)
    if (k == Double.class || k == Long.class || k == String.class || k == Boolean.class) return cell;
    if (cell instanceof List) {
      List<Object> l = new ArrayList<>(((List<?>) cell).size());
      for (Object e : (List<?>) cell) l.add(frozen(e));
      return Collections.unmodifiableList(l);
    }
    if (cell instanceof Map) {
      Map<Object, Object> m = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) cell).entrySet()) m.put(e.getKey(), frozen(e.getValue()));
      return Collections.unmodifiableMap(m);
    }
    if (k.isArray()) {
      int n = Array.getLength(cell);
      List<Object> l = new ArrayList<>(n);
      for (int i = 0; i < n; i++) l.add(frozen(Array.get(cell, i)));
      return Collections.unmodifiableList(l);
    }
    return cell;
  }
}
