package dev.flordb.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium driven by Selenium, for tests that use a page as a person would. It
 * takes Debian's {@code chromium} and {@code chromium-driver} ({@code /usr/bin/chromium}, {@code
 * /usr/bin/chromedriver}; {@code FLOR_TEST_CHROMIUM} and {@code FLOR_TEST_CHROMEDRIVER} override
 * them) and never lets Selenium download a browser or driver. {@code .ci/run} installs both.
 *
 * <pre>{@code
 * try (Browser browser = Browser.start(tmp)) {
 *   browser.driver().get(url);
 *   browser.until(d -> d.findElements(By.cssSelector("tr.run")).size() == 3);
 * }
 * }</pre>
 */
public final class Browser implements AutoCloseable {
  private final ChromeDriver driver;

  private Browser(ChromeDriver driver) {
    this.driver = driver;
  }

  /** Where the browser binaries are, or why a test cannot run: null when both are there. */
  public static String missing() {
    for (String f : List.of(chromium(), chromedriver())) {
      if (!Files.isExecutable(Path.of(f))) {
        return f + " is missing: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)";
      }
    }
    return null;
  }

  /** Starts a headless Chromium with a new profile under {@code tmp}, 1280 by 900 pixels. */
  public static Browser start(Path tmp) {
    String missing = missing();
    if (missing != null) throw new IllegalStateException(missing);
    System.setProperty("SE_OFFLINE", "true"); // Selenium Manager must not look for downloads
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium());
    // the flags that keep Chromium off the network it cannot reach, and fit a container
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--window-size=1280,900", "--user-data-dir=" + tmp.resolve("chromium-profile"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(chromedriver()))
        .usingAnyFreePort()
        .build();
    return new Browser(new ChromeDriver(service, options));
  }

  public WebDriver driver() {
    return driver;
  }

  /**
   * Waits up to 20 seconds for {@code condition}, as a person waits for a page. A condition that
   * reads an element the page replaced meanwhile (the live pages re-render their rows) is asked
   * again, as when it is not met.
   */
  public <T> T until(java.util.function.Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(20))
        .ignoring(StaleElementReferenceException.class)
        .until(condition::apply);
  }

  /** Saves what the page shows now as a PNG file. */
  public void screenshot(Path png) {
    try {
      Files.createDirectories(png.toAbsolutePath().getParent());
      Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.quit();
  }

  private static String chromium() {
    String f = System.getenv("FLOR_TEST_CHROMIUM");
    return f != null ? f : "/usr/bin/chromium";
  }

  private static String chromedriver() {
    String f = System.getenv("FLOR_TEST_CHROMEDRIVER");
    return f != null ? f : "/usr/bin/chromedriver";
  }
}
