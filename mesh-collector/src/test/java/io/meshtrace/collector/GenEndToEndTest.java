package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.examples.generator.GeneratedTrace;
import io.meshtrace.examples.generator.TraceGenerator;
import io.meshtrace.examples.generator.WorkloadOptions;
import io.meshtrace.model.TraceId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code meshtrace gen} against real meshtrace servers: what it sends is stored, the same seed
 * stores the same traces, every protocol is accepted, overload is ridden out with retries.
 */
class GenEndToEndTest {
  /** A pinned start, recent enough for the partitions meshtrace keeps. */
  static final String START = Instant.now().minus(10, ChronoUnit.MINUTES)
      .truncatedTo(ChronoUnit.SECONDS).toString();

  record Run(int exitCode, String out, String err) {
    JsonObject summary() {
      return new JsonObject(out.strip());
    }
  }

  static Run gen(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] command = new String[args.length + 1];
    command[0] = "gen";
    System.arraycopy(args, 0, command, 1, args.length);
    int exitCode = MeshtraceCommand.run(command, Map.of(), new PrintWriter(out, true),
        new PrintWriter(err, true));
    return new Run(exitCode, out.toString(), err.toString());
  }

  @Test
  void theSameSeedStoresTheSameTracesTwiceAndAnotherSeedOthers() throws Exception {
    Map<String, JsonArray> first = sendAndReadBack("1");
    Map<String, JsonArray> second;
    Map<String, JsonArray> withSeed2;
    MeshtraceServer server = TestServers.allInOne();
    try {
      second = sendAndReadBack(server, "1");
      Map<String, JsonArray> both = sendAndReadBack(server, "2");
      withSeed2 = new TreeMap<>(both);
      withSeed2.keySet().removeAll(second.keySet());
    } finally {
      server.stop();
    }

    // Two databases, two runs: the same trace IDs, span IDs, parents, names, kinds, tags,
    // timestamps and durations, as meshtrace stored them.
    assertThat(first).hasSize(20);
    assertThat(second.keySet()).isEqualTo(first.keySet());
    for (String traceId : first.keySet()) {
      assertThat(second.get(traceId).encodePrettily()).as(traceId)
          .isEqualTo(first.get(traceId).encodePrettily());
    }
    // ... and what was stored is what the generator makes for seed 1
    TraceGenerator generator = new TraceGenerator(new WorkloadOptions(8, 4, 3, 0.05, 0.02, 1));
    long startMicros = Instant.parse(START).toEpochMilli() * 1000;
    Set<String> generatedIds = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      GeneratedTrace trace = generator.trace(i, startMicros + i * 1_000_000L / 100);
      generatedIds.add(trace.traceId());
      JsonArray stored = first.get(trace.traceId());
      assertThat(stored).as("trace %d", i).isNotNull().hasSize(trace.spans().size());
      JsonObject root = stored.stream().map(JsonObject.class::cast)
          .filter(s -> !s.containsKey("parentId")).findFirst().orElseThrow();
      assertThat(root.getLong("timestamp")).isEqualTo(trace.root().startMicros());
      assertThat(root.getLong("duration")).isEqualTo(trace.root().durationMicros());
      assertThat(root.getJsonObject("tags").getString("sampler.type")).isEqualTo("probabilistic");
    }
    assertThat(first.keySet()).isEqualTo(generatedIds);

    // Seed 2: twenty other traces, differently shaped.
    assertThat(withSeed2).hasSize(20);
    assertThat(withSeed2.values().stream().map(JsonArray::size).toList())
        .isNotEqualTo(first.values().stream().map(JsonArray::size).toList());
  }

  private static Map<String, JsonArray> sendAndReadBack(String seed) throws Exception {
    MeshtraceServer server = TestServers.allInOne();
    try {
      return sendAndReadBack(server, seed);
    } finally {
      server.stop();
    }
  }

  /** Sends 20 traces with the seed, then reads every trace the server has. */
  private static Map<String, JsonArray> sendAndReadBack(MeshtraceServer server, String seed)
      throws Exception {
    Run run = gen("--seed", seed, "--traces", "20", "--rate", "100", "--start-time", START,
        "--endpoint", url(server, "zipkin", "/api/v2/spans"), "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.summary().getLong("traces")).isEqualTo(20);
    // paced at 100 traces/s, not sent in one burst
    assertThat(run.summary().getDouble("seconds")).isGreaterThanOrEqualTo(0.19);
    long endTs = System.currentTimeMillis() + 3_600_000;
    HttpResponse<String> found = get(url(server, "zipkin", "/api/v2/traces?serviceName="
        + "edge-gateway&limit=1000&endTs=" + endTs + "&lookback=" + 4 * 3_600_000));
    assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
    Map<String, JsonArray> traces = new TreeMap<>();
    for (Object trace : new JsonArray(found.body())) {
      List<JsonObject> spans = new ArrayList<>();
      ((JsonArray) trace).forEach(span -> spans.add((JsonObject) span));
      spans.sort(Comparator.comparing((JsonObject s) -> s.getString("id"))
          .thenComparing(s -> s.getString("kind", "")));
      traces.put(spans.get(0).getString("traceId"), new JsonArray(new ArrayList<>(spans)));
    }
    return traces;
  }

  @Test
  void everyProtocolIsAcceptedAndStored() throws Exception {
    MeshtraceServer server = TestServers.allInOne();
    try {
      Map<String, String> endpoints = Map.of(
          "zipkin-json", url(server, "zipkin", ""), // the path is added
          "zipkin-proto", url(server, "zipkin", "/api/v2/spans"),
          "otlp-http", url(server, "otlpHttp", "/v1/traces"),
          "otlp-grpc", url(server, "otlpGrpc", ""));
      int seed = 100;
      for (String protocol : List.of("zipkin-json", "zipkin-proto", "otlp-http", "otlp-grpc")) {
        seed++;
        Run run = gen("--protocol", protocol, "--endpoint", endpoints.get(protocol),
            "--seed", Integer.toString(seed), "--traces", "6", "--rate", "100",
            "--error-rate", "0.5", "--start-time", START, "--batch-size", "40", "--json");
        assertThat(run.exitCode()).as("%s: %s", protocol, run.err()).isZero();
        JsonObject summary = run.summary();
        assertThat(summary.getString("protocol")).isEqualTo(protocol);
        assertThat(summary.getLong("traces")).isEqualTo(6);
        assertThat(summary.getLong("requests")).isGreaterThan(1); // batches of 40 spans at most

        TraceGenerator generator = new TraceGenerator(
            new WorkloadOptions(8, 4, 3, 0.5, 0.02, seed));
        long startMicros = Instant.parse(START).toEpochMilli() * 1000;
        long spans = 0;
        for (int i = 0; i < 6; i++) {
          GeneratedTrace trace = generator.trace(i, startMicros + i * 10_000L);
          spans += trace.spans().size();
          HttpResponse<String> stored = get(url(server, "zipkin", "/api/v2/trace/"
              + trace.traceId()));
          assertThat(stored.statusCode()).as("%s trace %d: %s", protocol, i, stored.body())
              .isEqualTo(200);
          JsonArray storedSpans = new JsonArray(stored.body());
          assertThat(storedSpans).as(protocol).hasSize(trace.spans().size());
          Set<String> ids = new HashSet<>();
          storedSpans.forEach(s -> ids.add(((JsonObject) s).getString("id")));
          assertThat(ids).as(protocol).isEqualTo(new HashSet<>(trace.spans().stream()
              .map(s -> s.spanId()).toList()));
          JsonObject root = storedSpans.stream().map(JsonObject.class::cast)
              .filter(s -> !s.containsKey("parentId")).findFirst().orElseThrow();
          assertThat(root.getJsonObject("tags").containsKey("error")).as(protocol)
              .isEqualTo(trace.error());
        }
        assertThat(summary.getLong("spans")).isEqualTo(spans);
      }
    } finally {
      server.stop();
    }
  }

  @Test
  void anOverloadedServerIsRetriedAfterItsHintAndAFailureIsReported() throws Exception {
    MeshtraceServer server = TestServers.allInOne("--max-spans-in-flight", "100",
        "--max-spans-per-request", "100", "--writer-concurrency", "1");
    try {
      // Hold inserts and fill the bound, so that meshtrace answers 429 with Retry-After: 1.
      SqlConnection locker = server.storage().pool().getConnection().await();
      Transaction lock = locker.begin().await();
      locker.query("LOCK TABLE spans IN ACCESS EXCLUSIVE MODE").execute().await();
      ByteString held = OtlpPayloads.randomTraceId();
      CompletableFuture<HttpResponse<String>> holding = TestServers.HTTP.sendAsync(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              url(server, "otlpHttp", "/v1/traces")))
              .header("Content-Type", "application/x-protobuf")
              .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                  OtlpPayloads.trace(held, 100, "held").toByteArray())).build(),
          HttpResponse.BodyHandlers.ofString());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (server.metrics().get("meshtrace.spans.in.flight").gauge().value() < 100) {
        assertThat(System.nanoTime()).as("the held request fills the pipeline")
            .isLessThan(deadline);
        Thread.sleep(10);
      }
      CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> gen("--seed", "5",
          "--traces", "3", "--rate", "50", "--endpoint", url(server, "zipkin", "/api/v2/spans"),
          "--json"));
      while (server.metrics().find("meshtrace.spans.rejected").tag("reason", "overloaded")
          .counters().stream().mapToDouble(c -> c.count()).sum() == 0) {
        assertThat(System.nanoTime()).as("gen is refused").isLessThan(deadline);
        Thread.sleep(10);
      }
      lock.rollback().await();
      locker.close().await();
      assertThat(holding.join().statusCode()).isEqualTo(200);

      Run run = running.join();
      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.summary().getLong("retries")).isPositive();
      assertThat(run.summary().getLong("traces")).isEqualTo(3);
      String traceId = run.summary().getJsonArray("examples").getJsonObject(0)
          .getString("traceId");
      assertThat(server.storage().spanStore().getTrace(TraceId.fromHex(traceId)).await())
          .isNotEmpty();

      // A path meshtrace does not serve: the status and the body, exit 1.
      Run refused = gen("--traces", "2", "--rate", "50", "--endpoint",
          url(server, "zipkin", "/api/v2/nowhere"));
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.err()).contains("gen: POST " + url(server, "zipkin", "/api/v2/nowhere")
          + " answered 404");
    } finally {
      server.stop();
    }
  }
}
