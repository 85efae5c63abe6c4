package io.meshtrace.examples.generator;

import io.meshtrace.examples.generator.GeneratedSpan.Kind;
import io.meshtrace.examples.generator.Topology.Call;
import io.meshtrace.examples.generator.Topology.InProcess;
import io.meshtrace.examples.generator.Topology.Operation;
import io.meshtrace.examples.generator.Topology.Service;
import io.meshtrace.examples.generator.WorkloadOptions.Instrumentation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates the traces of a {@link Topology}. Trace {@code n} depends only on the options, the
 * seed and {@code n}, so a run can be repeated exactly and traces can be made in any order.
 *
 * <p>A trace is made in two passes: first which calls happen (within the spans per trace, when
 * the options fix them), which span fails and which is slow; then the timing, from the leaves
 * up, so that a slow or failing span pushes its ancestors' durations and statuses the way it
 * does in a real mesh.
 */
public final class TraceGenerator {
  private static final String[] USER_AGENTS = {
      "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Safari/605.1.15",
      "okhttp/4.12.0", "curl/8.5.0"};
  private static final Map<Topology.Backend, String> BACKEND_ERRORS = Map.of(
      Topology.Backend.POSTGRES, "ERROR: deadlock detected (SQLSTATE 40P01)",
      Topology.Backend.REDIS, "READONLY You can't write against a read only replica.",
      Topology.Backend.KAFKA, "NOT_ENOUGH_REPLICAS: Messages are rejected since there are fewer "
          + "in-sync replicas than required.");

  /** Mixed into the seed for the sampling decisions, apart from the traces' own randomness. */
  private static final long SAMPLING_SALT = 0x73616d706c696e67L; // "sampling"

  private final WorkloadOptions options;
  private final Topology topology;
  /** Null when the traces carry no sampling decision (every one is sent, untagged). */
  private final Double samplingProbability;

  public TraceGenerator(WorkloadOptions options) {
    this(options, null);
  }

  /**
   * @param samplingProbability head sampling as a probabilistic SDK sampler does it: trace
   *     {@code n} is kept with this probability (fixed by the seed), and a kept trace's root
   *     carries Jaeger's {@code sampler.type} probabilistic and {@code sampler.param}; null for
   *     no sampling decision at all
   */
  public TraceGenerator(WorkloadOptions options, Double samplingProbability) {
    if (samplingProbability != null && !(samplingProbability > 0 && samplingProbability <= 1)) {
      throw new InvalidOptionException("sampling-probability", "is " + samplingProbability
          + " but must be above 0 and at most 1");
    }
    this.options = options;
    this.topology = Topology.build(options);
    this.samplingProbability = samplingProbability;
  }

  /** Whether trace {@code index} is sampled, and so sent. */
  public boolean sampled(long index) {
    return samplingProbability == null || samplingProbability >= 1
        || new SplittableRandom(Mixing.mix(options.seed() ^ SAMPLING_SALT, index)).nextDouble()
            < samplingProbability;
  }

  /** The probability traces are sampled with; null when they carry no decision. */
  public Double samplingProbability() {
    return samplingProbability;
  }

  public Topology topology() {
    return topology;
  }

  public WorkloadOptions options() {
    return options;
  }

  /** Trace number {@code index}, its root starting at {@code startMicros} (epoch µs). */
  public GeneratedTrace trace(long index, long startMicros) {
    SplittableRandom random = new SplittableRandom(Mixing.mix(options.seed(), index));
    boolean error = random.nextDouble() < options.errorRate();
    boolean outlier = random.nextDouble() < options.outlierRate();
    String traceId = hex(nonZero(random), 16) + hex(random.nextLong(), 16);
    String requestId = uuid(random);
    Set<String> spanIds = new HashSet<>();

    Operation entry = topology.entries().get(random.nextInt(topology.entries().size()));
    Budget budget = new Budget(options.spansPerTrace());
    budget.take(1);
    Node root = server(entry, null, random, spanIds, budget);
    if (budget.left > 0 && options.spansPerTrace() > 0) {
      repeatStores(root, budget.left, random, spanIds);
    }
    List<String> notes = new ArrayList<>();
    if (error) {
      Node failed = pick(root, random);
      fail(failed, random);
      notes.add(describe(failed) + " failed"
          + (failed.inProcess == null ? " with " + failed.statusCode : ""));
    }
    if (outlier) {
      Node slow = pick(root, random);
      long delay = options.outlierDelayMicros();
      if (delay > 0) {
        long extra = delay + random.nextLong(2 * delay + 1);
        slow.selfMicros += extra;
        notes.add(describe(slow) + " took " + (extra + 500) / 1000 + " ms longer than usual");
      } else {
        double factor = 10 + random.nextDouble() * 40;
        slow.selfMicros = Math.round(slow.selfMicros * factor);
        notes.add(describe(slow) + " took " + Math.round(factor) + "x its usual time");
      }
      slow.outlier = true;
    }
    layOut(root, startMicros, random);

    List<GeneratedSpan> spans = new ArrayList<>();
    emit(root, traceId, requestId, random, spans);
    if (samplingProbability != null) {
      spans.set(0, withSamplerTags(spans.get(0), samplingProbability));
    }
    return new GeneratedTrace(index, traceId, List.copyOf(spans), error, outlier,
        notes.isEmpty() ? null : String.join("; ", notes));
  }

