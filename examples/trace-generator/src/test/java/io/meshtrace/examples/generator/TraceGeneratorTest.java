package io.meshtrace.examples.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraceGeneratorTest {
  static final long START = 1_780_000_000_000_000L; // µs

  static List<GeneratedTrace> traces(WorkloadOptions options, int count) {
    TraceGenerator generator = new TraceGenerator(options);
    List<GeneratedTrace> traces = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      traces.add(generator.trace(i, START + i * 100_000L));
    }
    return traces;
  }

  @Test
  void theSameSeedGivesTheSameTracesAndAnotherSeedOthers() {
    List<GeneratedTrace> first = traces(WorkloadOptions.defaults(1), 200);
    List<GeneratedTrace> again = traces(WorkloadOptions.defaults(1), 200);
    assertThat(again).isEqualTo(first);
    // a trace does not depend on which were made before it
    assertThat(new TraceGenerator(WorkloadOptions.defaults(1)).trace(150, START + 15_000_000L))
        .isEqualTo(first.get(150));
    List<GeneratedTrace> other = traces(WorkloadOptions.defaults(2), 200);
    Set<String> firstIds = new HashSet<>(first.stream().map(GeneratedTrace::traceId).toList());
    assertThat(other).noneMatch(t -> firstIds.contains(t.traceId()));
    assertThat(other.stream().map(t -> t.spans().size()).toList())
        .isNotEqualTo(first.stream().map(t -> t.spans().size()).toList());
  }

  @Test
  void idsAreUniqueAndEveryParentIsInTheTrace() {
    List<GeneratedTrace> traces = traces(new WorkloadOptions(12, 5, 4, 0.1, 0.1, 7), 2000);
    Set<String> traceIds = new HashSet<>();
    for (GeneratedTrace trace : traces) {
      assertThat(traceIds.add(trace.traceId())).isTrue();
      assertWellFormed(trace);
    }
  }

  /**
   * Valid IDs, unique in the trace; one root, first; every parent in the trace, before its
   * children, which lie within it; every server span below its caller's client span.
   */
  static void assertWellFormed(GeneratedTrace trace) {
    assertThat(trace.traceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
    Map<String, GeneratedSpan> byId = new HashMap<>();
    for (GeneratedSpan span : trace.spans()) {
      assertThat(span.traceId()).isEqualTo(trace.traceId());
      assertThat(span.spanId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
      assertThat(byId.put(span.spanId(), span)).as("span IDs unique in %s", trace.traceId())
          .isNull();
      assertThat(span.durationMicros()).isPositive();
      GeneratedSpan parent = byId.get(span.parentId());
      assertThat(parent == null).as("parent of %s in the trace before it", span.name())
          .isEqualTo(span.parentId() == null);
      if (parent != null) {
        assertThat(span.startMicros()).isGreaterThanOrEqualTo(parent.startMicros());
        assertThat(span.endMicros()).isLessThanOrEqualTo(parent.endMicros());
        if (span.kind() == GeneratedSpan.Kind.SERVER) {
          assertThat(parent.kind()).isEqualTo(GeneratedSpan.Kind.CLIENT);
          assertThat(parent.remoteService()).isEqualTo(span.service());
        }
      }
    }
    assertThat(trace.spans()).filteredOn(s -> s.parentId() == null).containsExactly(
        trace.root());
  }

  @Test
  void depthAndFanOutStayWithinTheirBounds() {
    int[][] shapes = {{8, 4, 3}, {14, 3, 2}, {30, 6, 5}, {5, 2, 1}, {3, 1, 3}, {40, 10, 2}};
    for (int[] shape : shapes) {
      WorkloadOptions options = new WorkloadOptions(shape[0], shape[1], shape[2], 0.1, 0.1, 3);
      int deepest = 0;
      int widest = 0;
      for (GeneratedTrace trace : traces(options, 300)) {
        widest = Math.max(widest, widest(trace, span -> true));
        deepest = Math.max(deepest, deepest(trace));
      }
      assertThat(widest).as("fan-out of %s", options).isLessThanOrEqualTo(options.fanOut());
      assertThat(deepest).as("depth of %s", options).isLessThanOrEqualTo(options.depth());
      // a path D services deep needs D services
      assertThat(deepest).as("depth used by %s", options)
          .isEqualTo(Math.min(options.depth(), options.services()));
    }
  }

  /** The most children that {@code counted} lets count of any span of the trace. */
  static int widest(GeneratedTrace trace, java.util.function.Predicate<GeneratedSpan> counted) {
    Map<String, Integer> children = new HashMap<>();
    for (GeneratedSpan span : trace.spans()) {
      if (span.parentId() != null && counted.test(span)) {
        children.merge(span.parentId(), 1, Integer::sum);
      }
    }
    return children.values().stream().mapToInt(i -> i).max().orElse(0);
  }

  /** The most services on one path: server spans on the way up, one per service hop. */
  static int deepest(GeneratedTrace trace) {
    Map<String, GeneratedSpan> byId = new HashMap<>();
    trace.spans().forEach(span -> byId.put(span.spanId(), span));
    int deepest = 0;
    for (GeneratedSpan span : trace.spans()) {
      int services = 0;
      for (GeneratedSpan at = span; at != null; at = byId.get(at.parentId())) {
        if (at.kind() == GeneratedSpan.Kind.SERVER) {
          services++;
        }
      }
      deepest = Math.max(deepest, services);
    }
    return deepest;
  }

  @Test
  void everyServiceTakesPartWhenFanOutAllows() {
    Map<String, Integer> spans = new HashMap<>();
    for (GeneratedTrace trace : traces(WorkloadOptions.defaults(5), 500)) {
      trace.spans().forEach(s -> spans.merge(s.service(), 1, Integer::sum));
    }
    assertThat(spans.keySet()).containsExactlyInAnyOrder("edge-gateway", "frontend", "cart",
        "checkout", "catalog", "payments", "inventory", "shipping");
    assertThat(new TraceGenerator(new WorkloadOptions(20, 4, 3, 0, 0, 1)).topology().services())
        .extracting(Topology.Service::name).contains("search", "service-15", "service-20");
  }

  @Test
  void errorAndOutlierRatesHoldOverManyTraces() {
    List<GeneratedTrace> traces = traces(new WorkloadOptions(8, 4, 3, 0.1, 0.05, 11), 4000);
    double errors = traces.stream().filter(GeneratedTrace::error).count() / 4000.0;
    double outliers = traces.stream().filter(GeneratedTrace::outlier).count() / 4000.0;
    assertThat(errors).isBetween(0.085, 0.115);
    assertThat(outliers).isBetween(0.04, 0.06);
    for (GeneratedTrace trace : traces) {
      GeneratedSpan root = trace.root();
      assertThat(trace.note() != null).isEqualTo(trace.error() || trace.outlier());
      if (trace.outlier()) {
        assertThat(trace.note()).containsPattern("took \\d+x its usual time");
      }
      if (trace.error()) {
        assertThat(trace.note()).contains(" failed");
        // the failure reached the edge, as Envoy reports an upstream 5xx
        assertThat(root.error()).isTrue();
        assertThat(root.tags().get("http.status_code")).isIn("500", "503");
      } else {
        assertThat(trace.spans()).noneMatch(GeneratedSpan::error);
        assertThat(trace.spans()).allMatch(s -> !s.tags().containsKey("http.status_code")
            || s.tags().get("http.status_code").equals("200"));
      }
      // every failed span's parent failed too, up to the root
      Map<String, GeneratedSpan> byId = new HashMap<>();
      trace.spans().forEach(s -> byId.put(s.spanId(), s));
      for (GeneratedSpan span : trace.spans()) {
        if (span.error() && span.parentId() != null) {
          assertThat(byId.get(span.parentId()).error()).isTrue();
        }
      }
    }
    assertThat(traces(new WorkloadOptions(8, 4, 3, 0, 0, 11), 500))
        .noneMatch(GeneratedTrace::error).noneMatch(GeneratedTrace::outlier);
    assertThat(traces(new WorkloadOptions(8, 4, 3, 1, 1, 11), 200))
        .allMatch(GeneratedTrace::error).allMatch(GeneratedTrace::outlier);
  }

  @Test
  void outliersAreMuchSlowerThanTheUsualTrace() {
    WorkloadOptions usual = new WorkloadOptions(8, 4, 3, 0, 0, 21);
    WorkloadOptions slow = new WorkloadOptions(8, 4, 3, 0, 1, 21);
    List<GeneratedTrace> fast = traces(usual, 400);
    List<GeneratedTrace> outliers = traces(slow, 400);
    long usualMedian = median(fast);
    long outlierMedian = median(outliers);
    assertThat(outlierMedian).isGreaterThan(3 * usualMedian);
  }

  private static long median(List<GeneratedTrace> traces) {
    return traces.stream().mapToLong(t -> t.root().durationMicros()).sorted()
        .skip(traces.size() / 2).findFirst().orElseThrow();
  }

  @Test
  void childrenLieWithinTheirParentsAndTracesStartWhenTold() {
    List<GeneratedTrace> traces = traces(new WorkloadOptions(10, 5, 4, 0.2, 0.2, 13), 1000);
    for (GeneratedTrace trace : traces) {
      assertThat(trace.root().startMicros()).isEqualTo(START + trace.index() * 100_000L);
      assertWellFormed(trace);
    }
  }

  @Test
  void spansCarryTheTagsOfIstioSidecarsAndSdks() {
    List<GeneratedTrace> traces = traces(WorkloadOptions.defaults(1), 300);
    GeneratedSpan root = traces.get(0).root();
    assertThat(root.service()).isEqualTo("edge-gateway");
    assertThat(root.kind()).isEqualTo(GeneratedSpan.Kind.SERVER);
    assertThat(root.tags()).containsEntry("sampler.type", "probabilistic")
        .containsEntry("sampler.param", "1").containsKeys("http.method", "http.url",
            "http.status_code", "upstream_cluster", "istio.canonical_service", "node_id",
            "guid:x-request-id", "peer.address");
    List<GeneratedSpan> all = traces.stream().flatMap(t -> t.spans().stream()).toList();
    assertThat(all).filteredOn(s -> s.parentId() != null)
        .noneMatch(s -> s.tags().containsKey("sampler.type"));
    assertThat(all).anyMatch(s -> s.kind() == GeneratedSpan.Kind.CLIENT
        && s.tags().getOrDefault("upstream_cluster", "").startsWith("outbound|8080||"));
    assertThat(all).anyMatch(s -> s.tags().containsKey("db.statement"));
    assertThat(all).anyMatch(s -> s.kind() == GeneratedSpan.Kind.PRODUCER
        && s.tags().containsKey("messaging.destination.name"));
    // one request ID through the whole trace, as Envoy propagates x-request-id; both halves of
    // a hop show the same URL; the gateway reports the call to the frontend as a CLIENT span
    for (GeneratedTrace trace : traces) {
      Map<String, GeneratedSpan> byId = new HashMap<>();
      trace.spans().forEach(s -> byId.put(s.spanId(), s));
      for (GeneratedSpan span : trace.spans()) {
        GeneratedSpan parent = byId.get(span.parentId());
        if (span.kind() == GeneratedSpan.Kind.SERVER && parent != null) {
          assertThat(parent.kind()).isEqualTo(GeneratedSpan.Kind.CLIENT);
          assertThat(parent.remoteService()).isEqualTo(span.service());
          assertThat(span.tags().get("http.url")).isEqualTo(parent.tags().get("http.url"));
        }
      }
      assertThat(trace.spans().get(1).service()).isEqualTo("edge-gateway");
      assertThat(trace.spans().get(1).kind()).isEqualTo(GeneratedSpan.Kind.CLIENT);
      assertThat(trace.spans().stream().map(s -> s.tags().get("guid:x-request-id"))
          .filter(java.util.Objects::nonNull).distinct()).hasSize(1);
    }
  }

  @Test
  void optionsOutOfRangeAreRefusedNamingThem() {
    assertThatThrownBy(() -> new WorkloadOptions(0, 4, 3, 0, 0, 1))
        .isInstanceOf(InvalidOptionException.class).hasMessageContaining("is 0");
    assertThatThrownBy(() -> new WorkloadOptions(8, 4, 3, 1.5, 0, 1))
        .isInstanceOfSatisfying(InvalidOptionException.class,
            e -> assertThat(e.option()).isEqualTo("error-rate"));
    assertThatThrownBy(() -> new WorkloadOptions(8, 4, 3, 0, Double.NaN, 1))
        .isInstanceOfSatisfying(InvalidOptionException.class,
            e -> assertThat(e.option()).isEqualTo("outlier-rate"));
    assertThatThrownBy(() -> Protocol.parse("jaeger-thrift"))
        .hasMessageContaining("'jaeger-thrift' is not one of zipkin-json, zipkin-proto, "
            + "otlp-http, otlp-grpc");
    assertThat(Protocol.ZIPKIN_JSON.endpoint("http://meshtrace:9411").toString())
        .isEqualTo("http://meshtrace:9411/api/v2/spans");
    assertThat(Protocol.OTLP_HTTP.endpoint(null).toString())
        .isEqualTo("http://localhost:4318/v1/traces");
    assertThatThrownBy(() -> Protocol.OTLP_HTTP.endpoint("localhost:4318"))
        .hasMessageContaining("not an http:// or https:// URL");
  }
}
