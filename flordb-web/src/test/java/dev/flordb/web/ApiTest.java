package dev.flordb.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.store.Store;
import dev.flordb.testing.TempRepo;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON API through a real server on a real port, over a project with real runs. */
class ApiTest {
  @TempDir static Path tmp;
  static TempRepo project;
  static FlorServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void recordTwoRunsAndServe() {
    project = Projects.twoRuns(tmp.resolve("proj"));
    server = Projects.serve(project);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  record Reply(int status, String body, HttpResponse<String> raw) {
    Object json() {
      return Json.parse(body);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> map() {
      return (Map<String, Object>) json();
    }
  }

  static Reply get(FlorServer s, String path) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r);
  }

  static Reply post(FlorServer s, String path, String form, boolean fromThePage) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
    if (fromThePage) b.header("X-FlorDB", "1");
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> runs(Reply r) {
    return (List<Map<String, Object>>) r.map().get("runs");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRunsEndpointListsEachRunWithItsArgsStatusAndTheLastLeastAndGreatestValueOfEachMetric() throws Exception {
    Reply r = get(server, "/api/runs");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().headers().firstValue("content-type")).hasValueSatisfying(c -> assertThat(c).startsWith("application/json"));
    List<Map<String, Object>> runs = runs(r);
    assertThat(runs).hasSize(2);
    assertThat(runs).extracting(m -> ((Map<String, Object>) m.get("args")).get("lr")).containsExactly(0.05, 0.2);
    assertThat(runs).extracting(m -> m.get("status")).containsOnly("finished");
    Map<String, Object> loss = (Map<String, Object>) ((Map<String, Object>) runs.get(0).get("metrics")).get("loss");
    // 3 epochs of 50 steps, logged every 10th step
    assertThat(loss.get("count")).isEqualTo(15L);
    assertThat((Double) loss.get("min")).isLessThanOrEqualTo((Double) loss.get("last")).isLessThanOrEqualTo((Double) loss.get("max"));
    Reply truth = get(server, "/api/query?sql=" + enc("SELECT min(value) AS lo, max(value) AS hi FROM logs l JOIN runs r"
        + " ON r.rid = l.rid WHERE name = 'loss' AND r.run_id = '" + runs.get(0).get("run_id") + "'"));
    List<Object> row = (List<Object>) ((List<Object>) truth.map().get("rows")).get(0);
    assertThat(List.of(loss.get("min"), loss.get("max"))).isEqualTo(row);
    assertThat((List<String>) r.map().get("metrics")).containsExactly("acc", "loss");
  }

  @Test
  void theRunsExportAsCsvWithTheColumnsAskedFor() throws Exception {
    Reply csv = get(server, "/api/runs?format=csv&columns=" + enc("args.lr,status,metrics.loss.count") + "&where=" + enc("lr > 0.1"));
    assertThat(csv.status()).isEqualTo(200);
    assertThat(csv.raw().headers().firstValue("content-disposition")).hasValueSatisfying(d -> assertThat(d).contains("runs.csv"));
    assertThat(csv.body().replace("\r\n", "\n")).isEqualTo("args.lr,status,metrics.loss.count\n0.2,finished,15\n");
  }