  /** The decision as Jaeger's clients tag the span where it was made. */
  private static GeneratedSpan withSamplerTags(GeneratedSpan root, double probability) {
    Map<String, String> tags = new java.util.LinkedHashMap<>(root.tags());
    tags.put("sampler.type", "probabilistic");
    tags.put("sampler.param", Double.toString(probability));
    return new GeneratedSpan(root.traceId(), root.spanId(), root.parentId(), root.service(),
        root.instrumentation(), root.name(), root.kind(), root.startMicros(),
        root.durationMicros(), root.localIp(), root.remoteService(), root.remoteIp(),
        root.remotePort(), java.util.Collections.unmodifiableMap(tags), root.errorMessage());
  }

  private static String describe(Node node) {
    return node.inProcess != null
        ? node.service.name() + " " + node.inProcess.name() + " ("
            + node.inProcess.backend().peerService() + ")"
        : node.service.name() + " " + node.operation.method() + " " + node.operation.path();
  }

  /** A span of the trace before it is timed and tagged. */
  private static final class Node {
    final Kind kind;
    final Service service;
    final Operation operation; // the server's route, or the route a client calls
    final InProcess inProcess; // for in-process spans
    final Node parent;
    final String spanId;
    final List<Node> children = new ArrayList<>();
    long selfMicros;
    int statusCode = 200;
    String errorMessage;
    boolean outlier;
    String path; // the route's path with IDs filled in
    long start;
    long end;

    Node(Kind kind, Service service, Operation operation, InProcess inProcess, Node parent,
        String spanId, long selfMicros) {
      this.kind = kind;
      this.service = service;
      this.operation = operation;
      this.inProcess = inProcess;
      this.parent = parent;
      this.spanId = spanId;
      this.selfMicros = selfMicros;
      if (parent != null) {
        parent.children.add(this);
      }
    }

    boolean calls() {
      return kind == Kind.CLIENT && inProcess == null;
    }
  }

  /** The spans a trace may still have: what is left of the spans per trace, or no limit. */
  private static final class Budget {
    int left;

    Budget(int spansPerTrace) {
      left = spansPerTrace == 0 ? Integer.MAX_VALUE : spansPerTrace;
    }

    boolean take(int spans) {
      if (left < spans) {
        return false;
      }
      left -= spans;
      return true;
    }
  }

  private Node server(Operation operation, Node parent, SplittableRandom random,
      Set<String> spanIds, Budget budget) {
    Node server = new Node(Kind.SERVER, operation.service(), operation, null, parent,
        spanId(random, spanIds), jitter(operation.selfMicros(), random));
    for (Call call : operation.calls()) {
      // a call is two spans, the caller's and the callee's
      if (random.nextDouble() < call.probability() && budget.take(2)) {
        // The caller's sidecar (or the gateway, as Envoy with spawn_upstream_span) reports the
        // outbound half; its own time is the network both ways. meshtrace's dependency graph
        // counts a call from such a CLIENT span to the SERVER span below it.
        Node client = new Node(Kind.CLIENT, operation.service(), call.target(), null, server,
            spanId(random, spanIds), random.nextLong(150, 900));
        server(call.target(), client, random, spanIds, budget);
      }
    }
    for (InProcess inProcess : operation.inProcess()) {
      if (random.nextDouble() < inProcess.probability() && budget.take(1)) {
        store(server, inProcess, random, spanIds);
      }
    }
    return server;
  }

  /** A call of the server's to a store: the SDK's span, or the sidecar's on its way out. */
  private void store(Node server, InProcess inProcess, SplittableRandom random,
      Set<String> spanIds) {
    Kind kind = inProcess.backend() == Topology.Backend.KAFKA
        && options.instrumentation() == Instrumentation.SIDECARS_AND_SDKS
        ? Kind.PRODUCER : Kind.CLIENT;
    new Node(kind, server.service, server.operation, inProcess, server,
        spanId(random, spanIds), jitter(inProcess.selfMicros(), random));
  }

