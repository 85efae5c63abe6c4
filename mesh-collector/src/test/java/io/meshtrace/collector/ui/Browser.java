package io.meshtrace.collector.ui;

import io.meshtrace.collector.server.MeshtraceServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its own chromedriver: both paths are given, so
 * Selenium Manager never looks for (or downloads) a driver or a browser.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");

  final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /**
   * Skips the calling tests where the browser is not installed; fails instead in CI (CI=true),
   * whose {@code .ci/run} installs it, so that a missing browser there is never a silent pass.
   */
  static void assumeInstalled() {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    String why = "browser UI tests need Debian's chromium and chromium-driver ("
        + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install -y chromium chromium-driver";
    if (!installed && "true".equals(System.getenv("CI"))) {
      Assertions.fail("CI=true but " + why);
    }
    Assumptions.assumeTrue(installed, "skipped: " + why);
  }

  static Browser start() throws IOException {
    Path profile = Files.createTempDirectory("meshtrace-chromium-");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-dev-shm-usage", "--window-size=1400,900",
        "--user-data-dir=" + profile);
    // An alert stays open, so that a test can see that none was ever opened.
    options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
    Files.createDirectories(SCREENSHOTS);
    return new Browser(new ChromeDriver(service, options), profile);
  }

  /** Until the condition holds; an element the page drew again meanwhile is looked for again. */
  <T> T waitFor(Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(30))
        .ignoring(StaleElementReferenceException.class).until(condition);
  }

  WebElement waitFor(By locator) {
    return waitFor(d -> d.findElements(locator).stream().findFirst().orElse(null));
  }

  void screenshot(String name) {
    try {
      Files.write(SCREENSHOTS.resolve(name + ".png"),
          ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closes the browser, then stops the server, whichever of them was started. */
  static void close(Browser browser, MeshtraceServer server) {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      if (server != null) {
        server.stop();
      }
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a temporary profile left behind is harmless
      }
    }
  }
}
