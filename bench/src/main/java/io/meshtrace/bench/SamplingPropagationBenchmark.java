package io.meshtrace.bench;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * How long a sampling strategy change takes to reach what is steered by it: an SDK asking the
 * remote sampling endpoint (:5778) and the edge-gateway Envoy (a grpc-java ADS client that
 * subscribes and ACKs as Envoy does) — after a write through the admin API and after an edit of
 * the strategies file. Issue 6's target: a new xDS snapshot within 1 s.
 *
 * <p>{@code java -cp meshtrace-bench.jar io.meshtrace.bench.SamplingPropagationBenchmark
 * PORTS_FILE STRATEGIES_FILE ADMIN_TOKEN ROUNDS}, against a running all-in-one started with that
 * strategies file, that token and a --gateway-routes file (bench/sampling-benchmark.sh). Prints
 * one JSON line per change and one summary line per path.
 */
public final class SamplingPropagationBenchmark {
  static final String ROUTES = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String LISTENERS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String CLUSTERS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String SERVICE = "edge-gateway";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final int samplingPort;
  private final String token;
  private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
  private final StreamObserver<DiscoveryRequest> ads;
  private final Node node = Node.newBuilder().setId("bench-edge").setCluster(SERVICE).build();

  private SamplingPropagationBenchmark(int samplingPort, int xdsPort, String token) {
    this.samplingPort = samplingPort;
    this.token = token;
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext()
        .build();
    ads = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(
        new StreamObserver<>() {
          @Override
          public void onNext(DiscoveryResponse response) {
            received.add(new Received(response, System.nanoTime()));
          }

          @Override
          public void onError(Throwable t) {
            received.add(t);
          }

          @Override
          public void onCompleted() {
            received.add(new IllegalStateException("stream completed"));
          }
        });
  }

  private record Received(DiscoveryResponse response, long atNanos) {}

  public static void main(String[] args) throws Exception {
    JsonObject ports = new JsonObject(Files.readString(Path.of(args[0])));
    Path strategiesFile = Path.of(args[1]);
    String token = args[2];
    int rounds = Integer.parseInt(args[3]);
    SamplingPropagationBenchmark bench = new SamplingPropagationBenchmark(
        ports.getInteger("samplingHttp"), ports.getInteger("xds"), token);
    bench.subscribe();
    List<double[]> file = new ArrayList<>();
    List<double[]> api = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      // Distinct probabilities, so that every change is one the Envoy has not seen.
      double p = 0.1 + round * 0.001;
      file.add(bench.change("file", p, () -> Files.writeString(strategiesFile,
          "{\"service_strategies\": [{\"service\": \"" + SERVICE + "\", \"type\": "
              + "\"probabilistic\", \"param\": " + p + "}]}")));
      pause();
    }
    for (int round = 0; round < rounds; round++) {
      double p = 0.5 + round * 0.001;
      api.add(bench.change("api", p, () -> bench.put(p)));
      pause();
    }
    summary("file", file);
    summary("api", api);
    System.exit(0);
  }

  /**
   * 300-500 ms at random between changes: a fixed pause would lock the changes to one phase of
   * the server's 200 ms sampling poll and show one point of its spread.
   */
  private static void pause() throws InterruptedException {
    Thread.sleep(300 + java.util.concurrent.ThreadLocalRandom.current().nextInt(200));
  }

  interface Change {
    void apply() throws Exception;
  }

  /** Applies a change; returns ms until {@code [written, served over HTTP, pushed over xDS]}. */
  private double[] change(String path, double p, Change change) throws Exception {
    long micros = Math.round(p * 1_000_000);
    long start = System.nanoTime();
    CompletableFuture<Long> served = CompletableFuture.supplyAsync(() -> pollHttp(p));
    change.apply();
    long written = System.nanoTime();
    long pushed = awaitRoutes(micros, start + TimeUnit.SECONDS.toNanos(10));
    long servedAt = served.get(15, TimeUnit.SECONDS);
    double[] ms = {ms(written - start), ms(servedAt - start), ms(pushed - start)};
    System.out.printf(Locale.ROOT, "{\"path\":\"%s\",\"probability\":%.3f,\"writtenMs\":%.1f,"
        + "\"httpMs\":%.1f,\"xdsMs\":%.1f}%n", path, p, ms[0], ms[1], ms[2]);
    return ms;
  }

  private long pollHttp(double p) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + samplingPort
        + "/sampling?service=" + SERVICE)).timeout(Duration.ofSeconds(5)).build();
    while (System.nanoTime() < deadline) {
      try {
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        Double rate = new JsonObject(body).getJsonObject("probabilisticSampling", new JsonObject())
            .getDouble("samplingRate");
        if (rate != null && Math.abs(rate - p) < 1e-9) {
          return System.nanoTime();
        }
        Thread.sleep(2);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("HTTP never served " + p);
  }

  private void put(double p) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + samplingPort + "/api/sampling/strategies/services/" + SERVICE))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .header("X-Changed-By", "sampling-benchmark")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"type\": \"probabilistic\", \"param\": " + p
            + "}")).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("PUT answered " + response.statusCode() + ": "
          + response.body());
    }
  }

  private void subscribe() throws Exception {
    send(DiscoveryRequest.newBuilder().setTypeUrl(CLUSTERS));
    send(DiscoveryRequest.newBuilder().setTypeUrl(LISTENERS));
    send(DiscoveryRequest.newBuilder().setTypeUrl(ROUTES).addResourceNames("edge_gateway_routes"));
    awaitRoutes(-1, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
  }

  /** ACKs whatever arrives until a route configuration sampling at {@code micros} per million. */
  private long awaitRoutes(long micros, long deadlineNanos) throws Exception {
    while (true) {
      Object item = received.poll(Math.max(1, deadlineNanos - System.nanoTime()),
          TimeUnit.NANOSECONDS);
      if (item == null) {
        throw new IllegalStateException("no route configuration at " + micros + " ppm in time");
      }
      if (item instanceof Throwable t) {
        throw new IllegalStateException("ADS stream failed", t);
      }
      Received received = (Received) item;
      DiscoveryResponse response = received.response();
      DiscoveryRequest.Builder ack = DiscoveryRequest.newBuilder()
          .setTypeUrl(response.getTypeUrl()).setVersionInfo(response.getVersionInfo())
          .setResponseNonce(response.getNonce());
      if (response.getTypeUrl().equals(ROUTES)) {
        ack.addResourceNames("edge_gateway_routes");
      }
      send(ack);
      if (response.getTypeUrl().equals(ROUTES)) {
        RouteConfiguration routes = response.getResources(0).unpack(RouteConfiguration.class);
        long numerator = routes.getVirtualHosts(0).getRoutes(0).getTracing().getRandomSampling()
            .getNumerator();
        if (micros < 0 || numerator == micros) {
          return received.atNanos();
        }
      }
    }
  }

  private synchronized void send(DiscoveryRequest.Builder request) {
    ads.onNext(request.setNode(node).build());
  }

  private static void summary(String path, List<double[]> rounds) {
    String[] names = {"written", "http", "xds"};
    StringBuilder line = new StringBuilder("{\"summary\":\"" + path + "\",\"rounds\":"
        + rounds.size());
    for (int i = 0; i < names.length; i++) {
      int column = i;
      double[] values = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
      line.append(String.format(Locale.ROOT, ",\"%sMs\":{\"median\":%.1f,\"p90\":%.1f,"
          + "\"max\":%.1f}", names[i], values[values.length / 2],
          values[(int) Math.ceil(values.length * 0.9) - 1], values[values.length - 1]));
    }
    System.out.println(line.append('}'));
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
