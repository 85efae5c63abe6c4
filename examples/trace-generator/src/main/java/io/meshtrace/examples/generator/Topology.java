package io.meshtrace.examples.generator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The services of the synthetic mesh, in levels below the edge gateway, their HTTP operations,
 * which operations call which, and the in-process (database, cache, messaging) spans they make.
 * A service only calls services of the next level, so no path is longer than the depth; no
 * operation has more calls and in-process spans together than the fan-out.
 */
public final class Topology {
  public static final String NAMESPACE = "shop";
  public static final String GATEWAY = "edge-gateway";
  /** The host the edge gateway serves, outside the mesh. */
  public static final String EDGE_HOST = "shop.example.com";
  static final int PORT = 8080;

  private static final List<String> NAMES = List.of(GATEWAY, "frontend", "cart", "checkout",
      "catalog", "payments", "inventory", "shipping", "recommendations", "currency", "reviews",
      "auth", "email", "search");

  private static final Map<String, List<String>> ROUTES = Map.ofEntries(
      Map.entry("frontend", List.of("GET /", "GET /products", "GET /products/{id}", "POST /cart",
          "POST /checkout")),
      Map.entry("cart", List.of("GET /cart", "POST /cart/items")),
      Map.entry("checkout", List.of("POST /checkout")),
      Map.entry("catalog", List.of("GET /products", "GET /products/{id}")),
      Map.entry("payments", List.of("POST /payments/charge")),
      Map.entry("inventory", List.of("GET /inventory/{sku}", "POST /inventory/reserve")),
      Map.entry("shipping", List.of("POST /shipping/quote")),
      Map.entry("recommendations", List.of("GET /recommendations")),
      Map.entry("currency", List.of("GET /currency/convert")),
      Map.entry("reviews", List.of("GET /reviews/{productId}")),
      Map.entry("auth", List.of("POST /auth/verify")),
      Map.entry("email", List.of("POST /email/send")),
      Map.entry("search", List.of("GET /search")));

  private static final Map<String, String> TOPICS = Map.of("checkout", "orders", "email",
      "emails", "shipping", "shipments");
  private static final List<String> CACHED = List.of("cart", "catalog", "currency",
      "recommendations", "auth");

  /** A mesh service: a deployment with an Envoy sidecar (the gateway is a standalone Envoy). */
  public record Service(String name, int level, String ip, String pod) {
    public boolean gateway() {
      return level == 0;
    }

    public String host() {
      return name + "." + NAMESPACE + ".svc.cluster.local";
    }

    public String nodeId() {
      String namespace = gateway() ? "istio-system" : NAMESPACE;
      return (gateway() ? "router~" : "sidecar~") + ip + "~" + pod + "." + namespace + "~"
          + namespace + ".svc.cluster.local";
    }
  }

  /** An HTTP route of a service; {@code parallel} when it makes its calls concurrently. */
  public record Operation(Service service, String method, String path, long selfMicros,
      boolean parallel, List<Call> calls, List<InProcess> inProcess) {
    /**
     * The name of its spans, Istio's {@code host:port/path}: the server span of the route and
     * the client spans that call it; at the edge gateway {@code shop.example.com/path}.
     */
    public String spanName() {
      return (service.gateway() ? EDGE_HOST : service.host() + ":" + PORT) + path;
    }
  }

  /** A call to another service's operation, made by a share {@code probability} of requests. */
  public record Call(Operation target, double probability) {}

  /** What an in-process span talks to: a server in the namespace, without a sidecar. */
  public enum Backend {
    POSTGRES(5432, "10.4.250.2"), REDIS(6379, "10.4.250.3"), KAFKA(9092, "10.4.250.4");

    private final int port;
    private final String ip;

    Backend(int port, String ip) {
      this.port = port;
      this.ip = ip;
    }

    /** {@code postgres}, {@code redis}, {@code kafka}: the peer service of its spans. */
    public String peerService() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public String host() {
      return peerService() + "." + NAMESPACE + ".svc.cluster.local";
    }

    public int port() {
      return port;
    }

    public String ip() {
      return ip;
    }
  }

  /** A database, cache or messaging span an operation makes, as an SDK would record it. */
  public record InProcess(Backend backend, String name, String library,
      Map<String, String> tags, long selfMicros, double probability) {}

  private final List<Service> services;
  private final List<Operation> entries;
  private final List<Operation> operations;
  private final Map<Operation, InProcess> repeatedStores;
  private final int levels;

  private Topology(List<Service> services, List<Operation> entries, List<Operation> operations,
      Map<Operation, InProcess> repeatedStores, int levels) {
    this.services = services;
    this.entries = entries;
    this.operations = operations;
    this.repeatedStores = repeatedStores;
    this.levels = levels;
  }

  /** The services, the edge gateway first. */
  public List<Service> services() {
    return services;
  }

  /** The edge gateway's routes, where every trace starts. */
  public List<Operation> entries() {
    return entries;
  }

