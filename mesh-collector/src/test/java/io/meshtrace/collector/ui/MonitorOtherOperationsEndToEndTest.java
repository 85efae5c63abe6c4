package io.meshtrace.collector.ui;

import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The operations past {@code --span-metrics-max-operations} are counted as one, {@code other}:
 * on the Monitor page its row and its points open the search of the whole service, since its
 * traces have whatever operation (a search for an operation named "other" finds none).
 */
class MonitorOtherOperationsEndToEndTest {
  static final Instant MINUTE = Instant.now().minus(10, ChronoUnit.MINUTES)
      .truncatedTo(ChronoUnit.MINUTES);
  static MeshtraceServer server;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    Browser.assumeInstalled();
    server = TestServers.allInOne("--span-metrics-max-operations", "1");
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    long start = MINUTE.getEpochSecond() * 1_000_000_000L;
    int i = 0;
    // GET /cart the busiest (counted on its own), the two others past the bound.
    for (String operation : List.of("GET /cart", "GET /cart", "GET /cart", "POST /pay",
        "GET /ping")) {
      byte[] trace = new byte[16];
      ThreadLocalRandom.current().nextBytes(trace);
      scope.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(trace))
          .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) ++i}))
          .setName(operation).setKind(Span.SpanKind.SPAN_KIND_SERVER)
          .setStartTimeUnixNano(start + i * 1_000_000_000L)
          .setEndTimeUnixNano(start + i * 1_000_000_000L + 5_000_000));
    }
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(Resource.newBuilder()
            .addAttributes(KeyValue.newBuilder().setKey("service.name")
                .setValue(AnyValue.newBuilder().setStringValue("shop"))))
            .addScopeSpans(scope)).build();
    HttpResponse<String> posted = post(url(server, "otlpHttp", "/v1/traces"),
        "application/x-protobuf", request.toByteArray());
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
    server.storage().flushSpanMetrics().await();
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    Browser.close(browser, server);
  }

  @Test
  void theOtherRowAndItsPointsSearchTheWholeService() {
    browser.driver.get(url(server, "query", "/monitor?service=shop"));
    browser.waitFor(By.cssSelector("#monitor[data-loaded='true']"));
    List<WebElement> rows = browser.driver.findElements(By.cssSelector(
        "#operations-table tbody tr"));
    assertThat(rows).extracting(row -> row.getDomAttribute("data-operation"))
        .containsExactlyInAnyOrder("GET /cart", "other");
    WebElement other = rows.stream()
        .filter(row -> "other".equals(row.getDomAttribute("data-operation"))).findFirst()
        .orElseThrow();
    assertThat(Double.parseDouble(other.getDomAttribute("data-calls")))
        .as("POST /pay and GET /ping, per second over the range").isPositive();

    other.findElement(By.cssSelector("td.operation a")).click();
    browser.waitFor(By.cssSelector("#monitor[data-loaded='true']"));
    long minuteEnd = MINUTE.plus(1, ChronoUnit.MINUTES).toEpochMilli();
    browser.driver.findElement(By.cssSelector(
        "#chart-calls g[data-series='calls'] a.point[data-t='" + minuteEnd + "']")).click();
    browser.waitFor(By.cssSelector("#trace-list li"));
    Map<String, String> query = MonitorPageEndToEndTest.query(browser.driver.getCurrentUrl());
    assertThat(query).containsEntry("service", "shop").doesNotContainKey("operation")
        .containsEntry("start", Long.toString((minuteEnd - 60_000) * 1000))
        .containsEntry("end", Long.toString(minuteEnd * 1000));
    // The whole service's traces of that minute: all five.
    assertThat(browser.driver.findElements(By.cssSelector("#trace-list li"))).hasSize(5);
  }
}
