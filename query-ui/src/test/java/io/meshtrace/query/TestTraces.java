package io.meshtrace.query;

import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;

/**
 * The traces the query API tests read, with fixed IDs and times so that the expected documents
 * can be literal. T0 is 2025-01-01T00:00:00Z, 1735689600000000 µs; the tests' clock says
 * T0 + 10 minutes.
 *
 * <ul>
 *   <li>A, 128-bit {@value #A}, at T0: frontend {@code get /cart} (server, 10 ms) calls
 *       payments {@code charge} (client 5 ms, then server 3 ms, which has an event and a link).
 *   <li>B, 64-bit {@value #B}, at T0 + 1 min: frontend {@code get /home}, 30 ms, failed (500).
 *   <li>C, {@value #C}, at T0 + 2 min: payments {@code reconcile}, 2 s, no span kind.
 *   <li>D, {@value #D}, at T0 + 3 min: web (host node-a) calls api (host node-b), whose clock
 *       is 1.2 ms behind: the server half claims to start 500 µs before its caller.
 *   <li>E, {@value #E}, at T0 + 4 min: a Zipkin shared span, edge's client half and backend's
 *       server half both with ID 0x22.
 * </ul>
 */
public final class TestTraces {
  public static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  public static final Instant NOW = T0.plusSeconds(600);
  public static final long T0_MICROS = 1735689600000000L;

  public static final String A = "5b8efff798038103d269b633813fc60c";
  public static final String B = "463ac35c9f6413ad";
  public static final String C = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
  public static final String D = "dddddddddddddddd0000000000000001";
  public static final String E = "eeeeeeeeeeeeeeee0000000000000002";

  /** A value full of what SQL, LIKE and JSON treat specially. */
  public static final String ODD_VALUE = "it's 100%_ \"ü\" {\"json\": [1]} \\ ✓";
  public static final String URL_VALUE = "http://cart:8080/a?q=1&r=%20";

  private TestTraces() {}

  public static ResourceSpans[] all() {
    return new ResourceSpans[] {frontend(), payments(), web(), api(), edge(), backend()};
  }

  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  static KeyValue attr(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }

  static Resource resource(String service, KeyValue... more) {
    Resource.Builder resource = Resource.newBuilder().addAttributes(attr("service.name", service));
    for (KeyValue attribute : more) {
      resource.addAttributes(attribute);
    }
    return resource.build();
  }

  static long nanos(long microsAfterT0) {
    return (T0_MICROS + microsAfterT0) * 1000;
  }

  static Span.Builder span(String traceId, long id, Long parent, String name, Span.SpanKind kind,
      long startMicrosAfterT0, long durationMicros) {
    Span.Builder span = Span.newBuilder()
        .setTraceId(TraceId.fromHex(traceId).toBytes())
        .setSpanId(SpanIds.toBytes(id))
        .setName(name).setKind(kind)
        .setStartTimeUnixNano(nanos(startMicrosAfterT0))
        .setEndTimeUnixNano(nanos(startMicrosAfterT0 + durationMicros));
    if (parent != null) {
      span.setParentSpanId(SpanIds.toBytes(parent));
    }
    return span;
  }

  static ResourceSpans of(Resource resource, InstrumentationScope scope, Span.Builder... spans) {
    ScopeSpans.Builder scopeSpans = ScopeSpans.newBuilder().setScope(scope);
    for (Span.Builder span : spans) {
      scopeSpans.addSpans(span);
    }
    return ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scopeSpans).build();
  }

  static ResourceSpans frontend() {
    return of(resource("frontend", attr("k8s.pod.name", "frontend-1")),
        InstrumentationScope.newBuilder().setName("tomcat").setVersion("1.0").build(),
        span(A, 1, null, "get /cart", Span.SpanKind.SPAN_KIND_SERVER, 0, 10_000)
            .addAttributes(attr("http.status_code", 200))
            .addAttributes(attr("customer", ODD_VALUE))
            .addAttributes(attr("url", URL_VALUE)),
        span(A, 2, 1L, "charge", Span.SpanKind.SPAN_KIND_CLIENT, 1_000, 5_000)
            .addAttributes(attr("peer.service", "payments")),
        span(B, 5, null, "get /home", Span.SpanKind.SPAN_KIND_SERVER, 60_000_000, 30_000)
            .addAttributes(attr("http.status_code", 500))
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                .setMessage("boom")));
  }

  static ResourceSpans payments() {
    return of(resource("payments"), InstrumentationScope.getDefaultInstance(),
        span(A, 3, 2L, "charge", Span.SpanKind.SPAN_KIND_SERVER, 2_000, 3_000)
            .addEvents(Span.Event.newBuilder().setName("charged").setTimeUnixNano(nanos(3_000))
                .addAttributes(KeyValue.newBuilder().setKey("amount")
                    .setValue(AnyValue.newBuilder().setDoubleValue(12.5))))
            .addLinks(Span.Link.newBuilder().setTraceId(TraceId.fromHex(B).toBytes())
                .setSpanId(SpanIds.toBytes(5))),
        span(C, 7, null, "reconcile", Span.SpanKind.SPAN_KIND_UNSPECIFIED, 120_000_000,
            2_000_000));
  }

  static ResourceSpans web() {
    return of(resource("web", attr("host.name", "node-a")),
        InstrumentationScope.getDefaultInstance(),
        span(D, 0x10, null, "call api", Span.SpanKind.SPAN_KIND_CLIENT, 180_000_000, 1_000));
  }

  static ResourceSpans api() {
    return of(resource("api", attr("host.name", "node-b")),
        InstrumentationScope.getDefaultInstance(),
        span(D, 0x11, 0x10L, "handle", Span.SpanKind.SPAN_KIND_SERVER, 180_000_000 - 500, 600));
  }

  static ResourceSpans edge() {
    return of(resource("edge"), InstrumentationScope.getDefaultInstance(),
        span(E, 0x21, null, "ingress", Span.SpanKind.SPAN_KIND_SERVER, 240_000_000, 5_000),
        span(E, 0x22, 0x21L, "proxy", Span.SpanKind.SPAN_KIND_CLIENT, 240_001_000, 3_000));
  }

  static ResourceSpans backend() {
    return of(resource("backend"), InstrumentationScope.getDefaultInstance(),
        span(E, 0x22, 0x21L, "proxy", Span.SpanKind.SPAN_KIND_SERVER, 240_001_100, 2_000)
            .addAttributes(KeyValue.newBuilder().setKey("zipkin.shared")
                .setValue(AnyValue.newBuilder().setBoolValue(true))));
  }

}