  /**
   * Every operation a trace can reach, each once: the edge gateway's routes first, then the
   * operations they call, depth first. A trace's server spans are named by these (their
   * {@link Operation#spanName()}, on their service).
   */
  public List<Operation> operations() {
    return operations;
  }

  /**
   * The database, cache or broker call that a request of {@code operation} repeats when a trace
   * of a fixed size needs more spans: its own first one, else a query of its service's
   * PostgreSQL table. The edge gateway has none.
   */
  InProcess repeatedStore(Operation operation) {
    return repeatedStores.get(operation);
  }

  /** How many levels of services have any (the gateway is level 0). */
  public int levels() {
    return levels;
  }

  static String serviceName(int index) {
    return index < NAMES.size() ? NAMES.get(index) : "service-" + (index + 1);
  }

  /** Builds the topology from the options; the same options give the same topology. */
  public static Topology build(WorkloadOptions options) {
    SplittableRandom random = new SplittableRandom(Mixing.mix(options.seed(), -1));
    int count = options.services();
    int depth = options.depth();
    List<Service> services = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int level;
      if (i == 0) {
        level = 0;
      } else if (i == 1 || depth <= 2) {
        level = Math.min(1, depth - 1);
      } else {
        // The rest spread over levels 2 .. depth-1 in blocks: cart, checkout, catalog call
        // payments, inventory, shipping rather than alternating.
        level = 2 + (i - 2) * (depth - 2) / (count - 2);
      }
      String name = serviceName(i);
      String pod = name + "-" + hex(random, 9) + "-" + hex(random, 5);
      services.add(new Service(name, level, "10.4." + (i / 250) + "." + (i % 250 + 2), pod));
    }
    int levels = services.stream().mapToInt(Service::level).max().orElse(0) + 1;

