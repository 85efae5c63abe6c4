package io.meshtrace.examples.generator;

import static io.meshtrace.examples.generator.TraceGeneratorTest.assertWellFormed;
import static io.meshtrace.examples.generator.TraceGeneratorTest.deepest;
import static io.meshtrace.examples.generator.TraceGeneratorTest.traces;
import static io.meshtrace.examples.generator.TraceGeneratorTest.widest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.examples.generator.WorkloadOptions.Instrumentation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The options beyond services, depth and fan-out: spans per trace, who reports, outlier delay. */
class WorkloadShapeTest {
  private static final Set<String> STORES = Set.of("postgres", "redis", "kafka");
  /** The tags Istio's Envoy puts on every span it reports. */
  private static final List<String> ENVOY_TAGS = List.of("component", "node_id", "zone",
      "guid:x-request-id", "http.url", "http.method", "http.protocol", "downstream_cluster",
      "user_agent", "request_size", "response_size", "http.status_code", "response_flags",
      "upstream_cluster", "upstream_cluster.name", "istio.canonical_service",
      "istio.canonical_revision", "istio.mesh_id", "istio.namespace", "peer.address");

  private static boolean store(GeneratedSpan span) {
    return span.remoteService() != null && STORES.contains(span.remoteService());
  }

  @Test
  void theDefaultWorkloadIsWhatMeshtraceGenHasAlwaysSent() {
    assertThat(WorkloadOptions.defaults(1)).isEqualTo(new WorkloadOptions(8, 4, 3, 0.05, 0.02, 1,
        0, Instrumentation.SIDECARS_AND_SDKS, 0));
    List<GeneratedTrace> traces = traces(WorkloadOptions.defaults(1), 5);
    assertThat(traces).extracting(GeneratedTrace::traceId).containsExactly(
        "16ff82415c55a9e2b0b398f9118da376", "ae3667ba1007feeb74181daf13c3ae43",
        "f65e6f087a3076da97b030142443bf28", "6f066592194f27d3194f2e99b885fecf",
        "a84ae14d6d8f99b520b2789b30b105aa");
    assertThat(traces).extracting(t -> t.spans().size()).containsExactly(13, 24, 30, 9, 34);
    assertThat(traces).extracting(t -> t.root().durationMicros())
        .containsExactly(53_170L, 83_442L, 80_801L, 25_059L, 93_702L);
    assertThat(traces.get(0).root().name()).isEqualTo("shop.example.com/products");
  }

  @Test
  void everyTraceHasExactlyTheSpansPerTraceInEveryShape() {
    int[][] shapes = {{8, 4, 3}, {4, 4, 3}, {14, 4, 2}, {2, 2, 1}, {3, 3, 1}, {30, 6, 5}};
    for (int[] shape : shapes) {
      for (int spans : new int[] {3, 4, 5, 10, 17, 64}) {
        for (Instrumentation reporting : Instrumentation.values()) {
          WorkloadOptions options = new WorkloadOptions(shape[0], shape[1], shape[2], 0.3, 0.3,
              17, spans, reporting, 0);
          for (GeneratedTrace trace : traces(options, 150)) {
            assertThat(trace.spans()).as("%s", options).hasSize(spans);
            assertWellFormed(trace);
            assertThat(deepest(trace)).as("%s", options).isLessThanOrEqualTo(shape[1]);
            // only repeated store calls may go beyond the fan-out
            assertThat(widest(trace, span -> !store(span))).as("%s", options)
                .isLessThanOrEqualTo(shape[2]);
          }
        }
      }
    }
  }

  @Test
  void aShortTraceKeepsItsCallsAndRepeatsStoreCallsALongOneIsCut() {
    WorkloadOptions natural = new WorkloadOptions(4, 4, 3, 0, 0, 5);
    List<GeneratedTrace> made = traces(natural, 200);
    assertThat(made).allMatch(t -> t.spans().size() <= 10);
    List<GeneratedTrace> filled = traces(natural.withSpansPerTrace(25), 200);
    for (int i = 0; i < made.size(); i++) {
      assertThat(hops(filled.get(i))).isEqualTo(hops(made.get(i)));
      assertThat(filled.get(i).spans()).filteredOn(s -> !s.instrumentation().equals("envoy"))
          .hasSize(25 - hops(made.get(i)).size()).allMatch(WorkloadShapeTest::store);
    }
    // four services in a chain, four spans: the gateway's two, the frontend's and one call of
    // the frontend's to its database
    for (GeneratedTrace trace : traces(natural.withSpansPerTrace(4), 200)) {
      assertThat(trace.spans()).extracting(GeneratedSpan::service)
          .containsExactly("edge-gateway", "edge-gateway", "frontend", "frontend");
      assertThat(store(trace.spans().get(3))).isTrue();
    }
  }

  /** The spans of the calls between services, by span ID and name. */
  private static Set<String> hops(GeneratedTrace trace) {
    return trace.spans().stream().filter(s -> !store(s)).map(s -> s.spanId() + " " + s.name())
        .collect(Collectors.toSet());
  }

