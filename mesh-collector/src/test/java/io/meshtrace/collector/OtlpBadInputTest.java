package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.postBytes;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.storage.postgres.PoisonSpans;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad OTLP input over HTTP and gRPC: refused with the status the specification asks for and a
 * message naming the problem, single bad spans refused through partial success, limits applied
 * and counted, and the server keeps serving.
 */
class OtlpBadInputTest {
  static MeshtraceServer server;
  static OtlpGrpcCalls grpc;
  static String otlpHttp;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.allInOne("--max-request-bytes", "64KiB",
        "--max-decompressed-bytes", "256KiB", "--max-spans-per-request", "50",
        "--max-attributes-per-span", "4", "--max-attribute-value-length", "32");
    grpc = new OtlpGrpcCalls(server.ports().get("otlpGrpc"));
    otlpHttp = url(server, "otlpHttp", "/v1/traces");
  }

  @AfterAll
  static void stop() {
    grpc.close();
    server.stop();
  }

  @AfterEach
  void stillServing() throws Exception {
    ByteString traceId = OtlpPayloads.randomTraceId();
    assertThat(postBytes(otlpHttp, "application/x-protobuf",
        OtlpPayloads.trace(traceId, 2, "ok").toByteArray()).statusCode()).isEqualTo(200);
    assertThat(grpc.export(OtlpPayloads.trace(OtlpPayloads.randomTraceId(), 2, "ok")
        .toByteArray(), false).status()).isEqualTo(GrpcStatus.OK);
    assertThat(spansOf(traceId)).isEqualTo(2);
  }

  @Test
  void invalidSpansAreRefusedOneByOneThroughPartialSuccess() throws Exception {
    ByteString traceId = OtlpPayloads.randomTraceId();
    long tenDaysAgo = OtlpPayloads.nowNanos() - 10L * 86_400_000_000_000L;
    ExportTraceServiceRequest request = OtlpPayloads.trace(traceId, 6, "mixed", span -> {
      int i = (int) span.getAttributes(0).getValue().getIntValue();
      return switch (i) {
        case 1 -> span.toBuilder().setSpanId(ByteString.copyFrom(new byte[8])).build();
        case 2 -> span.toBuilder().setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3})).build();
        case 3 -> span.toBuilder().setStartTimeUnixNano(tenDaysAgo)
            .setEndTimeUnixNano(tenDaysAgo + 1).build();
        case 4 -> span.toBuilder().setEndTimeUnixNano(span.getStartTimeUnixNano() - 1).build();
        default -> span;
      };
    });
    HttpResponse<byte[]> http = postBytes(otlpHttp, "application/x-protobuf", request.toByteArray());
    assertThat(http.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(http.body());
    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(4);
    assertThat(response.getPartialSuccess().getErrorMessage()).contains("span ID")
        .contains("all zeros");
    assertThat(spansOf(traceId)).isEqualTo(2);

    // The same over gRPC, with a zero trace ID among them.
    ByteString grpcTrace = OtlpPayloads.randomTraceId();
    ExportTraceServiceRequest grpcRequest = OtlpPayloads.trace(grpcTrace, 3, "mixed",
        span -> span.getAttributes(0).getValue().getIntValue() == 0
            ? span.toBuilder().setTraceId(ByteString.copyFrom(new byte[16])).build() : span);
    OtlpGrpcCalls.Reply reply = grpc.export(grpcRequest.toByteArray(), false);
    assertThat(reply.status()).isEqualTo(GrpcStatus.OK);
    assertThat(reply.response().getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(reply.response().getPartialSuccess().getErrorMessage())
        .isEqualTo("trace ID is all zeros");
    assertThat(spansOf(grpcTrace)).isEqualTo(2);

    String metrics = get(url(server, "admin", "/metrics")).body();
    assertThat(metrics).contains(
        "meshtrace_spans_rejected_total{format=\"protobuf\",reason=\"invalid_id\",transport=\"otlp_http\"} 2.0",
        "meshtrace_spans_rejected_total{format=\"protobuf\",reason=\"too_old\",transport=\"otlp_http\"} 1.0",
        "meshtrace_spans_rejected_total{format=\"protobuf\",reason=\"invalid_time\",transport=\"otlp_http\"} 1.0",
        "meshtrace_spans_rejected_total{format=\"protobuf\",reason=\"invalid_id\",transport=\"otlp_grpc\"} 1.0");
  }

  @Test
  void linksWithIdsOfTheWrongLengthAreDroppedAndCounted() throws Exception {
    ByteString traceId = OtlpPayloads.randomTraceId();
    ExportTraceServiceRequest request = OtlpPayloads.trace(traceId, 1, "links", span ->
        span.toBuilder()
            .addLinks(Span.Link.newBuilder().setTraceId(traceId)
                .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})))
            .addLinks(Span.Link.newBuilder().setTraceId(ByteString.copyFrom(new byte[] {1, 2}))
                .setSpanId(ByteString.copyFrom(new byte[8])))
            .build());
    String before = get(url(server, "admin", "/metrics")).body();
    assertThat(postBytes(otlpHttp, "application/x-protobuf", request.toByteArray()).statusCode())
        .isEqualTo(200);
    Span stored = server.storage().spanStore().getTrace(TraceId.fromBytes(traceId)).await()
        .get(0).getScopeSpans(0).getSpans(0);
    assertThat(stored.getLinksCount()).isEqualTo(1);
    assertThat(stored.getDroppedLinksCount()).isEqualTo(1);
    String after = get(url(server, "admin", "/metrics")).body();
    assertThat(counter(after, "meshtrace_links_dropped_total")
        - counter(before, "meshtrace_links_dropped_total")).isEqualTo(1.0);
  }

  @Test
  void spansTheDatabaseRefusesAreReportedThroughPartialSuccessAndTheRestStored()
      throws Exception {
    PoisonSpans.refuse(server.storage().pool());
    try {
      ByteString traceId = OtlpPayloads.randomTraceId();
      ExportTraceServiceRequest request = OtlpPayloads.trace(traceId, 4, "poisoned", span ->
          span.getAttributes(0).getValue().getIntValue() == 2
              ? span.toBuilder().setName("poison").build() : span);
      HttpResponse<byte[]> http = postBytes(otlpHttp, "application/x-protobuf",
          request.toByteArray());
      assertThat(http.statusCode()).isEqualTo(200);
      ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(http.body());
      assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
      assertThat(response.getPartialSuccess().getErrorMessage()).contains("poison span");
      assertThat(spansOf(traceId)).isEqualTo(3);

      // Zipkin has no partial success: the request is refused whole, with the reason.
      String zipkinTrace = TraceId.fromBytes(OtlpPayloads.randomTraceId()).toHex128();
      HttpResponse<String> zipkin = post(url(server, "zipkin", "/api/v2/spans"),
          "application/json", ("[{\"traceId\":\"" + zipkinTrace + "\",\"id\":\"1\","
              + "\"name\":\"poison\",\"timestamp\":" + OtlpPayloads.nowNanos() / 1000
              + ",\"duration\":5,\"localEndpoint\":{\"serviceName\":\"poisoned\"}}]")
              .getBytes(StandardCharsets.UTF_8));
      assertThat(zipkin.statusCode()).isEqualTo(400);
      assertThat(zipkin.body()).contains("poison span");
    } finally {
      PoisonSpans.allow(server.storage().pool());
    }
  }

  @Test
  void invalidHexIdsInJsonRefuseOnlyTheirSpan() throws Exception {
    ByteString traceId = OtlpPayloads.randomTraceId();
    String hex = TraceId.fromBytes(traceId).toHex128();
    long now = OtlpPayloads.nowNanos();
    String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        + "{\"traceId\":\"" + hex + "\",\"spanId\":\"0102030405060708\",\"name\":\"ok\","
        + "\"startTimeUnixNano\":\"" + now + "\",\"endTimeUnixNano\":\"" + (now + 1000) + "\"},"
        + "{\"traceId\":\"" + hex + "\",\"spanId\":\"not-hex!\",\"name\":\"bad\","
        + "\"startTimeUnixNano\":\"" + now + "\"}]}]}]}";
    HttpResponse<String> response = post(otlpHttp, "application/json", json.getBytes());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getJsonObject("partialSuccess").getString(
        "rejectedSpans")).isEqualTo("1");
    assertThat(spansOf(traceId)).isEqualTo(1);
  }

  @Test
  void malformedBodies() throws Exception {
    HttpResponse<byte[]> protobuf = postBytes(otlpHttp, "application/x-protobuf",
        new byte[] {10, 100, 1, 2});
    assertThat(protobuf.statusCode()).isEqualTo(400);
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(protobuf.body());
    assertThat(status.getCode()).isEqualTo(Code.INVALID_ARGUMENT.getNumber());
    assertThat(status.getMessage()).startsWith("malformed OTLP protobuf");

    HttpResponse<String> json = post(otlpHttp, "application/json", "{\"resourceSpans\": [".getBytes());
    assertThat(json.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(json.body()).getString("message")).startsWith("malformed OTLP JSON");
    assertThat(post(otlpHttp, "application/json", "[1,2]".getBytes()).statusCode()).isEqualTo(400);

    OtlpGrpcCalls.Reply reply = grpc.export(new byte[] {10, 100, 1, 2}, false);
    assertThat(reply.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    assertThat(reply.message()).startsWith("malformed ExportTraceServiceRequest");
  }

  @Test
  void overDeepPayloadsAreRefused() throws Exception {
    AnyValue deep = AnyValue.newBuilder().setStringValue("bottom").build();
    for (int i = 0; i < 200; i++) {
      deep = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(
          KeyValue.newBuilder().setKey("k").setValue(deep))).build();
    }
    AnyValue nested = deep;
    byte[] body = OtlpPayloads.trace(OtlpPayloads.randomTraceId(), 1, "deep",
        span -> span.toBuilder().addAttributes(KeyValue.newBuilder().setKey("deep")
            .setValue(nested)).build()).toByteArray();
    assertThat(postBytes(otlpHttp, "application/x-protobuf", body).statusCode()).isEqualTo(400);
    assertThat(grpc.export(body, false).status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);

    String deepJson = "{\"resourceSpans\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    assertThat(post(otlpHttp, "application/json", deepJson.getBytes()).statusCode()).isEqualTo(400);
  }

  @Test
  void wrongContentTypeAndEncoding() throws Exception {
    HttpResponse<String> type = post(otlpHttp, "text/plain", "x".getBytes());
    assertThat(type.statusCode()).isEqualTo(415);
    assertThat(new JsonObject(type.body()).getString("message")).contains("text/plain");
    HttpResponse<String> encoding = post(otlpHttp, "application/json", "{}".getBytes(),
        "Content-Encoding", "zstd");
    assertThat(encoding.statusCode()).isEqualTo(415);

    OtlpGrpcCalls.Reply unknown = grpc.call("opentelemetry.proto.collector.logs.v1.LogsService",
        "Export", new byte[0]);
    assertThat(unknown.status()).isEqualTo(GrpcStatus.UNIMPLEMENTED);
  }

  @Test
  void sizeLimitsAndGzipBombs() throws Exception {
    byte[] bomb = ZipkinBadInputTest.gzip(new byte[50 << 20]);
    HttpResponse<String> httpBomb = post(otlpHttp, "application/x-protobuf", bomb,
        "Content-Encoding", "gzip");
    assertThat(httpBomb.statusCode()).isEqualTo(413);
    OtlpGrpcCalls.Reply grpcBomb = grpc.export(bomb, true);
    assertThat(grpcBomb.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
    assertThat(grpcBomb.message()).contains("inflates to more than 262144 bytes");
    assertThat(grpcBomb.retryDelay()).as("not retryable").isNull();

    byte[] big = new byte[100 << 10];
    assertThat(postBytes(otlpHttp, "application/x-protobuf", big).statusCode()).isEqualTo(413);
    OtlpGrpcCalls.Reply grpcBig = grpc.export(big, false);
    assertThat(grpcBig.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);

    ExportTraceServiceRequest tooMany = OtlpPayloads.trace(OtlpPayloads.randomTraceId(), 51, "many");
    HttpResponse<byte[]> http = postBytes(otlpHttp, "application/x-protobuf", tooMany.toByteArray());
    assertThat(http.statusCode()).isEqualTo(413);
    assertThat(com.google.rpc.Status.parseFrom(http.body()).getMessage())
        .contains("51 spans, more than the limit of 50");
  }

  @Test
  void attributesBeyondTheLimitsAreDroppedOrCutAndCounted() throws Exception {
    ByteString traceId = OtlpPayloads.randomTraceId();
    String longValue = "x".repeat(100);
    ExportTraceServiceRequest request = OtlpPayloads.trace(traceId, 1, "limits", span -> {
      Span.Builder builder = span.toBuilder();
      for (int i = 0; i < 5; i++) {
        builder.addAttributes(KeyValue.newBuilder().setKey("extra" + i)
            .setValue(AnyValue.newBuilder().setStringValue(i == 0 ? longValue : "v")));
      }
      builder.addEvents(Span.Event.newBuilder().setName("e").setTimeUnixNano(
              span.getStartTimeUnixNano())
          .addAttributes(KeyValue.newBuilder().setKey("message")
              .setValue(AnyValue.newBuilder().setStringValue(longValue))));
      return builder.build();
    });
    String before = get(url(server, "admin", "/metrics")).body();
    assertThat(postBytes(otlpHttp, "application/x-protobuf", request.toByteArray()).statusCode())
        .isEqualTo(200);

    ResourceSpans stored = server.storage().spanStore().getTrace(TraceId.fromBytes(traceId))
        .await().get(0);
    Span span = stored.getScopeSpans(0).getSpans(0);
    assertThat(span.getAttributesCount()).isEqualTo(4);
    assertThat(span.getDroppedAttributesCount()).isEqualTo(2);
    assertThat(span.getAttributes(1).getValue().getStringValue()).isEqualTo("x".repeat(32));
    assertThat(span.getEvents(0).getAttributes(0).getValue().getStringValue()).hasSize(32);
    String after = get(url(server, "admin", "/metrics")).body();
    assertThat(counter(after, "meshtrace_attributes_dropped_total")
        - counter(before, "meshtrace_attributes_dropped_total")).isEqualTo(2.0);
    assertThat(counter(after, "meshtrace_attribute_values_truncated_total")
        - counter(before, "meshtrace_attribute_values_truncated_total")).isEqualTo(2.0);
  }

  @Test
  void nulIsStoredAsReplacementCharacters() throws Exception {
    // Malformed UTF-8 cannot come this way: protobuf refuses it in string fields.
    ByteString traceId = OtlpPayloads.randomTraceId();
    ExportTraceServiceRequest request = OtlpPayloads.trace(traceId, 1, "text", span ->
        span.toBuilder().setName("get\0/x")
            .addAttributes(KeyValue.newBuilder().setKey("k\0(")
                .setValue(AnyValue.newBuilder().setStringValue("\0")))
            .addAttributes(KeyValue.newBuilder().setKey("a\0b")
                .setValue(AnyValue.newBuilder().setArrayValue(
                    io.opentelemetry.proto.common.v1.ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setStringValue("x\0y")))))
            .addEvents(Span.Event.newBuilder().setName("e\0").setTimeUnixNano(
                span.getStartTimeUnixNano()))
            .build());
    String before = get(url(server, "admin", "/metrics")).body();
    HttpResponse<byte[]> answer = postBytes(otlpHttp, "application/x-protobuf",
        request.toByteArray());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(ExportTraceServiceResponse.parseFrom(answer.body()).hasPartialSuccess()).isFalse();

    Span span = server.storage().spanStore().getTrace(TraceId.fromBytes(traceId)).await().get(0)
        .getScopeSpans(0).getSpans(0);
    assertThat(span.getName()).isEqualTo("get\uFFFD/x");
    List<String> keys = span.getAttributesList().stream().map(KeyValue::getKey).toList();
    assertThat(keys).contains("k\uFFFD(", "a\uFFFDb");
    KeyValue array = span.getAttributesList().stream()
        .filter(kv -> kv.getKey().equals("a\uFFFDb")).findFirst().orElseThrow();
    assertThat(array.getValue().getArrayValue().getValues(0).getStringValue())
        .isEqualTo("x\uFFFDy");
    assertThat(span.getEvents(0).getName()).isEqualTo("e\uFFFD");
    String after = get(url(server, "admin", "/metrics")).body();
    assertThat(counter(after, "meshtrace_strings_cleaned_total")
        - counter(before, "meshtrace_strings_cleaned_total")).isEqualTo(6.0);
  }

  private static double counter(String metrics, String name) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1));
      }
    }
    throw new AssertionError("no " + name + " in /metrics");
  }

  private static long spansOf(ByteString traceId) {
    List<ResourceSpans> trace = server.storage().spanStore().getTrace(TraceId.fromBytes(traceId))
        .await();
    return trace.stream().flatMap(rs -> rs.getScopeSpansList().stream())
        .mapToLong(ss -> ss.getSpansCount()).sum();
  }

  static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
