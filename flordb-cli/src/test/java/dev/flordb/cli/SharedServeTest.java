package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flordb.internal.records.Json;
import dev.flordb.testing.Browser;
import dev.flordb.testing.ChildJvm;
import dev.flordb.testing.PostgresServer;
import dev.flordb.web.FlorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * {@code flordb serve} on a shared store: a clone that recorded nothing serves every clone's
 * runs, as each clone's own server serves its own, from a real PostgreSQL server.
 */
class SharedServeTest {
  @RegisterExtension static final PostgresServer pg = new PostgresServer();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static Object get(FlorServer s, String path, int status) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
    return Json.parse(r.body());
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> runsById(FlorServer s) throws Exception {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    for (Object r : (List<Object>) ((Map<String, Object>) get(s, "/api/runs", 200)).get("runs")) {
      Map<String, Object> run = (Map<String, Object>) r;
      out.put((String) run.get("run_id"), run);
    }
    return out;
  }

  /** The lr of each run that {@code GET /api/runs?where=CONDITION} lists. */
  @SuppressWarnings("unchecked")
  static List<Object> runsWhere(FlorServer s, String condition) throws Exception {
    Map<String, Object> r = (Map<String, Object>) get(s, "/api/runs?where="
        + java.net.URLEncoder.encode(condition, java.nio.charset.StandardCharsets.UTF_8), 200);
    return ((List<Object>) r.get("runs")).stream().map(x -> ((Map<String, Object>) ((Map<String, Object>) x).get("args")).get("lr"))
        .toList();
  }

