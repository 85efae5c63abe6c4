package io.meshtrace.controlplane.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.controlplane.sampling.SamplingStrategiesDocument;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Strategies in Jaeger's format rendered as Istio Telemetry resources. */
class IstioTelemetryRendererTest {
  /** Every case the mapping distinguishes: default, service, service.namespace, operations,
   *  rate limits, an entry without a type, a probability finer than Envoy's steps, a name that is
   *  not a workload. */
  static final String STRATEGIES = """
      {
        "default_strategy": {
          "type": "probabilistic", "param": 0.01,
          "operation_strategies": [
            {"operation": "/healthz", "type": "probabilistic", "param": 0}
          ]
        },
        "service_strategies": [
          {"service": "reviews.bookinfo", "type": "probabilistic", "param": 0.25,
           "operation_strategies": [
             {"operation": "GET /reviews/{id}", "type": "probabilistic", "param": 1},
             {"operation": "POST /reviews", "type": "ratelimiting", "param": 5}
           ]},
          {"service": "checkout", "type": "probabilistic", "param": 0.5},
          {"service": "istio-ingressgateway.istio-system", "type": "ratelimiting", "param": 100},
          {"service": "ratings.bookinfo"},
          {"service": "details.bookinfo", "type": "probabilistic", "param": 0.00001},
          {"service": "frontend.Prod", "type": "probabilistic", "param": 0.1}
        ]
      }
      """;

  @Test
  void rendersOneResourcePerWorkloadAndSaysWhatTelemetryCannotExpress() throws Exception {
    IstioTelemetryRenderer.Rendered rendered = render(STRATEGIES,
        IstioTelemetryRenderer.Options.defaults());

    assertThat(rendered.yaml()).isEqualTo("""
        # Istio Telemetry resources rendered by `meshtrace istio render` from strategies.json.
        # Change the strategies and render again rather than editing these.
        # randomSamplingPercentage applies to the traces a workload starts: a request that
        # arrives with a sampling decision (x-b3-sampled, traceparent) keeps it.
        # A service "<app>.<namespace>" is the workload labelled app: <app> in <namespace>, as Istio names
        # it in spans; a service without a dot is in namespace default. Provider: meshtrace-zipkin.
        # Not rendered:
        # - service_strategies[2] "istio-ingressgateway.istio-system": ratelimiting 100 traces/s has no Telemetry equivalent (a percentage, not a rate); its workloads keep the percentage of their namespace or the mesh (--rate-limit-as-percentage renders one).
        # - service_strategies[5] "frontend.Prod": "Prod" after the last dot is not a namespace name.
        ---
        # From default_strategy: probabilistic 0.01.
        # Not applied: operation "/healthz" (probabilistic 0); Telemetry has one percentage per workload.
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata:
          name: mesh-default
          namespace: istio-system
          labels:
            app.kubernetes.io/managed-by: meshtrace
        spec:
          tracing:
          - providers:
            - name: meshtrace-zipkin
            randomSamplingPercentage: 1
        ---
        # From service_strategies[4] "details.bookinfo": probabilistic 0.00001.
        # probability 0.00001 is 0.001%, but Envoy samples in steps of 0.01%: rendered as 0.01%.
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata:
          name: meshtrace-sampling-details
          namespace: bookinfo
          labels:
            app.kubernetes.io/managed-by: meshtrace
        spec:
          selector:
            matchLabels:
              app: details
          tracing:
          - providers:
            - name: meshtrace-zipkin
            randomSamplingPercentage: 0.01
        ---
        # From service_strategies[3] "ratings.bookinfo": no type, so the default sampling probability 0.001.
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata:
          name: meshtrace-sampling-ratings
          namespace: bookinfo
          labels:
            app.kubernetes.io/managed-by: meshtrace
        spec:
          selector:
            matchLabels:
              app: ratings
          tracing:
          - providers:
            - name: meshtrace-zipkin
            randomSamplingPercentage: 0.1
        ---
        # From service_strategies[0] "reviews.bookinfo": probabilistic 0.25.
        # Not applied: operation "GET /reviews/{id}" (probabilistic 1); Telemetry has one percentage per workload.
        # Not applied: operation "POST /reviews" (ratelimiting 5 traces/s); Telemetry has one percentage per workload.
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata:
          name: meshtrace-sampling-reviews
          namespace: bookinfo
          labels:
            app.kubernetes.io/managed-by: meshtrace
        spec:
          selector:
            matchLabels:
              app: reviews
          tracing:
          - providers:
            - name: meshtrace-zipkin
            randomSamplingPercentage: 25
        ---
        # From service_strategies[1] "checkout": probabilistic 0.5.
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata:
          name: meshtrace-sampling-checkout
          namespace: default
          labels:
            app.kubernetes.io/managed-by: meshtrace
        spec:
          selector:
            matchLabels:
              app: checkout
          tracing:
          - providers:
            - name: meshtrace-zipkin
            randomSamplingPercentage: 50
        """);
    assertThat(rendered.warnings()).containsExactly(
        "default_strategy.operation_strategies[0]: operation \"/healthz\" (probabilistic 0) not rendered: Telemetry has one percentage per workload, so the operation gets its workload's",
        "service_strategies[0].operation_strategies[0]: operation \"GET /reviews/{id}\" (probabilistic 1) not rendered: Telemetry has one percentage per workload, so the operation gets its workload's",
        "service_strategies[0].operation_strategies[1]: operation \"POST /reviews\" (ratelimiting 5 traces/s) not rendered: Telemetry has one percentage per workload, so the operation gets its workload's",
        "service_strategies[2] \"istio-ingressgateway.istio-system\": not rendered: ratelimiting 100 traces/s has no Telemetry equivalent (a percentage, not a rate); its workloads keep the percentage of their namespace or the mesh (--rate-limit-as-percentage renders one)",
        "service_strategies[4] \"details.bookinfo\": probability 0.00001 is 0.001%, but Envoy samples in steps of 0.01%: rendered as 0.01%",
        "service_strategies[5] \"frontend.Prod\": not rendered: \"Prod\" after the last dot is not a namespace name");
    assertThat(rendered.notRendered()).hasSize(2);
    assertReadsBackAsTelemetry(rendered);
  }

