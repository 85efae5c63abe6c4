package io.meshtrace.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import zipkin2.Endpoint;
import zipkin2.Span;

/**
 * Traces of a 14-service shop behind an Istio ingress gateway, as Envoy sidecars report them
 * with Istio's Zipkin settings ({@code trace_id_128bit: true, shared_span_context: false}): each
 * call between services is a CLIENT span in the caller's sidecar and a SERVER span in the
 * callee's, with the tags Envoy and Istio put on every span. Seven entry routes give trace
 * shapes of 6 to 30 spans (about 15 on average); 2 % of traces fail somewhere (503 up the
 * chain, {@code error} tags), 1 % have one slow call (1-3 s). Deterministic for a seed.
 */
final class MeshTraceGenerator {
  static final String NAMESPACE = "shop";
  static final String GATEWAY = "istio-ingressgateway.istio-system";
  static final List<String> SERVICES = List.of(GATEWAY, "frontend.shop", "auth.shop",
      "catalog.shop", "cart.shop", "checkout.shop", "orders.shop", "payments.shop",
      "shipping.shop", "inventory.shop", "recommendations.shop", "search.shop", "users.shop",
      "notifications.shop");
  private static final String[] USER_AGENTS = {
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
      "okhttp/4.12.0", "Go-http-client/1.1"};

  /** A call into a service's sidecar (SERVER span), or to something outside the mesh. */
  record Call(String service, String path, String method, boolean external, List<Call> calls) {
    String host() {
      return external ? service : service.replace(".shop", "") + ".shop.svc.cluster.local";
    }

    int port() {
      if (!external) {
        return 80;
      }
      return service.startsWith("redis") ? 6379 : service.startsWith("postgres") ? 5432
          : service.startsWith("kafka") ? 9092 : service.startsWith("elastic") ? 9200 : 443;
    }

    /** Envoy names a sidecar span by the route's host, port and path pattern. */
    String operation() {
      return host() + ":" + port() + path;
    }
  }

  static Call call(String service, String method, String path, Call... calls) {
    return new Call(service, path, method, false, List.of(calls));
  }

  static Call external(String host, String method, String path) {
    return new Call(host, path, method, true, List.of());
  }

  /** The ingress gateway's routes, each the tree of calls one request makes. */
  static final List<Call> ROUTES = List.of(
      call("frontend.shop", "GET", "/",
          call("catalog.shop", "GET", "/products", external("postgres.shop.svc.cluster.local", "GET", "")),
          call("recommendations.shop", "GET", "/recommendations",
              call("catalog.shop", "GET", "/products/*")),
          call("users.shop", "GET", "/session", external("redis.shop.svc.cluster.local", "GET", ""))),
      call("frontend.shop", "GET", "/products/*",
          call("catalog.shop", "GET", "/products/*",
              call("inventory.shop", "GET", "/stock/*",
                  external("postgres.shop.svc.cluster.local", "GET", ""))),
          call("recommendations.shop", "GET", "/recommendations",
              call("catalog.shop", "GET", "/products/*")),
          call("users.shop", "GET", "/session", external("redis.shop.svc.cluster.local", "GET", ""))),
      call("frontend.shop", "GET", "/search",
          call("search.shop", "GET", "/search",
              external("elasticsearch.shop.svc.cluster.local", "POST", "/products/_search"),
              call("catalog.shop", "POST", "/products/batch",
                  external("postgres.shop.svc.cluster.local", "GET", "")))),
      call("frontend.shop", "GET", "/cart",
          call("cart.shop", "GET", "/cart/*", external("redis.shop.svc.cluster.local", "GET", ""),
              call("catalog.shop", "POST", "/products/batch",
                  external("postgres.shop.svc.cluster.local", "GET", "")))),
      call("frontend.shop", "POST", "/checkout",
          call("auth.shop", "POST", "/verify",
              call("users.shop", "GET", "/users/*", external("redis.shop.svc.cluster.local", "GET", ""))),
          call("checkout.shop", "POST", "/checkout",
              call("cart.shop", "GET", "/cart/*", external("redis.shop.svc.cluster.local", "GET", "")),
              call("inventory.shop", "POST", "/reservations",
                  external("postgres.shop.svc.cluster.local", "POST", "")),
              call("payments.shop", "POST", "/charges",
                  external("payments.example.net", "POST", "/v1/charges"),
                  external("postgres.shop.svc.cluster.local", "POST", "")),
              call("orders.shop", "POST", "/orders",
                  external("postgres.shop.svc.cluster.local", "POST", "")),
              call("shipping.shop", "POST", "/shipments",
                  call("inventory.shop", "GET", "/warehouses/*")),
              call("notifications.shop", "POST", "/notifications",
                  external("kafka.shop.svc.cluster.local", "POST", "/topics/emails"))),
          call("cart.shop", "DELETE", "/cart/*", external("redis.shop.svc.cluster.local", "DEL", ""))),
      call("frontend.shop", "POST", "/login",
          call("auth.shop", "POST", "/login",
              call("users.shop", "GET", "/users/*",
                  external("postgres.shop.svc.cluster.local", "GET", "")))),
      call("frontend.shop", "GET", "/account",
          call("auth.shop", "POST", "/verify",
              call("users.shop", "GET", "/users/*", external("redis.shop.svc.cluster.local", "GET", ""))),
          call("users.shop", "GET", "/users/*"),
          call("orders.shop", "GET", "/orders", external("postgres.shop.svc.cluster.local", "GET", ""))));
  /** How often each route is taken, in the order of {@link #ROUTES}. */
  private static final int[] ROUTE_WEIGHTS = {20, 35, 15, 12, 6, 5, 7};

