package io.meshtrace.collector.ui;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.examples.generator.GeneratedSpan;
import io.meshtrace.examples.generator.GeneratedTrace;
import io.meshtrace.examples.generator.OtlpSpans;
import io.meshtrace.examples.generator.TraceGenerator;
import io.meshtrace.examples.generator.WorkloadOptions;
import io.meshtrace.metrics.LatencyHistogram;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The Monitor page in headless Chromium against a real all-in-one server with known traffic:
 * the generator's traces (a fixed seed, 20 % of traces failing, latency outliers) in three
 * minutes of the last hour and one minute of the hour before. The charts have a point where
 * there is data, the operations table has the operations sent with the SPM API's numbers,
 * sorting works by every column, a click on a point opens the search for its service,
 * operation and minute (with {@code error=true} from the error rate), the SLO box says when
 * the service has no objectives and shows an objective set through the admin API with the
 * numbers {@code /api/slo} answers.
 */
class MonitorPageEndToEndTest {
  static final WorkloadOptions OPTIONS = new WorkloadOptions(6, 3, 3, 0.2, 0.05, 19);
  static final TraceGenerator GENERATOR = new TraceGenerator(OPTIONS);
  static final int TRACES_PER_MINUTE = 150;
  /** The end of the minute the test started in; the page's hour ends there or a minute on. */
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MINUTES);
  /** Minutes with traffic: three in the last hour, one in the hour before it. */
  static final List<Instant> CURRENT_MINUTES = List.of(NOW.minus(30, ChronoUnit.MINUTES),
      NOW.minus(20, ChronoUnit.MINUTES), NOW.minus(10, ChronoUnit.MINUTES));
  static final Instant PREVIOUS_MINUTE = NOW.minus(90, ChronoUnit.MINUTES);
  static final String ADMIN_TOKEN = "monitor-slo-admin-token";

  static final List<GeneratedTrace> current = new ArrayList<>();
  static final List<GeneratedTrace> previous = new ArrayList<>();
  static MeshtraceServer server;
  static Browser browser;
  /** The service looked at: the one with the most server operations. */
  static String service;

  @BeforeAll
  static void start() throws Exception {
    Browser.assumeInstalled();
    server = TestServers.allInOne("--admin-token", ADMIN_TOKEN);
    long index = 0;
    for (Instant minute : CURRENT_MINUTES) {
      current.addAll(send(index, minute));
      index += TRACES_PER_MINUTE;
    }
    previous.addAll(send(index, PREVIOUS_MINUTE));
    server.storage().flushSpanMetrics().await();
    service = sent(current).entrySet().stream()
        .collect(Collectors.groupingBy(e -> e.getKey().split(" ", 2)[0], Collectors.counting()))
        .entrySet().stream().max(Map.Entry.<String, Long>comparingByValue()
            .thenComparing(Map.Entry.comparingByKey())).orElseThrow().getKey();
    browser = Browser.start();
  }

  /** Traces index.. of the generator, 100 ms apart from the start of a minute, over OTLP. */
  static List<GeneratedTrace> send(long first, Instant minute) throws Exception {
    List<GeneratedTrace> traces = new ArrayList<>();
    long startMicros = minute.getEpochSecond() * 1_000_000;
    for (int i = 0; i < TRACES_PER_MINUTE; i++) {
      traces.add(GENERATOR.trace(first + i, startMicros + i * 100_000L));
    }
    for (int from = 0; from < traces.size(); from += 50) {
      HttpResponse<String> posted = post(url(server, "otlpHttp", "/v1/traces"),
          "application/x-protobuf", OtlpSpans.of(traces.subList(from,
              Math.min(traces.size(), from + 50))).toByteArray());
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
    }
    return traces;
  }

  record Sent(long calls, long errors, List<Long> durations) {}

  /** Server spans by "service operation". */
  static Map<String, Sent> sent(List<GeneratedTrace> traces) {
    Map<String, List<GeneratedSpan>> spans = new TreeMap<>();
    for (GeneratedTrace trace : traces) {
      for (GeneratedSpan span : trace.spans()) {
        if (span.kind() == GeneratedSpan.Kind.SERVER) {
          spans.computeIfAbsent(span.service() + " " + span.name(), k -> new ArrayList<>())
              .add(span);
        }
      }
    }
    Map<String, Sent> sent = new TreeMap<>();
    spans.forEach((key, list) -> sent.put(key, new Sent(list.size(),
        list.stream().filter(GeneratedSpan::error).count(),
        list.stream().map(GeneratedSpan::durationMicros).toList())));
    return sent;
  }

  /** The service's server operations in some traffic, by name. */
  static Map<String, Sent> operations(List<GeneratedTrace> traces) {
    Map<String, Sent> operations = new TreeMap<>();
    sent(traces).forEach((key, s) -> {
      if (key.startsWith(service + " ")) {
        operations.put(key.substring(service.length() + 1), s);
      }
    });
    return operations;
  }

  @AfterAll
  static void stop() {
    Browser.close(browser, server);
  }

  static String enc(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** Opens a Monitor URL and waits until every part of the page has answered. */
  static WebElement open(String query) {
    browser.driver.get(url(server, "query", "/monitor" + query));
    return browser.waitFor(By.cssSelector("#monitor[data-loaded='true']"));
  }

  static long attribute(WebElement element, String name) {
    return Long.parseLong(element.getDomAttribute(name));
  }

  static List<WebElement> rows() {
    return browser.driver.findElements(By.cssSelector("#operations-table tbody tr"));
  }

  /** A row's number, NaN for none. */
  static double number(WebElement row, String key) {
    String value = row.getDomAttribute("data-" + key);
    return value == null || value.equals("null") ? Double.NaN : Double.parseDouble(value);
  }

  /** What the SPM API answers, by operation: the last point of each series. */
  static Map<String, Double> api(String what, String parameters) throws Exception {
    HttpResponse<String> answer = get(url(server, "query", "/api/metrics/" + what + "?service="
        + enc(service) + "&spanKind=server&" + parameters));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    Map<String, Double> values = new TreeMap<>();
    for (Object metric : new JsonObject(answer.body()).getJsonArray("metrics")) {
      JsonObject m = (JsonObject) metric;
      String operation = "";
      for (Object label : m.getJsonArray("labels")) {
        if (((JsonObject) label).getString("name").equals("operation")) {
          operation = ((JsonObject) label).getString("value");
        }
      }
      JsonArray points = m.getJsonArray("metricPoints");
      if (!points.isEmpty()) {
        values.put(operation, points.getJsonObject(points.size() - 1)
            .getJsonObject("gaugeValue").getDouble("doubleValue"));
      }
    }
    return values;
  }

  /**
   * Whether a quantile of the histogram is the exact one within the histogram's stated error,
   * up to a rank either way (definitions of a quantile's rank differ). The error is relative
   * to the estimate: the true value is within estimate × (1 ± error).
   */
  static void assertQuantile(double actual, List<Long> durations, double q, String what) {
    List<Long> sorted = new ArrayList<>(durations);
    sorted.sort(null);
    int rank = (int) Math.max(0, Math.ceil(q * sorted.size()) - 1);
    double low = sorted.get(Math.max(0, rank - 1)) / 1000.0;
    double high = sorted.get(Math.min(sorted.size() - 1, rank + 1)) / 1000.0;
    assertThat(actual).as(what).isBetween(low / (1 + LatencyHistogram.RELATIVE_ERROR),
        high / (1 - LatencyHistogram.RELATIVE_ERROR));
  }

  static double exactQuantile(List<Long> durations, double q) {
    List<Long> sorted = new ArrayList<>(durations);
    sorted.sort(null);
    return sorted.get((int) Math.max(0, Math.ceil(q * sorted.size()) - 1)) / 1000.0;
  }

  static Map<String, String> query(String url) {
    Map<String, String> params = new LinkedHashMap<>();
    String raw = URI.create(url).getRawQuery();
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
          URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
    }
    return params;
  }

  /** The points of one chart series, by the time they stand for. */
  static Map<Long, Double> points(String chart, String series) {
    Map<Long, Double> points = new TreeMap<>();
    for (WebElement point : browser.driver.findElements(By.cssSelector(
        "#" + chart + " g.series[data-series='" + series + "'] .point"))) {
      points.put(attribute(point, "data-t"), Double.parseDouble(point.getDomAttribute("data-v")));
    }
    return points;
  }

  static long minuteEnd(Instant minute) {
    return minute.plus(1, ChronoUnit.MINUTES).toEpochMilli();
  }

  @Test
  void theChartsHaveAPointWhereThereIsDataAndThePreviousHourBesideIt() {
    WebElement page = open("?service=" + enc(service) + "&range=1h");
    long end = attribute(page, "data-end");
    assertThat(end - NOW.toEpochMilli()).as("the hour ends at the last stored minute")
        .isBetween(-60_000L, 60_000L);
    assertThat(browser.driver.findElement(By.cssSelector("nav a.active")).getText())
        .isEqualTo("Monitor");

    // Every minute has a call rate, 0 where nothing was sent; a quantile only where calls were.
    Map<Long, Double> calls = points("chart-calls", "calls");
    assertThat(calls).hasSize(60);
    assertThat(calls.keySet()).allMatch(t -> t > end - 3_600_000L && t <= end);
    TreeSet<Long> busy = new TreeSet<>();
    calls.forEach((t, v) -> {
      if (v > 0) {
        busy.add(t);
      }
    });
    List<Long> sentMinutes = CURRENT_MINUTES.stream().map(MonitorPageEndToEndTest::minuteEnd)
        .toList();
    assertThat(busy).containsExactlyElementsOf(sentMinutes);
    for (String quantile : List.of("p50", "p95", "p99")) {
      assertThat(points("chart-latency", quantile).keySet()).as(quantile)
          .containsExactlyElementsOf(sentMinutes);
    }
    assertThat(points("chart-errors", "errors").keySet()).containsExactlyElementsOf(sentMinutes);
    // Each minute's calls are those sent in it, per second.
    long sentInFirst = current.subList(0, TRACES_PER_MINUTE).stream()
        .flatMap(t -> t.spans().stream()).filter(s -> s.kind() == GeneratedSpan.Kind.SERVER
            && s.service().equals(service)).count();
    assertThat(calls.get(sentMinutes.get(0))).isCloseTo(sentInFirst / 60.0, within(1e-9));
    // The hour before is drawn over this one: its minute lands an hour later.
    Map<Long, Double> before = points("chart-calls", "calls-previous");
    assertThat(before.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey))
        .containsExactly(minuteEnd(PREVIOUS_MINUTE));
    assertThat(points("chart-latency", "p95-previous").keySet())
        .containsExactly(minuteEnd(PREVIOUS_MINUTE));

    for (String chart : List.of("chart-latency", "chart-errors", "chart-calls")) {
      WebElement figure = browser.driver.findElement(By.id(chart));
      for (WebElement path : figure.findElements(By.cssSelector("g.series path"))) {
        assertThat(path.getDomAttribute("d")).as(chart).startsWith("M ");
      }
      assertThat(figure.findElements(By.cssSelector(".chart-tick-x text"))).as(chart).hasSizeGreaterThan(2);
    }
    // Units on the axes, a legend with the comparison.
    for (Map.Entry<String, String> unit : Map.of("chart-latency", " ms", "chart-errors", " %",
        "chart-calls", "/s").entrySet()) {
      assertThat(browser.driver.findElements(By.cssSelector("#" + unit.getKey()
          + " .chart-tick-y text")).stream().map(t -> t.getDomProperty("textContent")))
          .as(unit.getKey()).hasSizeGreaterThan(2).allMatch(text -> text.endsWith(unit.getValue()));
    }
    assertThat(browser.driver.findElement(By.cssSelector("#chart-latency .chart-legend"))
        .getText()).contains("p50", "p95", "p99", "previous hour (dashed)");

    // Hovering a point shows every series' value there.
    WebElement point = browser.driver.findElement(By.cssSelector(
        "#chart-latency g[data-series='p95'] .point[data-t='" + sentMinutes.get(1) + "']"));
    new Actions(browser.driver).moveToElement(point).perform();
    WebElement tooltip = browser.waitFor(By.cssSelector("#chart-latency .chart-tooltip:not([hidden])"));
    assertThat(tooltip.getText()).contains("p50: ", "p95: ", "p99: ", " ms",
        "p95 · previous hour: —");
    browser.screenshot("monitor-charts");
  }

  @Test
  void theOperationsTableHasTheOperationsSentWithTheApisNumbers() throws Exception {
    WebElement page = open("?service=" + enc(service));
    long end = attribute(page, "data-end");
    Map<String, Sent> sent = operations(current);
    Map<String, WebElement> rows = rows().stream().collect(Collectors.toMap(
        row -> row.getDomAttribute("data-operation"), Function.identity()));
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());

    // What the page asks for: one point over the whole hour at its end.
    String hour = "groupByOperation=true&endTs=" + end + "&lookback=1&step=60000&ratePer=3600000";
    Map<String, Double> calls = api("calls", hour);
    Map<String, Double> errors = api("errors", hour);
    Map<String, Map<String, Double>> quantiles = new TreeMap<>();
    for (String q : List.of("0.5", "0.95", "0.99")) {
      quantiles.put(q, api("latencies", hour + "&quantile=" + q));
    }
    Map<String, Sent> before = operations(previous);
    for (Map.Entry<String, Sent> operation : sent.entrySet()) {
      String name = operation.getKey();
      Sent s = operation.getValue();
      WebElement row = rows.get(name);
      assertThat(number(row, "calls")).as(name).isCloseTo(calls.get(name), within(1e-12))
          .isCloseTo(s.calls() / 3600.0, within(1e-9));
      assertThat(number(row, "errors")).as(name).isCloseTo(errors.get(name), within(1e-12))
          .isCloseTo((double) s.errors() / s.calls(), within(1e-9));
      for (Map.Entry<String, String> q : Map.of("0.5", "p50", "0.95", "p95", "0.99", "p99")
          .entrySet()) {
        String what = name + " " + q.getValue();
        assertThat(number(row, q.getValue())).as(what)
            .isCloseTo(quantiles.get(q.getKey()).get(name), within(1e-9));
        assertQuantile(number(row, q.getValue()), s.durations(), Double.parseDouble(q.getKey()),
            what);
      }
      // The change column compares with the hour before: p95 against that hour's p95.
      if (before.containsKey(name)) {
        double then = exactQuantile(before.get(name).durations(), 0.95);
        double now = exactQuantile(s.durations(), 0.95);
        assertThat(number(row, "delta")).as(name).isCloseTo(now / then - 1, within(0.05));
        assertThat(row.findElement(By.cssSelector("td.delta")).getText()).contains("calls ",
            "errors ", "p95 ");
      } else {
        assertThat(row.findElement(By.cssSelector("td.delta")).getText()).isEqualTo("new");
      }
    }
    double most = rows.values().stream().mapToDouble(row -> number(row, "impact")).max()
        .orElseThrow();
    assertThat(most).isEqualTo(1.0);
    assertThat(rows.get(sent.keySet().iterator().next()).getText()).contains(" ms", " %");
    browser.screenshot("monitor-operations");
  }

  @Test
  void theTableSortsByEachColumn() {
    open("?service=" + enc(service));
    List<String> columns = browser.driver.findElements(By.cssSelector(
        "#operations-table th[data-column]")).stream().map(th -> th.getDomAttribute("data-column"))
        .toList();
    assertThat(columns).containsExactly("operation", "calls", "errors", "p50", "p95", "p99",
        "impact", "delta");
    for (String column : columns) {
      header(column).click();
      boolean text = column.equals("operation");
      // First click: names A to Z, numbers largest first; the second click reverses it.
      assertSorted(column, text);
      assertThat(headerCell(column).getDomAttribute("aria-sort"))
          .isEqualTo(text ? "ascending" : "descending");
      header(column).click();
      assertSorted(column, !text);
      assertThat(browser.driver.getCurrentUrl()).contains("sort=" + column);
    }
    // The order is in the URL: a reload keeps it.
    browser.driver.navigate().refresh();
    browser.waitFor(By.cssSelector("#monitor[data-loaded='true']"));
    assertThat(headerCell("delta").getDomAttribute("aria-sort")).isEqualTo("ascending");
    assertSorted("delta", true);
  }

  static WebElement header(String column) {
    return browser.driver.findElement(By.cssSelector(
        "#operations-table th[data-column='" + column + "'] button"));
  }

  static WebElement headerCell(String column) {
    return browser.driver.findElement(By.cssSelector(
        "#operations-table th[data-column='" + column + "']"));
  }

  static void assertSorted(String column, boolean ascending) {
    List<WebElement> rows = rows();
    assertThat(rows).hasSizeGreaterThan(1);
    if (column.equals("operation")) {
      List<String> names = rows.stream().map(r -> r.getDomAttribute("data-operation")).toList();
      Comparator<String> order = Comparator.naturalOrder();
      assertThat(names).as(column).isSortedAccordingTo(ascending ? order : order.reversed());
      return;
    }
    // Rows without a value (a change with no hour before) come last either way.
    List<Double> values = rows.stream().map(r -> number(r, column)).toList();
    List<Double> present = values.stream().filter(v -> !v.isNaN()).toList();
    assertThat(values.subList(0, present.size())).as(column).doesNotContain(Double.NaN);
    Comparator<Double> order = Comparator.naturalOrder();
    assertThat(present).as(column).isSortedAccordingTo(ascending ? order : order.reversed());
  }

  @Test
  void aClickOnAPointOpensTheSearchForItsMinute() {
    open("?service=" + enc(service) + "&range=1h");
    long minute = minuteEnd(CURRENT_MINUTES.get(2));
    browser.driver.findElement(By.cssSelector(
        "#chart-calls g[data-series='calls'] a.point[data-t='" + minute + "']")).click();
    browser.waitFor(By.cssSelector("#trace-list li"));
    Map<String, String> search = query(browser.driver.getCurrentUrl());
    assertThat(URI.create(browser.driver.getCurrentUrl()).getPath()).isEqualTo("/search");
    assertThat(search).containsEntry("service", service).doesNotContainKey("operation")
        .containsEntry("lookback", "custom")
        .containsEntry("start", Long.toString((minute - 60_000) * 1000))
        .containsEntry("end", Long.toString(minute * 1000));
    assertThat(new JsonObject(search.get("tags"))).isEqualTo(new JsonObject()
        .put("span.kind", "server"));
    // Traces of that minute with a server span of the service, and only those.
    assertThat(listed()).isNotEmpty().isSubsetOf(tracesOf(minute, false));

    // An error-rate point searches for the failed calls of its minute.
    browser.driver.navigate().back();
    browser.waitFor(By.cssSelector("#monitor[data-loaded='true']"));
    WebElement errorPoint = browser.driver.findElements(By.cssSelector(
        "#chart-errors g[data-series='errors'] a.point")).stream()
        .filter(p -> Double.parseDouble(p.getDomAttribute("data-v")) > 0).findFirst()
        .orElseThrow();
    long errorMinute = attribute(errorPoint, "data-t");
    errorPoint.click();
    browser.waitFor(By.cssSelector("#trace-list li"));
    search = query(browser.driver.getCurrentUrl());
    assertThat(search).containsEntry("start", Long.toString((errorMinute - 60_000) * 1000))
        .containsEntry("end", Long.toString(errorMinute * 1000));
    assertThat(new JsonObject(search.get("tags"))).isEqualTo(new JsonObject()
        .put("span.kind", "server").put("error", "true"));
    assertThat(listed()).isNotEmpty().isSubsetOf(tracesOf(errorMinute, true));
    assertThat(browser.driver.findElement(By.id("search-tags")).getDomProperty("value"))
        .contains("error=true");
    browser.screenshot("monitor-error-point-search");
  }

  /** The trace IDs the search page lists. */
  static List<String> listed() {
    return browser.driver.findElements(By.cssSelector("#trace-list li")).stream()
        .map(item -> item.getDomAttribute("data-trace-id")).toList();
  }

  /** The traces sent in the minute that ends at minuteEnd with a (failed) server span here. */
  static List<String> tracesOf(long minuteEnd, boolean failed) {
    long from = (minuteEnd - 60_000) * 1000;
    return current.stream().filter(t -> t.spans().stream().anyMatch(s ->
        s.kind() == GeneratedSpan.Kind.SERVER && s.service().equals(service)
            && (!failed || s.error()) && s.startMicros() >= from
            && s.startMicros() < minuteEnd * 1000)).map(GeneratedTrace::traceId).toList();
  }

  @Test
  void anOperationHasItsOwnChartsAndItsPointsSearchForIt() {
    open("?service=" + enc(service));
    WebElement busiest = rows().stream().max(Comparator.comparingDouble(r -> number(r, "calls")))
        .orElseThrow();
    String operation = busiest.getDomAttribute("data-operation");
    busiest.findElement(By.cssSelector("td.operation a")).click();
    browser.waitFor(By.cssSelector("#monitor[data-loaded='true']"));
    assertThat(browser.driver.findElement(By.id("monitor-subject")).getText())
        .isEqualTo(service + " · " + operation);
    assertThat(browser.driver.findElement(By.cssSelector("#operations-table tr.selected"))
        .getDomAttribute("data-operation")).isEqualTo(operation);
    // The operation's own calls: the sum over the minute is what was sent to it.
    long minute = minuteEnd(CURRENT_MINUTES.get(0));
    long sentToIt = current.subList(0, TRACES_PER_MINUTE).stream()
        .flatMap(t -> t.spans().stream()).filter(s -> s.kind() == GeneratedSpan.Kind.SERVER
            && s.service().equals(service) && s.name().equals(operation)).count();
    assertThat(points("chart-calls", "calls").get(minute)).isCloseTo(sentToIt / 60.0,
        within(1e-9));

    // (the call rate's point: the latency chart's three series may lie over each other)
    browser.driver.findElement(By.cssSelector(
        "#chart-calls g[data-series='calls'] a.point[data-t='" + minute + "']")).click();
    browser.waitFor(By.cssSelector("#trace-list li"));
    assertThat(query(browser.driver.getCurrentUrl())).containsEntry("service", service)
        .containsEntry("operation", operation)
        .containsEntry("start", Long.toString((minute - 60_000) * 1000))
        .containsEntry("end", Long.toString(minute * 1000));
  }

  @Test
  void sevenDaysHoldBothHoursOfTrafficCountedOverTheTimeSoFar() throws Exception {
    WebElement page = open("?service=" + enc(service));
    new Select(browser.driver.findElement(By.id("monitor-range"))).selectByValue("7d");
    page = browser.waitFor(By.cssSelector("#monitor[data-loaded='true']"));
    assertThat(browser.driver.getCurrentUrl()).contains("range=7d");
    long end = attribute(page, "data-end");
    long start = attribute(page, "data-start");
    assertThat(end % 3_600_000).isZero();
    assertThat(end - start).isEqualTo(7 * 24 * 3_600_000L);
    // The hour under way is counted over the minutes it has had, not over a whole hour.
    // (metrics-api.js: a minute is stored at most 40 s after it ends)
    long dataEnd = Instant.now().minusSeconds(40).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
    List<GeneratedTrace> both = new ArrayList<>(current);
    both.addAll(previous);
    Map<String, Sent> sent = operations(both);
    Map<String, WebElement> rows = rows().stream().collect(Collectors.toMap(
        row -> row.getDomAttribute("data-operation"), Function.identity()));
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
    for (Map.Entry<String, Sent> operation : sent.entrySet()) {
      // a minute of slack: the page read the clock a moment before the test
      double seconds = (dataEnd - start) / 1000.0;
      assertThat(number(rows.get(operation.getKey()), "calls") * seconds)
          .as(operation.getKey()).isCloseTo(operation.getValue().calls(),
              within(operation.getValue().calls() * 60 / seconds + 1e-6));
    }
    assertThat(points("chart-calls", "calls")).hasSize(168);
    assertThat(browser.driver.findElement(By.cssSelector("#chart-latency .chart-legend"))
        .getText()).contains("week before (dashed)");
    browser.screenshot("monitor-7d");
  }

  @Test
  void withoutObjectivesTheSloBoxSaysSoAndThereIsNoError() throws Exception {
    HttpResponse<String> slo = get(url(server, "query", "/api/slo"));
    assertThat(slo.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(slo.body()).getJsonArray("objectives")).isEmpty();
    open("?service=" + enc(service));
    assertThat(browser.driver.findElement(By.id("slo")).getText())
        .isEqualTo("No service level objectives for " + service + ".");
    assertThat(browser.driver.findElements(By.cssSelector(".message-error, .message-warning")))
        .isEmpty();
    assertThat(rows()).isNotEmpty();
    assertThat(browser.driver.findElements(By.cssSelector("#chart-calls .point"))).isNotEmpty();
  }

  @Test
  void anObjectiveSetThroughTheAdminApiShowsWhatApiSloAnswers() throws Exception {
    String path = "/api/slo/objectives/" + enc(service) + "-availability";
    HttpResponse<String> put = TestServers.HTTP.send(java.net.http.HttpRequest.newBuilder(
            URI.create(url(server, "query", path)))
        .header("Authorization", "Bearer " + ADMIN_TOKEN)
        .header("Content-Type", "application/json")
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(new JsonObject()
            .put("service", service).put("indicator", "availability").put("target", 50)
            .encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    try {
      JsonObject objective = new JsonObject(get(url(server, "query", "/api/slo")).body())
          .getJsonArray("objectives").getJsonObject(0);
      double attainment = objective.getDouble("attainment");
      assertThat(attainment).isBetween(0.0, 1.0);
      open("?service=" + enc(service));
      WebElement row = browser.waitFor(By.cssSelector("#slo tr[data-objective='" + service
          + "-availability']"));
      List<String> cells = row.findElements(By.tagName("td")).stream().map(WebElement::getText)
          .toList();
      // As slo.js writes a share: four significant digits, then " %".
      String shown = new java.math.BigDecimal(attainment * 100)
          .round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString() + " %";
      assertThat(cells.get(1)).isEqualTo("availability");
      assertThat(cells.get(2)).isEqualTo("50 % over 30d");
      assertThat(cells.get(3)).startsWith(shown);
      // The alerts firing, as slo.js names them, from what the API says.
      String firing = objective.getJsonArray("alerts").stream().map(a -> (JsonObject) a)
          .filter(a -> a.getBoolean("firing"))
          .map(a -> (a.getString("severity").equals("critical") ? "page " : "ticket ")
              + a.getString("longWindow") + "/" + a.getString("shortWindow") + " > "
              + new java.math.BigDecimal(a.getDouble("factor").toString()).stripTrailingZeros()
                  .toPlainString() + "×")
          .collect(java.util.stream.Collectors.joining(", "));
      assertThat(cells.get(6)).isEqualTo(firing.isEmpty() ? "none" : firing);
      assertThat(cells.get(7)).isEqualTo(objective.getString("status").equals("ok") ? "OK"
          : "Budget exhausted");
      assertThat(browser.driver.findElements(By.cssSelector(".message-error, .message-warning")))
          .isEmpty();
    } finally {
      HttpResponse<String> deleted = TestServers.HTTP.send(java.net.http.HttpRequest.newBuilder(
              URI.create(url(server, "query", path)))
          .header("Authorization", "Bearer " + ADMIN_TOKEN).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    }
  }
}
