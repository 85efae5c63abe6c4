package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.postBytes;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.model.TraceId;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PostgreSQL stops under a running meshtrace: clients are told to retry, then it recovers. */
class StorageDownTest {
  @TempDir
  static Path dataDir;
  static MeshtraceServer server;

  @BeforeAll
  static void start() throws Exception {
    server = MeshtraceServer.start(MeshtraceCommand.parseConfig(new String[] {"all-in-one",
        "--bind", "127.0.0.1", "--data-dir", dataDir.toString(), "--zipkin-port", "0",
        "--otlp-grpc-port", "0", "--otlp-http-port", "0", "--jaeger-compact-port", "0",
        "--jaeger-binary-port", "0", "--jaeger-http-port", "0", "--query-port", "0",
        "--sampling-http-port", "0", "--sampling-grpc-port", "0", "--admin-port", "0"},
        Map.of()));
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void unavailableWhileDownThenRecoversWithoutRestart() throws Exception {
    ByteString before = OtlpPayloads.randomTraceId();
    assertThat(postOtlp(before).statusCode()).isEqualTo(200);

    server.embeddedPostgres().stopServer();
    try {
      HttpResponse<String> zipkin = post(url(server, "zipkin", "/api/v2/spans"),
          "application/json", zipkinSpan().getBytes());
      assertThat(zipkin.statusCode()).as(zipkin.body()).isEqualTo(503);
      assertThat(zipkin.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(zipkin.body()).contains("storage unavailable");

      HttpResponse<byte[]> otlp = postOtlp(OtlpPayloads.randomTraceId());
      assertThat(otlp.statusCode()).isEqualTo(503);
      assertThat(otlp.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(com.google.rpc.Status.parseFrom(otlp.body()).getCode())
          .isEqualTo(com.google.rpc.Code.UNAVAILABLE.getNumber());

      try (OtlpGrpcCalls grpc = new OtlpGrpcCalls(server.ports().get("otlpGrpc"))) {
        OtlpGrpcCalls.Reply reply = grpc.export(OtlpPayloads.trace(OtlpPayloads.randomTraceId(),
            3, "svc").toByteArray(), false);
        assertThat(reply.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(reply.retryDelay()).isEqualTo(Duration.ofSeconds(5));
      }

      HttpResponse<String> ready = get(url(server, "admin", "/readyz"));
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(new JsonObject(ready.body()).getJsonObject("checks").getString("storage"))
          .startsWith("unreachable");
      assertThat(get(url(server, "query", "/api/traces/" + TraceId.fromBytes(before)))
          .statusCode()).isEqualTo(503);
    } finally {
      server.embeddedPostgres().startServer();
    }

    ByteString after = OtlpPayloads.randomTraceId();
    assertThat(postOtlp(after).statusCode()).isEqualTo(200);
    assertThat(get(url(server, "admin", "/readyz")).statusCode()).isEqualTo(200);
    for (ByteString traceId : new ByteString[] {before, after}) {
      assertThat(get(url(server, "query", "/api/traces/" + TraceId.fromBytes(traceId)))
          .statusCode()).isEqualTo(200);
    }
  }

  private static HttpResponse<byte[]> postOtlp(ByteString traceId) throws Exception {
    return postBytes(url(server, "otlpHttp", "/v1/traces"), "application/x-protobuf",
        OtlpPayloads.trace(traceId, 3, "svc").toByteArray());
  }

  private static String zipkinSpan() {
    return "[{\"traceId\":\"" + TraceId.fromBytes(OtlpPayloads.randomTraceId()).toHex128()
        + "\",\"id\":\"0000000000000001\",\"timestamp\":" + OtlpPayloads.nowNanos() / 1000
        + ",\"duration\":5}]";
  }
}
