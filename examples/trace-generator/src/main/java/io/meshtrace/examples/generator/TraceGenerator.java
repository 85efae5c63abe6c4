package io.meshtrace.examples.generator;

import io.meshtrace.examples.generator.GeneratedSpan.Kind;
import io.meshtrace.examples.generator.Topology.Call;
import io.meshtrace.examples.generator.Topology.InProcess;
import io.meshtrace.examples.generator.Topology.Operation;
import io.meshtrace.examples.generator.Topology.Service;
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
 * <p>A trace is made in two passes: first which calls happen, which span fails and which is
 * slow; then the timing, from the leaves up, so that a slow or failing span pushes its
 * ancestors' durations and statuses the way it does in a real mesh.
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

  private final WorkloadOptions options;
  private final Topology topology;

  public TraceGenerator(WorkloadOptions options) {
    this.options = options;
    this.topology = Topology.build(options);
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
    Node root = server(entry, null, random, spanIds);
    List<String> notes = new ArrayList<>();
    if (error) {
      Node failed = pick(root, random);
      fail(failed, random);
      notes.add(describe(failed) + " failed"
          + (failed.inProcess == null ? " with " + failed.statusCode : ""));
    }
    if (outlier) {
      Node slow = pick(root, random);
      double factor = 10 + random.nextDouble() * 40;
      slow.selfMicros = Math.round(slow.selfMicros * factor);
      slow.outlier = true;
      notes.add(describe(slow) + " took " + Math.round(factor) + "x its usual time");
    }
    layOut(root, startMicros, random);

    List<GeneratedSpan> spans = new ArrayList<>();
    emit(root, traceId, requestId, random, spans);
    return new GeneratedTrace(index, traceId, List.copyOf(spans), error, outlier,
        notes.isEmpty() ? null : String.join("; ", notes));
  }

  private static String describe(Node node) {
    return node.inProcess != null
        ? node.service.name() + " " + node.inProcess.name() + " ("
            + node.inProcess.backend().name().toLowerCase(java.util.Locale.ROOT) + ")"
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

  private Node server(Operation operation, Node parent, SplittableRandom random,
      Set<String> spanIds) {
    Node server = new Node(Kind.SERVER, operation.service(), operation, null, parent,
        spanId(random, spanIds), jitter(operation.selfMicros(), random));
    for (Call call : operation.calls()) {
      if (random.nextDouble() < call.probability()) {
        // The caller's sidecar (or the gateway, as Envoy with spawn_upstream_span) reports the
        // outbound half; its own time is the network both ways. meshtrace's dependency graph
        // counts a call from such a CLIENT span to the SERVER span below it.
        Node client = new Node(Kind.CLIENT, operation.service(), call.target(), null, server,
            spanId(random, spanIds), random.nextLong(150, 900));
        server(call.target(), client, random, spanIds);
      }
    }
    for (InProcess inProcess : operation.inProcess()) {
      if (random.nextDouble() < inProcess.probability()) {
        new Node(inProcess.backend() == Topology.Backend.KAFKA ? Kind.PRODUCER : Kind.CLIENT,
            operation.service(), operation, inProcess, server, spanId(random, spanIds),
            jitter(inProcess.selfMicros(), random));
      }
    }
    return server;
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
    if (node.inProcess != null) {
      Map<String, String> tags = new LinkedHashMap<>(node.inProcess.tags());
      if (node.errorMessage != null) {
        tags.put("exception.message", node.errorMessage);
      }
      out.add(new GeneratedSpan(traceId, node.spanId, parentId, service.name(),
          node.inProcess.library(), node.inProcess.name(), node.kind, node.start,
          node.end - node.start, service.ip(), node.inProcess.backend().name().toLowerCase(
              java.util.Locale.ROOT), null, 0, tags, node.errorMessage));
    } else {
      Operation route = node.operation;
      Service callee = route.service();
      boolean edge = node.parent == null; // the request from outside, at the gateway
      boolean gateway = service.gateway();
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put("component", "proxy");
      tags.put("node_id", service.nodeId());
      tags.put("zone", "europe-west1-b");
      tags.put("guid:x-request-id", requestId);
      // Both halves of a hop, and the gateway's two spans, show the same request path.
      Node parent = node.parent;
      node.path = parent != null && parent.path != null
          && parent.operation.path().equals(route.path())
          ? parent.path : concrete(route.path(), random);
      tags.put("http.url", edge ? "https://shop.example.com" + node.path
          : "http://" + callee.host() + ":" + Topology.PORT + node.path);
      tags.put("http.method", route.method());
      tags.put("http.protocol", edge ? "HTTP/2" : "HTTP/1.1");
      tags.put("downstream_cluster", "-");
      tags.put("user_agent", edge ? USER_AGENTS[random.nextInt(USER_AGENTS.length)]
          : "Vert.x-WebClient/5.0.7");
      tags.put("request_size", route.method().equals("GET") ? "0"
          : Integer.toString(random.nextInt(80, 2400)));
      tags.put("response_size", Integer.toString(node.statusCode >= 500 ? 19
          : random.nextInt(120, 24_000)));
      tags.put("http.status_code", Integer.toString(node.statusCode));
      tags.put("response_flags", node.statusCode == 503 ? "UF" : "-");
      String cluster = node.kind == Kind.CLIENT || gateway
          ? "outbound|" + Topology.PORT + "||" + (edge && !node.children.isEmpty()
              ? node.children.get(0).operation.service().host() : callee.host())
          : "inbound|" + Topology.PORT + "||";
      tags.put("upstream_cluster", cluster);
      tags.put("upstream_cluster.name", cluster);
      tags.put("istio.canonical_service", service.name());
      tags.put("istio.canonical_revision", gateway ? "latest" : "v1");
      tags.put("istio.mesh_id", "cluster.local");
      tags.put("istio.namespace", gateway ? "istio-system" : Topology.NAMESPACE);
      String peer = node.parent == null ? "203.0.113." + random.nextInt(1, 255)
          : node.kind == Kind.CLIENT ? callee.ip() : node.parent.service.ip();
      tags.put("peer.address", peer);
      if (node.parent == null) {
        // What a Jaeger/OpenTelemetry sampler records on the root; meshtrace counts these roots
        // per sampling decision for adaptive sampling.
        tags.put("sampler.type", "probabilistic");
        tags.put("sampler.param", "1");
      }
      String name = (edge ? "shop.example.com" : callee.host() + ":" + Topology.PORT)
          + route.path();
      out.add(new GeneratedSpan(traceId, node.spanId, parentId, service.name(), "envoy", name,
          node.kind, node.start, node.end - node.start, service.ip(),
          node.kind == Kind.CLIENT ? callee.name() : null,
          node.kind == Kind.CLIENT ? callee.ip() : peer,
          node.kind == Kind.CLIENT ? Topology.PORT : 0, tags, node.errorMessage));
    }
    for (Node child : node.children) {
      emit(child, traceId, requestId, random, out);
    }
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