  /**
   * Fills a trace up to its spans per trace: the services' server spans, in turn from a random
   * one, repeat their store calls (a handler that queries in a loop).
   */
  private void repeatStores(Node root, int spans, SplittableRandom random, Set<String> spanIds) {
    List<Node> servers = new ArrayList<>();
    collectServers(root, servers);
    int first = random.nextInt(servers.size());
    for (int i = 0; i < spans; i++) {
      Node server = servers.get((first + i) % servers.size());
      store(server, topology.repeatedStore(server.operation), random, spanIds);
    }
  }

  /** The server spans of the mesh's services (not the edge gateway's), in tree order. */
  private static void collectServers(Node node, List<Node> into) {
    if (node.kind == Kind.SERVER && !node.service.gateway()) {
      into.add(node);
    }
    for (Node child : node.children) {
      if (child.inProcess == null) {
        collectServers(child, into);
      }
    }
  }

  /** A server or in-process span, below the root when there is one. */
  private static Node pick(Node root, SplittableRandom random) {
    List<Node> candidates = new ArrayList<>();
    collect(root, candidates);
    if (candidates.size() > 1) {
      candidates.remove(root);
    }
    return candidates.get(random.nextInt(candidates.size()));
  }

  private static void collect(Node node, List<Node> into) {
    if (!node.calls()) {
      into.add(node);
    }
    for (Node child : node.children) {
      collect(child, into);
    }
  }

  /** The failure travels up: every sidecar on the way reports the 5xx, as Envoy does. */
  private static void fail(Node origin, SplittableRandom random) {
    int status;
    if (origin.inProcess != null) {
      origin.errorMessage = BACKEND_ERRORS.get(origin.inProcess.backend());
      status = 500;
      origin.statusCode = status; // what a sidecar reporting the call sees
    } else {
      status = random.nextBoolean() ? 500 : 503;
    }
    for (Node node = origin.inProcess != null ? origin.parent : origin; node != null;
        node = node.parent) {
      node.statusCode = status;
      node.errorMessage = "HTTP " + status;
    }
  }

  /** Sets start and end from the leaves up; returns the node's end. */
  private static long layOut(Node node, long start, SplittableRandom random) {
    node.start = start;
    if (node.calls()) {
      long networkOut = node.selfMicros / 2;
      node.end = layOut(node.children.get(0), start + networkOut, random)
          + (node.selfMicros - networkOut);
      return node.end;
    }
    long before = node.selfMicros * 3 / 10;
    long time = start + before;
    if (node.operation != null && node.operation.parallel() && node.inProcess == null) {
      long latest = time;
      long stagger = 0;
      for (Node child : node.children) {
        latest = Math.max(latest, layOut(child, time + stagger, random));
        stagger += random.nextLong(20, 200);
      }
      time = latest;
    } else {
      for (Node child : node.children) {
        time = layOut(child, time, random) + random.nextLong(10, 150);
      }
    }
    node.end = time + (node.selfMicros - before);
    return node.end;
  }

