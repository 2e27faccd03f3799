package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.Table;
import dev.flordb.testing.Browser;
import dev.flordb.testing.ChildJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The feedback app of {@code examples/pipeline} ({@code Feedback.java}), run as {@code make
 * feedback} runs it, on a real HTTP port, after one turn of the pipeline on a few hundred digits:
 * people correct labels over HTTP and in a real browser, and the next training run learns from
 * what they corrected.
 */
class FeedbackAppTest {
  static final String DIR = PipelineExampleTest.DIR;
  /** Items 0 to 299 have features and a prediction, items 0 to 199 the annotator's label. */
  static final int FEATURISED = 300;
  static final int LABELLED = 200;

  @TempDir static Path tmp;
  static Project project;
  static Path pipeline;
  static ChildJvm.Running app;
  static URI url;
  /** The app's run: it is running for as long as the app is up. */
  static String appRun;

  @BeforeAll
  static void oneTurnOfThePipelineThenTheAppServingItsPredictions() {
    project = Project.init(tmp.resolve("proj"));
    pipeline = project.dir.resolve("examples/pipeline");
    PipelineExampleTest.copyExample(pipeline);
    PipelineExampleTest.step(pipeline, "Featurise.java", "items=" + FEATURISED);
    PipelineExampleTest.step(pipeline, "Label.java", "items=" + LABELLED);
    train();
    PipelineExampleTest.step(pipeline, "Select.java");
    PipelineExampleTest.step(pipeline, "Infer.java");
    app = ChildJvm.source(pipeline, "Feedback.java", "--kwargs", "port=0").start();
    url = urlOf(app);
    Table runs = project.query("SELECT run_id, status FROM runs WHERE filename = '" + DIR + "Feedback.java'");
    assertThat(runs.size()).isEqualTo(1);
    assertThat(runs.row(0).getString("status")).isEqualTo("running");
    appRun = runs.row(0).getString("run_id");
  }

  /** Where the app says it is. */
  private static URI urlOf(ChildJvm.Running app) {
    String line = app.awaitLine(l -> l.startsWith("The feedback app is at http://")).text();
    return URI.create(line.split(" ")[5]);
  }

  @AfterAll
  static void stopTheApp() {
    if (app != null) app.close();
  }

  @Test
  void severalPeopleCorrectingAtOnceHaveEachCorrectionRecordedOnceInItsOwnItem() throws Exception {
    // Items 200 to 295 have no label yet: only this test labels them.
    int people = 8;
    int each = 12;
    Map<Long, Long> sent = new TreeMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(people);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<String>>> answers = new ArrayList<>();
    for (int p = 0; p < people; p++) {
      List<Long> items = new ArrayList<>();
      for (int k = 0; k < each; k++) {
        long item = LABELLED + p * each + k;
        items.add(item);
        sent.put(item, item * 7 % 10);
      }
      answers.add(pool.submit(() -> {
        HttpClient person = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        go.await();
        List<String> got = new ArrayList<>();
        for (long item : items) {
          HttpResponse<String> r = post(person, url, "item=" + item + "&label=" + item * 7 % 10);
          got.add(r.statusCode() + " " + r.headers().firstValue("Location").orElse("no Location") + " " + r.body().trim());
        }
        return got;
      }));
    }
    go.countDown();
    List<String> got = new ArrayList<>();
    for (Future<List<String>> a : answers) got.addAll(a.get());
    pool.shutdown();

    List<String> expectedAnswers = new ArrayList<>();
    sent.forEach((item, label) -> expectedAnswers.add("303 /?show=queue&saved=" + item + "&as=" + label + "#item-" + item
        + " item " + item + " is now labelled " + label));
    assertThat(got).containsExactlyInAnyOrderElementsOf(expectedAnswers);
    // Each committed before its answer: in the store at once, each value once, in its own item and no other.
    List<String> expected = new ArrayList<>();
    sent.forEach((item, label) -> expected.add("item=" + item + " " + label));
    List<String> recorded = new ArrayList<>();
    project.query("SELECT position, value FROM records WHERE run_id = '" + appRun + "' AND name = 'label'"
        + " AND iteration >= " + LABELLED).forEach(r -> recorded.add(r.get("position") + " " + r.get("value")));
    assertThat(recorded).containsExactlyInAnyOrderElementsOf(expected);
    // ... and versioned: the run's snapshot commit holds every one of them.
    String committed = project.fileInCommit(project.runRef(appRun), ".flor/records/" + appRun + ".jsonl");
    sent.forEach((item, label) -> assertThat(committed)
        .contains("\"ctx\":[[\"item\"," + item + ",null]],\"kind\":\"log\",\"name\":\"label\",\"type\":\"int\",\"value\":" + label + ","));
  }