  @Test
  void theOptionsChooseProviderNamespacesLabelAndARateLimitFallback() throws Exception {
    IstioTelemetryRenderer.Rendered rendered = render("""
        {"service_strategies": [
          {"service": "edge", "type": "ratelimiting", "param": 50},
          {"service": "cart.shop", "type": "probabilistic", "param": 0.123456},
          {"service": "Pay_Svc", "type": "probabilistic", "param": 1},
          {"service": "search.shop", "type": "probabilistic", "param": 0.0029}
        ]}""", new IstioTelemetryRenderer.Options("meshtrace-otel", "shop", "istio-config",
            "app.kubernetes.io/name", 0.05, new BigDecimal("12.5")));

    assertThat(rendered.resources()).extracting(r -> r.namespace() + "/" + r.name() + " "
            + r.matchLabels() + " " + r.provider() + " " + r.percentage().toPlainString())
        .containsExactly(
            // No default_strategy: every other service is served the default probability.
            "istio-config/mesh-default {} meshtrace-otel 5",
            "shop/meshtrace-sampling-cart {app.kubernetes.io/name=cart} meshtrace-otel 12.35",
            "shop/meshtrace-sampling-edge {app.kubernetes.io/name=edge} meshtrace-otel 12.5",
            "shop/meshtrace-sampling-pay-svc {app.kubernetes.io/name=Pay_Svc} meshtrace-otel 100",
            "shop/meshtrace-sampling-search {app.kubernetes.io/name=search} meshtrace-otel 0.291");
    assertThat(rendered.yaml())
        .contains("""
            # No default_strategy: every service without a strategy of its own is served the default
            # sampling probability 0.05 (--sampling-default-probability).
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata:
              name: mesh-default
              namespace: istio-config
            """)
        .contains("""
            # From service_strategies[0] "edge": ratelimiting 50 traces/s.
            # ratelimiting 50 traces/s cannot be a Telemetry percentage: rendered as 12.5% (--rate-limit-as-percentage).
            """)
        .contains("# probability 0.123456 is 12.3456%, but Envoy samples in steps of 0.01%: "
            + "rendered as 12.35%.\n")
        .contains("""
            # From service_strategies[3] "search.shop": probabilistic 0.0029.
            # Written 0.291 for 0.29%: Envoy truncates 10000 * (percentage / 100) computed in floating point, which for 0.29 gives one step less.
            """);
    assertThat(rendered.warnings()).containsExactly(
        "service_strategies[0] \"edge\": ratelimiting 50 traces/s rendered as 12.5% "
            + "(--rate-limit-as-percentage): Telemetry has no rate limit",
        "service_strategies[1] \"cart.shop\": probability 0.123456 is 12.3456%, but Envoy "
            + "samples in steps of 0.01%: rendered as 12.35%");
    assertReadsBackAsTelemetry(rendered);
  }

