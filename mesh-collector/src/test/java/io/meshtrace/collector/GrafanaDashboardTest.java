package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.metrics.SpanMetricsExport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in examples/grafana reads only what meshtrace exports: every metric
 * name in every panel's PromQL and in the template variables is a series of a real
 * {@code /metrics} scrape of a server that stored spans, every label in a selector, a {@code
 * by (...)} or {@code label_values} is one of that series' labels, and every literal value of
 * {@code span_kind} and {@code status_code} is one the scrape has.
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("../examples/grafana/meshtrace-red.json");

  static MeshtraceServer server;
  /** Series name to its label names, from the scrape. */
  static final Map<String, Set<String>> exported = new TreeMap<>();
  /** Label name to the values seen, from the scrape. */
  static final Map<String, Set<String>> values = new TreeMap<>();

  @BeforeAll
  static void scrape() throws Exception {
    server = TestServers.allInOne();
    long now = System.currentTimeMillis() * 1000;
    String spans = """
        [{"traceId":"%1$s","id":"1000000000000001","kind":"SERVER","name":"get /cart",
          "timestamp":%2$d,"duration":12000,"localEndpoint":{"serviceName":"cart"},
          "tags":{"http.status_code":"500","error":"boom"}},
         {"traceId":"%1$s","parentId":"1000000000000001","id":"1000000000000002",
          "kind":"CLIENT","name":"get /prices","timestamp":%3$d,"duration":3000,
          "localEndpoint":{"serviceName":"cart"}}]"""
        .formatted("4bf92f3577b34da6a3ce929d0e0e4736", now - 5_000_000, now - 4_000_000);
    assertThat(post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        spans.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(202);
    server.storage().flushSpanMetrics().await();
    String text = get(url(server, "admin", "/metrics")).body();
    Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)\\} ", Pattern.MULTILINE);
    Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    Matcher series = line.matcher(text);
    while (series.find()) {
      if (!series.group(1).startsWith("traces_span_metrics_")) {
        continue;
      }
      Set<String> names = exported.computeIfAbsent(series.group(1), k -> new TreeSet<>());
      Matcher labels = label.matcher(series.group(2));
      while (labels.find()) {
        names.add(labels.group(1));
        values.computeIfAbsent(labels.group(1), k -> new TreeSet<>()).add(labels.group(2));
      }
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void theScrapeHasTheSpanmetricsConnectorsSeries() {
    // The scrape is what the dashboard is checked against: it must be the export's names.
    assertThat(exported.keySet()).containsExactlyInAnyOrder(SpanMetricsExport.CALLS,
        SpanMetricsExport.DURATION + "_bucket", SpanMetricsExport.DURATION + "_sum",
        SpanMetricsExport.DURATION + "_count", SpanMetricsExport.SAMPLED_CALLS,
        SpanMetricsExport.SAMPLED_DURATION + "_bucket", SpanMetricsExport.SAMPLED_DURATION
            + "_sum", SpanMetricsExport.SAMPLED_DURATION + "_count");
    assertThat(exported.get(SpanMetricsExport.CALLS)).containsExactlyInAnyOrder("service_name",
        "span_name", "span_kind", "status_code");
    assertThat(exported.get(SpanMetricsExport.DURATION + "_bucket")).contains("le");
    assertThat(values.get("status_code")).contains("STATUS_CODE_ERROR");
    assertThat(values.get("span_kind")).contains("SPAN_KIND_SERVER", "SPAN_KIND_CLIENT");
  }

  @Test
  void everyQueryOfTheDashboardReadsExportedSeriesAndLabels() throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARD));
    List<String> queries = new ArrayList<>();
    collectExpressions(dashboard.getJsonArray("panels"), queries);
    assertThat(queries).as("panel queries").hasSizeGreaterThanOrEqualTo(10);
    List<String> problems = new ArrayList<>();
    for (String expr : queries) {
      problems.addAll(problems(expr));
    }
    List<String> variables = new ArrayList<>();
    for (Object variable : dashboard.getJsonObject("templating").getJsonArray("list")) {
      JsonObject v = (JsonObject) variable;
      if ("query".equals(v.getString("type"))) {
        Object query = v.getValue("query");
        String text = query instanceof JsonObject q ? q.getString("query") : (String) query;
        variables.add(v.getString("name") + ": " + text);
        problems.addAll(problems(text));
      }
    }
    assertThat(problems).isEmpty();
    assertThat(variables).contains(
        "service: label_values(traces_span_metrics_calls_total, service_name)");

    // Rate, errors and the three quantiles, per service and per operation.
    String all = String.join("\n", queries);
    assertThat(all).contains("rate(traces_span_metrics_calls_total{",
        "status_code=\"STATUS_CODE_ERROR\"", "histogram_quantile(0.5, ",
        "histogram_quantile(0.95, ", "histogram_quantile(0.99, ", "by (service_name, span_name)",
        "service_name=~\"$service\"");
  }

  @Test
  void theCheckFindsNamesThatAreNotExported() {
    // The checker itself: a wrong metric, a wrong label in a selector and in by (...), a wrong
    // value, and a label_values of a label that is not there.
    assertThat(problems("sum by (service) (rate(traces_span_metrics_calls{service_name=\"a\"}"
        + "[5m])) / sum(rate(traces_span_metrics_calls_total{span=\"x\", "
        + "status_code=\"ERROR\"}[5m]))")).hasSize(4);
    assertThat(problems("label_values(traces_span_metrics_calls_total, service)")).hasSize(1);
    assertThat(problems("histogram_quantile(0.9, sum by (le) (rate("
        + "traces_span_metrics_duration_milliseconds_bucket{span_kind=~\"$kind\"}[$__range])))"))
        .isEmpty();
  }

  /** Every {@code expr} of the panels, rows' collapsed panels included. */
  static void collectExpressions(JsonArray panels, List<String> into) {
    if (panels == null) {
      return;
    }
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      JsonArray targets = panel.getJsonArray("targets");
      if (targets != null) {
        for (Object t : targets) {
          into.add(((JsonObject) t).getString("expr"));
        }
      }
      collectExpressions(panel.getJsonArray("panels"), into);
    }
  }

  // ---- a small PromQL reader: names, selectors, groupings ----

  private static final Pattern TOKEN = Pattern.compile(
      "\\s*(?:(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*')" // 1 string
      + "|(\\$\\{?[a-zA-Z0-9_]+\\}?)" // 2 a Grafana variable
      + "|([a-zA-Z_:][a-zA-Z0-9_:]*)" // 3 identifier
      + "|([0-9.]+(?:e[+-]?[0-9]+)?)" // 4 number
      + "|(=~|!~|!=|==|>=|<=|[-+*/%^=<>(){}\\[\\],]))"); // 5 punctuation
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring",
      "group_left", "group_right", "bool", "and", "or", "unless", "offset");
  private static final Set<String> CHECKED_VALUES = Set.of("span_kind", "status_code");

  static List<String> tokens(String expr) {
    List<String> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(expr);
    int at = 0;
    while (at < expr.length()) {
      if (!m.find(at) || m.start() != at) {
        if (expr.substring(at).isBlank()) {
          break;
        }
        throw new IllegalArgumentException("cannot read PromQL at " + at + ": " + expr);
      }
      tokens.add(m.group().strip());
      at = m.end();
    }
    return tokens;
  }

  /** What in an expression is not exported: each problem once per occurrence. */
  static List<String> problems(String expr) {
    List<String> problems = new ArrayList<>();
    List<String> tokens = tokens(expr);
    Set<String> metrics = new TreeSet<>();
    List<String> grouped = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      String token = tokens.get(i);
      String next = i + 1 < tokens.size() ? tokens.get(i + 1) : "";
      if (token.equals("[")) {
        while (i < tokens.size() && !tokens.get(i).equals("]")) {
          i++; // a range or subquery: durations only
        }
      } else if (token.equals("label_values") && next.equals("(")) {
        // label_values(selector, label): the last identifier before the closing parenthesis.
        int close = tokens.lastIndexOf(")");
        grouped.add(tokens.get(close - 1));
        tokens = new ArrayList<>(tokens.subList(0, close - 2));
        tokens.add(")");
        i++;
      } else if (Set.of("by", "without", "on", "ignoring", "group_left", "group_right")
          .contains(token) && next.equals("(")) {
        for (i += 2; i < tokens.size() && !tokens.get(i).equals(")"); i++) {
          if (!tokens.get(i).equals(",")) {
            grouped.add(tokens.get(i));
          }
        }
      } else if (token.matches("[a-zA-Z_:][a-zA-Z0-9_:]*") && !KEYWORDS.contains(token)
          && !Set.of("(", "by", "without").contains(next)) { // not a function or aggregation
        metrics.add(token);
        Set<String> labels = exported.get(token);
        if (labels == null) {
          problems.add("metric " + token + " is not exported");
        }
        if (next.equals("{")) {
          for (i += 2; i < tokens.size() && !tokens.get(i).equals("}"); i += 4) {
            String name = tokens.get(i);
            String value = tokens.get(i + 2);
            if (labels != null && !labels.contains(name)) {
              problems.add("label " + name + " is not a label of " + token);
            }
            String literal = value.substring(1, value.length() - 1);
            if (CHECKED_VALUES.contains(name) && tokens.get(i + 1).equals("=")
                && !values.getOrDefault(name, Set.of()).contains(literal)) {
              problems.add(name + " is never " + literal);
            }
            if (!tokens.get(i + 3).equals(",")) {
              i--; // no comma before the closing brace
            }
          }
        }
      }
    }
    Set<String> available = new TreeSet<>();
    for (String metric : metrics) {
      available.addAll(exported.getOrDefault(metric, Set.of()));
    }
    for (String label : grouped) {
      if (!available.contains(label)) {
        problems.add("label " + label + " is not a label of " + metrics);
      }
    }
    return problems;
  }
}