    // Built from the deepest level up, so that callers can name their callees' operations.
    Map<Service, List<Operation>> operations = new LinkedHashMap<>();
    List<Service> below = List.of();
    for (int level = levels - 1; level >= 1; level--) {
      List<Service> here = atLevel(services, level);
      for (Service service : here) {
        operations.put(service, routes(service, random, options.fanOut()));
      }
      wireCalls(here, below, operations, random, options.fanOut());
      for (Service service : here) {
        for (Operation operation : operations.get(service)) {
          addInProcess(operation, random, options.fanOut());
        }
      }
      below = here;
    }
    Service gateway = services.get(0);
    List<Operation> entries = new ArrayList<>();
    if (count == 1 || depth == 1) {
      entries.add(new Operation(gateway, "GET", "/", jitterBase(random, 300, 900), false,
          List.of(), List.of()));
    } else {
      // The gateway forwards the routes of the first level (the frontend; every service when
      // the mesh is only two deep) as they are.
      for (Service service : atLevel(services, 1)) {
        for (Operation route : operations.get(service)) {
          entries.add(new Operation(gateway, route.method(), route.path(),
              jitterBase(random, 300, 900), false, List.of(new Call(route, 1.0)), List.of()));
        }
      }
    }
    List<Operation> reachable = reachable(entries);
    // Drawn after everything else, so that the topology is the same with and without them.
    Map<Operation, InProcess> repeatedStores = new java.util.IdentityHashMap<>();
    for (Operation operation : reachable) {
      if (!operation.service().gateway()) {
        repeatedStores.put(operation, operation.inProcess().isEmpty()
            ? postgres(operation.service().name(), operation.method().equals("POST"),
                jitterBase(random, 400, 6000), 1.0)
            : operation.inProcess().get(0));
      }
    }
    return new Topology(List.copyOf(services), List.copyOf(entries), reachable,
        Collections.unmodifiableMap(repeatedStores), levels);
  }

  private static List<Operation> reachable(List<Operation> entries) {
    Map<Operation, Boolean> seen = new java.util.IdentityHashMap<>();
    List<Operation> order = new ArrayList<>(entries);
    entries.forEach(entry -> seen.put(entry, true));
    for (Operation entry : entries) {
      visit(entry, seen, order);
    }
    return List.copyOf(order);
  }

  private static void visit(Operation operation, Map<Operation, Boolean> seen,
      List<Operation> order) {
    for (Call call : operation.calls()) {
      if (seen.put(call.target(), true) == null) {
        order.add(call.target());
        visit(call.target(), seen, order);
      }
    }
  }

  private static List<Service> atLevel(List<Service> services, int level) {
    return services.stream().filter(s -> s.level() == level).toList();
  }

  private static List<Operation> routes(Service service, SplittableRandom random, int fanOut) {
    List<String> routes = ROUTES.getOrDefault(service.name(), List.of("GET /" + service.name()
        + "/items", "POST /" + service.name() + "/items"));
    List<Operation> operations = new ArrayList<>();
    for (String route : routes) {
      String[] methodAndPath = route.split(" ", 2);
      operations.add(new Operation(service, methodAndPath[0], methodAndPath[1],
          jitterBase(random, 800, 12_000), fanOut > 1 && random.nextDouble() < 0.3,
          new ArrayList<>(), new ArrayList<>()));
    }
    return operations;
  }

  /**
   * Each operation calls one to fan-out services of the next level; then every service of the
   * next level not yet called is given to an operation with room, so that all services appear.
   */
  private static void wireCalls(List<Service> callers, List<Service> callees,
      Map<Service, List<Operation>> operations, SplittableRandom random, int fanOut) {
    if (callees.isEmpty()) {
      return;
    }
    List<Operation> callerOperations = callers.stream()
        .flatMap(s -> operations.get(s).stream()).toList();
    java.util.Set<Service> called = new java.util.HashSet<>();
    for (Operation operation : callerOperations) {
      List<Service> shuffled = new ArrayList<>(callees);
      Collections.shuffle(shuffled, new java.util.Random(random.nextLong()));
      int calls = 1 + random.nextInt(Math.min(fanOut, callees.size()));
      for (Service callee : shuffled.subList(0, calls)) {
        addCall(operation, callee, operations, random);
        called.add(callee);
      }
    }
    int next = 0;
    for (Service callee : callees) {
      for (int tried = 0; !called.contains(callee) && tried < callerOperations.size(); tried++) {
        Operation operation = callerOperations.get(next++ % callerOperations.size());
        if (operation.calls().size() < fanOut
            && operation.calls().stream().noneMatch(c -> c.target().service().equals(callee))) {
          addCall(operation, callee, operations, random);
          called.add(callee);
        }
      }
    }
  }

  private static void addCall(Operation caller, Service callee,
      Map<Service, List<Operation>> operations, SplittableRandom random) {
    List<Operation> targets = operations.get(callee);
    Operation target = targets.get(random.nextInt(targets.size()));
    caller.calls().add(new Call(target, caller.calls().isEmpty() ? 1.0 : 0.8));
  }

  /** Leaf operations always touch their store; others sometimes do, if fan-out allows. */
  private static void addInProcess(Operation operation, SplittableRandom random, int fanOut) {
    int room = fanOut - operation.calls().size();
    if (room <= 0) {
      return;
    }
    boolean leaf = operation.calls().isEmpty();
    if (!leaf && random.nextDouble() >= 0.4) {
      return;
    }
    String name = operation.service().name();
    String table = name.replace('-', '_');
    boolean write = operation.method().equals("POST");
    if (TOPICS.containsKey(name) && write) {
      String topic = TOPICS.get(name);
      operation.inProcess().add(messaging(topic, random));
    } else if (CACHED.contains(name) && !write) {
      operation.inProcess().add(new InProcess(Backend.REDIS, "GET", "io.opentelemetry.lettuce-5.1",
          tags("db.system", "redis", "db.statement", "GET " + table + ":?",
              "db.operation", "GET", "net.peer.name", Backend.REDIS.host(),
              "net.peer.port", "6379"),
          jitterBase(random, 150, 900), 0.9));
    }
    if (operation.inProcess().size() < room) {
      operation.inProcess().add(postgres(name, write, jitterBase(random, 400, 6000),
          leaf ? 1.0 : 0.9));
    }
  }

  /** A query of the service's own table, as the JDBC instrumentation records it. */
  private static InProcess postgres(String service, boolean write, long selfMicros,
      double probability) {
    String table = service.replace('-', '_');
    String statement = write
        ? "INSERT INTO " + table + " (id, payload, created_at) VALUES ($1, $2, now())"
        : "SELECT id, payload FROM " + table + " WHERE id = $1";
    String verb = write ? "INSERT" : "SELECT";
    return new InProcess(Backend.POSTGRES, verb + " " + NAMESPACE + "." + table,
        "io.opentelemetry.jdbc",
        tags("db.system", "postgresql", "db.name", NAMESPACE, "db.user", service,
            "db.statement", statement, "db.operation", verb, "db.sql.table", table,
            "net.peer.name", Backend.POSTGRES.host(), "net.peer.port", "5432"),
        selfMicros, probability);
  }

  private static InProcess messaging(String topic, SplittableRandom random) {
    return new InProcess(Backend.KAFKA, topic + " publish", "io.opentelemetry.kafka-clients-2.6",
        tags("messaging.system", "kafka", "messaging.destination.name", topic,
            "messaging.destination.kind", "topic", "messaging.operation", "publish",
            "net.peer.name", Backend.KAFKA.host(), "net.peer.port", "9092"),
        jitterBase(random, 500, 3000), 1.0);
  }

  private static Map<String, String> tags(String... keysAndValues) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      tags.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(tags);
  }

  private static long jitterBase(SplittableRandom random, long min, long max) {
    return random.nextLong(min, max + 1);
  }

  private static String hex(SplittableRandom random, int digits) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < digits; i++) {
      out.append("bcdfghjklmnpqrstvwxz2456789".charAt(random.nextInt(27)));
    }
    return out.toString();
  }
}
