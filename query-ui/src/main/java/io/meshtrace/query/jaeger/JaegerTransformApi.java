package io.meshtrace.query.jaeger;

import com.google.protobuf.ByteString;
import io.meshtrace.ingest.LargeBodyDecoding;
import io.meshtrace.model.OtlpJson;
import io.meshtrace.model.TraceId;
import io.meshtrace.model.TraceSpans;
import io.meshtrace.query.HttpResponses;
import io.meshtrace.zipkin.codec.ZipkinJsonV2ToOtlp;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/transform}, as Jaeger v2's query service answers it: OTLP JSON in (an {@code
 * ExportTraceServiceRequest}, what OpenTelemetry's file exporter and {@code /api/v3/traces}
 * write), Jaeger's UI JSON out, the envelope and traces of {@code GET /api/traces/{id}}: one
 * trace per trace ID in order of first appearance, its spans in the order given, no read-time
 * adjusters (as Jaeger). Nothing is stored. As meshtrace's addition, a body that is a JSON
 * array is Zipkin v2 JSON (a list of spans, what {@code /api/v2/trace/{id}} answers), translated
 * as the Zipkin intake translates it: so that the UI can open a Zipkin file without storing it.
 * A body that is neither is 400 with the parser's problem ({@code cannot unmarshal OTLP : ...},
 * Jaeger's words).
 */
public final class JaegerTransformApi {
  public static final String PATH = "/api/transform";

  private final long maxBodyBytes;
  private final Clock clock;

  /** @param maxBodyBytes larger bodies are refused with 413 before they are read whole */
  public JaegerTransformApi(long maxBodyBytes, Clock clock) {
    this.maxBodyBytes = maxBodyBytes;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
        .handler(this::transform);
  }

  private void transform(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    byte[] bytes = body == null ? new byte[0] : body.getBytes();
    // Decoding and writing a large file takes long enough to be kept off the event loop.
    LargeBodyDecoding.run(ctx.vertx().getOrCreateContext(), bytes.length, false,
            () -> {
              List<TraceSpans> traces = traces(decode(bytes));
              return HttpResponses.json(json -> {
              json.writeStartObject();
              json.writeArrayFieldStart("data");
              for (TraceSpans trace : traces) {
                JaegerJsonWriter.writeTrace(json, trace);
              }
              json.writeEndArray();
              json.writeNumberField("total", 0);
              json.writeNumberField("limit", 0);
              json.writeNumberField("offset", 0);
              json.writeNullField("errors");
              json.writeEndObject();
              });
            })
        .onComplete(done -> {
          if (done.succeeded()) {
            HttpResponses.sendJson(ctx, 200, done.result());
          } else if (done.cause() instanceof IllegalArgumentException bad) {
            JaegerResponses.sendError(ctx, 400, bad.getMessage());
          } else {
            ctx.fail(done.cause());
          }
        });
  }

  /** The body's spans, OTLP or Zipkin by its first character. */
  private List<ResourceSpans> decode(byte[] body) {
    if (startsWithArray(body)) {
      try {
        return ZipkinJsonV2ToOtlp.decode(body, clock.millis() * 1000);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot read Zipkin v2 JSON: " + e.getMessage(), e);
      }
    }
    try {
      return OtlpJson.parseExportRequest(body).getResourceSpansList();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot unmarshal OTLP : " + e.getMessage(), e);
    }
  }

  private static boolean startsWithArray(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return b == '[';
      }
    }
    return false;
  }

  /**
   * The spans grouped by trace ID as Jaeger's {@code otlp2traces} groups them: traces in order of
   * first appearance, each trace's spans in the order of the body.
   */
  static List<TraceSpans> traces(List<ResourceSpans> resources) {
    Map<TraceId, List<TraceSpans.Entry>> byTrace = new LinkedHashMap<>();
    int index = 0;
    for (ResourceSpans resource : resources) {
      for (ScopeSpans scope : resource.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          checkSpanIds(span, index);
          byTrace.computeIfAbsent(TraceId.fromBytes(span.getTraceId()), id -> new ArrayList<>())
              .add(new TraceSpans.Entry(span, resource.getResource(), scope.getScope()));
          index++;
        }
      }
    }
    List<TraceSpans> traces = new ArrayList<>(byTrace.size());
    byTrace.values().forEach(spans -> traces.add(new TraceSpans(spans)));
    return traces;
  }

  /** What the Jaeger model cannot do without: a trace ID, a span ID, a parent ID or none. */
  private static void checkSpanIds(Span span, int index) {
    String problem = span.getTraceId().size() != 16 || isZero(span.getTraceId())
        ? "a trace ID of 32 hex characters, not all zero"
        : span.getSpanId().size() != 8 || isZero(span.getSpanId())
            ? "a span ID of 16 hex characters, not all zero"
            : !span.getParentSpanId().isEmpty() && span.getParentSpanId().size() != 8
                ? "a parent span ID of 16 hex characters, or none" : null;
    if (problem != null) {
      throw new IllegalArgumentException("span " + index + " (counting from 0) needs "
          + problem);
    }
  }

  private static boolean isZero(ByteString id) {
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }
}