  @Test
  void aConditionFiltersTheRunsAsReplayWhereDoesAndABadOneSaysWhy() throws Exception {
    assertThat(runs(get(server, "/api/runs?where=" + enc("lr > 0.1")))).hasSize(1);
    Reply bad = get(server, "/api/runs?where=" + enc("learning_rate > 0.1"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.map().get("error").toString()).contains("learning_rate").contains("which no run has logged");
  }

  @Test
  @SuppressWarnings("unchecked")
  void oneRunHasItsTimingsCheckpointsOutputFilesAndItsChartData() throws Exception {
    String id = (String) runs(get(server, "/api/runs")).get(0).get("run_id");
    Map<String, Object> run = get(server, "/api/runs/" + id).map();
    assertThat((List<String>) run.get("files")).contains("Train.java").noneMatch(f -> f.startsWith(".flor/"));
    assertThat((Map<String, Object>) run.get("timings")).containsKey("run_s");
    assertThat((List<Object>) run.get("checkpoints")).isNotEmpty();
    Map<String, Object> series = get(server, "/api/runs/" + id + "/series").map();
    Map<String, Object> acc = (Map<String, Object>) series.get("acc");
    assertThat(acc.get("loops")).isEqualTo("epoch");
    assertThat((List<Object>) acc.get("x")).containsExactly(0L, 1L, 2L);
    Map<String, Object> loss = (Map<String, Object>) series.get("loss");
    assertThat(loss.get("loops")).isEqualTo("epoch/step");
    assertThat((List<Object>) loss.get("position")).startsWith("epoch=0 step=0", "epoch=0 step=10");
    Reply file = get(server, "/api/runs/" + id + "/file?path=Train.java");
    assertThat(file.map().get("text")).isEqualTo(Projects.QUICKSTART);
  }

  @Test
  void aRunIdThatIsNoRunIsA404NamingItAsJsonAndAsAPage() throws Exception {
    Reply api = get(server, "/api/runs/20990101-000000-000-abcdef");
    assertThat(api.status()).isEqualTo(404);
    assertThat(api.map().get("error").toString()).contains("there is no run 20990101-000000-000-abcdef");
    Reply junk = get(server, "/api/runs/..%2F..%2Fetc");
    assertThat(junk.status()).isEqualTo(404);
    Reply page = get(server, "/runs/nope");
    assertThat(page.status()).isEqualTo(404);
    assertThat(page.body()).contains("There is no run nope").doesNotContain("Exception");
    Reply nowhere = get(server, "/nowhere");
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(nowhere.body()).contains("there is no page /nowhere here");
    Reply noEndpoint = get(server, "/api/nothing");
    assertThat(noEndpoint.status()).isEqualTo(404);
    assertThat(noEndpoint.map().get("error").toString()).contains("there is no page /api/nothing");
  }

  @Test
  void theQueryEndpointReadsAndRefusesWhatWouldWriteUnderTheRulesOfFlordbQuery() throws Exception {
    Reply ok = get(server, "/api/query?sql=" + enc("SELECT count(*) AS n FROM runs"));
    assertThat(ok.body()).contains("\"columns\":[\"n\"]").contains("[2]");
    Reply refused = get(server, "/api/query?sql=" + enc("DELETE FROM runs"));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.map().get("error").toString()).containsIgnoringCase("read");
    assertThat(runs(get(server, "/api/runs"))).hasSize(2);
  }

  @Test
  void aReplayOfANameTodaysCodeDoesNotLogIsRefusedBeforeAnythingRunsSayingWhy() throws Exception {
    Reply plan = get(server, "/api/replay/plan?names=grad_norm");
    assertThat(plan.status()).isEqualTo(400);
    assertThat(plan.map().get("error").toString()).contains("today's code has no Flor.log(\"grad_norm\"");
    Reply none = get(server, "/api/replay/plan");
    assertThat(none.status()).isEqualTo(400);
    assertThat(none.map().get("error").toString()).contains("name what to fill in");
    Reply start = post(server, "/api/replay", "names=" + enc("x; rm -rf /"), true);
    assertThat(start.status()).isEqualTo(400);
    assertThat(start.map().get("error").toString()).contains("is not a logged name");
    assertThat(get(server, "/api/replay").map().get("state")).isEqualTo("none");
  }

  @Test
  void theDataframeEndpointAnswersTheTableOfTheNamedValues() throws Exception {
    Reply r = get(server, "/api/dataframe?names=lr,acc");
    assertThat(r.body()).contains("\"columns\":[\"projid\",\"tstamp\",\"filename\"");
    assertThat(r.map().get("total")).isEqualTo(6L);
  }

