package dev.flordb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The table that dataframe and query return: printing, CSV, JSON and typed getters. */
class TableTest {
  private static Table small() {
    return Table.of(List.of("name", "n", "x", "ok", "tags"), Arrays.asList(
        new Object[] {"a", 1L, 0.5, true, List.of(1L, 2L)},
        new Object[] {"bcd", null, 12.25, false, Map.of("k", "v")},
        new Object[] {"say \"hi\", bob", -30L, null, null, null}));
  }

  @Test
  void printAlignsNumbersRightAndTextLeft() {
    StringBuilder sb = new StringBuilder();
    small().print(sb);
    assertThat(sb.toString()).isEqualTo(""
        + "name             n      x  ok     tags\n"
        + "a                1    0.5  true   [1,2]\n"
        + "bcd                 12.25  false  {\"k\":\"v\"}\n"
        + "say \"hi\", bob  -30\n");
  }

  @Test
  void toStringIsThePrintedTable() {
    StringBuilder sb = new StringBuilder();
    small().print(sb);
    assertThat(small().toString()).isEqualTo(sb.toString());
  }

  @Test
  void aLongTableShowsItsFirstAndLastRowsAndItsSize() {
    List<Object[]> rows = new ArrayList<>();
    for (long i = 0; i < 45; i++) rows.add(new Object[] {i});
    String text = Table.of(List.of("i"), rows).toString();
    StringBuilder expected = new StringBuilder(" i\n");
    for (long i = 0; i < 20; i++) expected.append(String.format("%2d%n", i));
    expected.append("...\n");
    for (long i = 25; i < 45; i++) expected.append(String.format("%2d%n", i));
    expected.append("[45 rows]\n");
    assertThat(text).isEqualTo(expected.toString().replace(System.lineSeparator(), "\n"));

    StringBuilder all = new StringBuilder();
    Table.of(List.of("i"), rows).print(all);
    assertThat(all.toString().lines()).hasSize(46).doesNotContain("...");
  }

  @Test
  void anEmptyTablePrintsItsHeaderAndZeroRows() {
    assertThat(Table.of(List.of("a", "bb"), List.of()).toString()).isEqualTo("a  bb\n[0 rows]\n");
  }

  @Test
  void aNewlineInACellIsPrintedEscapedOnOneLine() {
    Table t = Table.of(List.of("s"), List.<Object[]>of(new Object[] {"two\nlines"}));
    assertThat(t.toString()).isEqualTo("s\ntwo\\nlines\n");
  }

  @Test
  void csvQuotesWhatNeedsQuotingAndLeavesMissingCellsEmpty() {
    assertThat(small().toCsv()).isEqualTo(""
        + "name,n,x,ok,tags\r\n"
        + "a,1,0.5,true,\"[1,2]\"\r\n"
        + "bcd,,12.25,false,\"{\"\"k\"\":\"\"v\"\"}\"\r\n"
        + "\"say \"\"hi\"\", bob\",-30,,,\r\n");
  }

  @Test
  void jsonIsAnArrayOfOneObjectPerRow() {
    assertThat(small().toJson()).isEqualTo(""
        + "[\n"
        + "  {\"name\":\"a\",\"n\":1,\"x\":0.5,\"ok\":true,\"tags\":[1,2]},\n"
        + "  {\"name\":\"bcd\",\"n\":null,\"x\":12.25,\"ok\":false,\"tags\":{\"k\":\"v\"}},\n"
        + "  {\"name\":\"say \\\"hi\\\", bob\",\"n\":-30,\"x\":null,\"ok\":null,\"tags\":null}\n"
        + "]\n");
    assertThat(Table.of(List.of("a"), List.of()).toJson()).isEqualTo("[]\n");
  }

  @Test
  void typedGettersReturnTheCellsType() {
    Table t = small();
    Table.Row r = t.row(0);
    assertThat(r.getString("name")).isEqualTo("a");
    assertThat(r.getLong("n")).isEqualTo(1L);
    assertThat(r.getDouble("n")).isEqualTo(1.0);
    assertThat(r.getDouble("x")).isEqualTo(0.5);
    assertThat(r.getBoolean("ok")).isTrue();
    assertThat(r.getString("tags")).isEqualTo("[1,2]");
    assertThat(r.get("tags")).isEqualTo(List.of(1L, 2L));
    assertThat(r.get(0)).isEqualTo("a");
    assertThat(t.row(1).getLong("n")).isNull();
    assertThat(t.row(2).getDouble("x")).isNull();
    assertThat(t.row(2).getBoolean("ok")).isNull();
    assertThat(t.row(2).getString("tags")).isNull();
  }

