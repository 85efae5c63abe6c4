package io.meshtrace.collector.ui;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The archive and the file view in real headless Chromium against a real all-in-one server. The
 * trace page's "Archive" button archives a trace; with every span partition then dropped, as
 * retention drops them, the trace page, Jaeger's {@code /api/traces/{id}} and Zipkin's {@code
 * /api/v2/trace/{id}} still show it. The "Open file" page shows a Jaeger JSON file (Jaeger's own
 * fixture), an OTLP JSON file and a Zipkin v2 JSON file with the trace page's rendering, and none
 * of them is stored.
 */
class TraceArchiveEndToEndTest {
  static final String KEPT = "a4c41ed0a4c41ed0a4c41ed0a4c41ed0";
  static final String DROPPED = "d40bbed0d40bbed0d40bbed0d40bbed0";
  static final String FROM_FILE = "f11ef11ef11ef11ef11ef11ef11ef11e";

  static MeshtraceServer server;
  static Browser browser;
  static String ui;
  static Path files;

  @BeforeAll
  static void start() throws Exception {
    Browser.assumeInstalled();
    server = TestServers.allInOne();
    long start = System.currentTimeMillis() * 1000 - 30_000_000;
    send(trace(KEPT, start));
    send(trace(DROPPED, start));
    browser = Browser.start();
    ui = url(server, "query", "");
    files = Files.createTempDirectory("meshtrace-trace-files-");
  }

  /** gateway calls payments: three spans of the Zipkin intake. */
  static String trace(String traceId, long start) {
    return """
        [{"traceId":"%1$s","id":"1000000000000001","kind":"SERVER","name":"get /checkout",
          "timestamp":%2$d,"duration":20000,"localEndpoint":{"serviceName":"gateway"}},
         {"traceId":"%1$s","parentId":"1000000000000001","id":"1000000000000002",
          "kind":"CLIENT","name":"post /pay","timestamp":%3$d,"duration":8000,
          "localEndpoint":{"serviceName":"gateway"},"remoteEndpoint":{"serviceName":"payments"}},
         {"traceId":"%1$s","parentId":"1000000000000002","id":"1000000000000003",
          "kind":"SERVER","name":"post /pay","timestamp":%4$d,"duration":6000,
          "localEndpoint":{"serviceName":"payments"},"tags":{"payment.provider":"acme"}}]"""
        .formatted(traceId, start, start + 2000, start + 3000);
  }

