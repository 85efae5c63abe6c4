package io.meshtrace.interop;

import static io.meshtrace.interop.JaegerJson.Tag.bool;
import static io.meshtrace.interop.JaegerJson.Tag.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.model.TraceId;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.jaeger.JaegerGrpcSpanExporter;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * OpenTelemetry Java's Jaeger exporters, on the SDK of their last release (1.34.1): the gRPC one
 * ({@code jaeger.api_v2.CollectorService/PostSpans} on the sampling gRPC port) and the Thrift one
 * (1.33.0, {@code POST /api/traces} on the Jaeger HTTP port). What the Jaeger v1 API shows is
 * compared with what each exporter sends, by the exporter's own mapping (its Adapter /
 * SpanMarshaler): attributes as typed tags (arrays as JSON strings), {@code span.kind},
 * {@code otel.status_code}, the status description ({@code otel.status_description} from the
 * gRPC exporter, {@code otel.status_message} from the Thrift one), {@code error=true},
 * {@code otel.scope.*} and {@code otel.library.*}, events as logs with an {@code event} field,
 * links as FOLLOWS_FROM and the parent as CHILD_OF references.
 */
@SuppressWarnings({"deprecation", "try"}) // both exporters are deprecated; Scope is only closed
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtelJaegerExportersTest {
  static final String SCOPE = "io.meshtrace.interop";
  static final String SCOPE_VERSION = "1.2.3";
  static final String LINKED_TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String LINKED_SPAN = "b7ad6b7169203331";

  MeshtraceServer server;

  @BeforeAll
  void start() throws Exception {
    server = TestServers.allInOne();
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void theGrpcExporterPostsSpansThatReadBackAsSent() throws Exception {
    JaegerGrpcSpanExporter exporter = JaegerGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("samplingGrpc"))
        .setTimeout(Duration.ofSeconds(10))
        .build();
    Sent sent = send(exporter, "otel-jaeger-grpc");
    JsonObject read = TraceApis.awaitJaegerTrace(server, sent.traceId(), sent.spans().size());
    JaegerJson.assertTrace(read, expected(sent, true));

    SpanData client = sent.span("SELECT carts");
    JsonObject clientJson = JaegerJson.span(read, client.getSpanId());
    assertThat(JaegerJson.tags(clientJson.getJsonArray("tags")))
        .as("the error span's status tags")
        .contains(string("otel.status_code", "ERROR"),
            string("otel.status_description", "deadlock detected"), bool("error", true),
            string("span.kind", "client"), string("otel.scope.name", SCOPE),
            string("otel.library.name", SCOPE));
    // Stored as OTLP: the status, kind and scope those tags stand for.
    io.opentelemetry.proto.trace.v1.Span stored = stored(sent.traceId(), client.getSpanId());
    assertThat(stored.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(stored.getStatus().getMessage()).isEqualTo("deadlock detected");
    assertThat(stored.getKind())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
  }

  @Test
  void theThriftExporterPostsABatchThatReadsBackAsSent() throws Exception {
    SpanExporter exporter = io.opentelemetry.exporter.jaeger.thrift.JaegerThriftSpanExporter
        .builder()
        .setEndpoint("http://127.0.0.1:" + server.ports().get("jaegerHttp") + "/api/traces")
        .build();
    Sent sent = send(exporter, "otel-jaeger-thrift");
    JsonObject read = TraceApis.awaitJaegerTrace(server, sent.traceId(), sent.spans().size());
    JaegerJson.assertTrace(read, expected(sent, false));

    SpanData client = sent.span("SELECT carts");
    assertThat(JaegerJson.tags(JaegerJson.span(read, client.getSpanId()).getJsonArray("tags")))
        .as("the error span's status tags")
        .contains(string("otel.status_code", "ERROR"),
            string("otel.status_message", "deadlock detected"), bool("error", true),
            string("span.kind", "client"));
    io.opentelemetry.proto.trace.v1.Span stored = stored(sent.traceId(), client.getSpanId());
    assertThat(stored.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
  }

  @Test
  void theGrpcExporterReportsAFailureWhenTheServerIsGone() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort(); // a port where a server was and is no more
    }
    RecordingExporter exporter = new RecordingExporter(JaegerGrpcSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + port).setTimeout(Duration.ofSeconds(3)).build());
    try (SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
      provider.get(SCOPE).spanBuilder("lost").startSpan().end();
      assertThat(exporter.results).hasSize(1);
      CompletableResultCode result = exporter.results.get(0).join(10, TimeUnit.SECONDS);
      assertThat(result.isDone()).as("the export finished within 10 s").isTrue();
      assertThat(result.isSuccess()).as("an export to a closed port").isFalse();
    }
  }

  record Sent(String traceId, List<SpanData> spans) {
    SpanData span(String name) {
      return spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }
  }

  /** One trace with every field the SDK has, through the exporter, each export succeeded. */
  static Sent send(SpanExporter jaeger, String service) {
    RecordingExporter exporter = new RecordingExporter(jaeger);
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.builder()
        .put("service.name", service)
        .put("deployment.environment", "interop")
        .put("host.cpus", 2L)
        .put("canary", true)
        .put("cpu.share", 0.5)
        .build()));
    String traceId;
    try (SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
      Tracer tracer = provider.get(SCOPE, SCOPE_VERSION);
      Span root = tracer.spanBuilder("GET /cart")
          .setSpanKind(SpanKind.SERVER)
          .setAttribute("http.request.method", "GET")
          .setAttribute("http.response.status_code", 200L)
          .setAttribute("ratio", 0.25)
          .setAttribute("cache.hit", true)
          .setAttribute(AttributeKey.stringArrayKey("tags"), List.of("a", "b"))
          .setAttribute(AttributeKey.longArrayKey("ports"), List.of(80L, 443L))
          .setAttribute(AttributeKey.booleanArrayKey("flags"), List.of(true, false))
          .setAttribute(AttributeKey.doubleArrayKey("weights"), List.of(0.5, 1.5))
          .startSpan();
      traceId = root.getSpanContext().getTraceId();
      root.addEvent("cache-miss", Attributes.builder().put("key", "cart:42")
          .put("attempt", 2L).put("backoff.seconds", 0.5).put("final", false).build());
      try (Scope ignored = root.makeCurrent()) {
        Span client = tracer.spanBuilder("SELECT carts")
            .setSpanKind(SpanKind.CLIENT)
            .addLink(SpanContext.create(LINKED_TRACE, LINKED_SPAN, TraceFlags.getSampled(),
                TraceState.getDefault()))
            .startSpan();
        client.addEvent("retry");
        client.setStatus(StatusCode.ERROR, "deadlock detected");
        client.end();
        Span producer = tracer.spanBuilder("publish").setSpanKind(SpanKind.PRODUCER).startSpan();
        producer.setStatus(StatusCode.OK);
        producer.end();
        tracer.spanBuilder("consume").setSpanKind(SpanKind.CONSUMER).startSpan().end();
        tracer.spanBuilder("render").startSpan().end(); // INTERNAL: no span.kind tag
      }
      root.end();
      assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess())
          .as("forceFlush").isTrue();
    }
    assertThat(exporter.spans).as("spans exported").hasSize(5);
    for (CompletableResultCode result : exporter.results) {
      assertThat(result.join(10, TimeUnit.SECONDS).isSuccess())
          .as("an export of %s to meshtrace succeeded", service).isTrue();
    }
    return new Sent(traceId, List.copyOf(exporter.spans));
  }

  /** What the Jaeger v1 API should show: the spans as the exporter translated them. */
  static List<JaegerJson.Span> expected(Sent sent, boolean grpc) throws Exception {
    List<JaegerJson.Span> expected = new ArrayList<>();
    for (SpanData span : sent.spans()) {
      List<JaegerJson.Tag> tags = tags(span.getAttributes());
      if (span.getKind() != SpanKind.INTERNAL) {
        tags.add(string("span.kind", span.getKind().name().toLowerCase(Locale.ROOT)));
      }
      if (!span.getStatus().getDescription().isEmpty()) {
        tags.add(string(grpc ? "otel.status_description" : "otel.status_message",
            span.getStatus().getDescription()));
      }
      if (span.getStatus().getStatusCode() != StatusCode.UNSET) {
        tags.add(string("otel.status_code", span.getStatus().getStatusCode().name()));
      }
      tags.add(string("otel.scope.name", span.getInstrumentationScopeInfo().getName()));
      tags.add(string("otel.library.name", span.getInstrumentationScopeInfo().getName()));
      if (span.getInstrumentationScopeInfo().getVersion() != null) {
        tags.add(string("otel.scope.version", span.getInstrumentationScopeInfo().getVersion()));
        tags.add(string("otel.library.version",
            span.getInstrumentationScopeInfo().getVersion()));
      }
      if (span.getStatus().getStatusCode() == StatusCode.ERROR) {
        tags.add(bool("error", true));
      }
      List<JaegerJson.Ref> references = new ArrayList<>();
      for (LinkData link : span.getLinks()) {
        references.add(new JaegerJson.Ref("FOLLOWS_FROM", link.getSpanContext().getTraceId(),
            link.getSpanContext().getSpanId()));
      }
      if (span.getParentSpanContext().isValid()) {
        references.add(new JaegerJson.Ref("CHILD_OF", span.getTraceId(),
            span.getParentSpanId()));
      }
      List<JaegerJson.Log> logs = new ArrayList<>();
      for (EventData event : span.getEvents()) {
        List<JaegerJson.Tag> fields = tags(event.getAttributes());
        fields.add(string("event", event.getName()));
        logs.add(new JaegerJson.Log(event.getEpochNanos() / 1000, fields));
      }
      long start = span.getStartEpochNanos() / 1000;
      long duration = (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1000;
      expected.add(new JaegerJson.Span(span.getTraceId(), span.getSpanId(), span.getName(),
          references, 0, start, duration, tags, logs,
          span.getResource().getAttribute(AttributeKey.stringKey("service.name")),
          processTags(span.getResource(), grpc)));
    }
    return expected;
  }

  /**
   * The process tags: the exporter's own (jaeger.version, ip, hostname) and the resource's
   * attributes; the Jaeger API shows service.name as the serviceName only, as Jaeger does.
   */
  static List<JaegerJson.Tag> processTags(Resource resource, boolean grpc) throws Exception {
    Map<String, JaegerJson.Tag> tags = new LinkedHashMap<>();
    tags.put("jaeger.version", string("jaeger.version", "opentelemetry-java"));
    tags.put("ip", string("ip", InetAddress.getLocalHost().getHostAddress()));
    tags.put("hostname", string("hostname", InetAddress.getLocalHost().getHostName()));
    List<JaegerJson.Tag> own = new ArrayList<>(tags.values());
    for (JaegerJson.Tag tag : tags(resource.getAttributes())) {
      tags.put(tag.key(), tag); // the gRPC exporter merges, the resource winning
      own.add(tag); // the Thrift one appends
    }
    List<JaegerJson.Tag> result = grpc ? new ArrayList<>(tags.values()) : own;
    result.removeIf(tag -> tag.key().equals("service.name"));
    return result;
  }

  /** Attributes as the exporters write them: arrays as JSON text in string tags. */
  static List<JaegerJson.Tag> tags(Attributes attributes) {
    List<JaegerJson.Tag> tags = new ArrayList<>();
    attributes.forEach((key, value) -> tags.add(switch (key.getType()) {
      case STRING -> string(key.getKey(), (String) value);
      case BOOLEAN -> bool(key.getKey(), (Boolean) value);
      case LONG -> JaegerJson.Tag.int64(key.getKey(), (Long) value);
      case DOUBLE -> JaegerJson.Tag.float64(key.getKey(), (Double) value);
      case STRING_ARRAY, BOOLEAN_ARRAY, LONG_ARRAY, DOUBLE_ARRAY ->
          string(key.getKey(), new JsonArray((List<?>) value).encode());
    }));
    return tags;
  }

  private io.opentelemetry.proto.trace.v1.Span stored(String traceId, String spanId) {
    List<ResourceSpans> trace = server.storage().spanStore().getTrace(TraceId.fromHex(traceId))
        .await();
    for (ResourceSpans resourceSpans : trace) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (io.opentelemetry.proto.trace.v1.Span span : scopeSpans.getSpansList()) {
          if (JaegerJson.hex(io.meshtrace.model.SpanIds.fromBytes(span.getSpanId()))
              .equals(spanId)) {
            assertThat(scopeSpans.getScope().getName()).as("the stored span's scope")
                .isEqualTo(SCOPE);
            assertThat(scopeSpans.getScope().getVersion()).isEqualTo(SCOPE_VERSION);
            return span;
          }
        }
      }
    }
    throw new AssertionError("span " + spanId + " is not stored in trace " + traceId);
  }
}