  private void emit(Node node, String traceId, String requestId, SplittableRandom random,
      List<GeneratedSpan> out) {
    Service service = node.service;
    String parentId = node.parent == null ? null : node.parent.spanId;
    if (node.inProcess != null && options.instrumentation() == Instrumentation.SIDECARS_ONLY) {
      // The caller's sidecar reports the call on its way out; the store has no sidecar.
      Topology.Backend backend = node.inProcess.backend();
      String upstream = backend.host() + ":" + backend.port();
      String cluster = "outbound|" + backend.port() + "||" + backend.host();
      Map<String, String> tags = envoyTags(service, requestId, "http://" + upstream + "/",
          node.operation.method(), false, node.statusCode, cluster, random);
      tags.put("peer.address", backend.ip());
      out.add(new GeneratedSpan(traceId, node.spanId, parentId, service.name(), "envoy",
          upstream, node.kind, node.start, node.end - node.start, service.ip(),
          backend.peerService(), backend.ip(), backend.port(), tags, node.errorMessage));
    } else if (node.inProcess != null) {
      Map<String, String> tags = new LinkedHashMap<>(node.inProcess.tags());
      if (node.errorMessage != null) {
        tags.put("exception.message", node.errorMessage);
      }
      out.add(new GeneratedSpan(traceId, node.spanId, parentId, service.name(),
          node.inProcess.library(), node.inProcess.name(), node.kind, node.start,
          node.end - node.start, service.ip(), node.inProcess.backend().peerService(), null, 0,
          tags, node.errorMessage));
    } else {
      Operation route = node.operation;
      Service callee = route.service();
      boolean edge = node.parent == null; // the request from outside, at the gateway
      // Both halves of a hop, and the gateway's two spans, show the same request path.
      Node parent = node.parent;
      node.path = parent != null && parent.path != null
          && parent.operation.path().equals(route.path())
          ? parent.path : concrete(route.path(), random);
      String url = edge ? "https://" + Topology.EDGE_HOST + node.path
          : "http://" + callee.host() + ":" + Topology.PORT + node.path;
      String cluster = node.kind == Kind.CLIENT || service.gateway()
          ? "outbound|" + Topology.PORT + "||" + (edge && !node.children.isEmpty()
              ? node.children.get(0).operation.service().host() : callee.host())
          : "inbound|" + Topology.PORT + "||";
      Map<String, String> tags = envoyTags(service, requestId, url, route.method(), edge,
          node.statusCode, cluster, random);
      String peer = node.parent == null ? "203.0.113." + random.nextInt(1, 255)
          : node.kind == Kind.CLIENT ? callee.ip() : node.parent.service.ip();
      tags.put("peer.address", peer);
      if (node.parent == null) {
        // What a Jaeger/OpenTelemetry sampler records on the root; meshtrace counts these roots
        // per sampling decision for adaptive sampling.
        tags.put("sampler.type", "probabilistic");
        tags.put("sampler.param", "1");
      }
      out.add(new GeneratedSpan(traceId, node.spanId, parentId, service.name(), "envoy",
          route.spanName(), node.kind, node.start, node.end - node.start, service.ip(),
          node.kind == Kind.CLIENT ? callee.name() : null,
          node.kind == Kind.CLIENT ? callee.ip() : peer,
          node.kind == Kind.CLIENT ? Topology.PORT : 0, tags, node.errorMessage));
    }
    for (Node child : node.children) {
      emit(child, traceId, requestId, random, out);
    }
  }

  /**
   * The tags Istio's Envoy puts on the span of a request that {@code service}'s proxy handles,
   * in Envoy's order up to {@code istio.namespace}; {@code peer.address} comes next.
   */
  private static Map<String, String> envoyTags(Service service, String requestId, String url,
      String method, boolean edge, int statusCode, String cluster, SplittableRandom random) {
    boolean gateway = service.gateway();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("component", "proxy");
    tags.put("node_id", service.nodeId());
    tags.put("zone", "europe-west1-b");
    tags.put("guid:x-request-id", requestId);
    tags.put("http.url", url);
    tags.put("http.method", method);
    tags.put("http.protocol", edge ? "HTTP/2" : "HTTP/1.1");
    tags.put("downstream_cluster", "-");
    tags.put("user_agent", edge ? USER_AGENTS[random.nextInt(USER_AGENTS.length)]
        : "Vert.x-WebClient/5.0.7");
    tags.put("request_size", method.equals("GET") ? "0"
        : Integer.toString(random.nextInt(80, 2400)));
    tags.put("response_size", Integer.toString(statusCode >= 500 ? 19
        : random.nextInt(120, 24_000)));
    tags.put("http.status_code", Integer.toString(statusCode));
    tags.put("response_flags", statusCode == 503 ? "UF" : "-");
    tags.put("upstream_cluster", cluster);
    tags.put("upstream_cluster.name", cluster);
    tags.put("istio.canonical_service", service.name());
    tags.put("istio.canonical_revision", gateway ? "latest" : "v1");
    tags.put("istio.mesh_id", "cluster.local");
    tags.put("istio.namespace", gateway ? "istio-system" : Topology.NAMESPACE);
    return tags;
  }

  private static String concrete(String path, SplittableRandom random) {
    return path.replaceAll("\\{[^}]+}", Integer.toString(random.nextInt(1000, 99_999)));
  }

  private static long jitter(long base, SplittableRandom random) {
    // log-normal around the base: most requests near it, a tail of slower ones
    return Math.max(10, Math.round(base * Math.exp(random.nextGaussian() * 0.35)));
  }

  private static String spanId(SplittableRandom random, Set<String> taken) {
    String id;
    do {
      id = hex(nonZero(random), 16);
    } while (!taken.add(id));
    return id;
  }

  private static long nonZero(SplittableRandom random) {
    long value;
    do {
      value = random.nextLong();
    } while (value == 0);
    return value;
  }

  private static String uuid(SplittableRandom random) {
    return new java.util.UUID(random.nextLong(), random.nextLong()).toString();
  }

  static String hex(long value, int digits) {
    String hex = Long.toHexString(value);
    return "0".repeat(Math.max(0, digits - hex.length())) + hex;
  }
}
