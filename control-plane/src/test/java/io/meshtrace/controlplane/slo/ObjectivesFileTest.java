package io.meshtrace.controlplane.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The objectives file and the admin API's bodies: what they mean, and every refusal's words. */
class ObjectivesFileTest {
  static final String FILE = """
      objectives:
        - name: checkout-availability
          description: Checkout answers
          service: checkout
          indicator: availability
          target: 99.9
        - name: pay-latency
          service: checkout
          operation: POST /pay
          spanKind: client
          tenant: team-a
          indicator: latency
          threshold: 1.4s
          target: 99%
          window: 4w
      """;

  @Test
  void readsObjectivesWithTheirDefaults() throws Exception {
    List<Objective> objectives = ObjectivesFile.parse(FILE);

    assertThat(objectives).containsExactly(
        new Objective("checkout-availability", "Checkout answers", "checkout", null, 2, null,
            Indicator.AVAILABILITY, null, new BigDecimal("99.9"), Duration.ofDays(30)),
        new Objective("pay-latency", null, "checkout", "POST /pay", 3, "team-a",
            Indicator.LATENCY, new BigDecimal("1400"), new BigDecimal("99"),
            Duration.ofDays(28)));
    assertThat(objectives.get(0).errorBudget()).isEqualByComparingTo("0.001");
    assertThat(objectives.get(1).thresholdMicros()).isEqualTo(1_400_000);
  }

  @Test
  void writtenAsJsonItReadsBackTheSame() throws Exception {
    List<Objective> objectives = ObjectivesFile.parse(FILE);
    String json = ObjectiveJson.document(objectives).encode();

    assertThat(ObjectivesFile.parse(json)).isEqualTo(objectives);
    assertThat(ObjectiveJson.objective(objectives.get(1))).isEqualTo(new JsonObject("""
        {"name": "pay-latency", "service": "checkout", "operation": "POST /pay",
         "spanKind": "client", "tenant": "team-a", "indicator": "latency", "threshold": "1.4s",
         "target": 99, "window": "28d"}"""));
  }

  @Test
  void everyProblemIsNamedWithItsFieldLineAndColumn() {
    String broken = """
        objectives:
          - name: a
            service: checkout
            indicator: latency
            threshold: 300ms
            target: 100
          - name: a
            service: cart
            indicator: availability
            target: 99.5
            window: 2d
          - service: ""
            indicator: throughput
            target: abc
            spanKind: SERVER
            window: 30days
            tenant: "team a"
            labels: {team: x}
          - name: b
            service: cart
            indicator: availability
            threshold: 100ms
            target: 99
            window: 90m
        """;

    assertThatThrownBy(() -> ObjectivesFile.parse(broken))
        .isInstanceOfSatisfying(InvalidObjectivesException.class, e -> assertThat(e.problems())
            .containsExactly(
                "objectives[0].threshold: 300ms is not a bucket bound of the exported histogram"
                    + " traces_span_metrics_duration_milliseconds, so the PrometheusRule could "
                    + "not count the calls under it exactly; use one of 2ms, 4ms, 6ms, 8ms, "
                    + "10ms, 50ms, 100ms, 200ms, 400ms, 800ms, 1s, 1.4s, 2s, 5s, 10s, 15s "
                    + "(line 5, column 16)",
                "objectives[0].target: 100 is not a percentage above 0 and below 100 (100 would"
                    + " leave no error budget to burn) (line 6, column 13)",
                "objectives[1].window: 2d is too short: it must be longer than 3d, the longest "
                    + "burn-rate alert window (line 11, column 13)",
                "objectives[2].labels: unknown field; expected description, indicator, name, "
                    + "operation, service, spanKind, target, tenant, threshold, window "
                    + "(line 18, column 5)",
                "objectives[2].name: missing; every objective needs a unique name (line 12, "
                    + "column 5)",
                "objectives[2].service: empty (line 12, column 14)",
                "objectives[2].spanKind: unknown span kind 'SERVER'; expected one of "
                    + "unspecified, internal, server, client, producer, consumer (line 15, "
                    + "column 15)",
                "objectives[2].tenant: 'team a' is not a tenant: use 1 to 64 letters, digits, "
                    + "'-', '_' or '.' (line 17, column 13)",
                "objectives[2].indicator: unknown indicator 'throughput'; expected availability"
                    + " (calls without an error status) or latency (calls of threshold or less)"
                    + " (line 13, column 16)",
                "objectives[2].target: 'abc' is not a number; expected a percentage such as "
                    + "99.9 (line 14, column 13)",
                "objectives[2].window: '30days' is not a duration; expected whole weeks, days, "
                    + "hours or minutes such as 30d, 4w, 1d12h or 720h (line 16, column 13)",
                "objectives[3].threshold: only latency objectives have a threshold (line 22, "
                    + "column 16)",
                "objectives[3].window: 90m is not a whole number of hours (the window is read "
                    + "from hourly rollups) (line 24, column 13)"));
  }

