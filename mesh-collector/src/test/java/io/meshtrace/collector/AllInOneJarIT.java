package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.meshtrace.controlplane.xds.AdsClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zipkin2.Span;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.reporter.Encoding;
import zipkin2.reporter.SpanBytesEncoder;

/**
 * The shaded jar as a user runs it: {@code java -jar meshtrace.jar all-in-one} with the embedded
 * PostgreSQL, restarted cleanly and after a {@code kill -9}; spans survive both. And the mesh
 * tools from the same jar (xDS with a NACK, gen, doctor, istio render): what shading leaves out
 * shows only here.
 */
class AllInOneJarIT {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir
  Path dir;
  Process process;

  @AfterEach
  void stopServer() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroy();
      process.waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void spansSurviveARestartAndAKillMinus9() throws Exception {
    Path dataDir = dir.resolve("data");
    // Settings through all three sources: the config file, the environment and flags.
    Path config = dir.resolve("meshtrace.yaml");
    Files.writeString(config, "bind: 127.0.0.1\nquery-port: 0\notlp-grpc-port: 0\n");

    JsonObject ports = start(config, dataDir, "first");
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    List<Span> mesh = EnvoyTraces.meshTrace(now);
    report(ports, mesh);
    assertThat(read(ports, EnvoyTraces.TRACE_128)).containsExactlyInAnyOrderElementsOf(mesh);

    // A clean stop takes PostgreSQL down with it.
    process.destroy();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(postmasterPid(dataDir)).isEmpty();

    ports = start(config, dataDir, "second");
    assertThat(read(ports, EnvoyTraces.TRACE_128)).containsExactlyInAnyOrderElementsOf(mesh);
    List<Span> legacy = EnvoyTraces.legacyTrace(now + 100);
    report(ports, legacy);

    // kill -9 leaves PostgreSQL running on the data directory.
    process.destroyForcibly();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Optional<Long> orphan = postmasterPid(dataDir);
    assertThat(orphan).isPresent();
    assertThat(ProcessHandle.of(orphan.get()).map(ProcessHandle::isAlive)).hasValue(true);

    ports = start(config, dataDir, "third");
    assertThat(read(ports, EnvoyTraces.TRACE_128)).containsExactlyInAnyOrderElementsOf(mesh);
    assertThat(read(ports, EnvoyTraces.TRACE_64)).containsExactlyInAnyOrderElementsOf(legacy);
    assertThat(Files.readString(dir.resolve("third.log")))
        .contains("left running on " + dataDir.resolve("postgres"));
    assertThat(ProcessHandle.of(orphan.get()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void sigtermDrainsWhileServingAndASecondSigtermEndsTheProcessAtOnce() throws Exception {
    Path dataDir = dir.resolve("data");
    Path config = dir.resolve("meshtrace.yaml");
    Files.writeString(config, "bind: 127.0.0.1\nquery-port: 0\notlp-grpc-port: 0\n"
        + "shutdown-drain: 60s\nshutdown-timeout: 90s\n");
    JsonObject ports = start(config, dataDir, "drain");
    String readyz = "http://127.0.0.1:" + ports.getInteger("admin") + "/readyz";

    process.destroy(); // SIGTERM
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int ready = 200;
    while (ready == 200 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      ready = HTTP.send(HttpRequest.newBuilder(URI.create(readyz)).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode();
    }
    assertThat(ready).as("/readyz after SIGTERM").isEqualTo(503);
    // Unready, and still serving: a load balancer has time to take the endpoint out.
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    List<Span> mesh = EnvoyTraces.meshTrace(now);
    report(ports, mesh);
    assertThat(read(ports, EnvoyTraces.TRACE_128)).containsExactlyInAnyOrderElementsOf(mesh);
    assertThat(process.isAlive()).isTrue();

    process.destroy(); // a second SIGTERM: no more waiting
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("exited after the second SIGTERM")
        .isTrue();
    assertThat(Files.readString(dir.resolve("drain.log"))).contains("again while stopping");
    // Ended at once, it left its PostgreSQL behind, as a kill -9 would; the next start (or
    // this test) stops it.
    postmasterPid(dataDir).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroy);
  }

  @Test
  void anInvalidSettingStopsStartUpWithAMessageNamingIt() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(java(), "-jar", jar(), "all-in-one",
        "--data-dir", dir.resolve("data").toString())
        .redirectErrorStream(true);
    builder.environment().put("MESHTRACE_ZIPKIN_PORT", "not-a-port");
    Process bad = builder.start();
    assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bad.exitValue()).isEqualTo(2);
    assertThat(output).contains("--zipkin-port").contains("not-a-port")
        .contains("MESHTRACE_ZIPKIN_PORT");
  }

  @Test
  void theMeshToolsRunFromTheJar() throws Exception {
    Path routes = Files.writeString(dir.resolve("gateway-routes.yaml"), """
        listener: {port: 10000}
        routes:
          - {prefix: /shop, cluster: shop, operation: "GET /shop"}
        clusters:
          - {name: shop, endpoints: ["127.0.0.1:8081"]}
        """);
    Path portsFile = dir.resolve("mesh-ports.json");
    process = new ProcessBuilder(java(), "-jar", jar(), "all-in-one", "--bind", "127.0.0.1",
        "--data-dir", dir.resolve("data").toString(), "--ports-file", portsFile.toString(),
        "--zipkin-port", "0", "--otlp-grpc-port", "0", "--otlp-http-port", "0",
        "--jaeger-compact-port", "0", "--jaeger-binary-port", "0", "--jaeger-http-port", "0",
        "--query-port", "0", "--sampling-http-port", "0", "--sampling-grpc-port", "0",
        "--xds-port", "0", "--admin-port", "0", "--gateway-routes", routes.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("mesh.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(portsFile)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("meshtrace did not start:\n"
            + Files.readString(dir.resolve("mesh.log")));
      }
      Thread.sleep(100);
    }
    JsonObject ports = new JsonObject(Files.readString(portsFile));
    assertThat(ports.fieldNames()).contains("xds");

    // xDS, including a NACK (its error_detail is a google.rpc.Status, a class two jars carry).
    try (AdsClient envoy = new AdsClient(ports.getInteger("xds"), "jar-edge", "edge-gateway")) {
      envoy.subscribe(AdsClient.LISTENERS);
      DiscoveryResponse listeners = envoy.next(AdsClient.LISTENERS, Duration.ofSeconds(10));
      assertThat(listeners).isNotNull();
      assertThat(listeners.getResourcesCount()).isEqualTo(1);
      envoy.nack(listeners, "", "cannot bind '0.0.0.0:10000': Address already in use");
      String nacks = "";
      for (int i = 0; i < 100 && !nacks.contains(" 1.0"); i++) {
        Thread.sleep(50);
        nacks = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + ports.getInteger("admin") + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body().lines()
            .filter(line -> line.startsWith("meshtrace_xds_nacks_total{")
                && line.contains(AdsClient.LISTENERS)).findFirst().orElse("");
      }
      assertThat(nacks).endsWith(" 1.0");
      envoy.subscribe(AdsClient.CLUSTERS);
      assertThat(envoy.next(AdsClient.CLUSTERS, Duration.ofSeconds(10))).isNotNull();
    }
    assertThat(Files.readString(dir.resolve("mesh.log")))
        .contains("cannot bind '0.0.0.0:10000': Address already in use");

    // gen over OTLP/gRPC (the gRPC client must be in the jar), stored and readable.
    Tool gen = tool("gen", "--traces", "3", "--rate", "50", "--seed", "7", "--protocol",
        "otlp-grpc", "--endpoint", "http://127.0.0.1:" + ports.getInteger("otlpGrpc"));
    assertThat(gen.exitCode).as(gen.output).isZero();
    assertThat(gen.output).contains("sent 3 traces");
    HttpResponse<String> services = HTTP.send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + ports.getInteger("query") + "/api/services")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(services.body()).contains("edge-gateway");

