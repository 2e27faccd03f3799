package dev.flordb.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.RecordFormat;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.records.Values;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast reader of the writer's own lines reads what it accepts exactly as {@link
 * RecordFormat#parse} does, and refuses (for the general parser) every line it is not sure of.
 */
class WriterLineTest {
  static final String RUN = "20261126-055006-123-4f3a9c";
  @TempDir Path tmp;

  /** Lines as the record writer writes them. */
  private List<String> written(RecordWriterScript script) throws IOException {
    Path f = tmp.resolve(RUN + "-" + System.nanoTime() + ".jsonl");
    List<String> warnings = new ArrayList<>();
    try (RecordWriter w = new RecordWriter(f, RUN, 3_600_000, warnings::add, System::currentTimeMillis)) {
      script.write(w);
    }
    assertThat(warnings).isEmpty();
    return Files.readAllLines(f, StandardCharsets.UTF_8);
  }

  interface RecordWriterScript {
    void write(RecordWriter w);
  }

  private static boolean parse(WriterLine r, String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return r.parse(b, 0, b.length);
  }

  /** Asserts that the fast reader accepted the line and read what the general parser reads. */
  private static void assertSameAsGeneral(WriterLine r, String line) {
    assertThat(parse(r, line)).as("accepted: %s", line).isTrue();
    RecordFormat.Entry e = RecordFormat.parse(line);
    assertThat(r.seq).isEqualTo(e.seq());
    assertThat(r.t).isEqualTo(e.t());
    assertThat(r.kind).isEqualTo(e.kind());
    assertThat(r.name).isEqualTo(e.name());
    assertThat(r.type).isEqualTo(e.type());
    assertThat(r.source).isEqualTo(e.source());
    if (e.value() instanceof Double) {
      assertThat(r.value).as(line).isInstanceOf(Double.class);
      assertThat(Double.doubleToRawLongBits((Double) r.value)).as(line).isEqualTo(Double.doubleToRawLongBits((Double) e.value()));
    } else {
      assertThat(r.value).as(line).isEqualTo(e.value());
    }
    assertThat(r.depth).isEqualTo(e.ctx().size());
    for (int d = 0; d < r.depth; d++) {
      RecordFormat.Position p = e.ctx().get(d);
      assertThat(r.loops[d]).isEqualTo(p.loop());
      assertThat(r.idx[d]).isEqualTo(p.index());
      assertThat(r.loopValues[d]).as(line).isEqualTo(p.value());
    }
  }

  @Test
  void readsTheWritersLinesAsTheGeneralParserDoes() throws IOException {
    List<String> lines = written(w -> {
      Frame epoch = new Frame(Frame.ROOT, "epoch", 3, null);
      Frame step = new Frame(epoch, "step", 7, null);
      Frame word = new Frame(step, "word", 0, "apple");
      Frame lr = new Frame(Frame.ROOT, "lr", 1, 0.001);
      Frame flag = new Frame(lr, "flag", 2, true);
      Frame big = new Frame(flag, "n", 12345678901L, -42L);
      Frame doc = Frame.iteration(Frame.ROOT, "doc", 5, "d-5");
      w.append(step, "log", "loss", Values.FLOAT, 0.25, "forward");
      w.append(step, "log", "loss", Values.FLOAT, 1.0 / 3, "replay");
      w.append(step, "log", "n", Values.INT, -9_000_000_000L, "forward");
      w.append(step, "log", "ok", Values.BOOL, false, "forward");
      w.append(word, "log", "ok", Values.BOOL, true, "forward");
      w.append(word, "log", "w", Values.STR, "plain words, [brackets] and {braces}", "forward");
      w.append(big, "log", "x", Values.FLOAT, 1e-300, "forward");
      w.append(doc, "log", "x", Values.FLOAT, -0.0, "forward");
      w.append(Frame.ROOT, "log", "nothing", Values.STR, null, "forward");
      w.append(Frame.ROOT, "log", "x", Values.FLOAT, 3, "forward"); // an integral float
      w.append(epoch, "prof", "prof::epoch", Values.FLOAT, 12.5, "forward");
      w.append(epoch, "warn", "warn", Values.STR, "a problem", "forward");
      w.append(epoch, "log", "e", Values.FLOAT, Double.MIN_VALUE, "forward");
      w.append(epoch, "log", "e", Values.FLOAT, Double.MAX_VALUE, "forward");
      w.append(epoch, "log", "e", Values.FLOAT, 1e22, "forward");
      w.append(epoch, "log", "e", Values.FLOAT, 1e23, "forward");
      w.append(epoch, "log", "e", Values.FLOAT, 123456789012345678.0, "forward");
      w.append(epoch, "log", "e", Values.FLOAT, 2.2250738585072014E-308, "forward");
      w.append(epoch, "log", "i", Values.INT, Long.MAX_VALUE / 10, "forward");
    });
    WriterLine r = new WriterLine(RUN);
    for (String line : lines) assertSameAsGeneral(r, line);
  }

