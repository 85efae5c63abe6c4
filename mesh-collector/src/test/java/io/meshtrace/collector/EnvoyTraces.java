package io.meshtrace.collector;

import java.util.List;
import zipkin2.Endpoint;
import zipkin2.Span;

/**
 * Traces shaped like what Envoy's Zipkin tracer reports from an Istio mesh: an edge gateway
 * with 128-bit IDs and spawn_upstream_span, a sidecar server span that shares its span ID with
 * the gateway's client span, and an older Envoy with 64-bit B3 IDs and a span without duration.
 */
public final class EnvoyTraces {
  public static final String TRACE_128 = "5b8efff798038103d269b633813fc60c";
  public static final String TRACE_64 = "463ac35c9f6413ad";

  private EnvoyTraces() {}

  static final Endpoint GATEWAY = Endpoint.newBuilder()
      .serviceName("istio-ingressgateway.istio-system").ip("10.1.0.5").build();
  static final Endpoint PRODUCTPAGE = Endpoint.newBuilder()
      .serviceName("productpage.default").ip("10.1.0.20").build();
  static final Endpoint REVIEWS = Endpoint.newBuilder()
      .serviceName("reviews.default").ip("10.1.0.31").port(9080).build();

  /** Four spans of one request through the gateway to productpage and on to reviews. */
  public static List<Span> meshTrace(long startMicros) {
    Span edgeServer = Span.newBuilder()
        .traceId(TRACE_128).id("eee19b7ec3c1b174")
        .kind(Span.Kind.SERVER)
        .name("bookinfo.example.com:80/productpage")
        .timestamp(startMicros).duration(21_000)
        .localEndpoint(GATEWAY)
        .putTag("component", "proxy")
        .putTag("node_id", "router~10.1.0.5~istio-ingressgateway-7d4f8.istio-system~istio-system.svc.cluster.local")
        .putTag("zone", "us-east-1a")
        .putTag("guid:x-request-id", "a8b4c2d6-8f1e-9c3a-b1d2-e4f5a6b7c8d9")
        .putTag("http.url", "http://bookinfo.example.com/productpage")
        .putTag("http.method", "GET")
        .putTag("downstream_cluster", "-")
        .putTag("user_agent", "curl/8.5.0")
        .putTag("http.protocol", "HTTP/1.1")
        .putTag("peer.address", "10.1.0.1")
        .putTag("request_size", "0")
        .putTag("response_flags", "-")
        .putTag("upstream_cluster", "outbound|9080||productpage.default.svc.cluster.local")
        .putTag("upstream_cluster.name", "outbound|9080||productpage.default.svc.cluster.local")
        .putTag("http.status_code", "200")
        .putTag("response_size", "5293")
        .putTag("istio.canonical_service", "istio-ingressgateway")
        .putTag("istio.mesh_id", "cluster.local")
        .putTag("istio.namespace", "istio-system")
        .build();
    Span edgeClient = Span.newBuilder()
        .traceId(TRACE_128).parentId("eee19b7ec3c1b174").id("f0b2c7e1a9d83b22")
        .kind(Span.Kind.CLIENT)
        .name("router outbound|9080||productpage.default.svc.cluster.local egress")
        .timestamp(startMicros + 400).duration(20_100)
        .localEndpoint(GATEWAY)
        .remoteEndpoint(Endpoint.newBuilder().ip("10.1.0.20").port(9080).build())
        .putTag("component", "proxy")
        .putTag("http.status_code", "200")
        .putTag("upstream_cluster", "outbound|9080||productpage.default.svc.cluster.local")
        .build();
    // Envoy with shared_span_context: the sidecar's server half reuses the client's span ID.
    Span productpageServer = Span.newBuilder()
        .traceId(TRACE_128).parentId("eee19b7ec3c1b174").id("f0b2c7e1a9d83b22")
        .kind(Span.Kind.SERVER)
        .shared(true)
        .name("productpage.default.svc.cluster.local:9080/productpage")
        .timestamp(startMicros + 900).duration(19_000)
        .localEndpoint(PRODUCTPAGE)
        .putTag("component", "proxy")
        .putTag("http.method", "GET")
        .putTag("http.status_code", "200")
        .putTag("istio.canonical_service", "productpage")
        .build();
    Span productpageToReviews = Span.newBuilder()
        .traceId(TRACE_128).parentId("f0b2c7e1a9d83b22").id("0c5c5b2f8d3a9e11")
        .kind(Span.Kind.CLIENT)
        .name("reviews.default.svc.cluster.local:9080/*")
        .timestamp(startMicros + 2_000).duration(12_500)
        .localEndpoint(PRODUCTPAGE)
        .remoteEndpoint(REVIEWS)
        .putTag("component", "proxy")
        .putTag("http.status_code", "503")
        .putTag("response_flags", "UF")
        .putTag("error", "true")
        .addAnnotation(startMicros + 2_100, "retry")
        .build();
    return List.of(edgeServer, edgeClient, productpageServer, productpageToReviews);
  }

  /** An older Envoy with 64-bit B3 IDs: one span reported without a duration. */
  public static List<Span> legacyTrace(long startMicros) {
    Span server = Span.newBuilder()
        .traceId(TRACE_64).id("463ac35c9f6413ad")
        .kind(Span.Kind.SERVER)
        .name("ingress")
        .timestamp(startMicros)
        .localEndpoint(Endpoint.newBuilder().serviceName("legacy-edge").ip("192.168.99.101")
            .ip("2001:db8::c001").port(80).build())
        .putTag("http.url", "http://legacy/api?q=\"quoted\"&x=<b>")
        .debug(true)
        .build();
    Span client = Span.newBuilder()
        .traceId(TRACE_64).parentId("463ac35c9f6413ad").id("72485a3953bb6124")
        .kind(Span.Kind.CLIENT)
        .name("egress")
        .timestamp(startMicros + 50).duration(3)
        .localEndpoint(Endpoint.newBuilder().serviceName("legacy-edge").ip("192.168.99.101")
            .ip("2001:db8::c001").port(80).build())
        .remoteEndpoint(Endpoint.newBuilder().serviceName("backend").ip("2001:db8::1")
            .port(8080).build())
        .addAnnotation(startMicros + 51, "ws")
        .addAnnotation(startMicros + 52, "wr")
        .build();
    return List.of(server, client);
  }
}
