package io.meshtrace.collector.ui;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser UI in real headless Chromium against a real all-in-one server: traces go in
 * through the Zipkin intake, then a person's steps — search by service and by tag, open a trace,
 * read a span's attribute, look at the dependency graph, open a 10,000-span trace, and a span
 * whose name and tags are an XSS attempt. Screenshots land in target/browser-screenshots/.
 */
class BrowserUiEndToEndTest {
  private static final Logger LOG = LoggerFactory.getLogger(BrowserUiEndToEndTest.class);

  static final String CHECKOUT = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String XSS_TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String BIG_TRACE = "b16b16b16b16b16b16b16b16b16b16b1";
  static final String XSS = "<img src=x onerror=alert(1)>";
  static final int BIG_SPANS = 10_000;

  static MeshtraceServer server;
  static Browser browser;
  static String ui;

  @BeforeAll
  static void start() throws Exception {
    Browser.assumeInstalled();
    server = TestServers.allInOne("--admin-token", ADMIN_TOKEN);
    long start = System.currentTimeMillis() * 1000 - 30_000_000; // half a minute ago, in µs
    send("""
        [{"traceId":"%1$s","id":"1000000000000001","kind":"SERVER","name":"get /checkout",
          "timestamp":%2$d,"duration":20000,"localEndpoint":{"serviceName":"gateway"},
          "tags":{"http.method":"GET","http.status_code":"500","error":"payment declined"}},
         {"traceId":"%1$s","parentId":"1000000000000001","id":"1000000000000002",
          "kind":"CLIENT","name":"post /pay","timestamp":%3$d,"duration":8000,
          "localEndpoint":{"serviceName":"gateway"},"remoteEndpoint":{"serviceName":"payments"},
          "tags":{"http.method":"POST"}},
         {"traceId":"%1$s","parentId":"1000000000000002","id":"1000000000000003",
          "kind":"SERVER","name":"post /pay","timestamp":%4$d,"duration":6000,
          "localEndpoint":{"serviceName":"payments"},
          "tags":{"http.method":"POST","payment.provider":"acme"},
          "annotations":[{"timestamp":%4$d,"value":"card checked"}]}]"""
        .formatted(CHECKOUT, start, start + 2000, start + 3000));
    send("""
        [{"traceId":"%1$s","id":"2000000000000001","kind":"SERVER","name":"%2$s",
          "timestamp":%3$d,"duration":5000,"localEndpoint":{"serviceName":"evil"},
          "tags":{"comment":"%2$s","%2$s":"key too"}}]"""
        .formatted(XSS_TRACE, XSS, start + 5000));
    send(bigTrace(start + 10_000));
    server.storage().flushDependencyLinks().await();
    browser = Browser.start();
    ui = url(server, "query", "");
  }