  @Test
  void everyStepOfTenThousandIsWrittenSoThatEnvoyAppliesIt() {
    int nudged = 0;
    for (int steps = 0; steps <= 10_000; steps++) {
      IstioTelemetryRenderer.Percentage percentage =
          IstioTelemetryRenderer.percentage(steps / 10_000.0);
      assertThat(percentage.applied()).isEqualByComparingTo(BigDecimal.valueOf(steps, 2));
      assertThat(percentage.rounded()).isFalse();
      // Envoy's own arithmetic on what is written gives the step meant.
      assertThat(IstioTelemetryRenderer.envoySteps(percentage.written().doubleValue()))
          .as("%s%%", percentage.written()).isEqualTo(steps);
      if (percentage.written().compareTo(percentage.applied()) != 0) {
        assertThat(percentage.written().subtract(percentage.applied()))
            .isEqualByComparingTo("0.001");
        nudged++;
      }
    }
    // As written, 0.03 and 0.29 would lose a step in Envoy: 0.03 / 100 * 10000 = 2.9999...
    assertThat(IstioTelemetryRenderer.envoySteps(0.03)).isEqualTo(2);
    assertThat(IstioTelemetryRenderer.percentage(0.0003).written()).isEqualByComparingTo("0.031");
    assertThat(nudged).isEqualTo(1271);
    // Finer than a step: to the nearest step, never to 0.
    assertThat(IstioTelemetryRenderer.percentage(0.000049).applied()).isEqualByComparingTo("0.01");
    assertThat(IstioTelemetryRenderer.percentage(0.000149).applied()).isEqualByComparingTo("0.01");
    assertThat(IstioTelemetryRenderer.percentage(0.000151).applied()).isEqualByComparingTo("0.02");
    assertThat(IstioTelemetryRenderer.percentage(0.000151).rounded()).isTrue();
    assertThat(IstioTelemetryRenderer.percentage(0).applied()).isEqualByComparingTo("0");
  }

  @Test
  void aRateLimitingDefaultWithoutFallbackLeavesTheMeshDefaultAlone() throws Exception {
    IstioTelemetryRenderer.Rendered rendered = render("""
        {"default_strategy": {"type": "ratelimiting", "param": 2}}""",
        IstioTelemetryRenderer.Options.defaults());
    assertThat(rendered.resources()).isEmpty();
    assertThat(rendered.notRendered()).containsExactly("default_strategy: ratelimiting 2 "
        + "traces/s has no Telemetry equivalent (a percentage, not a rate); the mesh-wide "
        + "Telemetry already applied stays as it is (without one, Istio samples 1%) "
        + "(--rate-limit-as-percentage renders one).");
    assertThat(rendered.warnings()).hasSize(1);
    assertThat(rendered.yaml()).doesNotContain("---").contains("# Not rendered:\n# - default_strategy");
  }

  @Test
  void twoStrategiesForTheSameWorkloadAreRefusedNamingBoth() throws Exception {
    SamplingStrategiesDocument document = SamplingStrategiesJson.parse("""
        {"service_strategies": [
          {"service": "reviews.bookinfo", "type": "probabilistic", "param": 0.1},
          {"service": "reviews", "type": "probabilistic", "param": 0.2}
        ]}""").document();
    assertThatThrownBy(() -> IstioTelemetryRenderer.render(document,
        new IstioTelemetryRenderer.Options("meshtrace-zipkin", "bookinfo", "istio-system", "app",
            0.001, null), "s.json"))
        .isInstanceOf(IstioRenderException.class)
        .hasMessage("service_strategies[1] \"reviews\" and service_strategies[0] "
            + "\"reviews.bookinfo\" both render as Telemetry bookinfo/meshtrace-sampling-reviews; "
            + "give one of them its namespace (\"<app>.<namespace>\") or remove one");
  }

