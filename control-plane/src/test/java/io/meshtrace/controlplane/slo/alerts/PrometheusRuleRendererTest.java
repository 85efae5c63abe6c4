package io.meshtrace.controlplane.slo.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectivesFile;
import io.meshtrace.metrics.SpanMetricsAggregator;
import io.meshtrace.metrics.SpanMetricsExport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The rendered PrometheusRule read back as YAML: the workbook's alerts and their factors,
 * scaled for other windows; every series it reads is one the export writes, with label values
 * that match; the same objectives give the same bytes.
 */
class PrometheusRuleRendererTest {
  static final String FILE = """
      objectives:
        - name: checkout-availability
          service: checkout
          indicator: availability
          target: 99.9
        - name: pay-latency
          service: checkout
          operation: POST /pay
          tenant: team-a
          indicator: latency
          threshold: 400ms
          target: 99
          window: 28d
        - name: cart-client
          service: cart
          spanKind: client
          indicator: latency
          threshold: 1.4s
          target: "99.5"
          window: 7d
      """;

  static List<Objective> objectives() throws Exception {
    return ObjectivesFile.parse(FILE);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> groups(String yaml) {
    Map<String, Object> rule = new Yaml().load(yaml);
    return (List<Map<String, Object>>) ((Map<String, Object>) rule.get("spec")).get("groups");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rules(Map<String, Object> group) {
    return (List<Map<String, Object>>) group.get("rules");
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> labels(Map<String, Object> rule) {
    return (Map<String, String>) rule.get("labels");
  }

  @Test
  void aResourceWithTheWorkbooksFourAlertsPerObjective() throws Exception {
    String yaml = PrometheusRuleRenderer.render(objectives(), new PrometheusRuleRenderer.Options(
        "shop-slos", "monitoring", Map.of("release", "prometheus"), false), "slo.yaml");

    Map<String, Object> resource = new Yaml().load(yaml);
    assertThat(resource).containsEntry("apiVersion", "monitoring.coreos.com/v1")
        .containsEntry("kind", "PrometheusRule")
        .containsEntry("metadata", Map.of("name", "shop-slos", "namespace", "monitoring",
            "labels", Map.of("app.kubernetes.io/managed-by", "meshtrace",
                "release", "prometheus")));
    List<Map<String, Object>> groups = groups(yaml);
    assertThat(groups).extracting(g -> g.get("name")).containsExactly(
        "meshtrace-slo-checkout-availability", "meshtrace-slo-checkout-availability-window",
        "meshtrace-slo-pay-latency", "meshtrace-slo-pay-latency-window",
        "meshtrace-slo-cart-client", "meshtrace-slo-cart-client-window");
    Map<String, Object> first = groups.get(0);
    assertThat(rules(first)).extracting(r -> r.getOrDefault("record", r.get("alert")))
        .containsExactly("slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate30m",
            "slo:sli_error:ratio_rate1h", "slo:sli_error:ratio_rate2h",
            "slo:sli_error:ratio_rate6h", "slo:sli_error:ratio_rate1d",
            "slo:sli_error:ratio_rate3d", "ErrorBudgetBurn", "ErrorBudgetBurn",
            "ErrorBudgetBurn", "ErrorBudgetBurn");
    List<Map<String, Object>> alerts = rules(first).subList(7, 11);
    assertThat(alerts).extracting(a -> a.get("expr")).containsExactly(
        "slo:sli_error:ratio_rate1h{slo=\"checkout-availability\"} > 0.0144\nand\n"
            + "slo:sli_error:ratio_rate5m{slo=\"checkout-availability\"} > 0.0144\n",
        "slo:sli_error:ratio_rate6h{slo=\"checkout-availability\"} > 0.006\nand\n"
            + "slo:sli_error:ratio_rate30m{slo=\"checkout-availability\"} > 0.006\n",
        "slo:sli_error:ratio_rate1d{slo=\"checkout-availability\"} > 0.003\nand\n"
            + "slo:sli_error:ratio_rate2h{slo=\"checkout-availability\"} > 0.003\n",
        "slo:sli_error:ratio_rate3d{slo=\"checkout-availability\"} > 0.001\nand\n"
            + "slo:sli_error:ratio_rate6h{slo=\"checkout-availability\"} > 0.001\n");
    assertThat(alerts).extracting(a -> labels(a).get("severity") + " " + labels(a)
        .get("long_window") + "/" + labels(a).get("short_window"))
        .containsExactly("critical 1h/5m", "critical 6h/30m", "warning 1d/2h", "warning 3d/6h");
    assertThat(labels(alerts.get(0))).containsEntry("slo", "checkout-availability")
        .containsEntry("service_name", "checkout").containsEntry("span_kind", "SPAN_KIND_SERVER")
        .doesNotContainKey("span_name");
    assertThat(rules(first).get(0).get("expr")).isEqualTo("""
        (
          sum by (tenant) (rate(traces_span_metrics_calls_total{service_name="checkout",\
        span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_ERROR"}[5m]))
          or
          0 * sum by (tenant) (rate(traces_span_metrics_calls_total{service_name="checkout",\
        span_kind="SPAN_KIND_SERVER"}[5m]))
        )
        /
        sum by (tenant) (rate(traces_span_metrics_calls_total{service_name="checkout",\
        span_kind="SPAN_KIND_SERVER"}[5m]))
        """);
    assertThat(rules(groups.get(1))).extracting(r -> r.get("record") + " = " + r.get("expr"))
        .contains("slo:objective:ratio = vector(0.999)\n",
            "slo:error_budget:ratio = vector(0.001)\n",
            "slo:error_budget_remaining:ratio = 1 - slo:sli_error:ratio_rate30d"
                + "{slo=\"checkout-availability\"} / 0.001\n");
    assertThat(groups.get(1)).containsEntry("interval", "5m");
    assertThat(rules(groups.get(2)).get(0).get("expr")).isEqualTo("""
        1 - (
          sum by (tenant) (rate(traces_span_metrics_duration_milliseconds_bucket{\
        service_name="checkout",span_name="POST /pay",span_kind="SPAN_KIND_SERVER",\
        tenant="team-a",le=~"400|400[.]0"}[5m]))
          /
          sum by (tenant) (rate(traces_span_metrics_duration_milliseconds_count{\
        service_name="checkout",span_name="POST /pay",span_kind="SPAN_KIND_SERVER",\
        tenant="team-a"}[5m]))
        )
        """);
  }

  @Test
  void otherWindowsSpendTheWorkbooksSharesOfTheirBudget() throws Exception {
    List<Map<String, Object>> groups = groups(PrometheusRuleRenderer.render(objectives(),
        PrometheusRuleRenderer.Options.defaults(), "slo.yaml"));
    // 28d (672h) at 99 %: factor = share × 672h / long window; threshold = factor × 0.01.
    assertThat(thresholds(groups.get(2))).containsExactly("0.1344", "0.056", "0.028",
        "0.009333");
    // 7d (168h) at 99.5 %: 3.36, 1.4, 0.7 and 0.2333 times 0.005.
    assertThat(thresholds(groups.get(4))).containsExactly("0.0168", "0.007", "0.0035",
        "0.0011665");
    assertThat(new BurnRateAlert(true, Duration.ofHours(1), Duration.ofMinutes(5),
        new java.math.BigDecimal("0.02")).factor(Duration.ofDays(30))).isEqualByComparingTo(
        "14.4");
    assertThat(BurnRateAlert.WORKBOOK).extracting(a -> a.factor(Duration.ofDays(30))
        .toPlainString()).containsExactly("14.4", "6", "3", "1");
  }

  private static List<String> thresholds(Map<String, Object> group) {
    List<String> thresholds = new ArrayList<>();
    for (Map<String, Object> rule : rules(group)) {
      if (rule.containsKey("alert")) {
        String expr = (String) rule.get("expr");
        thresholds.add(expr.substring(expr.indexOf("> ") + 2, expr.indexOf('\n')));
      }
    }
    return thresholds;
  }

  @Test
  void everySeriesReadIsOneTheExportWritesWithMatchingLabelValues() throws Exception {
    SpanMetricsExport export = new SpanMetricsExport();
    SpanMetricsAggregator aggregator = new SpanMetricsAggregator(
        new SpanMetricsAggregator.Settings(100, Duration.ofSeconds(5), 100, 100),
        System::currentTimeMillis, export);
    long now = System.currentTimeMillis() * 1000;
    // The traffic each objective is about, with errors and durations around the thresholds.
    aggregator.record("", "checkout", "GET /cart", 2, 0, now, 150_000, 1, 1, 1.0);
    aggregator.record("", "checkout", "GET /cart", 2, 2, now, 900_000, 1, 2, 1.0);
    aggregator.record("team-a", "checkout", "POST /pay", 2, 1, now, 300_000, 1, 3, 1.0);
    aggregator.record("", "cart", "GET /items", 3, 0, now, 2_000_000, 1, 4, 1.0);
    StringBuilder scrape = new StringBuilder();
    export.write(scrape);
    List<PromQl.Series> exported = PromQl.series(scrape.toString());

    for (boolean sampled : new boolean[] {false, true}) {
      String yaml = PrometheusRuleRenderer.render(objectives(),
          new PrometheusRuleRenderer.Options("x", "y", Map.of(), sampled), "slo.yaml");
      Set<String> recorded = new HashSet<>();
      List<PromQl.Selector> read = new ArrayList<>();
      for (Map<String, Object> group : groups(yaml)) {
        for (Map<String, Object> rule : rules(group)) {
          if (rule.containsKey("record")) {
            recorded.add((String) rule.get("record"));
          }
          read.addAll(PromQl.selectors((String) rule.get("expr")));
        }
      }
      Set<String> exportedNames = new HashSet<>();
      exported.forEach(series -> exportedNames.add(series.metric()));
      int fromExport = 0;
      for (PromQl.Selector selector : read) {
        if (recorded.contains(selector.metric())) {
          continue;
        }
        fromExport++;
        assertThat(exportedNames).as("sampled=" + sampled).contains(selector.metric());
        assertThat(selector.metric().contains("_sampled_")).isEqualTo(sampled);
        assertThat(exported).as(selector.toString()).anyMatch(selector::matches);
      }
      assertThat(fromExport).isGreaterThan(30);
    }
  }

  @Test
  void theThresholdBucketMatchesPrometheus3sFloatLabelToo() throws Exception {
    String yaml = PrometheusRuleRenderer.render(objectives(),
        PrometheusRuleRenderer.Options.defaults(), "slo.yaml");
    PromQl.Selector bucket = PromQl.selectors((String) rules(groups(yaml).get(4)).get(0)
        .get("expr")).get(0);
    Map<String, String> labels = new java.util.HashMap<>(Map.of("service_name", "cart",
        "span_name", "GET /items", "span_kind", "SPAN_KIND_CLIENT", "status_code",
        "STATUS_CODE_OK"));
    for (String le : List.of("1400", "1400.0")) {
      labels.put("le", le);
      assertThat(bucket.matches(new PromQl.Series(SpanMetricsExport.DURATION + "_bucket",
          labels))).as(le).isTrue();
    }
    for (String le : List.of("140", "14000", "1400.5", "1400x0")) {
      labels.put("le", le);
      assertThat(bucket.matches(new PromQl.Series(SpanMetricsExport.DURATION + "_bucket",
          labels))).as(le).isFalse();
    }
  }

  @Test
  void theSameObjectivesGiveTheSameBytesAndOptionsAreChecked() throws Exception {
    String once = PrometheusRuleRenderer.render(objectives(),
        PrometheusRuleRenderer.Options.defaults(), "slo.yaml");
    assertThat(PrometheusRuleRenderer.render(ObjectivesFile.parse(FILE),
        PrometheusRuleRenderer.Options.defaults(), "slo.yaml")).isEqualTo(once);
    assertThat(once).startsWith("# PrometheusRule rendered by `meshtrace slo render` from "
        + "slo.yaml.\n");
    assertThat(groups(PrometheusRuleRenderer.render(List.of(),
        PrometheusRuleRenderer.Options.defaults(), "empty.yaml"))).isEmpty();
    assertThatThrownBy(() -> new PrometheusRuleRenderer.Options("Shop", "monitoring", Map.of(),
        false)).hasMessageStartingWith("name: 'Shop' is not a Kubernetes resource name");
    assertThatThrownBy(() -> new PrometheusRuleRenderer.Options("shop", "monitoring",
        Map.of("release", "a b"), false)).hasMessageStartingWith("label: 'release=a b'");
  }

  @Test
  void oddNamesAreQuotedSoThatYamlAndPromQlReadThemBack() throws Exception {
    List<Objective> odd = ObjectivesFile.parse("""
        objectives:
          - name: odd
            service: "say \\"hi\\" \\\\ there: yes"
            operation: "GET /a\\tb"
            indicator: availability
            target: 90
        """);
    String yaml = PrometheusRuleRenderer.render(odd, PrometheusRuleRenderer.Options.defaults(),
        "odd.yaml");
    Map<String, Object> record = rules(groups(yaml).get(0)).get(0);
    assertThat(labels(record)).containsEntry("service_name", "say \"hi\" \\ there: yes")
        .containsEntry("span_name", "GET /a\tb");
    PromQl.Selector selector = PromQl.selectors((String) record.get("expr")).get(0);
    assertThat(selector.matchers()).contains(new PromQl.Matcher("service_name", "=",
        "say \"hi\" \\ there: yes"), new PromQl.Matcher("span_name", "=", "GET /a\tb"));
  }
}
