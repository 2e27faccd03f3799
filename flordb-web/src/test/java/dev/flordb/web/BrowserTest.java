package dev.flordb.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flordb.testing.Browser;
import dev.flordb.testing.ChildJvm;
import dev.flordb.testing.TempRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The pages in a real headless Chromium, used as a person uses them: the runs appear, charts are
 * drawn, compare shows the code difference, a tag survives a restart of the server, a replay
 * started from the page fills in values and shows them. Each page's screenshot is saved under
 * {@code target/screenshots/} (the README's pictures in {@code docs/web/} are these).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserTest {
  @TempDir static Path tmp;
  static TempRepo project;
  static FlorServer server;
  static Browser browser;
  static final Path SHOTS = Path.of("target", "screenshots");

  @BeforeAll
  static void recordTwoRunsServeAndOpenABrowser() {
    assumeTrue(Browser.missing() == null, Browser.missing());
    project = Projects.twoRuns(tmp.resolve("proj"));
    server = Projects.serve(project);
    browser = Browser.start(tmp);
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.close();
    if (server != null) server.close();
  }

  static WebDriver open(String path) {
    browser.driver().get("http://127.0.0.1:" + server.port() + path);
    return browser.driver();
  }

  static List<WebElement> rows(WebDriver d) {
    return d.findElements(By.cssSelector("#runs tbody tr.run"));
  }

  @Test
  @Order(1)
  void theRunsPageListsTheRunsWithStatusArgsAndMetricsAndFiltersThemWithACondition() {
    WebDriver d = open("/");
    browser.until(x -> rows(x).size() == 2);
    String table = d.findElement(By.id("runs")).getText();
    assertThat(table).contains("finished").contains("Train.java").contains("0.05").contains("0.2");
    assertThat(d.findElement(By.cssSelector("header .project")).getText()).isEqualTo("proj");

    d.findElement(By.id("where")).sendKeys("lr > 0.1");
    d.findElement(By.cssSelector("#filter button")).click();
    browser.until(x -> rows(x).size() == 1);
    assertThat(d.getCurrentUrl()).contains("where=lr");
    // the address holds the filter: a bookmark shows the same runs
    open("/?where=" + ApiTest.enc("lr < 0.1"));
    browser.until(x -> rows(x).size() == 1 && x.findElement(By.id("runs")).getText().contains("0.05"));
  }

  @Test
  @Order(2)
  void aRunsPageDrawsAChartOfEveryMetricLoggedInLoops() {
    WebDriver d = open("/");
    browser.until(x -> rows(x).size() == 2);
    String id = rows(d).get(0).getAttribute("data-run");
    d.findElement(By.linkText(id)).click();
    browser.until(x -> x.findElements(By.cssSelector(".chart[data-drawn]")).size() == 2);
    WebElement loss = d.findElement(By.cssSelector(".chart[data-metric=loss]"));
    assertThat(loss.getAttribute("data-drawn")).isEqualTo("15");
    assertThat(loss.findElements(By.tagName("canvas"))).isNotEmpty();
    assertThat(d.findElement(By.id("args")).getText()).contains("lr").contains("0.05");
    assertThat(d.findElement(By.id("summary")).getText()).contains("finished").contains("Train.java").doesNotContain("null");
    assertThat(d.findElement(By.id("files")).getText()).contains("Train.java");
    browser.screenshot(SHOTS.resolve("run.png"));
    d.findElement(By.id("log-scale")).click();
    browser.until(x -> x.findElement(By.cssSelector(".chart[data-metric=loss]")).getAttribute("data-drawn").equals("15"));
  }

  @Test
  @Order(3)
  void compareShowsTheArgumentsThatDifferAndTheCodeDifference() {
    WebDriver d = open("/");
    browser.until(x -> rows(x).size() == 2);
    for (WebElement box : d.findElements(By.cssSelector("#runs tbody input.select"))) box.click();
    d.findElement(By.id("compare")).click();
    browser.until(x -> x.findElements(By.cssSelector("pre.diff")).size() == 1);
    assertThat(d.getCurrentUrl()).contains("/compare?runs=");
    String diff = d.findElement(By.cssSelector("pre.diff")).getText();
    assertThat(diff).contains("+    int features = 8; // eight features").contains("-    int features = 8;")
        .doesNotContain(".flor/records");
    browser.until(x -> x.findElements(By.cssSelector("#charts .chart[data-drawn]")).size() == 2);
    assertThat(d.findElement(By.cssSelector(".chart[data-metric=loss]")).getAttribute("data-runs")).isEqualTo("2");
    assertThat(d.findElement(By.id("parallel")).getAttribute("data-drawn")).isEqualTo("2");
    d.findElement(By.id("diff-only")).click();
    List<WebElement> shown = d.findElements(By.cssSelector("#side tr[data-key]"));
    assertThat(shown).extracting(r -> r.getAttribute("data-key")).contains("lr").doesNotContain("epochs", "batch_size");
    browser.screenshot(SHOTS.resolve("compare.png"));
  }

  @Test
  @Order(4)
  void aTagAddedOnThePageIsStillThereAfterTheServerRestarts() {
    WebDriver d = open("/");
    browser.until(x -> rows(x).size() == 2);
    String id = rows(d).get(1).getAttribute("data-run");
    open("/runs/" + id);
    browser.until(x -> x.findElement(By.id("title")).getText().contains(id));
    d.findElement(By.id("new-tag")).sendKeys("best");
    d.findElement(By.cssSelector("#tag-form button")).click();
    browser.until(x -> !x.findElements(By.cssSelector("#tags .tag[data-tag=best]")).isEmpty());

    int port = server.port();
    server.close();
    server = FlorServer.start(project.dir, "127.0.0.1", port, System.getProperty("java.class.path"));
    open("/");
    browser.until(x -> rows(x).size() == 2);
    assertThat(d.findElement(By.cssSelector("#runs tr[data-run='" + id + "']")).getText()).contains("best");
    open("/runs/" + id);
    browser.until(x -> !x.findElements(By.cssSelector("#tags .tag[data-tag=best]")).isEmpty());
  }

  @Test
  @Order(5)
  void aRunIdThatIsNoRunShowsANotFoundPage() {
    WebDriver d = open("/runs/20990101-000000-000-abcdef");
    assertThat(d.findElement(By.className("error-status")).getText()).isEqualTo("404");
    assertThat(d.findElement(By.className("error-message")).getText()).contains("There is no run 20990101-000000-000-abcdef");
  }

  @Test
  @Order(6)
  void aReplayStartedFromThePageFillsInTheNewStatementsValuesAndShowsThem() {
    Projects.addHindsightStatement(project);
    WebDriver d = open("/replay");
    browser.until(x -> !x.findElements(By.cssSelector("input.candidate[data-name=w0]")).isEmpty());
    assertThat(d.findElement(By.id("candidates")).getText()).contains("w0").contains("2 of 2 runs lack it");
    d.findElement(By.cssSelector("input.candidate[data-name=w0]")).click();
    assertThat(d.findElement(By.id("names")).getAttribute("value")).isEqualTo("w0");
    d.findElement(By.id("plan")).click();
    browser.until(x -> x.findElements(By.cssSelector("#schedule-rows tr[data-run]")).size() == 2);
    assertThat(d.findElement(By.id("schedule-text")).getText()).contains("Fill in w0");
    browser.screenshot(SHOTS.resolve("replay-schedule.png"));
    d.findElement(By.id("start")).click();
    browser.until(x -> "done".equals(x.findElement(By.id("state")).getAttribute("data-state"))
        || "failed".equals(x.findElement(By.id("state")).getAttribute("data-state")));
    assertThat(d.findElement(By.id("state")).getAttribute("data-state")).as(d.findElement(By.id("log")).getAttribute("textContent"))
        .isEqualTo("done");
    assertThat(d.findElements(By.cssSelector("tr.outcome[data-status=verified]"))).as(d.findElement(By.id("state")).getText() + "\n" + d.findElement(By.id("log")).getAttribute("textContent")).hasSize(2);
    browser.until(x -> x.findElements(By.cssSelector("#values tr.value-row")).size() == 6);
    assertThat(d.findElement(By.id("values")).getText()).contains("replay");
    browser.screenshot(SHOTS.resolve("replay.png"));

    // the run's page shows the replayed values apart from the forward ones
    String id = d.findElements(By.cssSelector("tr.outcome")).get(0).getAttribute("data-run");
    open("/runs/" + id);
    browser.until(x -> !x.findElements(By.cssSelector(".chart[data-metric=w0][data-replayed='3']")).isEmpty());
    browser.screenshot(SHOTS.resolve("run-replayed.png"));
  }

  @Test
  @Order(7)
  void aRunningRunAppearsAsRunningAndTurnsFinishedWithoutAReload() throws Exception {
    WebDriver d = open("/");
    browser.until(x -> rows(x).size() == 2);
    Path go = tmp.resolve("go");
    try (ChildJvm.Running run = ChildJvm.mainClass(project.dir, SlowTrainer.class, go.toString()).start()) {
      browser.until(x -> rows(x).size() == 3 && rows(x).stream().anyMatch(r -> "running".equals(r.getAttribute("data-status"))));
      Files.createFile(go);
      assertThat(run.awaitExit()).isZero();
    }
    browser.until(x -> rows(x).size() == 3 && rows(x).stream().allMatch(r -> "finished".equals(r.getAttribute("data-status"))));
    browser.screenshot(SHOTS.resolve("runs.png"));
  }
}