  static void send(String json) throws Exception {
    HttpResponse<String> posted = post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        json.getBytes(StandardCharsets.UTF_8));
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
  }

  /**
   * A wide, realistic tree: span i's parent is span (i - 1) / 8, over five services; each child
   * starts a little after its parent and ends before it (no clock-skew warnings).
   */
  static String bigTrace(long start) {
    int[] depth = new int[BIG_SPANS];
    StringBuilder json = new StringBuilder(BIG_SPANS * 200).append('[');
    for (int i = 0; i < BIG_SPANS; i++) {
      if (i > 0) {
        depth[i] = depth[(i - 1) / 8] + 1;
        json.append(',');
      }
      json.append("{\"traceId\":\"").append(BIG_TRACE).append("\",\"id\":\"")
          .append(String.format("%016x", i + 1)).append('"');
      if (i > 0) {
        json.append(",\"parentId\":\"").append(String.format("%016x", (i - 1) / 8 + 1))
            .append('"');
      }
      json.append(",\"name\":\"op-").append(i % 50).append("\",\"timestamp\":")
          .append(start + depth[i] * 1000L + i % 8 * 100L).append(",\"duration\":")
          .append(100_000 - depth[i] * 2_000L - i % 8 * 100L)
          .append(",\"localEndpoint\":{\"serviceName\":\"bulk-").append(i % 5)
          .append("\"},\"tags\":{\"n\":\"").append(i).append("\"}}");
    }
    return json.append(']').toString();
  }

  @AfterAll
  static void stop() {
    Browser.close(browser, server);
  }

  void open(String path) {
    browser.driver.get(ui + path);
  }

  List<String> listedTraceIds() {
    browser.waitFor(By.cssSelector("#trace-list li"));
    return browser.driver.findElements(By.cssSelector("#trace-list li")).stream()
        .map(item -> item.getDomAttribute("data-trace-id")).toList();
  }

  @Test
  void theHomePageListsServicesAndSearchesByService() {
    open("/");
    browser.waitFor(By.cssSelector(".service-list"));
    assertThat(browser.driver.findElement(By.cssSelector(".service-list")).getText())
        .contains("gateway", "payments", "evil", "bulk-0");
    browser.waitFor(By.cssSelector("#search-service option[value='payments']"));
    new Select(browser.driver.findElement(By.id("search-service")))
        .selectByVisibleText("payments");
    browser.driver.findElement(By.id("search-submit")).click();
    assertThat(listedTraceIds()).containsExactly(CHECKOUT);
    assertThat(browser.driver.getCurrentUrl()).contains("/search?service=payments");
    String item = browser.driver.findElement(By.cssSelector("#trace-list li")).getText();
    assertThat(item).contains("gateway: get /checkout", "3 spans", "1 error", "payments (1)",
        "20ms");
    assertThat(browser.driver.findElements(By.cssSelector("svg.scatter circle"))).hasSize(1);
    browser.screenshot("search-by-service");
  }

  @Test
  void searchesByTagsInLogfmtAndTheUrlKeepsTheSearch() {
    open("/search");
    browser.waitFor(By.cssSelector("#search-service option[value='gateway']"));
    browser.driver.findElement(By.id("search-tags"))
        .sendKeys("http.status_code=500 error=true http.method=\"GET\"");
    browser.driver.findElement(By.id("search-submit")).click();
    assertThat(listedTraceIds()).containsExactly(CHECKOUT);
    String shared = browser.driver.getCurrentUrl();
    assertThat(shared).contains("tags=");

    browser.driver.navigate().refresh(); // a reload (or a shared link) runs the same search
    assertThat(listedTraceIds()).containsExactly(CHECKOUT);
    assertThat(browser.driver.findElement(By.id("search-tags")).getDomProperty("value"))
        .isEqualTo("http.status_code=500 error=true http.method=GET");
    browser.screenshot("search-by-tag");
  }

  @Test
  void opensATraceAndReadsASpanAttribute() {
    open("/search?service=gateway");
    browser.waitFor(By.cssSelector("#trace-list a.trace-title")).click();
    browser.waitFor(By.cssSelector("#trace-page .span-row"));
    assertThat(browser.driver.getCurrentUrl()).endsWith("/trace/" + CHECKOUT);
    assertThat(browser.driver.findElements(By.cssSelector(".span-row"))).hasSize(3);
    assertThat(browser.driver.findElements(By.cssSelector(".span-bar.critical"))).isNotEmpty();

    WebElement payments = browser.driver.findElements(By.cssSelector(".span-row")).stream()
        .filter(row -> row.findElement(By.cssSelector(".service-name")).getText()
            .equals("payments")).findFirst().orElseThrow();
    payments.click();
    WebElement provider = browser.waitFor(
        By.cssSelector("#span-details #span-tags tr[data-key='payment.provider'] td"));
    assertThat(provider.getText()).isEqualTo("acme");
    assertThat(browser.driver.findElement(By.id("span-details")).getText())
        .contains("card checked", "CHILD_OF");
    browser.screenshot("trace-span-details");

    // collapsing the root hides its two descendants
    browser.driver.findElement(By.cssSelector(".span-row .toggle")).click();
    browser.waitFor(d -> d.findElements(By.cssSelector(".span-row")).size() == 1);
  }

  @Test
  void showsTheDependencyGraphWithCallCounts() {
    open("/dependencies");
    browser.waitFor(By.cssSelector("#dependency-graph"));
    String graph = browser.driver.findElement(By.id("dependency-graph")).getText();
    assertThat(graph).contains("gateway", "payments", "1 call");
    assertThat(browser.driver.findElement(By.id("dependency-table")).getText())
        .contains("gateway payments 1");
    browser.screenshot("dependencies");
  }

  @Test
  void aTenThousandSpanTraceRendersOnlyTheRowsInView() throws Exception {
    long apiStart = System.nanoTime();
    HttpResponse<String> json = get(url(server, "query", "/api/traces/" + BIG_TRACE));
    long apiMillis = (System.nanoTime() - apiStart) / 1_000_000;
    assertThat(json.statusCode()).isEqualTo(200);

    long started = System.nanoTime();
    open("/trace/" + BIG_TRACE);
    WebElement page = browser.waitFor(By.cssSelector("#trace-page[data-first-paint-ms]"));
    long seenMillis = (System.nanoTime() - started) / 1_000_000;
    LOG.info("10k-span trace: first paint {} ms after navigation start (browser clock), rows "
        + "seen by the test after {} ms; the API alone answered in {} ms ({} bytes)",
        page.getDomAttribute("data-first-paint-ms"), seenMillis, apiMillis, json.body().length());
    assertThat(browser.driver.findElement(By.id("trace-span-count")).getText())
        .isEqualTo(String.valueOf(BIG_SPANS));
    int rows = browser.driver.findElements(By.cssSelector(".span-row")).size();
    assertThat(rows).as("rows in the DOM").isBetween(10, 200);
    browser.screenshot("trace-10k-spans");

    browser.driver.executeScript(
        "document.getElementById('timeline-scroll').scrollTop = 1e9");
    browser.waitFor(By.cssSelector(".span-row[data-index='" + (BIG_SPANS - 1) + "']"));
    assertThat(browser.driver.findElements(By.cssSelector(".span-row")).size())
        .isBetween(10, 200);
    browser.screenshot("trace-10k-spans-bottom");
  }

  @Test
  void spanDataIsTextNeverMarkup() throws Exception {
    open("/trace/" + XSS_TRACE);
    WebElement row = browser.waitFor(By.cssSelector("#trace-page .span-row"));
    assertThat(row.findElement(By.cssSelector(".operation-name")).getText()).isEqualTo(XSS);
    row.click();
    WebElement details = browser.waitFor(By.id("span-details"));
    assertThat(details.findElement(By.cssSelector("tr[data-key='comment'] td")).getText())
        .isEqualTo(XSS);
    assertThat(details.findElements(By.cssSelector("#span-tags th")).stream()
        .map(WebElement::getText)).contains(XSS);
    assertThat(details.getText()).contains("key too");
    assertThat(browser.driver.findElements(By.cssSelector("#page img"))).isEmpty();

    open("/search?service=evil");
    assertThat(listedTraceIds()).containsExactly(XSS_TRACE);
    assertThat(browser.driver.findElement(By.cssSelector("#trace-list li")).getText())
        .contains("evil: " + XSS);
    assertThat(browser.driver.findElements(By.cssSelector("#page img"))).isEmpty();
    assertThatThrownBy(() -> browser.driver.switchTo().alert())
        .isInstanceOf(NoAlertPresentException.class);
    browser.screenshot("xss-as-text");

    HttpResponse<String> shell = get(url(server, "query", "/trace/" + XSS_TRACE));
    assertThat(shell.headers().firstValue("content-security-policy").orElseThrow())
        .contains("script-src 'self'").doesNotContain("unsafe-inline");
    assertThat(shell.headers().firstValue("x-content-type-options")).hasValue("nosniff");
  }

  static final String ADMIN_TOKEN = "ui-admin-token";

  @Test
  void aStrategyIsChangedWithTheAdminTokenAndRefusedWithAWrongOne() {
    open("/sampling");
    browser.waitFor(By.cssSelector("#sampling-table"));
    new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.id("edit-service")))
        .selectByValue("payments");
    browser.driver.findElement(By.id("edit-param")).sendKeys("0.5");
    browser.driver.findElement(By.id("edit-token")).sendKeys("wrong");
    browser.driver.findElement(By.id("edit-set")).click();
    browser.waitFor(d -> shows(d, "edit-outcome", "HTTP 401"));
    assertThat(browser.driver.findElement(By.id("edit-outcome")).getText())
        .contains("the admin token is not right");

    browser.driver.findElement(By.id("edit-token")).clear();
    browser.driver.findElement(By.id("edit-token")).sendKeys(ADMIN_TOKEN);
    browser.driver.findElement(By.id("edit-param")).clear();
    browser.driver.findElement(By.id("edit-param")).sendKeys("1.5");
    browser.driver.findElement(By.id("edit-set")).click();
    browser.waitFor(d -> shows(d, "edit-outcome", "HTTP 400"));
    assertThat(browser.driver.findElement(By.id("edit-outcome")).getText())
        .contains("param: probability 1.5 is outside [0,1]");

    browser.driver.findElement(By.id("edit-param")).clear();
    browser.driver.findElement(By.id("edit-param")).sendKeys("0.5");
    browser.driver.findElement(By.id("edit-set")).click();
    browser.waitFor(d -> shows(d, "edit-outcome", "added service payments"));
    browser.waitFor(d -> shows(d, "sampling-table", "payments probabilistic (PROBABILISTIC) 0.5 admin API"));
    browser.screenshot("sampling-changed");

    browser.driver.findElement(By.id("edit-remove")).click();
    browser.waitFor(d -> shows(d, "sampling-table", "payments probabilistic (PROBABILISTIC) 0.001 default strategy"));
  }

  /** Whether the element shows the text; it may be rebuilt meanwhile (then stale). */
  private static Boolean shows(org.openqa.selenium.WebDriver driver, String id, String text) {
    try {
      return driver.findElement(By.id(id)).getText().contains(text) ? true : null;
    } catch (org.openqa.selenium.StaleElementReferenceException
        | org.openqa.selenium.NoSuchElementException rebuilding) {
      return null;
    }
  }

  @Test
  void saysWhenATraceIsNotFoundAndListsTheSamplingStrategies() {
    open("/trace/00000000000000000000000000abcdef");
    assertThat(browser.waitFor(By.cssSelector(".message-empty")).getText())
        .contains("Trace not found");
    // all-in-one serves the control plane's admin API beside the UI: every service is listed
    // with the strategy it is served, here Jaeger's built-in default.
    open("/sampling");
    String table = browser.waitFor(By.cssSelector("#sampling-table")).getText();
    assertThat(table).contains("gateway").contains("probabilistic").contains("0.001")
        .contains("default strategy");
    browser.screenshot("sampling-strategies");
  }
}
