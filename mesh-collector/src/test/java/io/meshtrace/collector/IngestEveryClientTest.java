package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.model.TraceId;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.reporter.Encoding;
import zipkin2.reporter.SpanBytesEncoder;

/**
 * Every client a mesh has, each trace read back and compared field by field with what it sent.
 * Here through one all-in-one server, where an acknowledged trace is readable at once;
 * {@link IngestEveryClientThroughKafkaTest} runs the same through Kafka.
 */
class IngestEveryClientTest {
  /** Where the clients send. */
  static MeshtraceServer server;
  /** Whose storage and query APIs the traces are read from. */
  static MeshtraceServer reader;
  /** Whether a trace is readable when its client has its answer, or only a little later. */
  static boolean readableAtOnce;

  @BeforeAll
  static void start() throws Exception {
    // Room for the SDK's exception stack traces; truncation is tested on its own.
    server = TestServers.allInOne("--max-attribute-value-length", "65536");
    reader = server;
    readableAtOnce = true;
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
  }

  /** A small trace with every kind of field the SDK can set, under a remote parent. */
  static String trace(OtelSdk sdk) {
    Tracer tracer = sdk.provider.get("io.meshtrace.test", "1.2.3");
    SpanContext remoteParent = SpanContext.createFromRemoteParent(
        io.opentelemetry.sdk.trace.IdGenerator.random().generateTraceId(), "00f067aa0ba902b7",
        TraceFlags.getSampled(),
        TraceState.builder().put("vendor", "opaque").build());
    io.opentelemetry.api.trace.Span root = tracer.spanBuilder("GET /checkout")
        .setParent(Context.root().with(io.opentelemetry.api.trace.Span.wrap(remoteParent)))
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", "GET")
        .setAttribute("http.response.status_code", 200L)
        .setAttribute("ratio", 0.25)
        .setAttribute("cache.hit", true)
        .setAttribute(AttributeKey.stringArrayKey("tags"), List.of("a", "b"))
        .setAttribute(AttributeKey.longArrayKey("ports"), List.of(80L, 443L))
        .startSpan();
    try (Scope ignored = root.makeCurrent()) {
      io.opentelemetry.api.trace.Span client = tracer.spanBuilder("SELECT orders")
          .setSpanKind(SpanKind.CLIENT)
          .addLink(SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
              TraceFlags.getSampled(), TraceState.getDefault()), Attributes.of(
                  AttributeKey.stringKey("link.reason"), "batch"))
          .startSpan();
      client.addEvent("retry", Attributes.of(AttributeKey.longKey("attempt"), 2L));
      client.recordException(new IllegalStateException("deadlock"));
      client.setStatus(StatusCode.ERROR, "deadlock detected");
      client.end();
      io.opentelemetry.api.trace.Span internal = tracer.spanBuilder("render").startSpan();
      internal.setStatus(StatusCode.OK);
      internal.end();
      tracer.spanBuilder("publish").setSpanKind(SpanKind.PRODUCER).startSpan().end();
      tracer.spanBuilder("consume").setSpanKind(SpanKind.CONSUMER).startSpan().end();
    }
    root.end();
    return remoteParent.getTraceId();
  }

  static List<ResourceSpans> stored(String traceId) {
    return await(() -> reader.storage().spanStore().getTrace(TraceId.fromHex(traceId)).await());
  }

  /**
   * What {@code read} gives: at once on the direct path; else once it has something and two
   * reads half a second apart agree.
   */
  static <T> List<T> await(java.util.concurrent.Callable<List<T>> read) {
    try {
      List<T> now = read.call();
      if (readableAtOnce) {
        return now;
      }
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
      List<T> before = List.of();
      while (now.isEmpty() || !now.equals(before)) {
        assertThat(System.nanoTime()).as("stored within 60 s").isLessThan(deadline);
        Thread.sleep(500);
        before = now;
        now = read.call();
      }
      return now;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void openTelemetrySdkOverOtlpGrpcWithGzip() {
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("otlpGrpc"))
        .setCompression("gzip")
        .build();
    try (OtelSdk sdk = new OtelSdk("checkout-grpc", exporter)) {
      String traceId = trace(sdk);
      sdk.flush();
      List<SpanData> sent = sdk.sent.getFinishedSpanItems();
      assertThat(sent).hasSize(5);
      SentSpans.assertStored(sent, stored(traceId));
    }
  }

  @Test
  void openTelemetrySdkOverOtlpHttpProtobufWithGzip() {
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("otlpHttp") + "/v1/traces")
        .setCompression("gzip")
        .build();
    try (OtelSdk sdk = new OtelSdk("checkout-http", exporter)) {
      String traceId = trace(sdk);
      sdk.flush();
      SentSpans.assertStored(sdk.sent.getFinishedSpanItems(), stored(traceId));
    }
  }

  @Test
  void rawOtlpJsonOverHttp() throws Exception {
    long start = ChronoUnit.NANOS.between(Instant.EPOCH, Instant.now()) / 1000 * 1000 + 123;
    String json = """
        {"resourceSpans": [{
          "resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "browser"}},
            {"key": "browser.mobile", "value": {"boolValue": false}}],
            "droppedAttributesCount": 1},
          "schemaUrl": "https://opentelemetry.io/schemas/1.24.0",
          "scopeSpans": [{
            "scope": {"name": "@opentelemetry/instrumentation-fetch", "version": "0.52.0"},
            "spans": [{
              "traceId": "5B8EFFF798038103D269B633813FC60C",
              "spanId": "EEE19B7EC3C1B174",
              "parentSpanId": "eee19b7ec3c1b173",
              "traceState": "rojo=00f067aa0ba902b7",
              "flags": 257,
              "name": "HTTP GET",
              "kind": 3,
              "startTimeUnixNano": "START",
              "endTimeUnixNano": END,
              "attributes": [
                {"key": "http.url", "value": {"stringValue": "https://shop.example.com/api?q=1"}},
                {"key": "http.status_code", "value": {"intValue": "200"}},
                {"key": "retries", "value": {"intValue": 3}},
                {"key": "weights", "value": {"arrayValue": {"values": [{"doubleValue": 1.5}, {"doubleValue": 2}]}}},
                {"key": "headers", "value": {"kvlistValue": {"values": [{"key": "accept", "value": {"stringValue": "*/*"}}]}}},
                {"key": "raw", "value": {"bytesValue": "AAEC"}}],
              "droppedAttributesCount": 2,
              "events": [{"timeUnixNano": "EVENT", "name": "open",
                          "attributes": [{"key": "readyState", "value": {"intValue": "1"}}]}],
              "links": [{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
                         "traceState": "x=1", "attributes": []}],
              "status": {"code": 2, "message": "network error"},
              "futureField": {"ignored": true}
            }]
          }]
        }]}
        """.replace("START", Long.toString(start)).replace("END", Long.toString(start + 1_500_000))
        .replace("EVENT", Long.toString(start + 1000));
    HttpResponse<String> response = post(url(server, "otlpHttp", "/v1/traces"), "application/json",
        json.getBytes(StandardCharsets.UTF_8));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{}");
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");

    ResourceSpans expected = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(kv("service.name", AnyValue.newBuilder().setStringValue("browser")))
            .addAttributes(kv("browser.mobile", AnyValue.newBuilder().setBoolValue(false)))
            .setDroppedAttributesCount(1))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0")
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder()
                .setName("@opentelemetry/instrumentation-fetch").setVersion("0.52.0"))
            .addSpans(Span.newBuilder()
                .setTraceId(ByteString.fromHex("5b8efff798038103d269b633813fc60c"))
                .setSpanId(ByteString.fromHex("eee19b7ec3c1b174"))
                .setParentSpanId(ByteString.fromHex("eee19b7ec3c1b173"))
                .setTraceState("rojo=00f067aa0ba902b7")
                .setFlags(257)
                .setName("HTTP GET")
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(start)
                .setEndTimeUnixNano(start + 1_500_000)
                .addAttributes(kv("http.url", AnyValue.newBuilder()
                    .setStringValue("https://shop.example.com/api?q=1")))
                .addAttributes(kv("http.status_code", AnyValue.newBuilder().setIntValue(200)))
                .addAttributes(kv("retries", AnyValue.newBuilder().setIntValue(3)))
                .addAttributes(kv("weights", AnyValue.newBuilder().setArrayValue(ArrayValue
                    .newBuilder().addValues(AnyValue.newBuilder().setDoubleValue(1.5))
                    .addValues(AnyValue.newBuilder().setDoubleValue(2)))))
                .addAttributes(kv("headers", AnyValue.newBuilder().setKvlistValue(
                    io.opentelemetry.proto.common.v1.KeyValueList.newBuilder().addValues(
                        kv("accept", AnyValue.newBuilder().setStringValue("*/*"))))))
                .addAttributes(kv("raw", AnyValue.newBuilder()
                    .setBytesValue(ByteString.copyFrom(new byte[] {0, 1, 2}))))
                .setDroppedAttributesCount(2)
                .addEvents(Span.Event.newBuilder().setTimeUnixNano(start + 1000).setName("open")
                    .addAttributes(kv("readyState", AnyValue.newBuilder().setIntValue(1))))
                .addLinks(Span.Link.newBuilder()
                    .setTraceId(ByteString.fromHex("0af7651916cd43dd8448eb211c80319c"))
                    .setSpanId(ByteString.fromHex("b7ad6b7169203331"))
                    .setTraceState("x=1"))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
                    .setMessage("network error"))))
        .build();
    assertThat(stored("5b8efff798038103d269b633813fc60c")).containsExactly(expected);
  }

  @Test
  void zipkinReporterWithProto3() throws Exception {
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    List<zipkin2.Span> sent = renamedTraces(EnvoyTraces.meshTrace(now), "1");
    ZipkinReporters.send(url(server, "zipkin", "/api/v2/spans"), Encoding.PROTO3,
        SpanBytesEncoder.PROTO3, sent);
    assertThat(sorted(readZipkin(sent.get(0).traceId()))).isEqualTo(sorted(sent));
  }

  @Test
  void zipkinReporterWithJsonV1() throws Exception {
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    List<zipkin2.Span> sent = renamedTraces(EnvoyTraces.legacyTrace(now), "2");
    ZipkinReporters.send(url(server, "zipkin", "/api/v1/spans"), Encoding.JSON,
        SpanBytesEncoder.JSON_V1, sent);
    // What Zipkin itself reads from v1 JSON: the v1 model has no "shared" flag and no
    // separate local endpoint port per span, so compare with zipkin2's own round trip.
    List<zipkin2.Span> asZipkinReadsIt = SpanBytesDecoder.JSON_V1.decodeList(
        zipkin2.codec.SpanBytesEncoder.JSON_V1.encodeList(sent));
    assertThat(sorted(readZipkin(sent.get(0).traceId()))).isEqualTo(sorted(asZipkinReadsIt));
  }

  /** The same shapes as EnvoyTraces under a trace ID of their own. */
  private static List<zipkin2.Span> renamedTraces(List<zipkin2.Span> spans, String prefix) {
    String traceId = prefix + spans.get(0).traceId().substring(1);
    return spans.stream().map(s -> s.toBuilder().traceId(traceId).build()).toList();
  }

  private static List<zipkin2.Span> readZipkin(String traceId) throws Exception {
    return await(() -> {
      HttpResponse<String> response = get(url(reader, "zipkin", "/api/v2/trace/" + traceId));
      if (response.statusCode() == 404 && !readableAtOnce) {
        return List.of();
      }
      assertThat(response.statusCode()).isEqualTo(200);
      return SpanBytesDecoder.JSON_V2.decodeList(
          response.body().getBytes(StandardCharsets.UTF_8));
    });
  }

  private static List<zipkin2.Span> sorted(List<zipkin2.Span> spans) {
    List<zipkin2.Span> copy = new ArrayList<>(spans);
    copy.sort(Comparator.comparing(zipkin2.Span::id).thenComparing(s -> String.valueOf(s.kind())));
    return copy;
  }

  private static KeyValue kv(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }
}