  /** What a query needs to know about a generated trace. */
  record TraceSample(String traceId, String requestId, long startMicros, String service,
      String operation, int spans, boolean failed, boolean slow) {}

  private final Random random;
  private List<Span> spans;
  private String traceId;
  private String requestId;
  private boolean failed;
  private boolean slow;
  private int failAt;
  private int slowAt;
  private int callIndex;
  private String productId;

  MeshTraceGenerator(long seed) {
    this.random = new Random(seed);
  }

  /** One trace whose root starts at {@code startMicros}; its spans in reporting order. */
  List<Span> trace(long startMicros) {
    traceId = hex(random.nextLong() | 1) + hex(random.nextLong());
    requestId = new UUID(random.nextLong(), random.nextLong()).toString();
    productId = Integer.toString(10_000 + random.nextInt(90_000));
    spans = new ArrayList<>(32);
    Call route = ROUTES.get(pick());
    int calls = countCalls(route);
    failed = random.nextInt(50) == 0;
    slow = random.nextInt(100) == 0;
    failAt = failed ? random.nextInt(calls) : -1;
    slowAt = slow ? random.nextInt(calls) : -1;
    callIndex = 0;
    String rootId = id();
    String gatewayClient = id();
    long rootEnd = inbound(route, gatewayClient, startMicros + 400);
    // The gateway: its inbound SERVER span and the CLIENT span of its call to the frontend.
    spans.add(0, span(rootId, null, 0, Span.Kind.SERVER, "shop.example.com:443" + route.path(),
        startMicros, rootEnd + 300 - startMicros, route,
        "outbound|80||frontend.shop.svc.cluster.local", failed, null));
    spans.add(1, span(gatewayClient, rootId, 0, Span.Kind.CLIENT, route.operation(),
        startMicros + 150, rootEnd + 100 - (startMicros + 150), route,
        "outbound|80||frontend.shop.svc.cluster.local", failed, null));
    return spans;
  }

  private static int countCalls(Call call) {
    int count = 1;
    for (Call child : call.calls()) {
      count += countCalls(child);
    }
    return count;
  }

  TraceSample sample(List<Span> trace) {
    Span root = trace.get(0);
    return new TraceSample(traceId, requestId, root.timestampAsLong(),
        root.localServiceName(), root.name(), trace.size(), failed, slow);
  }

  /** Whether the call just generated, or one under it, failed. */
  private boolean lastFailed;

  /**
   * The SERVER span of a call into the mesh and everything under it, with the CLIENT spans of
   * its own calls; returns its end. A failure makes every caller up the chain fail too, as a 503
   * does through Envoy.
   */
  private long inbound(Call call, String parentId, long start) {
    int index = callIndex++;
    String id = id();
    int service = SERVICES.indexOf(call.service());
    long t = start + 80 + random.nextInt(200);
    int position = spans.size();
    boolean error = index == failAt;
    for (Call child : call.calls()) {
      String clientId = id();
      long childStart = t + 50 + random.nextInt(300);
      long childEnd;
      boolean childError;
      if (child.external()) {
        int childIndex = callIndex++;
        childEnd = childStart + work(service) + (childIndex == slowAt ? slowness() : 0);
        childError = childIndex == failAt;
      } else {
        childEnd = inbound(child, clientId, childStart + 100) + 100;
        childError = lastFailed;
      }
      error |= childError;
      spans.add(span(clientId, id, service, Span.Kind.CLIENT, child.operation(), childStart,
          childEnd - childStart, child, "outbound|" + child.port() + "||" + child.host(),
          // Envoy's Zipkin tracer sets no remote endpoint; a call out of the mesh (a database,
          // a payment provider) names its peer, as the application's own client span would.
          childError, child.external() ? child.host().split("\\.")[0] : null));
      t = childEnd;
    }
    long end = t + work(service) + (index == slowAt ? slowness() : 0);
    spans.add(position, span(id, parentId, service, Span.Kind.SERVER, call.operation(), start,
        end - start, call, "inbound|8080||", error, null));
    lastFailed = error;
    return end;
  }

