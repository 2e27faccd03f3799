package dev.flordb.internal.records;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-run record file: {@code .flor/records/<run>.jsonl}, append-only, one JSON object per
 * line, streamed while the program runs. It is the source of truth: the query database is rebuilt
 * from these files ({@code flordb unpack}), and each run's file is committed with its snapshot.
 *
 * <h2>Format version 1</h2>
 *
 * <pre>{@code
 * {"run":"20261126-055006-123-4f3a9c","seq":0,"t":1795672206123,"ctx":[],"kind":"run","name":"run","type":"json","value":{"format":1,...},"src":"forward"}
 * {"run":"...","seq":1,"t":...,"ctx":[],"kind":"arg","name":"lr","type":"float","value":0.01,"src":"forward"}
 * {"run":"...","seq":9,"t":...,"ctx":[["epoch",0,null],["step",3,null]],"kind":"log","name":"loss","type":"float","value":0.25,"src":"forward"}
 * {"run":"...","seq":99,"t":...,"ctx":[],"kind":"end","name":"end","type":"json","value":{"status":"finished"},"src":"forward"}
 * }</pre>
 *
 * <ul>
 *   <li>{@code run}: the run id ({@code yyyyMMdd-HHmmss-SSS-xxxxxx}: the start time in UTC and
 *       six random hex digits; see {@link #isRunId}), which is also the file's name: {@code
 *       <run>.jsonl} for the run's own file, {@code <run>.replay-<stamp>.jsonl} for a replay's,
 *       {@code <run>.notes-<stamp>.jsonl} for what people said of the run from {@code flordb
 *       serve} (tags, notes, hiding; {@link #runOfFile}); every record of a file belongs to that run. {@code seq}: 0, 1, 2... in file order;
 *       {@code t}: wall-clock milliseconds when the record was made (from a clock that a thread
 *       reads every millisecond while records come: behind the real time by a millisecond or two,
 *       more on a machine too busy to run that thread; {@code seq}, not {@code t}, orders records).
 *   <li>{@code ctx}: the loop context, outermost loop first, as {@code [loop, index, value]}
 *       triples; {@code index} counts from 0; {@code value} is the loop's element where it is a
 *       plain value (number, string, boolean), else null.
 *   <li>{@code kind}: {@code run} (first line: run metadata, including {@code "format"}),
 *       {@code arg} (a hyper-parameter), {@code log} (a logged value), {@code prof} (timings,
 *       names {@code prof::...}), {@code io} (captured output, names {@code io::stdout} and
 *       {@code io::stderr}), {@code warn} (a problem the run reported), {@code ckpt} (a checkpoint was written at the
 *       end of this iteration: name {@code ckpt::<loop>}, value its file and costs; see
 *       {@code Checkpoints}), {@code end} (last line
 *       of a run that ended: its status).
 *   <li>{@code type}: how {@code value} is typed: {@code int}, {@code float} (the shortest
 *       decimal that reads back as the same double, as Java 19's {@code Double.toString} writes
 *       it; non-finite floats as the strings "NaN", "Infinity", "-Infinity"), {@code bool}, {@code str}, {@code json}
 *       (arrays, lists and maps of plain values, inline), {@code repr} (the string form of
 *       anything else).
 *   <li>{@code src}: {@code forward} (the run logged it), {@code replay} (hindsight logging
 *       filled it in later; such records never rewrite forward ones) or {@code human} (a person
 *       tagged, annotated or hid the run: kinds {@code tag} (name the tag, value true or false),
 *       {@code note} (name {@code note}, value the text) and {@code hide} (name {@code hidden},
 *       value true or false); the last record of a name is what holds).
 * </ul>
 *
 * A run whose file has no {@code end} record either is still running or crashed; a last line
 * without its newline was cut short by a crash and is ignored (the lines before it are kept).
 */
public final class RecordFormat {
  public static final int VERSION = 1;
  public static final String SUFFIX = ".jsonl";
  /** What a run id looks like, for messages. */
  public static final String RUN_ID_EXAMPLE = "20261126-055006-123-4f3a9c";
  private static final Pattern RUN_ID = Pattern.compile("\\d{8}-\\d{6}-\\d{3}-[0-9a-f]{6}");
  private static final Pattern FILE = Pattern.compile("(" + RUN_ID.pattern() + ")(\\.(?:replay|notes)-" + RUN_ID.pattern() + ")?"
      + Pattern.quote(SUFFIX));

  /** Whether {@code id} is a run id (or a replay's stamp), as {@code Session.newId} makes them. */
  public static boolean isRunId(String id) {
    return id != null && RUN_ID.matcher(id).matches();
  }

  /** The run whose records a file of this name holds, or null if the name is not a record file's. */
  public static String runOfFile(String fileName) {
    Matcher m = FILE.matcher(fileName);
    return m.matches() ? m.group(1) : null;
  }

  private RecordFormat() {}

  /** One entry of a record's loop context. */
  public record Position(String loop, long index, Object value) {}

  /** One parsed line. */
  public record Entry(
      String run, long seq, long t, List<Position> ctx, String kind, String name, Values type,
      Object value, String source) {}

  /** Parses one line; throws {@link IllegalArgumentException} saying what is wrong with it. */
  public static Entry parse(String line) {
    Object parsed = Json.parse(line);
    if (!(parsed instanceof Map)) throw new IllegalArgumentException("a record must be a JSON object");
    Map<?, ?> m = (Map<?, ?>) parsed;
    String run = str(m, "run");
    String kind = str(m, "kind");
    String name = str(m, "name");
    Values type = Values.fromWire(str(m, "type"));
    Object value = type.fromJson(m.get("value"));
    Object src = m.get("src");
    List<Position> ctx = Collections.emptyList();
    Object rawCtx = m.get("ctx");
    if (rawCtx instanceof List && !((List<?>) rawCtx).isEmpty()) {
      ctx = new ArrayList<>();
      for (Object o : (List<?>) rawCtx) {
        if (!(o instanceof List) || ((List<?>) o).size() != 3) {
          throw new IllegalArgumentException("ctx entries must be [loop, index, value]");
        }
        List<?> e = (List<?>) o;
        ctx.add(new Position(String.valueOf(e.get(0)), ((Number) e.get(1)).longValue(), e.get(2)));
      }
    }
    return new Entry(run, num(m, "seq"), num(m, "t"), ctx, kind, name, type, value,
        src == null ? "forward" : src.toString());
  }

  private static String str(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (v == null) throw new IllegalArgumentException("the record has no \"" + key + "\"");
    return v.toString();
  }

  private static long num(Map<?, ?> m, String key) {
    Object v = m.get(key);
    return v instanceof Number ? ((Number) v).longValue() : 0L;
  }
}