  @Test
  void aCorrectionWithABadFieldIsRefusedNamingItAndNothingIsLogged() throws Exception {
    HttpClient person = HttpClient.newHttpClient();
    HttpResponse<String> label = post(person, url, "item=296&label=12");
    assertThat(label.statusCode()).isEqualTo(400);
    assertThat(label.body()).isEqualTo("'label' must be a whole number from 0 to 9, but was '12'");
    HttpResponse<String> item = post(person, url, "item=" + FEATURISED + "&label=1");
    assertThat(item.statusCode()).isEqualTo(400);
    assertThat(item.body()).isEqualTo("item 300 has no prediction: the items are those Infer.java predicted");
    HttpResponse<String> none = post(person, url, "label=1");
    assertThat(none.body()).isEqualTo("the request has no field 'item'");
    assertThat(project.query("SELECT count(*) AS n FROM records WHERE run_id = '" + appRun + "' AND name = 'label'"
        + " AND iteration >= 296").row(0).getLong("n")).isZero();
  }

  @Test
  void aSecondAppBesideTheFirstStoppedAsCtrlCStopsItEndsItsRunFinishedWithItsCorrection() throws Exception {
    String second;
    try (ChildJvm.Running other = ChildJvm.source(pipeline, "Feedback.java", "--kwargs", "port=0").start()) {
      URI otherUrl = urlOf(other);
      assertThat(otherUrl).isNotEqualTo(url);
      assertThat(post(HttpClient.newHttpClient(), otherUrl, "item=297&label=4").statusCode()).isEqualTo(303);
      second = project.query("SELECT run_id FROM runs WHERE filename = '" + DIR + "Feedback.java' AND run_id <> '" + appRun + "'")
          .row(0).getString("run_id");
      assertThat(other.terminate()).as("the exit code of a JVM ended by SIGTERM").isEqualTo(143);
    }
    assertThat(project.query("SELECT status FROM runs WHERE run_id = '" + second + "'").row(0).getString("status"))
        .isEqualTo("finished");
    assertThat(project.query("SELECT position, value FROM records WHERE run_id = '" + second + "' AND name = 'label'")
        .row(0).toMap()).containsEntry("position", "item=297").containsEntry("value", 4L);
  }

  @Test
  void aPersonCorrectsALabelOnThePageAndTheNextTrainingRunLearnsFromIt() {
    String before = train();
    long item;
    long correction;
    try (Browser browser = Browser.start(tmp)) {
      browser.driver().get(url.toString());
      List<WebElement> queue = browser.until(d -> {
        List<WebElement> cards = d.findElements(By.cssSelector(".item"));
        return cards.isEmpty() ? null : cards;
      });
      browser.screenshot(Path.of("target", "screenshots", "feedback-app.png"));
      // The first digit of the queue: the model disagrees with its label, and the person agrees with the model.
      WebElement card = queue.get(0);
      item = Long.parseLong(card.getAttribute("data-item"));
      long shownLabel = Long.parseLong(card.findElement(By.cssSelector(".label")).getText());
      correction = Long.parseLong(card.findElement(By.cssSelector(".prediction")).getText());
      assertThat(correction).isNotEqualTo(shownLabel);
      assertThat(card.findElement(By.tagName("img")).getAttribute("src")).startsWith("data:image/png;base64,");
      card.findElement(By.cssSelector("button[value='" + correction + "']")).click();

      WebElement saved = browser.until(d -> d.findElements(By.id("saved")).stream().findFirst().orElse(null));
      assertThat(saved.getText()).isEqualTo("Saved: item " + item + " labelled " + correction + ".");
      assertThat(browser.driver().findElements(By.id("item-" + item))).as("a corrected item leaves the queue").isEmpty();
    }
    assertThat(project.query("SELECT position, value FROM records WHERE run_id = '" + appRun + "' AND name = 'label'"
        + " AND iteration = " + item).column("value")).containsExactly(correction);

    // The next `make`, while the app is still up: its training labels include the correction.
    String after = train();
    assertThat(feedbackItems(before)).doesNotContain(item);
    assertThat(feedbackItems(after)).contains(item);
    assertThat(runLevel(after, "feedback_labels")).isEqualTo((Long) runLevel(before, "feedback_labels") + 1);
  }

  // ---------------------------------------------------------------- helpers

  private static HttpResponse<String> post(HttpClient client, URI app, String form) throws Exception {
    return client.send(HttpRequest.newBuilder(app.resolve("/label"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** One training run (as the next {@code make} starts it); returns its run id. */
  private static String train() {
    PipelineExampleTest.step(pipeline, "Train.java", "epochs=3");
    return project.query("SELECT run_id FROM runs WHERE filename = '" + DIR + "Train.java' ORDER BY tstamp DESC LIMIT 1")
        .row(0).getString("run_id");
  }

  private static Object runLevel(String run, String name) {
    return project.query("SELECT value FROM records WHERE run_id = '" + run + "' AND ctx = 0 AND name = '" + name + "'")
        .row(0).get("value");
  }

  /** The items whose training label in {@code run} was a correction. */
  private static List<Long> feedbackItems(String run) {
    for (Table.Row r : MnistExampleTest.dataframe(project, "feedback_items")) {
      if (r.getString("run_id").equals(run)) {
        List<Long> items = new ArrayList<>();
        for (Object o : (List<?>) r.get("feedback_items")) items.add(((Number) o).longValue());
        return items;
      }
    }
    throw new AssertionError("run " + run + " logged no feedback_items");
  }
}