  /** A service's own time for a request, in µs: log-normal around a few milliseconds. */
  private long work(int service) {
    double median = 300 + 250 * (service % 5);
    return Math.max(20, Math.round(median * Math.exp(0.6 * random.nextGaussian())));
  }

  private long slowness() {
    return 1_000_000 + random.nextInt(2_000_000);
  }

  private static final String[] POD_SUFFIXES = {"x2k4p", "9q7m3", "b8w5t"};

  private Span span(String id, String parentId, int service, Span.Kind kind, String name,
      long start, long duration, Call call, String upstreamCluster, boolean error,
      String remoteService) {
    String fullName = SERVICES.get(service);
    String shortName = fullName.split("\\.")[0];
    String namespace = fullName.split("\\.")[1];
    int pod = random.nextInt(3);
    String ip = "10.1." + (service + 1) + "." + (10 + pod);
    String podName = shortName + "-" + (service == 0 ? "7c9d8f6b5d" : "6d8f9c7b5") + "-"
        + POD_SUFFIXES[pod];
    int status = error ? 503 : 200;
    String path = call.path().replace("*", productId);
    Span.Builder span = Span.newBuilder()
        .traceId(traceId).parentId(parentId).id(id).kind(kind).name(name)
        .timestamp(start).duration(Math.max(1, duration))
        .localEndpoint(Endpoint.newBuilder().serviceName(fullName).ip(ip).build())
        .putTag("component", "proxy")
        .putTag("node_id", "sidecar~" + ip + "~" + podName + "." + namespace + "~" + namespace
            + ".svc.cluster.local")
        .putTag("zone", "us-east-1" + (char) ('a' + pod))
        .putTag("guid:x-request-id", requestId)
        .putTag("http.url", (call.external() && call.port() != 443 ? "tcp://" : "http://")
            + call.host() + path)
        .putTag("http.method", call.method())
        .putTag("http.protocol", "HTTP/1.1")
        .putTag("downstream_cluster", "-")
        .putTag("user_agent", USER_AGENTS[Math.floorMod(requestId.hashCode(), USER_AGENTS.length)])
        .putTag("request_size", Integer.toString(call.method().equals("GET") ? 0 : random.nextInt(2000)))
        .putTag("response_size", Integer.toString(random.nextInt(20_000)))
        .putTag("response_flags", error ? "UF" : "-")
        .putTag("upstream_cluster", upstreamCluster)
        .putTag("http.status_code", Integer.toString(status))
        .putTag("istio.canonical_service", shortName)
        .putTag("istio.canonical_revision", service % 4 == 0 ? "v2" : "v1")
        .putTag("istio.mesh_id", "cluster.local")
        .putTag("istio.namespace", namespace)
        .putTag("peer.address", "10.1." + random.nextInt(15) + "." + (10 + random.nextInt(3))
            + ":" + (kind == Span.Kind.SERVER ? 30000 + random.nextInt(30000) : 80));
    if (error) {
      span.putTag("error", "true");
    }
    if (remoteService != null) {
      span.remoteEndpoint(Endpoint.newBuilder().serviceName(remoteService)
          .ip("10.2." + random.nextInt(256) + "." + random.nextInt(256)).port(80).build());
    }
    return span.build();
  }

  private int pick() {
    int total = 0;
    for (int weight : ROUTE_WEIGHTS) {
      total += weight;
    }
    int r = random.nextInt(total);
    for (int i = 0; i < ROUTE_WEIGHTS.length; i++) {
      r -= ROUTE_WEIGHTS[i];
      if (r < 0) {
        return i;
      }
    }
    return ROUTE_WEIGHTS.length - 1;
  }

  private String id() {
    return hex(random.nextLong() | 1);
  }

  private static String hex(long value) {
    String hex = Long.toHexString(value);
    return "0".repeat(16 - hex.length()) + hex;
  }
}