  @Test
  void aChangeWithoutThePagesHeaderIsRefused() throws Exception {
    String id = (String) runs(get(server, "/api/runs")).get(0).get("run_id");
    Reply r = post(server, "/api/runs/" + id + "/tags", "tag=x", false);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.map().get("error").toString()).contains("X-FlorDB");
    Reply bad = post(server, "/api/runs/" + id + "/tags", "tag=" + enc("<script>"), true);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.map().get("error").toString()).contains("is not a tag");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aTagIsARecordFromAHumanCommittedInGitThatUnpackRestoresAfterTheStoreIsGone(@TempDir Path other) throws Exception {
    TempRepo p = Projects.twoRuns(other.resolve("proj"));
    String id;
    try (FlorServer s = Projects.serve(p)) {
      id = (String) runs(get(s, "/api/runs")).get(1).get("run_id");
      Reply tagged = post(s, "/api/runs/" + id + "/tags", "tag=baseline", true);
      assertThat(tagged.status()).as(tagged.body()).isEqualTo(200);
      assertThat((List<String>) tagged.map().get("tags")).containsExactly("baseline");
      post(s, "/api/runs/" + id + "/note", "text=" + enc("lr too high"), true);
      post(s, "/api/runs/" + id + "/hidden", "hidden=true", true);
      assertThat(runs(get(s, "/api/runs"))).hasSize(1);
      Reply human = get(s, "/api/query?sql=" + enc("SELECT kind, name, value FROM logs WHERE source = 'human' ORDER BY seq"));
      assertThat(human.body()).contains("[\"tag\",\"baseline\",1]").contains("[\"note\",\"note\",\"lr too high\"]");
    }
    assertThat(p.refs(Snapshots.NOTES_REF_PREFIX)).containsKey(Snapshots.NOTES_REF_PREFIX + id);
    // the whole .flor/ goes; unpack brings the tag back from git
    deleteTree(p.dir.resolve(".flor"));
    try (Snapshots git = Snapshots.open(p.dir)) {
      Store.UnpackReport u = Store.unpack(p.dir.resolve(".flor"), git);
      assertThat(u.noteFilesRestored()).isEqualTo(1);
    }
    try (FlorServer s = Projects.serve(p)) {
      List<Map<String, Object>> all = runs(get(s, "/api/runs?hidden=1"));
      Map<String, Object> run = all.stream().filter(m -> m.get("run_id").equals(id)).findFirst().orElseThrow();
      assertThat((List<String>) run.get("tags")).containsExactly("baseline");
      assertThat(run.get("note")).isEqualTo("lr too high");
      assertThat(run.get("hidden")).isEqualTo(true);
      post(s, "/api/runs/" + id + "/tags", "tag=baseline&on=false", true);
      post(s, "/api/runs/" + id + "/hidden", "hidden=false", true);
      Map<String, Object> shown = runs(get(s, "/api/runs")).stream().filter(m -> m.get("run_id").equals(id)).findFirst().orElseThrow();
      assertThat((List<String>) shown.get("tags")).isEmpty();
    }
  }

  @Test
  void onAnAddressOtherThanLoopbackEveryRequestNeedsTheTokenTheServerPrinted() throws Exception {
    try (FlorServer s = FlorServer.start(project.dir, "0.0.0.0", 0, System.getProperty("java.class.path"))) {
      assertThat(s.token()).hasSizeGreaterThan(30);
      assertThat(s.url()).endsWith("/?token=" + s.token());
      Reply without = get(s, "/api/runs");
      assertThat(without.status()).isEqualTo(401);
      assertThat(without.map().get("error").toString()).contains("token");
      assertThat(get(s, "/").status()).isEqualTo(401);
      Reply link = get(s, "/?token=" + s.token());
      assertThat(link.status()).as("the token goes from the address into a cookie").isEqualTo(303);
      assertThat(link.raw().headers().firstValue("location")).hasValue("/");
      String cookie = link.raw().headers().firstValue("set-cookie").orElseThrow();
      assertThat(cookie).contains(Access.COOKIE + "=" + s.token()).containsIgnoringCase("HttpOnly");
      HttpResponse<String> withCookie = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/runs"))
          .header("Cookie", Access.COOKIE + "=" + s.token()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(withCookie.statusCode()).isEqualTo(200);
      HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/runs"))
          .header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(wrong.statusCode()).isEqualTo(401);
    }
  }

  @Test
  void onLoopbackARequestNamingAnotherHostIsRefusedAsAPageElsewhereWouldSendIt() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.getOutputStream().write(("GET /api/runs HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(reply).startsWith("HTTP/1.1 421").contains("answers only to its loopback address");
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
    }
  }
}