  @Test
  void readsEveryDoubleExactly() throws IOException {
    SplittableRandom rnd = new SplittableRandom(7);
    double[] xs = new double[20_000];
    for (int i = 0; i < xs.length; i++) {
      switch (i % 4) {
        case 0: xs[i] = rnd.nextDouble(); break;
        case 1: xs[i] = 1.0 / (i + 1); break;
        case 2: xs[i] = Double.longBitsToDouble(rnd.nextLong()); break; // any bits: huge, tiny, subnormal
        default: xs[i] = Math.round(rnd.nextDouble() * 1e6) / 1e3; // short decimals
      }
      if (!Double.isFinite(xs[i])) xs[i] = i;
    }
    List<String> lines = written(w -> {
      Frame step = new Frame(Frame.ROOT, "step", 0, null);
      for (double x : xs) w.append(step, "log", "x", Values.FLOAT, x, "forward");
    });
    WriterLine r = new WriterLine(RUN);
    for (String line : lines) assertSameAsGeneral(r, line);
  }

  @Test
  void refusesWhatItIsNotSureOf() throws IOException {
    String good = written(w -> w.append(new Frame(Frame.ROOT, "epoch", 1, null), "log", "loss", Values.FLOAT, 0.5, "forward"))
        .get(0);
    WriterLine r = new WriterLine(RUN);
    assertThat(parse(r, good)).isTrue();
    List<String> refused = new ArrayList<>(List.of(
        // another order of the keys, or spaces
        good.replace("{\"run\":\"" + RUN + "\",\"seq\":0,", "{\"seq\":0,\"run\":\"" + RUN + "\","),
        good.replace(",\"src\":\"forward\"}", "}").replace("{\"run\"", "{\"src\":\"forward\",\"run\""),
        good.replace("\"kind\":\"log\"", "\"kind\": \"log\""),
        good + " ",
        " " + good,
        good.replace("}", "},"),
        // another run, a run id with more to it
        good.replace(RUN, "20261126-055006-123-4f3a9d"),
        good.replace(RUN, RUN + "x"),
        // escapes and characters beyond ASCII, in names, loop names and values
        good.replace("\"name\":\"loss\"", "\"name\":\"lo\\\"ss\""),
        good.replace("\"name\":\"loss\"", "\"name\":\"lo\\u0073s\""),
        good.replace("\"name\":\"loss\"", "\"name\":\"λoss\""),
        good.replace("[\"epoch\",", "[\"ep\\noch\","),
        good.replace("[\"epoch\",", "[\"époque\","),
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"str\",\"value\":\"a\\tb\""),
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"str\",\"value\":\"naïve\""),
        // non-finite floats (written as strings), numbers not in the writer's form
        good.replace("\"value\":0.5", "\"value\":\"NaN\""),
        good.replace("\"value\":0.5", "\"value\":\"Infinity\""),
        good.replace("\"value\":0.5", "\"value\":\"-Infinity\""),
        good.replace("\"value\":0.5", "\"value\":1e400"),
        good.replace("\"value\":0.5", "\"value\":05"),
        good.replace("\"value\":0.5", "\"value\":.5"),
        good.replace("\"value\":0.5", "\"value\":0.5e"),
        good.replace("\"value\":0.5", "\"value\":+0.5"),
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"int\",\"value\":12345678901234567890"),
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"int\",\"value\":1.5"),
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"str\",\"value\":5"),
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"bool\",\"value\":1"),
        // JSON and repr values, unknown types
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"json\",\"value\":[1,2]"),
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"json\",\"value\":{\"a\":1}"),
        good.replace("\"type\":\"float\",\"value\":0.5", "\"type\":\"repr\",\"value\":\"Model@1\""),
        good.replace("\"type\":\"float\"", "\"type\":\"decimal\""),
        good.replace("\"value\":0.5", "\"value\":[0.5]"),
        // the run's own records
        good.replace("\"kind\":\"log\"", "\"kind\":\"run\""),
        good.replace("\"kind\":\"log\"", "\"kind\":\"arg\""),
        good.replace("\"kind\":\"log\"", "\"kind\":\"end\""),
        good.replace("\"kind\":\"log\"", "\"kind\":\"replay\""),
        good.replace("\"kind\":\"log\"", "\"kind\":\"verdict\""),
        good.replace("\"src\":\"forward\"", "\"src\":\"guess\""),
        // contexts not in the writer's form: a nested value, a position of two entries, a fraction as index
        good.replace("[\"epoch\",1,null]", "[\"epoch\",1,[1,2]]"),
        good.replace("[\"epoch\",1,null]", "[\"epoch\",1,{\"a\":1}]"),
        good.replace("[\"epoch\",1,null]", "[\"epoch\",1]"),
        good.replace("[\"epoch\",1,null]", "[\"epoch\",1.5,null]"),
        good.replace("[\"epoch\",1,null]", "[\"epoch\",1,\"s\\\"q\"]"),
        good.replace("[[\"epoch\",1,null]]", "[[\"epoch\",1,null],]"),
        good.replace("[[\"epoch\",1,null]]", "[[\"epoch\",1,null]"),
        good.replace("[[\"epoch\",1,null]]", "[[\"epoch\",1,null] ]"),
        // cut short
        good.substring(0, good.length() - 1),
        good.substring(0, good.length() / 2),
        ""));
    for (String line : refused) {
      assertThat(parse(r, line)).as("refused: %s", line).isFalse();
      assertThat(parse(r, good)).isTrue(); // and the next line is read afresh
      assertSameAsGeneral(r, good);
    }
  }

  @Test
  void positionsSharedWithThePreviousLineAreNotReadAgain() throws IOException {
    List<String> lines = written(w -> {
      Frame e0 = new Frame(Frame.ROOT, "epoch", 0, null);
      Frame e1 = new Frame(Frame.ROOT, "epoch", 1, null);
      w.append(new Frame(e0, "step", 0, null), "log", "loss", Values.FLOAT, 0.5, "forward");
      w.append(new Frame(e0, "step", 1, null), "log", "loss", Values.FLOAT, 0.5, "forward");
      w.append(e0, "log", "acc", Values.FLOAT, 0.5, "forward");
      w.append(new Frame(e1, "step", 0, null), "log", "loss", Values.FLOAT, 0.5, "forward");
      w.append(new Frame(new Frame(e1, "step", 0, null), "micro", 10, "m"), "log", "loss", Values.FLOAT, 0.5, "forward");
      w.append(new Frame(Frame.ROOT, "epoch", 10, null), "log", "loss", Values.FLOAT, 0.5, "forward");
      w.append(Frame.ROOT, "log", "lr", Values.FLOAT, 0.5, "forward");
    });
    WriterLine r = new WriterLine(RUN);
    int[] reused = new int[lines.size()];
    for (int i = 0; i < lines.size(); i++) {
      assertSameAsGeneral(r, lines.get(i));
      reused[i] = r.reused;
    }
    // epoch 0 is shared by the second and third lines; "epoch",10 only begins like "epoch",1
    assertThat(reused).containsExactly(0, 1, 1, 0, 2, 0, 0);
  }

  @Test
  void aStoreReadsBothLayoutsAlike() throws IOException {
    // the same records in the writer's layout and in another order of keys: one run each
    String other = "20261126-055006-124-4f3a9d";
    List<String> lines = written(w -> {
      Frame e = new Frame(Frame.ROOT, "epoch", 0, null);
      Frame w0 = new Frame(e, "word", 0, "apple");
      Frame w1 = new Frame(e, "word", 1, 2.5);
      w.append(Frame.ROOT, "log", "lr", Values.FLOAT, 0.01, "forward");
      for (int s = 0; s < 300; s++) {
        w.append(new Frame(w0, "step", s, null), "log", "loss", Values.FLOAT, 1.0 / (s + 1), "forward");
        w.append(new Frame(w1, "step", s, null), "log", "n", Values.INT, (long) s, s % 2 == 0 ? "forward" : "replay");
      }
      w.append(w1, "log", "ok", Values.BOOL, true, "forward");
      w.append(w1, "log", "tag", Values.STR, "t", "forward");
      w.append(w1, "log", "big", Values.FLOAT, Double.NaN, "forward");
      w.append(e, "log", "acc", Values.FLOAT, 0.75, "forward");
    });
    Path flor = tmp.resolve(".flor");
    Files.createDirectories(flor.resolve("records"));
    String header = "{\"run\":\"%s\",\"seq\":-1,\"t\":1,\"ctx\":[],\"kind\":\"run\",\"name\":\"run\",\"type\":\"json\","
        + "\"value\":{\"format\":1,\"projid\":\"p\",\"tstamp\":\"%s\",\"filename\":\"T.java\"},\"src\":\"forward\"}";
    List<String> writerLayout = new ArrayList<>(List.of(String.format(header, RUN, "2026-01-01T00:00:00")));
    writerLayout.addAll(lines);
    List<String> reordered = new ArrayList<>(List.of(String.format(header, other, "2026-01-01T00:00:01")));
    for (String line : lines) {
      RecordFormat.Entry x = RecordFormat.parse(line);
      reordered.add(line.replace("{\"run\":\"" + RUN + "\",\"seq\":" + x.seq() + ",",
          "{\"seq\": " + x.seq() + ", \"run\":\"" + other + "\","));
    }
    Files.write(flor.resolve("records/" + RUN + ".jsonl"), writerLayout, StandardCharsets.UTF_8);
    Files.write(flor.resolve("records/" + other + ".jsonl"), reordered, StandardCharsets.UTF_8);
    try (Store store = Store.open(flor, null)) {
      String sql = "SELECT seq, kind, name, type, value, typeof(value) AS t, source, position, iteration FROM records"
          + " WHERE run_id = '%s' ORDER BY seq";
      var fast = store.query(String.format(sql, RUN));
      var general = store.query(String.format(sql, other));
      assertThat(fast.size()).isEqualTo(lines.size()); // the header is a run, not a record
      List<Map<String, Object>> a = new ArrayList<>();
      List<Map<String, Object>> b = new ArrayList<>();
      fast.forEach(row -> a.add(row.toMap()));
      general.forEach(row -> b.add(row.toMap()));
      assertThat(a).isEqualTo(b);
      String ctx = "SELECT c.depth, c.loop, c.idx, c.value, typeof(c.value), p.loop, p.idx FROM ctx c"
          + " LEFT JOIN ctx p ON p.id = c.parent JOIN runs r ON r.rid = c.rid WHERE r.run_id = '%s' ORDER BY c.id";
      List<List<Object>> ca = new ArrayList<>();
      List<List<Object>> cb = new ArrayList<>();
      store.query(String.format(ctx, RUN)).forEach(row -> ca.add(Arrays.asList(row.toMap().values().toArray())));
      store.query(String.format(ctx, other)).forEach(row -> cb.add(Arrays.asList(row.toMap().values().toArray())));
      assertThat(ca).hasSize(1 + 2 + 600).isEqualTo(cb);
      assertThat(store.dataframe("lr", "loss", "acc").size()).isEqualTo(2 * 300);
    }
  }
  @Test
  void aFileReadInPiecesGetsThePositionsOfOneRead() throws IOException {
    // more enclosing positions than the reader keeps the children of, then back to the first ones
    List<String> lines = written(w -> {
      Frame[] epochs = new Frame[5000];
      for (int e = 0; e < epochs.length; e++) {
        epochs[e] = new Frame(Frame.ROOT, "epoch", e, null);
        for (int s = 0; s < 2; s++) w.append(new Frame(epochs[e], "step", s, null), "log", "loss", Values.FLOAT, e + s / 10.0, "forward");
      }
      w.append(new Frame(epochs[0], "step", 1, null), "log", "loss", Values.FLOAT, -1.0, "replay");
      w.append(new Frame(epochs[0], "step", 2, null), "log", "loss", Values.FLOAT, -2.0, "forward");
      w.append(new Frame(epochs[4999], "step", 0, null), "log", "acc", Values.FLOAT, -3.0, "forward");
    });
    String header = "{\"run\":\"" + RUN + "\",\"seq\":0,\"t\":1,\"ctx\":[],\"kind\":\"run\",\"name\":\"run\",\"type\":\"json\","
        + "\"value\":{\"format\":1,\"tstamp\":\"2026-01-01T00:00:00\"},\"src\":\"forward\"}";
    List<String> all = new ArrayList<>(List.of(header));
    all.addAll(lines);
    String sql = "SELECT seq, name, value, source, position FROM records ORDER BY seq";
    String positions = "SELECT count(*) AS n, count(DISTINCT parent || ' ' || loop || ' ' || idx) AS distinct_positions FROM ctx";
    List<List<Object>> results = new ArrayList<>();
    for (int pieces : new int[] {1, 3}) {
      Path flor = tmp.resolve("pieces-" + pieces);
      Path file = flor.resolve("records/" + RUN + ".jsonl");
      Files.createDirectories(file.getParent());
      try (Store store = Store.open(flor, null)) {
        for (int k = 1; k <= pieces; k++) {
          int upTo = k == pieces ? all.size() : all.size() * k / pieces;
          Files.write(file, all.subList(0, upTo), StandardCharsets.UTF_8);
          store.sync();
        }
        List<Object> r = new ArrayList<>();
        store.query(sql).forEach(row -> r.add(row.toMap()));
        store.query(positions).forEach(row -> r.add(row.toMap()));
        results.add(r);
        assertThat(store.query(positions).row(0).getLong("n")).isEqualTo(5000 + 2 * 5000 + 1);
        assertThat(store.query(positions).row(0).getLong("distinct_positions")).isEqualTo(5000 + 2 * 5000 + 1);
      }
    }
    assertThat(results.get(1)).isEqualTo(results.get(0));
  }
  @Test
  void aLargeFileParsedOnASecondThreadIsStoredAsOneReadOnThisThread() throws IOException {
    List<String> lines = written(w -> {
      for (int e = 0; e < 4; e++) {
        Frame epoch = new Frame(Frame.ROOT, "epoch", e, null);
        for (int s = 0; s < 10_000; s++) {
          Frame step = new Frame(epoch, "step", s, null);
          w.append(step, "log", "loss", Values.FLOAT, 1.0 / (s + 1), "forward");
          if (s % 1000 == 7) w.append(step, "log", "odd", Values.FLOAT, Double.NaN, "forward"); // the general parser
        }
      }
    });
    String header = "{\"run\":\"" + RUN + "\",\"seq\":0,\"t\":1,\"ctx\":[],\"kind\":\"run\",\"name\":\"run\",\"type\":\"json\","
        + "\"value\":{\"format\":1,\"tstamp\":\"2026-01-01T00:00:00\"},\"src\":\"forward\"}";
    List<String> all = new ArrayList<>(List.of(header));
    all.addAll(lines);
    all.set(20_000, "{\"run\": this is not json");
    String text = String.join("\n", all) + "\n{\"run\":\"" + RUN + "\",\"seq\":9"; // a last line cut short
    List<List<Object>> results = new ArrayList<>();
    long before = RecordIngest.pipelineBytes;
    try {
      for (long pipeline : new long[] {Long.MAX_VALUE, 0}) {
        RecordIngest.pipelineBytes = pipeline;
        Path flor = tmp.resolve("pipeline-" + pipeline);
        Files.createDirectories(flor.resolve("records"));
        Files.writeString(flor.resolve("records/" + RUN + ".jsonl"), text, StandardCharsets.UTF_8);
        List<String> warnings = new ArrayList<>();
        try (Store store = Store.open(flor, null, warnings::add)) {
          store.sync();
          List<Object> r = new ArrayList<>();
          store.query("SELECT seq, name, value, typeof(value), source, position FROM records ORDER BY seq").forEach(row -> r.add(row.toMap()));
          store.query("SELECT path, offset, lines, bad_lines, damage FROM files").forEach(row -> r.add(row.toMap()));
          warnings.forEach(w -> r.add(w.replace(flor.toString(), "FLOR")));
          results.add(r);
          assertThat(store.query("SELECT count(*) AS n FROM logs").row(0).getLong("n")).isEqualTo(lines.size() - 1);
          assertThat(warnings).anyMatch(w -> w.contains("line 20001 is not a valid record"));
        }
      }
    } finally {
      RecordIngest.pipelineBytes = before;
    }
    assertThat(results.get(1)).isEqualTo(results.get(0));
  }
}