    // doctor and istio render need no server.
    Path fixture = Path.of("..", "..", "shared", "fixtures", "istio",
        "bootstrap_tracing_zipkin_golden.json").toAbsolutePath().normalize();
    Tool doctor = tool("doctor", fixture.toString(), "--expect-collector",
        "meshtrace.observability.svc.cluster.local:9411");
    assertThat(doctor.exitCode).as(doctor.output).isEqualTo(1);
    assertThat(doctor.output).contains("ERROR [collector-address]");
    Path strategies = Files.writeString(dir.resolve("strategies.json"),
        "{\"default_strategy\": {\"type\": \"probabilistic\", \"param\": 0.02}}");
    Tool render = tool("istio", "render", "--strategies", strategies.toString());
    assertThat(render.exitCode).as(render.output).isZero();
    assertThat(render.output).contains("kind: Telemetry").contains("randomSamplingPercentage: 2");
  }

  private record Tool(int exitCode, String output) {}

  private Tool tool(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(java(), "-jar", jar()));
    command.addAll(List.of(args));
    Process tool = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tool.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Tool(tool.exitValue(), output);
  }

  private JsonObject start(Path config, Path dataDir, String name) throws Exception {
    Path portsFile = dir.resolve(name + "-ports.json");
    ProcessBuilder builder = new ProcessBuilder(java(), "-jar", jar(), "all-in-one",
        "--config", config.toString(), "--data-dir", dataDir.toString(),
        "--zipkin-port", "0", "--ports-file", portsFile.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().put("MESHTRACE_ADMIN_PORT", "0");
    builder.environment().put("MESHTRACE_OTLP_HTTP_PORT", "0");
    builder.environment().put("MESHTRACE_SAMPLING_HTTP_PORT", "0");
    builder.environment().put("MESHTRACE_SAMPLING_GRPC_PORT", "0");
    builder.environment().put("MESHTRACE_JAEGER_COMPACT_PORT", "0");
    builder.environment().put("MESHTRACE_JAEGER_BINARY_PORT", "0");
    builder.environment().put("MESHTRACE_JAEGER_HTTP_PORT", "0");
    process = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(portsFile)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("meshtrace did not start:\n"
            + Files.readString(dir.resolve(name + ".log")));
      }
      Thread.sleep(100);
    }
    JsonObject ports = new JsonObject(Files.readString(portsFile));
    assertThat(ports.fieldNames()).containsExactly("zipkin", "otlpGrpc", "otlpHttp",
        "jaegerCompact", "jaegerBinary", "jaegerHttp", "query", "samplingHttp", "samplingGrpc",
        "admin");
    HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + ports.getInteger("admin") + "/readyz")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    return ports;
  }

  private static void report(JsonObject ports, List<Span> spans) throws IOException {
    ZipkinReporters.send("http://127.0.0.1:" + ports.getInteger("zipkin") + "/api/v2/spans",
        Encoding.JSON, SpanBytesEncoder.JSON_V2, spans);
  }

  private static List<Span> read(JsonObject ports, String traceId) throws Exception {
    HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + ports.getInteger("zipkin") + "/api/v2/trace/" + traceId))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    return new ArrayList<>(SpanBytesDecoder.JSON_V2.decodeList(response.body()));
  }

  private static Optional<Long> postmasterPid(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postgres/postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    return Optional.of(Long.parseLong(Files.readAllLines(pidFile).get(0).trim()));
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String jar() {
    return System.getProperty("meshtrace.jar");
  }
}
