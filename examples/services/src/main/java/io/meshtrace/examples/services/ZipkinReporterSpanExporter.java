package io.meshtrace.examples.services;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.codec.SpanBytesEncoder;
import zipkin2.reporter.BytesMessageSender;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/**
 * Reports spans as Envoy's Zipkin tracer does: Zipkin v2 JSON, POSTed to
 * {@code /api/v2/spans} through a zipkin-reporter sender. The spans are made with the
 * OpenTelemetry SDK like the other services' (one instrumentation for all three); only the wire
 * differs, which is the point of the mixed case. OpenTelemetry Java no longer ships its Zipkin
 * exporter (it is not in the 1.65 BOM), so this is the translation that exporter made:
 * INTERNAL spans have no Zipkin kind, attributes become string tags (arrays comma-joined), an
 * ERROR status becomes the {@code error} tag carrying its description, events become
 * annotations ({@code name} or {@code name: {attributes as JSON}}).
 *
 * <p>It sends each batch synchronously, so {@code forceFlush} on the span processor returns
 * when meshtrace has acknowledged (and so committed) the spans.
 */
final class ZipkinReporterSpanExporter implements SpanExporter {
  private static final Logger LOG = Logger.getLogger(ZipkinReporterSpanExporter.class.getName());
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private final BytesMessageSender sender;

  ZipkinReporterSpanExporter(String endpoint) {
    this.sender = URLConnectionSender.create(endpoint);
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    List<byte[]> encoded = new ArrayList<>(spans.size());
    for (SpanData span : spans) {
      encoded.add(SpanBytesEncoder.JSON_V2.encode(toZipkin(span)));
    }
    try {
      sender.send(encoded);
      return CompletableResultCode.ofSuccess();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "could not send " + spans.size() + " spans to Zipkin", e);
      return CompletableResultCode.ofFailure();
    }
  }

  static Span toZipkin(SpanData span) {
    String service = span.getResource().getAttribute(SERVICE_NAME);
    Span.Builder zipkin = Span.newBuilder()
        .traceId(span.getTraceId())
        .id(span.getSpanId())
        .name(span.getName())
        .kind(kind(span.getKind()))
        .timestamp(span.getStartEpochNanos() / 1000)
        .duration(Math.max(1, (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1000))
        .localEndpoint(Endpoint.newBuilder().serviceName(service).build());
    if (span.getParentSpanContext().isValid()) {
      zipkin.parentId(span.getParentSpanId());
    }
    span.getAttributes().forEach((key, value) -> zipkin.putTag(key.getKey(), text(value)));
    if (!span.getInstrumentationScopeInfo().getName().isEmpty()) {
      zipkin.putTag("otel.scope.name", span.getInstrumentationScopeInfo().getName());
    }
    if (span.getStatus().getStatusCode() == StatusCode.ERROR) {
      String description = span.getStatus().getDescription();
      zipkin.putTag("error", description == null || description.isEmpty() ? "true" : description);
    }
    for (EventData event : span.getEvents()) {
      zipkin.addAnnotation(event.getEpochNanos() / 1000, annotation(event));
    }
    return zipkin.build();
  }

  private static String annotation(EventData event) {
    Attributes attributes = event.getAttributes();
    if (attributes.isEmpty()) {
      return event.getName();
    }
    JsonObject json = new JsonObject();
    attributes.forEach((key, value) -> json.put(key.getKey(), text(value)));
    return event.getName() + ": " + json.encode();
  }

  private static String text(Object value) {
    if (value instanceof List<?> list) {
      return String.join(",", list.stream().map(String::valueOf).toList());
    }
    return String.valueOf(value);
  }

  private static Span.Kind kind(io.opentelemetry.api.trace.SpanKind kind) {
    return switch (kind) {
      case SERVER -> Span.Kind.SERVER;
      case CLIENT -> Span.Kind.CLIENT;
      case PRODUCER -> Span.Kind.PRODUCER;
      case CONSUMER -> Span.Kind.CONSUMER;
      case INTERNAL -> null;
    };
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess(); // nothing is buffered here
  }

  @Override
  public CompletableResultCode shutdown() {
    try {
      sender.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "closing the Zipkin sender", e);
    }
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public void close() {
    shutdown().join(10, TimeUnit.SECONDS);
  }
}
