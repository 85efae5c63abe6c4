package io.meshtrace.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import zipkin2.Endpoint;
import zipkin2.Span;

/**
 * Traces shaped like Envoy's Zipkin tracer reports them in an Istio mesh: 10 spans over 4
 * services (an ingress gateway, frontend, auth, orders), 128-bit B3 trace IDs, and the tags
 * Envoy puts on every span. Deterministic for a seed.
 */
final class EnvoyTraceGenerator {
  private static final String[] SERVICES = {"istio-ingressgateway.istio-system",
      "frontend.shop", "auth.shop", "orders.shop"};
  private static final String[] IPS = {"10.1.0.5", "10.1.2.17", "10.1.3.40", "10.1.4.8"};

  private final Random random;

  EnvoyTraceGenerator(long seed) {
    this.random = new Random(seed);
  }

  /** One trace starting at {@code startMicros}. */
  List<Span> trace(long startMicros) {
    String traceId = hex(random.nextLong() | 1) + hex(random.nextLong());
    String requestId = java.util.UUID.nameUUIDFromBytes(traceId.getBytes()).toString();
    List<Span> spans = new ArrayList<>(10);
    String root = id();
    String gwClient = id();
    String feToAuth = id();
    String feToOrders = id();
    String authToRedis = id();
    String ordersToDb = id();
    boolean failed = random.nextInt(50) == 0;
    long t = startMicros;
    spans.add(span(traceId, null, root, 0, Span.Kind.SERVER, "shop.example.com:80/checkout",
        t, 42_000, requestId, "outbound|80||frontend.shop.svc.cluster.local", failed));
    spans.add(span(traceId, root, gwClient, 0, Span.Kind.CLIENT,
        "frontend.shop.svc.cluster.local:80/checkout", t + 300, 41_200, requestId,
        "outbound|80||frontend.shop.svc.cluster.local", failed));
    spans.add(span(traceId, gwClient, id(), 1, Span.Kind.SERVER,
        "frontend.shop.svc.cluster.local:80/checkout", t + 700, 40_100, requestId,
        "inbound|8080||", failed));
    spans.add(span(traceId, spans.get(2).id(), feToAuth, 1, Span.Kind.CLIENT,
        "auth.shop.svc.cluster.local:80/verify", t + 1_200, 6_300, requestId,
        "outbound|80||auth.shop.svc.cluster.local", false));
    spans.add(span(traceId, feToAuth, id(), 2, Span.Kind.SERVER,
        "auth.shop.svc.cluster.local:80/verify", t + 1_600, 5_400, requestId,
        "inbound|8080||", false));
    spans.add(span(traceId, spans.get(4).id(), authToRedis, 2, Span.Kind.CLIENT,
        "redis.shop.svc.cluster.local:6379", t + 2_000, 900, requestId,
        "outbound|6379||redis.shop.svc.cluster.local", false));
    spans.add(span(traceId, spans.get(2).id(), feToOrders, 1, Span.Kind.CLIENT,
        "orders.shop.svc.cluster.local:80/orders", t + 8_000, 31_000, requestId,
        "outbound|80||orders.shop.svc.cluster.local", failed));
    spans.add(span(traceId, feToOrders, id(), 3, Span.Kind.SERVER,
        "orders.shop.svc.cluster.local:80/orders", t + 8_400, 30_100, requestId,
        "inbound|8080||", failed));
    spans.add(span(traceId, spans.get(7).id(), ordersToDb, 3, Span.Kind.CLIENT,
        "postgres.shop.svc.cluster.local:5432", t + 9_000, 18_000, requestId,
        "outbound|5432||postgres.shop.svc.cluster.local", false));
    spans.add(span(traceId, spans.get(7).id(), id(), 3, Span.Kind.CLIENT,
        "payments.example.net:443/charge", t + 28_000, 9_800, requestId,
        "outbound|443||payments.example.net", failed));
    return spans;
  }

  private Span span(String traceId, String parentId, String id, int service, Span.Kind kind,
      String name, long start, long duration, String requestId, String upstreamCluster,
      boolean failed) {
    int status = failed ? 503 : 200;
    Span.Builder span = Span.newBuilder()
        .traceId(traceId).parentId(parentId).id(id).kind(kind).name(name)
        .timestamp(start).duration(duration + random.nextInt(500))
        .localEndpoint(Endpoint.newBuilder().serviceName(SERVICES[service]).ip(IPS[service])
            .build())
        .putTag("component", "proxy")
        .putTag("node_id", "sidecar~" + IPS[service] + "~" + SERVICES[service].split("\\.")[0]
            + "-6d8f9c7b5-x2k4p." + SERVICES[service].split("\\.")[1] + "~"
            + SERVICES[service].split("\\.")[1] + ".svc.cluster.local")
        .putTag("zone", "us-east-1a")
        .putTag("guid:x-request-id", requestId)
        .putTag("http.url", "http://" + name.replace(":80", ""))
        .putTag("http.method", kind == Span.Kind.CLIENT && name.contains("orders") ? "POST" : "GET")
        .putTag("http.protocol", "HTTP/1.1")
        .putTag("downstream_cluster", "-")
        .putTag("user_agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36")
        .putTag("request_size", Integer.toString(random.nextInt(2000)))
        .putTag("response_size", Integer.toString(random.nextInt(20000)))
        .putTag("response_flags", failed ? "UF" : "-")
        .putTag("upstream_cluster", upstreamCluster)
        .putTag("http.status_code", Integer.toString(status))
        .putTag("istio.canonical_service", SERVICES[service].split("\\.")[0])
        .putTag("istio.namespace", SERVICES[service].split("\\.")[1]);
    if (failed) {
      span.putTag("error", "true");
    }
    if (kind == Span.Kind.CLIENT) {
      span.remoteEndpoint(Endpoint.newBuilder().ip("10.2." + random.nextInt(256) + "."
          + random.nextInt(256)).port(80).build());
    }
    return span.build();
  }

  private String id() {
    return hex(random.nextLong() | 1);
  }

  private static String hex(long value) {
    String hex = Long.toHexString(value);
    return "0".repeat(16 - hex.length()) + hex;
  }
}