  @Test
  void withSidecarsOnlyEverySpanIsAnEnvoySpanWithEnvoysTags() {
    WorkloadOptions sdks = new WorkloadOptions(8, 4, 3, 0.3, 0.1, 5);
    List<GeneratedTrace> both = traces(sdks, 500);
    List<GeneratedTrace> sidecars = traces(
        sdks.withInstrumentation(Instrumentation.SIDECARS_ONLY), 500);
    boolean failedStore = false;
    for (int i = 0; i < both.size(); i++) {
      // the same trace, reported by other hands
      assertThat(sidecars.get(i).spans()).extracting(GeneratedSpan::spanId, GeneratedSpan::parentId,
          GeneratedSpan::startMicros, GeneratedSpan::durationMicros, GeneratedSpan::error)
          .isEqualTo(both.get(i).spans().stream().map(s -> org.assertj.core.groups.Tuple.tuple(
              s.spanId(), s.parentId(), s.startMicros(), s.durationMicros(), s.error())).toList());
      for (GeneratedSpan span : sidecars.get(i).spans()) {
        assertThat(span.instrumentation()).isEqualTo("envoy");
        assertThat(span.kind()).isNotEqualTo(GeneratedSpan.Kind.PRODUCER);
        assertThat(span.tags()).containsKeys(ENVOY_TAGS.toArray(String[]::new))
            .containsEntry("guid:x-request-id",
                sidecars.get(i).root().tags().get("guid:x-request-id"));
        assertThat(span.tags().keySet()).noneMatch(key -> key.startsWith("db.")
            || key.startsWith("messaging.") || key.startsWith("exception."));
        if (store(span)) {
          Topology.Backend backend = Topology.Backend.valueOf(
              span.remoteService().toUpperCase(java.util.Locale.ROOT));
          assertThat(span.kind()).isEqualTo(GeneratedSpan.Kind.CLIENT);
          assertThat(span.name()).isEqualTo(backend.host() + ":" + backend.port());
          assertThat(span.tags()).containsEntry("upstream_cluster",
              "outbound|" + backend.port() + "||" + backend.host())
              .containsEntry("peer.address", backend.ip())
              .containsEntry("http.status_code", span.error() ? "500" : "200");
          failedStore |= span.error();
        }
      }
    }
    assertThat(failedStore).isTrue();
    assertThat(sidecars).flatExtracting(GeneratedTrace::spans)
        .anyMatch(s -> s.name().equals("postgres.shop.svc.cluster.local:5432"))
        .anyMatch(s -> s.name().equals("redis.shop.svc.cluster.local:6379"))
        .anyMatch(s -> s.name().equals("kafka.shop.svc.cluster.local:9092"));
  }

  @Test
  void anOutlierDelayHoldsAnOutlierSpanUpByOneToThreeTimesIt() {
    WorkloadOptions options = new WorkloadOptions(14, 4, 2, 0, 1, 8)
        .withOutlierDelayMicros(1_000_000);
    for (GeneratedTrace trace : traces(options, 300)) {
      assertThat(trace.outlier()).isTrue();
      assertThat(trace.root().durationMicros()).isBetween(1_000_000L, 3_200_000L);
      assertThat(trace.note()).containsPattern("took \\d{4} ms longer than usual");
    }
    List<GeneratedTrace> mixed = traces(new WorkloadOptions(14, 4, 2, 0, 0.1, 8)
        .withOutlierDelayMicros(1_000_000), 2000);
    assertThat(mixed).filteredOn(t -> t.root().durationMicros() >= 1_000_000)
        .containsExactlyElementsOf(mixed.stream().filter(GeneratedTrace::outlier).toList());
  }

  @Test
  void theTopologysOperationsNameEveryServerSpan() {
    for (WorkloadOptions options : List.of(WorkloadOptions.defaults(1),
        new WorkloadOptions(14, 4, 2, 0.02, 0.01, 1))) {
      TraceGenerator generator = new TraceGenerator(options);
      Set<String> operations = generator.topology().operations().stream()
          .map(o -> o.service().name() + " " + o.spanName()).collect(Collectors.toSet());
      assertThat(operations).hasSameSizeAs(generator.topology().operations());
      Set<String> seen = new HashSet<>();
      for (GeneratedTrace trace : traces(options, 2000)) {
        trace.spans().stream().filter(s -> s.kind() == GeneratedSpan.Kind.SERVER)
            .forEach(s -> seen.add(s.service() + " " + s.name()));
      }
      assertThat(seen).isEqualTo(operations);
    }
  }

  @Test
  void shapeOptionsOutOfRangeAreRefusedNamingThem() {
    assertThatThrownBy(() -> WorkloadOptions.defaults(1).withSpansPerTrace(2))
        .isInstanceOfSatisfying(InvalidOptionException.class,
            e -> assertThat(e.option()).isEqualTo("spans-per-trace"))
        .hasMessageContaining("is 2 but must be between 3 and 10000");
    assertThatThrownBy(() -> new WorkloadOptions(1, 4, 3, 0, 0, 1).withSpansPerTrace(10))
        .isInstanceOfSatisfying(InvalidOptionException.class,
            e -> assertThat(e.option()).isEqualTo("spans-per-trace"))
        .hasMessageContaining("makes traces of one span only");
    assertThatThrownBy(() -> WorkloadOptions.defaults(1).withOutlierDelayMicros(-1))
        .isInstanceOfSatisfying(InvalidOptionException.class,
            e -> assertThat(e.option()).isEqualTo("outlier-delay"));
  }
}