  @Test
  void invalidOptionsAreNamed() {
    assertThatThrownBy(() -> new IstioTelemetryRenderer.Options("p", "Default", "istio-system",
        "app", 0.1, null)).hasMessageStartingWith("namespace 'Default' is not a Kubernetes namespace");
    assertThatThrownBy(() -> new IstioTelemetryRenderer.Options("p", "default", "istio_system",
        "app", 0.1, null)).hasMessageStartingWith("root-namespace 'istio_system'");
    assertThatThrownBy(() -> new IstioTelemetryRenderer.Options(" ", "default", "istio-system",
        "app", 0.1, null)).hasMessageStartingWith("provider must be");
    assertThatThrownBy(() -> new IstioTelemetryRenderer.Options("p", "default", "istio-system",
        "app label", 0.1, null)).hasMessage("app-label 'app label' is not a Kubernetes label key");
    assertThatThrownBy(() -> new IstioTelemetryRenderer.Options("p", "default", "istio-system",
        "app", 1.5, null)).hasMessage("sampling-default-probability 1.5 is outside [0,1]");
    assertThatThrownBy(() -> new IstioTelemetryRenderer.Options("p", "default", "istio-system",
        "app", 0.1, new BigDecimal("101"))).hasMessage("rate-limit-as-percentage 101 is outside [0,100]");
  }

  @Test
  void namesThatYamlWouldReadAsSomethingElseAreQuoted() {
    assertThat(TelemetryYaml.scalar("reviews")).isEqualTo("reviews");
    assertThat(TelemetryYaml.scalar("on")).isEqualTo("\"on\"");
    assertThat(TelemetryYaml.scalar("2048")).isEqualTo("\"2048\"");
    assertThat(TelemetryYaml.scalar("a: b")).isEqualTo("\"a: b\"");
    assertThat(IstioTelemetryRenderer.quote("x\ny\"")).isEqualTo("\"x\\u000ay\\\"\"");
  }

  private static IstioTelemetryRenderer.Rendered render(String json,
      IstioTelemetryRenderer.Options options) throws Exception {
    return IstioTelemetryRenderer.render(SamplingStrategiesJson.parse(json).document(), options,
        "strategies.json");
  }

  /** The text is YAML that says what the resources say, in their order. */
  @SuppressWarnings("unchecked")
  private static void assertReadsBackAsTelemetry(IstioTelemetryRenderer.Rendered rendered) {
    List<Object> documents = new ArrayList<>();
    new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(rendered.yaml())
        .forEach(documents::add);
    assertThat(documents).hasSameSizeAs(rendered.resources());
    for (int i = 0; i < documents.size(); i++) {
      TelemetryResource resource = rendered.resources().get(i);
      Map<String, Object> document = (Map<String, Object>) documents.get(i);
      assertThat(document).containsEntry("apiVersion", "telemetry.istio.io/v1")
          .containsEntry("kind", "Telemetry");
      Map<String, Object> metadata = (Map<String, Object>) document.get("metadata");
      assertThat(metadata).containsEntry("name", resource.name())
          .containsEntry("namespace", resource.namespace())
          .containsEntry("labels", Map.of("app.kubernetes.io/managed-by", "meshtrace"));
      Map<String, Object> spec = (Map<String, Object>) document.get("spec");
      if (resource.matchLabels().isEmpty()) {
        assertThat(spec).doesNotContainKey("selector");
      } else {
        assertThat(spec.get("selector")).isEqualTo(Map.of("matchLabels", resource.matchLabels()));
      }
      List<Map<String, Object>> tracing = (List<Map<String, Object>>) spec.get("tracing");
      assertThat(tracing).hasSize(1);
      assertThat(tracing.get(0).get("providers"))
          .isEqualTo(List.of(Map.of("name", resource.provider())));
      Number percentage = (Number) tracing.get(0).get("randomSamplingPercentage");
      assertThat(new BigDecimal(percentage.toString())).isEqualByComparingTo(resource.percentage())
          .isBetween(BigDecimal.ZERO, BigDecimal.valueOf(100));
    }
  }
}
