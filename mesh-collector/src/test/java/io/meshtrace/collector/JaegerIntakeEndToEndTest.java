package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.api_v2.Collector.PostSpansRequest;
import io.jaegertracing.api_v2.Model;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyParameters;
import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.jaeger.codec.ThriftBatches;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Jaeger-native intake through the whole server: agent packets on the compact and binary UDP
 * ports, batches on the collector's HTTP port and PostSpans on the gRPC port beside
 * SamplingManager, each read back through the Jaeger v1 API as it was sent; bad input of every
 * kind counted and answered while the server goes on storing good input.
 */
class JaegerIntakeEndToEndTest {
  private static final AtomicLong TRACES = new AtomicLong(0x5100);
  static MeshtraceServer server;
  static long start;

  @BeforeAll
  static void startServer() throws Exception {
    server = TestServers.allInOne();
    start = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now().minusSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void compactAgentPacketReadsBackAsItWasSent() throws Exception {
    long low = TRACES.incrementAndGet();
    sendUdp("jaegerCompact", ThriftBatches.agentPacket(
        ThriftBatches.everything(start, 0x77L, low), true));
    checkEverything(awaitTrace(String.format("%016x%016x", 0x77L, low)), start);
  }

  @Test
  void binaryAgentPacketAndHttpBatchReadBackTheSame() throws Exception {
    long low = TRACES.incrementAndGet();
    sendUdp("jaegerBinary", ThriftBatches.agentPacket(
        ThriftBatches.everything(start, 0, low), false));
    checkEverything(awaitTrace(String.format("%016x", low)), start);

    long httpLow = TRACES.incrementAndGet();
    HttpResponse<String> posted = post(url(server, "jaegerHttp", "/api/traces"),
        "application/x-thrift", ThriftBatches.httpBody(
            ThriftBatches.everything(start, 0x99L, httpLow)));
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
    // Acknowledged means committed: readable at once, no polling.
    HttpResponse<String> trace = get(url(server, "query",
        "/api/traces/" + String.format("%016x%016x", 0x99L, httpLow)));
    assertThat(trace.statusCode()).as(trace.body()).isEqualTo(200);
    checkEverything(new JsonObject(trace.body()).getJsonArray("data").getJsonObject(0), start);
  }

  /** A PostSpans batch of one producer span (publish, 3 ms, two tags) of service grpc-client. */
  static Model.Batch grpcBatch(com.google.protobuf.ByteString traceId, long start) {
    return Model.Batch.newBuilder()
        .setProcess(Model.Process.newBuilder().setServiceName("grpc-client")
            .addTags(Model.KeyValue.newBuilder().setKey("hostname").setVStr("h1")))
        .addSpans(Model.Span.newBuilder().setTraceId(traceId)
            .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 7}))
            .setOperationName("publish").setFlags(1)
            .setStartTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(start / 1_000_000)
                .setNanos((int) (start % 1_000_000) * 1000))
            .setDuration(com.google.protobuf.Duration.newBuilder().setNanos(3_000_000))
            .addTags(Model.KeyValue.newBuilder().setKey("span.kind").setVStr("producer"))
            .addTags(Model.KeyValue.newBuilder().setKey("retries").setVType(Model.ValueType.INT64)
                .setVInt64(2)))
        .build();
  }

  /** Field by field: tags with their types, logs, references, flags, the process. */
  static void checkEverything(JsonObject trace, long start) {
    JsonArray spans = trace.getJsonArray("spans");
    assertThat(spans).hasSize(2);
    JsonObject root = span(spans, "0000000000001111");
    JsonObject child = span(spans, "0000000000002222");
    assertThat(root.getString("operationName")).isEqualTo("GET /cart");
    assertThat(root.getLong("startTime")).isEqualTo(start);
    assertThat(root.getLong("duration")).isEqualTo(2_500);
    assertThat(root.getInteger("flags")).isEqualTo(1);
    assertThat(root.getJsonArray("references")).isEmpty();
    assertThat(tags(root.getJsonArray("tags"))).containsExactlyInAnyOrder(
        "span.kind:string:server", "sampler.type:string:probabilistic",
        "sampler.param:float64:0.25", "http.status_code:int64:200", "cache.hit:bool:false",
        "payload:binary:AQID");
    JsonArray logs = root.getJsonArray("logs");
    assertThat(logs).hasSize(1);
    assertThat(logs.getJsonObject(0).getLong("timestamp")).isEqualTo(start + 100);
    assertThat(tags(logs.getJsonObject(0).getJsonArray("fields"))).containsExactly(
        "event:string:cache miss", "attempt:int64:2");

    assertThat(child.getLong("startTime")).isEqualTo(start + 200);
    assertThat(child.getInteger("flags")).isEqualTo(3);
    assertThat(child.getJsonArray("references")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("refType", "CHILD_OF").put("traceID", trace.getString("traceID"))
            .put("spanID", "0000000000001111"))
        .add(new JsonObject().put("refType", "FOLLOWS_FROM")
            .put("traceID", trace.getString("traceID")).put("spanID", "0000000000003333")));
    // error=true is the span's status; the API shows it as Jaeger v2 does, with the
    // OpenTelemetry status tag beside it.
    assertThat(tags(child.getJsonArray("tags"))).containsExactlyInAnyOrder(
        "span.kind:string:client", "error:bool:true", "db.system:string:postgresql",
        "otel.status_code:string:ERROR");

    JsonObject process = trace.getJsonObject("processes").getJsonObject(
        root.getString("processID"));
    assertThat(process.getString("serviceName")).isEqualTo("checkout");
    assertThat(tags(process.getJsonArray("tags"))).containsExactly(
        "hostname:string:checkout-7d9f", "ip:string:10.1.2.3",
        "jaeger.version:string:Java-1.8.1", "client-uuid:string:6d1f0c5e2a1b3c4d");
  }

  @Test
  void badPacketsAreCountedAndTheNextGoodOneIsStored() throws Exception {
    int port = server.ports().get("jaegerCompact");
    double malformed = packets(port, "malformed");
    double tooLarge = packets(port, "too_large");
    double rejectedIds = spansRejected("invalid_id");
    byte[] good = ThriftBatches.agentPacket(ThriftBatches.everything(start, 0, 1), true);
    sendUdp("jaegerCompact", java.util.Arrays.copyOf(good, good.length / 2)); // truncated
    // (70 kB cannot be one UDP datagram: IPv4 carries at most 65,507 bytes, so a client's
    // kernel refuses to send it. The largest that can be sent is refused here, below.)
    sendUdp("jaegerCompact", "GET / HTTP/1.1\r\n\r\n".getBytes()); // garbage
    sendUdp("jaegerCompact", ThriftBatches.agentPacket(
        new Batch(new Process("svc"), new ArrayList<>()), true)); // an empty batch
    sendUdp("jaegerCompact", new byte[65_500]); // past --jaeger-udp-max-packet-bytes
    // A string length past the packet: the service name's length (byte 16, see
    // JaegerThriftDecoderTest) claims 127 bytes.
    byte[] small = ThriftBatches.agentPacket(new Batch(new Process("svc"), new ArrayList<>(List.of(
        new Span(1, 0, 1, 0, "op", 1, start, 10)))), true);
    byte[] longString = small.clone();
    longString[16] = 0x7f;
    sendUdp("jaegerCompact", longString);
    // A field of the wrong type: Batch.process (field 1, a struct) written as an i32.
    byte[] wrongType = small.clone();
    wrongType[14] = 0x15;
    sendUdp("jaegerCompact", wrongType);
    // emitZipkinBatch, which is not read.
    sendUdp("jaegerCompact", ThriftBatches.compactMessage("emitZipkinBatch", new byte[] {0}));
    // A span with trace ID 0 beside a good one: UDP has partial success, the good one is kept.
    long low = TRACES.incrementAndGet();
    Span zero = new Span(0, 0, 0x5L, 0, "zero", 1, start, 10);
    Span fine = new Span(low, 0, 0x6L, 0, "fine", 1, start, 10);
    sendUdp("jaegerCompact", ThriftBatches.agentPacket(new Batch(new Process("svc"),
        new ArrayList<>(List.of(zero, fine))), true));
    awaitTrace(String.format("%016x", low));
    await(() -> packets(port, "malformed") == malformed + 6, "6 malformed packets counted");
    await(() -> packets(port, "too_large") == tooLarge + 1, "1 too large packet counted");
    assertThat(spansRejected("invalid_id")).isEqualTo(rejectedIds + 1);
    assertThat(packets(port, "stored")).isPositive();
  }

  @Test
  void everyPacketOutcomeIsExportedForBothPortsFromStartUp() throws Exception {
    String metrics = get(url(server, "admin", "/metrics")).body();
    for (String key : List.of("jaegerCompact", "jaegerBinary")) {
      int port = server.ports().get(key);
      for (String outcome : List.of("stored", "dropped_full", "dropped_unavailable",
          "malformed", "too_large")) {
        assertThat(metrics).contains("meshtrace_udp_packets_total{outcome=\"" + outcome
            + "\",port=\"" + port + "\"}");
      }
    }
    assertThat(metrics).contains("meshtrace_spans_received_total{format=\"thrift_binary\","
        + "transport=\"jaeger_http\"}", "meshtrace_spans_received_total{format=\"protobuf\","
        + "transport=\"jaeger_grpc\"}", "meshtrace_spans_received_total{format=\"thrift_compact\","
        + "transport=\"jaeger_udp\"}");
  }

  @Test
  void badHttpBatchesAreRefusedWithTheProblemNamed() throws Exception {
    String traces = url(server, "jaegerHttp", "/api/traces");
    HttpResponse<String> wrongType = post(traces, "application/json", "{}".getBytes());
    assertThat(wrongType.statusCode()).isEqualTo(415);
    assertThat(wrongType.body()).contains("send a Thrift binary Batch as application/x-thrift");
    HttpResponse<String> garbage = post(traces, "application/vnd.apache.thrift.binary",
        "not thrift at all".getBytes());
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(garbage.body()).startsWith("malformed Jaeger Thrift batch: ");
    HttpResponse<String> empty = post(traces, "application/x-thrift",
        ThriftBatches.httpBody(new Batch(new Process("svc"), new ArrayList<>())));
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(empty.body()).isEqualTo("malformed Jaeger Thrift batch: the batch has no spans\n");
    HttpResponse<String> zeroId = post(traces, "application/x-thrift", ThriftBatches.httpBody(
        new Batch(new Process("svc"), new ArrayList<>(List.of(
            new Span(0, 0, 0x5L, 0, "zero", 1, start, 10))))));
    assertThat(zeroId.statusCode()).isEqualTo(400);
    assertThat(zeroId.body()).containsIgnoringCase("trace");
    // And the port goes on storing.
    long low = TRACES.incrementAndGet();
    assertThat(post(traces, "application/x-thrift", ThriftBatches.httpBody(
        ThriftBatches.everything(start, 0, low))).statusCode()).isEqualTo(202);
  }

  @Test
  void postSpansSharesTheGrpcPortWithSamplingManager() throws Exception {
    long low = TRACES.incrementAndGet();
    com.google.protobuf.ByteString traceId = com.google.protobuf.ByteString.copyFrom(
        java.nio.ByteBuffer.allocate(16).putLong(0).putLong(low).array());
    Model.Batch batch = grpcBatch(traceId, start);
    try (OtlpGrpcCalls grpc = new OtlpGrpcCalls(server.ports().get("samplingGrpc"))) {
      OtlpGrpcCalls.Reply posted = grpc.call("jaeger.api_v2.CollectorService", "PostSpans",
          PostSpansRequest.newBuilder().setBatch(batch).build().toByteArray());
      assertThat(posted.status()).as(posted.message()).isEqualTo(GrpcStatus.OK);
      JsonObject trace = new JsonObject(get(url(server, "query",
          "/api/traces/" + String.format("%016x", low))).body()).getJsonArray("data")
          .getJsonObject(0);
      JsonObject span = trace.getJsonArray("spans").getJsonObject(0);
      assertThat(span.getLong("startTime")).isEqualTo(start);
      assertThat(span.getLong("duration")).isEqualTo(3_000);
      assertThat(tags(span.getJsonArray("tags"))).containsExactlyInAnyOrder(
          "span.kind:string:producer", "retries:int64:2");

      OtlpGrpcCalls.Reply empty = grpc.call("jaeger.api_v2.CollectorService", "PostSpans",
          PostSpansRequest.getDefaultInstance().toByteArray());
      assertThat(empty.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(empty.message()).isEqualTo("invalid Jaeger batch: the batch has no spans");
      OtlpGrpcCalls.Reply garbage = grpc.call("jaeger.api_v2.CollectorService", "PostSpans",
          new byte[] {(byte) 0xff, 1, 2, 3});
      assertThat(garbage.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
      assertThat(garbage.message()).startsWith("malformed PostSpansRequest");

      OtlpGrpcCalls.Reply strategy = grpc.call("jaeger.api_v2.SamplingManager",
          "GetSamplingStrategy", SamplingStrategyParameters.newBuilder().setServiceName("shop")
              .build().toByteArray());
      assertThat(strategy.status()).isEqualTo(GrpcStatus.OK);
      assertThat(SamplingStrategyResponse.parseFrom(strategy.body().getBytes())
          .hasProbabilisticSampling()).isTrue();
    }
  }

  @Test
  void theCollectorHttpPortServesTheSamplingEndpointToo() throws Exception {
    HttpResponse<String> collector = get(url(server, "jaegerHttp", "/api/sampling?service=shop"));
    HttpResponse<String> agent = get(url(server, "samplingHttp", "/api/sampling?service=shop"));
    assertThat(collector.statusCode()).isEqualTo(200);
    assertThat(collector.body()).isEqualTo(agent.body()).contains("probabilisticSampling");
  }

  private static JsonObject span(JsonArray spans, String spanId) {
    for (Object span : spans) {
      if (((JsonObject) span).getString("spanID").equals(spanId)) {
        return (JsonObject) span;
      }
    }
    throw new AssertionError("no span " + spanId + " in " + spans.encodePrettily());
  }

  /** Tags as key:type:value, so that a type that changed on the way shows. */
  private static List<String> tags(JsonArray tags) {
    List<String> out = new ArrayList<>();
    for (Object tag : tags) {
      JsonObject t = (JsonObject) tag;
      out.add(t.getString("key") + ":" + t.getString("type") + ":" + t.getValue("value"));
    }
    return out;
  }

  private static void sendUdp(String listener, byte[] packet) throws Exception {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.send(new DatagramPacket(packet, packet.length, InetAddress.getLoopbackAddress(),
          server.ports().get(listener)));
    }
  }

  private static JsonObject awaitTrace(String traceId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      HttpResponse<String> response = get(url(server, "query", "/api/traces/" + traceId));
      if (response.statusCode() == 200) {
        return new JsonObject(response.body()).getJsonArray("data").getJsonObject(0);
      }
      assertThat(System.nanoTime()).as("trace %s stored within 20 s: %s", traceId,
          response.body()).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static void await(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static double packets(int port, String outcome) {
    Counter counter = server.metrics().find("meshtrace.udp.packets")
        .tag("port", Integer.toString(port)).tag("outcome", outcome).counter();
    return counter == null ? -1 : counter.count();
  }

  private static double spansRejected(String reason) {
    return server.metrics().get("meshtrace.spans.rejected").tag("reason", reason)
        .tag("transport", "jaeger_udp").counters().stream().mapToDouble(Counter::count).sum();
  }
}