  static FlorServer serve(Project p, String store) {
    return FlorServer.start(p.dir, "127.0.0.1", 0, System.getProperty("java.class.path"), store);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aServerInAThirdCloneListsEveryClonesRunsAsTheirOwnServersDoAndDrawsAnotherClonesRun(@TempDir Path tmp)
      throws Exception {
    String store = pg.newDatabase("serve_three_clones");
    Project[] c = SharedStoreTest.clones(tmp);
    SharedStoreTest.train(c[0], store, "lr=0.1", "who=a");
    SharedStoreTest.train(c[0], store, "lr=0.2", "who=a");
    SharedStoreTest.train(c[1], store, "lr=0.3", "who=b");
    // and a program that prints, so that its page has captured output
    c[1].write("Hello.java", """
        import dev.flordb.Flor;
        public class Hello {
          public static void main(String[] args) {
            for (int i : Flor.loop("i", 0, 3)) {
              System.out.println("hello " + i);
              Flor.log("loss", 1.0 / (i + 1));
            }
            System.err.println("done");
          }
        }
        """);
    ChildJvm.source(c[1].dir, "Hello.java").env("FLOR_STORE", store).run().assertSucceeded();

    Map<String, Map<String, Object>> local = new TreeMap<>();
    String runOfA;
    Object seriesInA;
    Map<String, Object> pageInA;
    Map<String, Object> pages = new TreeMap<>();
    try (FlorServer a = serve(c[0], null); FlorServer b = serve(c[1], null)) {
      assertThat(a.served()).startsWith("the local store ").endsWith("flor.db");
      local.putAll(runsById(a));
      local.putAll(runsById(b));
      runOfA = runsById(a).keySet().iterator().next();
      seriesInA = get(a, "/api/runs/" + runOfA + "/series", 200);
      pageInA = (Map<String, Object>) get(a, "/api/runs/" + runOfA, 200);
      for (Map<String, Object> r : runsById(b).values()) {
        if (r.get("filename").equals("Hello.java")) pages.put((String) r.get("run_id"), get(b, "/api/runs/" + r.get("run_id"), 200));
      }
    }
    assertThat(local).hasSize(4);
    assertThat((Map<String, Object>) pageInA.get("timings")).containsKey("run_s");
    pages.put(runOfA, pageInA);
    assertThat(pages).hasSize(2);
    assertThat(pages.values()).anyMatch(p -> ((String) ((Map<String, Object>) p).get("output")).contains("hello 2\n[err] done"));

    try (FlorServer shared = serve(c[2], store)) {
      assertThat(shared.served()).matches("the shared store postgresql://localhost:\\d+/serve_three_clones"
          + " \\(project [0-9a-f]{12}\\), every clone's runs");
      Map<String, Map<String, Object>> all = runsById(shared);
      assertThat(all).isEqualTo(local);
      assertThat(all.get(runOfA).get("metrics")).as("a loop metric's last, least and greatest").isNotEqualTo(Map.of());
      assertThat((Map<String, Object>) all.get(runOfA).get("values")).containsEntry("note", "done by a");

      // the run page of a run of another clone: its charts are drawn, what needs its snapshot says why not
      assertThat(get(shared, "/api/runs/" + runOfA + "/series", 200)).isEqualTo(seriesInA);
      Map<String, Object> page = (Map<String, Object>) get(shared, "/api/runs/" + runOfA, 200);
      for (Map.Entry<String, Object> e : pages.entrySet()) {
        Map<String, Object> same = new LinkedHashMap<>((Map<String, Object>) get(shared, "/api/runs/" + e.getKey(), 200));
        Map<String, Object> there = new LinkedHashMap<>((Map<String, Object>) e.getValue());
        for (String k : List.of("files", "snapshot_missing", "recorded_here")) {
          same.remove(k);
          there.remove(k);
        }
        assertThat(same).as("timings, checkpoints, output and the rest").isEqualTo(there);
      }
      assertThat(page.get("files")).isEqualTo(List.of());
      assertThat((String) page.get("snapshot_missing")).contains("recorded in another clone").contains("'flordb pull'");
      assertThat(page.get("recorded_here")).isEqualTo(false);
      Map<String, Object> file = (Map<String, Object>) get(shared, "/api/runs/" + runOfA + "/file?path=Train.java", 404);
      assertThat((String) file.get("error")).contains("is not in this clone").contains("'flordb pull' fetches it");
      HttpResponse<String> tag = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shared.port()
          + "/api/runs/" + runOfA + "/tags")).header("Content-Type", "application/x-www-form-urlencoded")
          .header("X-FlorDB", "1").POST(HttpRequest.BodyPublishers.ofString("tag=best")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(tag.statusCode()).as(tag.body()).isEqualTo(409);
      assertThat(tag.body()).contains("recorded in another clone").contains("'flordb pull'");
      Map<String, Object> compare = (Map<String, Object>) get(shared, "/api/compare?runs=" + String.join(",", all.keySet()), 200);
      for (Object d : (List<Object>) compare.get("diffs")) {
        Map<String, Object> diff = (Map<String, Object>) d;
        if (!Boolean.TRUE.equals(diff.get("same_code"))) assertThat((String) diff.get("why")).contains("'flordb pull'");
      }

      // the runs table's filter takes the conditions of flordb replay --where, on every clone's runs
      assertThat(runsWhere(shared, "lr > 0.15")).containsExactly(0.2, 0.3);
      assertThat(runsWhere(shared, "who = 'b' or lr < 0.15")).containsExactly(0.1, 0.3);
      // a boolean is a condition of its own, and equals true or false, as in the local store
      assertThat(runsWhere(shared, "ok and lr > 0.15")).containsExactly(0.2, 0.3);
      assertThat(runsWhere(shared, "ok = false or lr = 0.1")).containsExactly(0.1);

      // the dataframe and queries read every clone's runs too
      Map<String, Object> df = (Map<String, Object>) get(shared, "/api/dataframe?names=loss", 200);
      assertThat(df.get("total")).isEqualTo(18L + 3);
      Map<String, Object> q = (Map<String, Object>) get(shared, "/api/query?sql=SELECT%20count(*)%20AS%20n%20FROM%20runs", 200);
      assertThat(q.get("rows")).isEqualTo(List.of(List.of(4L)));

      // a run recorded here while the server runs shows up with the others
      SharedStoreTest.train(c[2], store, "lr=0.4", "who=c");
      Map<String, Map<String, Object>> more = runsById(shared);
      assertThat(more).hasSize(5).containsAllEntriesOf(local);
      // and this clone's own run can be tagged: the tag is a record here, shipped, and listed from the shared store
      String mine = more.keySet().stream().filter(id -> !local.containsKey(id)).findFirst().orElseThrow();
      HttpResponse<String> tagged = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shared.port()
          + "/api/runs/" + mine + "/tags")).header("Content-Type", "application/x-www-form-urlencoded")
          .header("X-FlorDB", "1").POST(HttpRequest.BodyPublishers.ofString("tag=mine")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(tagged.statusCode()).as(tagged.body()).isEqualTo(200);
      assertThat(runsById(shared).get(mine).get("tags")).isEqualTo(List.of("mine"));
      assertThat(((Map<String, Object>) get(shared, "/api/runs/" + mine, 200)).get("recorded_here")).isEqualTo(true);

      // and in a browser: the runs page lists all four, another clone's run page draws its charts and says why no code
      assumeTrue(Browser.missing() == null, Browser.missing());
      try (Browser browser = Browser.start(tmp)) {
        WebDriver d = browser.driver();
        d.get("http://127.0.0.1:" + shared.port() + "/");
        browser.until(x -> x.findElements(By.cssSelector("#runs tbody tr.run")).size() == 5);
        d.get("http://127.0.0.1:" + shared.port() + "/runs/" + runOfA);
        browser.until(x -> x.findElements(By.cssSelector(".chart[data-drawn]")).size() == 3);
        assertThat(d.findElement(By.id("file-text")).getText()).contains("recorded in another clone")
            .contains("'flordb pull' fetches it");
        assertThat(d.findElement(By.id("note-saved")).getText()).contains("recorded in another clone");
        assertThat(d.findElement(By.id("args")).getText()).contains("0.1");
      }
    }
  }

  @Test
  void theSharedSummariesAreTheLocalOnesAndWhatTheirDefinitionMakesOfTheSharedRowsAlsoAfterAnUpgrade(
      @TempDir Path tmp) throws Exception {
    String store = pg.newDatabase("serve_summaries");
    Project[] c = SharedStoreTest.clones(tmp);
    SharedStoreTest.train(c[0], store, "lr=0.1", "who=a");
    SharedStoreTest.train(c[1], store, "lr=0.3", "who=b");
    // a run that logs NaN and an infinity: counted, neither least nor greatest
    c[0].write("Odd.java", """
        import dev.flordb.Flor;
        public class Odd {
          public static void main(String[] args) {
            for (int i : Flor.loop("i", 0, 4)) {
              Flor.log("x", i == 1 ? Double.NaN : i == 2 ? Double.NEGATIVE_INFINITY : i * 0.1);
              Flor.log("big", 9007199254740993L + i);
            }
            Flor.log("x", 0.30000000000000004);
          }
        }
        """);
    ChildJvm.source(c[0].dir, "Odd.java").env("FLOR_STORE", store).run().assertSucceeded();

    TreeSet<String> local = new TreeSet<>();
    local.addAll(localSummaries(c[0]));
    local.addAll(localSummaries(c[1]));
    assertThat(local).hasSizeGreaterThan(20)
        .anyMatch(l -> l.contains("\"name\":\"big\",\"in_loop\":1") && l.contains("\"lo\":9007199254740993,\"hi\":9007199254740996"))
        .anyMatch(l -> l.contains("\"name\":\"x\",\"in_loop\":1") && l.contains("\"n\":4,\"lo\":0,\"hi\":0.30000000000000004"));
    String schema;
    try (Connection conn = DriverManager.getConnection(store); Statement s = conn.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'flor\\_%'")) {
        assertThat(rs.next()).isTrue();
        schema = rs.getString(1);
      }
      s.execute("SET search_path TO " + schema);
      assertThat(sharedSummaries(s, false)).isEqualTo(local);
      // the table is exactly its definition over the shared rows, rowids too
      TreeSet<String> written = sharedSummaries(s, true);
      assertThat(written).isEqualTo(definition(s));

      // as a flordb of schema version 2 left it: no summaries
      s.execute("DROP TABLE summaries");
      s.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    }
    Project.Cli runs = c[2].cli("--store", store, "runs");
    assertThat(runs.exit()).as(runs.toString()).isZero();
    try (Connection conn = DriverManager.getConnection(store); Statement s = conn.createStatement()) {
      s.execute("SET search_path TO " + schema);
      try (ResultSet rs = s.executeQuery("SELECT (SELECT value FROM meta WHERE key = 'schema_version'),"
          + " (SELECT count(*) FROM meta WHERE key = 'summaries')")) {
        rs.next();
        assertThat(rs.getString(1)).as("upgraded to the current version").isEqualTo("4");
        assertThat(rs.getLong(2)).as("the mark that they are still to be made").isZero();
      }
      TreeSet<String> rebuilt = sharedSummaries(s, true);
      assertThat(rebuilt).isEqualTo(definition(s));
      assertThat(sharedSummaries(s, false)).isEqualTo(local);
    }
  }

  /** One line per summary row, by run id, without rowids, the numbers as doubles and the last value typed. */
  static TreeSet<String> localSummaries(Project p) {
    TreeSet<String> out = new TreeSet<>();
    for (var r : p.query("SELECT r.run_id, s.kind, s.name, s.in_loop, s.source, s.type, s.n, s.lo, s.hi, s.last"
        + " FROM summaries s JOIN runs r ON r.rid = s.rid")) {
      out.add(line(r.get("run_id"), r.get("kind"), r.get("name"), r.get("in_loop"), r.get("source"), r.get("type"),
          r.get("n"), r.get("lo"), r.get("hi"), r.get("last"), null));
    }
    return out;
  }

  static TreeSet<String> sharedSummaries(Statement s, boolean withRowids) throws Exception {
    TreeSet<String> out = new TreeSet<>();
    try (ResultSet rs = s.executeQuery("SELECT r.run_id, s.kind, s.name, s.in_loop, s.source, s.type, s.n, s.lo, s.hi,"
        + " s.last, s.at FROM summaries s JOIN runs r ON r.rid = s.rid")) {
      while (rs.next()) {
        out.add(line(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6),
            rs.getLong(7), rs.getObject(8), rs.getObject(9), rs.getString(10), withRowids ? rs.getLong(11) : null));
      }
    }
    return out;
  }

  /** The local store's definition of the table (NameSummaries.REBUILD) in PostgreSQL's words, over the shared rows. */
  static TreeSet<String> definition(Statement s) throws Exception {
    TreeSet<String> out = new TreeSet<>();
    String number = "CASE WHEN l.type IN ('int', 'float') AND l.value ~ '^-?[0-9]' THEN l.value::numeric END";
    try (ResultSet rs = s.executeQuery("SELECT r.run_id, g.kind, g.name, g.in_loop, g.source, g.type, g.n, g.lo, g.hi,"
        + " l.value, g.at FROM (SELECT l.rid, l.kind, l.name, CASE WHEN l.ctx != 0 THEN 1 ELSE 0 END AS in_loop, l.source,"
        + " l.type, count(*) AS n, min(" + number + ") AS lo, max(" + number + ") AS hi, max(l.rowid) AS at FROM logs l"
        + " GROUP BY 1, 2, 3, 4, 5, 6) g JOIN runs r ON r.rid = g.rid JOIN logs l ON l.rowid = g.at")) {
      while (rs.next()) {
        out.add(line(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6),
            rs.getLong(7), rs.getObject(8), rs.getObject(9), rs.getString(10), rs.getLong(11)));
      }
    }
    return out;
  }

  private static String line(Object run, Object kind, Object name, Object inLoop, Object source, Object type, Object n,
      Object lo, Object hi, Object last, Object at) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run", run);
    m.put("kind", kind);
    m.put("name", name);
    m.put("in_loop", ((Number) inLoop).longValue());
    m.put("source", source);
    m.put("type", type);
    m.put("n", ((Number) n).longValue());
    m.put("lo", number(lo));
    m.put("hi", number(hi));
    m.put("last", last == null ? null : dev.flordb.internal.store.Store.typed(last, (String) type));
    if (at != null) m.put("at", at);
    return Json.write(m);
  }

  /** A least or greatest value exactly: ints as longs, floats as doubles (numeric in PostgreSQL, either in SQLite). */
  private static Object number(Object v) {
    if (v == null) return null;
    if (v instanceof java.math.BigDecimal d) {
      return d.stripTrailingZeros().scale() <= 0 && d.abs().compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) <= 0
          ? (Object) d.longValueExact() : (Object) d.doubleValue();
    }
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) return d.longValue();
    return v instanceof Number num && !(v instanceof Double) ? (Object) num.longValue() : v;
  }

  @Test
  void serveSaysWhichStoreItServesWithoutTheUserOrPassword(@TempDir Path tmp) throws Exception {
    String store = pg.newDatabase("serve_says") + "&password=hunter2-secret";
    Project[] c = SharedStoreTest.clones(tmp);
    SharedStoreTest.train(c[0], store, "lr=0.1", "who=a");
    try (ChildJvm.Running serve = ChildJvm.mainClass(c[2].dir, FlorCli.class, "--store", store, "serve", "--port", "0")
        .start()) {
      String at = serve.awaitLine(l -> l.startsWith("FlorDB is serving")).text();
      String from = serve.awaitLine(l -> l.startsWith("from ")).text();
      assertThat(from).matches("from the shared store postgresql://localhost:\\d+/serve_says \\(project [0-9a-f]{12}\\),"
          + " every clone's runs");
      assertThat(at + from).doesNotContain("hunter2").doesNotContain("user=");
      Matcher m = Pattern.compile("FlorDB is serving c at (http://127\\.0\\.0\\.1:\\d+/)").matcher(at);
      assertThat(m.matches()).as(at).isTrue();
      HttpResponse<String> runs = HTTP.send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/runs")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(runs.body()).contains("\"who\":\"a\"").doesNotContain("hunter2");
    }
  }
}
