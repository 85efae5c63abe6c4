package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.api_v2.Collector.PostSpansRequest;
import io.jaegertracing.api_v2.Model;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.jaeger.codec.ThriftBatches;
import io.meshtrace.kafka.KafkaBroker;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.postgres.TestPostgres;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every client of {@link IngestEveryClientTest}, and Jaeger's agent and collector protocols, sent
 * to a collector with {@code --span-sink kafka}, through a real broker and an ingester into
 * PostgreSQL, and read back field by field through a separate {@code query} server: the Kafka
 * path keeps everything the direct path keeps.
 */
class IngestEveryClientThroughKafkaTest extends IngestEveryClientTest {
  static KafkaBroker broker;
  static MeshtraceServer ingester;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start();
    broker.createTopic("meshtrace-spans", 3);
    server = TestServers.start("collector", "--max-attribute-value-length", "65536",
        "--span-sink", "kafka", "--kafka-brokers", broker.bootstrapServers());
    String database = TestPostgres.freshDatabaseUrl();
    ingester = TestServers.startOn(database, "ingester",
        "--kafka-brokers", broker.bootstrapServers());
    reader = TestServers.startOn(database, "query");
    readableAtOnce = false;
  }

  @AfterAll
  static void stop() throws Exception {
    for (MeshtraceServer each : new MeshtraceServer[] {server, ingester, reader}) {
      if (each != null) {
        each.stop();
      }
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void jaegerAgentPacketsAndCollectorBatches() throws Exception {
    long start = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now().minusSeconds(30));
    byte[] compact = ThriftBatches.agentPacket(ThriftBatches.everything(start, 0x61L, 1), true);
    byte[] binary = ThriftBatches.agentPacket(ThriftBatches.everything(start, 0x61L, 2), false);
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.send(new DatagramPacket(compact, compact.length, InetAddress.getLoopbackAddress(),
          server.ports().get("jaegerCompact")));
      socket.send(new DatagramPacket(binary, binary.length, InetAddress.getLoopbackAddress(),
          server.ports().get("jaegerBinary")));
    }
    HttpResponse<String> posted = post(url(server, "jaegerHttp", "/api/traces"),
        "application/x-thrift", ThriftBatches.httpBody(ThriftBatches.everything(start, 0x61L, 3)));
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
    for (int low = 1; low <= 3; low++) {
      String traceId = String.format("%016x%016x", 0x61L, low);
      List<JsonObject> trace = await(() -> {
        HttpResponse<String> read = get(url(reader, "query", "/api/traces/" + traceId));
        return read.statusCode() == 404 ? List.of()
            : List.of(new JsonObject(read.body()).getJsonArray("data").getJsonObject(0));
      });
      JaegerIntakeEndToEndTest.checkEverything(trace.get(0), start);
    }
  }

  @Test
  void jaegerPostSpansOverGrpc() throws Exception {
    long start = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now().minusSeconds(30));
    Model.Batch batch = JaegerIntakeEndToEndTest.grpcBatch(TraceId.fromHex("62").toBytes(),
        start);
    try (OtlpGrpcCalls grpc = new OtlpGrpcCalls(server.ports().get("samplingGrpc"))) {
      OtlpGrpcCalls.Reply posted = grpc.call("jaeger.api_v2.CollectorService", "PostSpans",
          PostSpansRequest.newBuilder().setBatch(batch).build().toByteArray());
      assertThat(posted.status()).as(posted.message()).isEqualTo(GrpcStatus.OK);
    }
    List<JsonObject> spans = await(() -> {
      HttpResponse<String> read = get(url(reader, "query", "/api/traces/62"));
      return read.statusCode() == 404 ? List.of()
          : List.of(new JsonObject(read.body()).getJsonArray("data").getJsonObject(0));
    });
    JsonObject trace = spans.get(0);
    JsonObject span = trace.getJsonArray("spans").getJsonObject(0);
    assertThat(span.getString("operationName")).isEqualTo("publish");
    assertThat(span.getLong("startTime")).isEqualTo(start);
    assertThat(span.getLong("duration")).isEqualTo(3_000);
    assertThat(span.getJsonArray("tags").stream().map(t -> ((JsonObject) t).getString("key")
        + "=" + ((JsonObject) t).getValue("value"))).containsExactlyInAnyOrder(
            "span.kind=producer", "retries=2");
    assertThat(trace.getJsonObject("processes").getJsonObject(span.getString("processID"))
        .getString("serviceName")).isEqualTo("grpc-client");
  }
}