  @Test
  void aWholeDoubleReadsAsALong() {
    Table t = Table.of(List.of("v"), List.<Object[]>of(new Object[] {3.0}));
    assertThat(t.row(0).getLong("v")).isEqualTo(3L);
  }

  @Test
  void aGetterOfTheWrongTypeNamesTheColumnTheValueAndWhatToUse() {
    Table t = small();
    assertThatThrownBy(() -> t.row(0).getLong("x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("column 'x' holds 0.5 (Double), not a whole number; use get(\"x\")");
    assertThatThrownBy(() -> t.row(0).getDouble("name"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("column 'name' holds \"a\" (String), not a number; use get(\"name\")");
    assertThatThrownBy(() -> t.row(0).getBoolean("n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("column 'n' holds 1 (Long), not a boolean; use get(\"n\")");
  }

  @Test
  void anUnknownColumnIsReportedWithTheColumnsThereAre() {
    Table t = small();
    assertThatThrownBy(() -> t.row(0).get("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no column 'nope'; the columns are [name, n, x, ok, tags]");
    assertThatThrownBy(() -> t.column("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no column 'nope'");
  }

  @Test
  void aRowWithTheWrongNumberOfCellsIsRefused() {
    assertThatThrownBy(() -> Table.of(List.of("a", "b"), List.<Object[]>of(new Object[] {1L})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a row has 1 cells but the table has 2 columns [a, b]");
  }

  @Test
  void rowsIterateInOrderAndColumnsReadTopToBottom() {
    Table t = small();
    List<Object> names = new ArrayList<>();
    for (Table.Row r : t) names.add(r.get("name"));
    assertThat(names).containsExactly("a", "bcd", "say \"hi\", bob");
    assertThat(t.column("n")).containsExactly(1L, null, -30L);
    assertThat(t.size()).isEqualTo(3);
    assertThat(t.row(1).toMap()).containsOnlyKeys("name", "n", "x", "ok", "tags");
    assertThat(t.columns()).containsExactly("name", "n", "x", "ok", "tags");
  }

  @Test
  void changingTheListsAndArraysATableWasMadeOfDoesNotChangeIt() {
    List<String> columns = new ArrayList<>(List.of("a", "tags"));
    Object[] row = {1L, new ArrayList<>(List.of(1L, 2L))};
    List<Object[]> rows = new ArrayList<>();
    rows.add(row);
    Table t = Table.of(columns, rows);

    columns.set(0, "changed");
    row[0] = 99L;
    @SuppressWarnings("unchecked")
    List<Object> tags = (List<Object>) row[1];
    tags.add(3L);
    rows.add(new Object[] {2L, null});

    assertThat(t.columns()).containsExactly("a", "tags");
    assertThat(t.size()).isEqualTo(1);
    assertThat(t.row(0).get("a")).isEqualTo(1L);
    assertThat(t.row(0).get("tags")).isEqualTo(List.of(1L, 2L));
  }

  @Test
  void nothingATableHandsOutCanChangeIt() {
    Table t = Table.of(List.of("tags", "m", "xs"), List.<Object[]>of(
        new Object[] {new ArrayList<>(List.of(List.of(1L))), new HashMap<>(Map.of("k", "v")), new double[] {0.5}}));
    Table.Row r = t.row(0);
    assertThatThrownBy(() -> t.columns().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> t.column("tags").set(0, null)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> {
      var it = t.iterator();
      it.next();
      it.remove();
    }).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ((List<?>) r.get("tags")).clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ((List<?>) ((List<?>) r.get("tags")).get(0)).clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ((Map<?, ?>) r.get("m")).clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(r.get("xs")).as("an array cell is kept as the list of its elements").isEqualTo(List.of(0.5));
    assertThatThrownBy(() -> ((List<?>) r.get("xs")).clear()).isInstanceOf(UnsupportedOperationException.class);

    r.toMap().put("tags", "changed");
    assertThat(t.row(0).get("tags")).as("toMap is a copy").isEqualTo(List.of(List.of(1L)));
    assertThat(t.toJson()).isEqualTo("[\n  {\"tags\":[[1]],\"m\":{\"k\":\"v\"},\"xs\":[0.5]}\n]\n");
  }
}