  @Test
  void aNameListedTwiceAndBrokenYamlAndOtherShapes() {
    assertThatThrownBy(() -> ObjectivesFile.parse("""
        objectives:
          - {name: a, service: s, indicator: availability, target: 99}
          - {name: a, service: t, indicator: availability, target: 99}
        """)).hasMessage("objectives[1].name: 'a' is listed twice (also objectives[0]) "
        + "(line 3, column 12)");
    assertThatThrownBy(() -> ObjectivesFile.parse("objectives:\n  - name: [a\n"))
        .hasMessageStartingWith("not valid YAML: ").hasMessageContaining("(line ");
    assertThatThrownBy(() -> ObjectivesFile.parse("")).hasMessage("the file is empty; "
        + "expected objectives: [{name, service, indicator, target, ...}]");
    assertThatThrownBy(() -> ObjectivesFile.parse("slos: []\n")).hasMessage("slos: unknown "
        + "field; expected objectives (line 1, column 1); objectives: missing; expected a list "
        + "of objectives (line 1, column 1)");
    assertThatThrownBy(() -> ObjectivesFile.parse("objectives: {name: a}\n")).hasMessage(
        "objectives: expected a list, found a mapping (line 1, column 13)");
    assertThatThrownBy(() -> ObjectivesFile.parse("objectives:\n  - name: a\n    name: b\n"
        + "    service: s\n    indicator: availability\n    target: 9\n")).hasMessage(
        "objectives[0].name: given twice (line 3, column 5)");
    assertThatThrownBy(() -> ObjectivesFile.parse(new byte[] {'a', ':', ' ', (byte) 0xff}))
        .hasMessage("not UTF-8 text");
    assertThatThrownBy(() -> ObjectivesFile.parse("objectives:\n  - name: x y\n    service: s\n"
        + "    indicator: availability\n    target: 9\n")).hasMessage("objectives[0].name: "
        + "'x y' is not a name: use 1 to 63 letters, digits, '-', '_' or '.', starting and "
        + "ending with a letter or digit (line 2, column 11)");
  }

  @Test
  void anApiBodyNamesItsFieldsAsTheBodyDoes() throws Exception {
    Objective objective = ObjectivesFile.parseOne("""
        {"service": "cart", "indicator": "latency", "threshold": "400ms", "target": 99.5}""",
        "cart-latency");
    assertThat(objective.name()).isEqualTo("cart-latency");
    assertThat(objective.window()).isEqualTo(Duration.ofDays(30));

    assertThatThrownBy(() -> ObjectivesFile.parseOne("""
        {"name": "other", "service": "cart",
         "indicator": "latency", "target": 99.5}""", "cart-latency"))
        .isInstanceOfSatisfying(InvalidObjectivesException.class, e -> assertThat(e.problems())
            .containsExactly(
                "name: the body names 'other' but the path names 'cart-latency' (line 1, "
                    + "column 10)",
                "threshold: missing; a latency objective needs the longest duration a good "
                    + "call may take, one of 2ms, 4ms, 6ms, 8ms, 10ms, 50ms, 100ms, 200ms, "
                    + "400ms, 800ms, 1s, 1.4s, 2s, 5s, 10s, 15s (line 2, column 15)"));
    assertThatThrownBy(() -> ObjectivesFile.parseOne("[1]", "x")).hasMessage("the body: "
        + "expected a mapping of description, indicator, name, operation, service, spanKind, "
        + "target, tenant, threshold, window, found a list (line 1, column 1)");
  }

  @Test
  void windowsAreWrittenAsPrometheusWritesThem() {
    assertThat(PrometheusDuration.parse("4w")).isEqualTo(Duration.ofDays(28));
    assertThat(PrometheusDuration.parse("1d12h")).isEqualTo(Duration.ofHours(36));
    assertThat(PrometheusDuration.format(Duration.ofHours(36))).isEqualTo("36h");
    assertThat(PrometheusDuration.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(PrometheusDuration.format(Duration.ofDays(3))).isEqualTo("3d");
    assertThatThrownBy(() -> PrometheusDuration.parse("12h1d")).hasMessage("'12h1d' repeats a "
        + "unit or has them out of order; write the largest first, such as 1d12h");
  }
}