  static void send(String json) throws Exception {
    HttpResponse<String> posted = post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        json.getBytes(StandardCharsets.UTF_8));
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
  }

  @AfterAll
  static void stop() {
    Browser.close(browser, server);
  }

  void dropSpanPartitions() {
    server.storage().pool().query("""
        DO $$ DECLARE p regclass; BEGIN
          FOR p IN SELECT inhrelid::regclass FROM pg_inherits
                   WHERE inhparent = 'spans'::regclass LOOP
            EXECUTE 'ALTER TABLE spans DETACH PARTITION ' || p;
            EXECUTE 'DROP TABLE ' || p;
          END LOOP;
        END $$""").execute().await();
  }

  List<String> rowServices() {
    return browser.driver.findElements(By.cssSelector("#trace-page .span-row .service-name"))
        .stream().map(WebElement::getText).toList();
  }

  @Test
  void theArchiveButtonKeepsATraceAfterItsPartitionsAreDropped() throws Exception {
    String jaegerBefore = get(url(server, "query", "/api/traces/" + KEPT)).body();
    String zipkinBefore = get(url(server, "zipkin", "/api/v2/trace/" + KEPT)).body();
    browser.driver.get(ui + "/trace/" + KEPT);
    browser.waitFor(By.cssSelector("#trace-page .span-row"));
    browser.driver.findElement(By.id("archive-trace")).click();
    browser.waitFor(d -> d.findElements(By.cssSelector("#archive-status .message-info strong"))
        .stream().anyMatch(title -> title.getText().equals("Archived")) ? true : null);
    assertThat(browser.driver.findElement(By.id("archive-status")).getText())
        .contains("kept in the archive until it is deleted");
    browser.screenshot("trace-archived");

    dropSpanPartitions();

    assertThat(get(url(server, "query", "/api/traces/" + DROPPED)).statusCode()).isEqualTo(404);
    HttpResponse<String> jaeger = get(url(server, "query", "/api/traces/" + KEPT));
    assertThat(jaeger.statusCode()).isEqualTo(200);
    assertThat(new io.vertx.core.json.JsonObject(jaeger.body()))
        .isEqualTo(new io.vertx.core.json.JsonObject(jaegerBefore));
    HttpResponse<String> zipkin = get(url(server, "zipkin", "/api/v2/trace/" + KEPT));
    assertThat(zipkin.statusCode()).isEqualTo(200);
    assertThat(new io.vertx.core.json.JsonArray(zipkin.body()))
        .isEqualTo(new io.vertx.core.json.JsonArray(zipkinBefore));
    browser.driver.get(ui + "/trace/" + KEPT);
    browser.waitFor(By.cssSelector("#trace-page .span-row"));
    assertThat(rowServices()).containsExactly("gateway", "gateway", "payments");

    // A trace that is not stored (any more) cannot be archived: the page says so.
    browser.driver.get(ui + "/trace/" + DROPPED);
    browser.waitFor(By.cssSelector(".message-empty"));
    assertThat(browser.driver.findElement(By.id("page")).getText()).contains("Trace not found");
  }

  WebElement openFile(Path file) {
    browser.driver.get(ui + "/open");
    browser.waitFor(By.id("trace-file")).sendKeys(file.toAbsolutePath().normalize().toString());
    return browser.waitFor(By.cssSelector("#file-view #trace-page .span-row"));
  }

  @Test
  void aJaegerJsonFileIsShownAsATrace() {
    Path fixture = Path.of(System.getProperty("meshtrace.fixtures"), "jaeger",
        "jaeger_ui_01.json");
    openFile(fixture);
    assertThat(browser.driver.findElement(By.id("trace-page")).getDomAttribute("data-trace-id"))
        .isEqualTo("0000000000000001");
    assertThat(browser.driver.findElement(By.id("trace-span-count")).getText()).isEqualTo("5");
    assertThat(browser.driver.findElements(By.id("archive-trace"))).isEmpty();
    browser.screenshot("file-view-jaeger");
  }

  @Test
  void otlpAndZipkinFilesAreShownThroughTransformAndNotStored() throws Exception {
    long start = System.currentTimeMillis() * 1000 - 60_000_000;
    Path zipkin = files.resolve("zipkin.json");
    Files.writeString(zipkin, trace(FROM_FILE, start));
    openFile(zipkin);
    assertThat(rowServices()).containsExactly("gateway", "gateway", "payments");
    browser.screenshot("file-view-zipkin");

    // OTLP JSON as Jaeger's v3 API writes it, of the stored trace under a new ID.
    send(trace(KEPT.replace('a', 'b'), start));
    String otlp = get(url(server, "query", "/api/v3/traces/" + KEPT.replace('a', 'b'))).body();
    String request = new io.vertx.core.json.JsonObject(otlp).getJsonObject("result").encode()
        .replace(KEPT.replace('a', 'b'), FROM_FILE);
    Path otlpFile = files.resolve("otlp.json");
    Files.writeString(otlpFile, request);
    openFile(otlpFile);
    assertThat(rowServices()).containsExactly("gateway", "gateway", "payments");
    assertThat(browser.driver.findElement(By.id("trace-page")).getDomAttribute("data-trace-id"))
        .isEqualTo(FROM_FILE);

    assertThat(get(url(server, "query", "/api/traces/" + FROM_FILE)).statusCode())
        .isEqualTo(404);
  }

  @Test
  void aFileThatIsNoTraceIsExplained() throws Exception {
    Path notJson = files.resolve("notes.json");
    Files.writeString(notJson, "not json at all");
    browser.driver.get(ui + "/open");
    browser.waitFor(By.id("trace-file")).sendKeys(notJson.toAbsolutePath().toString());
    WebElement error = browser.waitFor(By.cssSelector("#file-view .message-error"));
    assertThat(error.getText()).contains("This file cannot be shown", "it is not JSON");

    Path badOtlp = files.resolve("bad-otlp.json");
    Files.writeString(badOtlp, "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"name\":"
        + " \"no ids\"}]}]}]}");
    browser.driver.get(ui + "/open");
    browser.waitFor(By.id("trace-file")).sendKeys(badOtlp.toAbsolutePath().toString());
    WebElement refused = browser.waitFor(By.cssSelector("#file-view .message-error"));
    assertThat(refused.getText()).contains("needs a trace ID");
  }
}
