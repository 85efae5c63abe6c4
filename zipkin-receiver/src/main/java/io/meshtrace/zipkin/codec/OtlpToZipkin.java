package io.meshtrace.zipkin.codec;

import static io.meshtrace.model.ZipkinAttributes.DEBUG;
import static io.meshtrace.model.ZipkinAttributes.LOCAL_ADDRESS;
import static io.meshtrace.model.ZipkinAttributes.LOCAL_IPV6;
import static io.meshtrace.model.ZipkinAttributes.LOCAL_PORT;
import static io.meshtrace.model.ZipkinAttributes.PEER_ADDRESS;
import static io.meshtrace.model.ZipkinAttributes.PEER_IPV6;
import static io.meshtrace.model.ZipkinAttributes.PEER_PORT;
import static io.meshtrace.model.ZipkinAttributes.PEER_SERVICE;
import static io.meshtrace.model.ZipkinAttributes.SERVICE_NAME;
import static io.meshtrace.model.ZipkinAttributes.SHARED;
import static io.meshtrace.model.ZipkinAttributes.TIMESTAMP_ABSENT;

import io.meshtrace.model.AttributeText;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.meshtrace.model.TraceSpans;
import io.meshtrace.model.ZipkinAttributes;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import zipkin2.Endpoint;

/**
 * Stored OTLP spans back to Zipkin v2 spans. The inverse of {@link ZipkinToOtlp} (the attribute
 * keys are {@link ZipkinAttributes}, the table in this module's README), so a span sent as Zipkin
 * JSON reads back field for field; spans that arrived over OTLP follow OpenTelemetry's
 * Zipkin-exporter rules: attributes become tags, events annotations, the scope and an OK
 * status tags.
 */
public final class OtlpToZipkin {
  /** Span attributes that are carried by Zipkin fields rather than tags. */
  public static final Set<String> SPAN_FIELDS =
      Set.of(PEER_SERVICE, PEER_ADDRESS, PEER_PORT, PEER_IPV6, SHARED, DEBUG,
          TIMESTAMP_ABSENT);

  private OtlpToZipkin() {}

  public static List<zipkin2.Span> translate(List<ResourceSpans> trace) {
    Map<Resource, Endpoint> localEndpoints = new HashMap<>();
    // A span stored twice (a client that re-sent a request whose answer it missed) reads back
    // once: storage keeps what it is given, Zipkin's readers expect no identical copies.
    List<zipkin2.Span> spans = new ArrayList<>();
    for (TraceSpans.Entry entry : TraceSpans.of(trace).spans()) {
      Endpoint local = localEndpoints.computeIfAbsent(entry.resource(), OtlpToZipkin::localEndpoint);
      spans.add(translate(entry, local));
    }
    return withoutCopies(spans);
  }

  /**
   * The spans in their order, each identical copy after the first left out. Copies are looked
   * for among the spans of the same ID only: a set of whole spans hashes badly (the spans of a
   * trace of 8,000 took seconds to add, on the event loop).
   */
  public static List<zipkin2.Span> withoutCopies(List<zipkin2.Span> spans) {
    Map<String, List<zipkin2.Span>> byId = new HashMap<>();
    List<zipkin2.Span> result = new ArrayList<>(spans.size());
    for (zipkin2.Span span : spans) {
      List<zipkin2.Span> sameId = byId.computeIfAbsent(span.id(), id -> new ArrayList<>(1));
      if (!sameId.contains(span)) {
        sameId.add(span);
        result.add(span);
      }
    }
    return result;
  }

  static Endpoint localEndpoint(Resource resource) {
    Endpoint.Builder endpoint = Endpoint.newBuilder();
    Map<String, KeyValue> byKey = byKey(resource.getAttributesList());
    endpoint.serviceName(string(byKey.get(SERVICE_NAME)));
    address(endpoint, byKey.get(LOCAL_ADDRESS), byKey.get(LOCAL_IPV6), byKey.get(LOCAL_PORT));
    Endpoint built = endpoint.build();
    return built.equals(Endpoint.newBuilder().build()) ? null : built;
  }

  private static zipkin2.Span translate(TraceSpans.Entry entry, Endpoint local) {
    Span span = entry.span();
    zipkin2.Span.Builder zipkin = zipkin2.Span.newBuilder()
        .traceId(TraceId.fromBytes(span.getTraceId()).toHex128())
        .id(SpanIds.fromBytes(span.getSpanId()))
        .name(span.getName())
        .kind(kind(span.getKind()))
        .localEndpoint(local);
    if (!span.getParentSpanId().isEmpty()) {
      zipkin.parentId(SpanIds.fromBytes(span.getParentSpanId()));
    }
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    Map<String, KeyValue> attributes = byKey(span.getAttributesList());
    if (!isTrue(attributes.get(TIMESTAMP_ABSENT))) {
      zipkin.timestamp(start / 1000);
    }
    if (end != 0 && end > start) {
      // Zipkin's unit is the microsecond; a shorter span still lasted, so it rounds up to 1.
      zipkin.duration(Math.max(1, (end - start) / 1000));
    }
    if (attributes.containsKey(PEER_SERVICE) || attributes.containsKey(PEER_ADDRESS)
        || attributes.containsKey(PEER_PORT)) {
      Endpoint.Builder remote = Endpoint.newBuilder().serviceName(string(attributes.get(PEER_SERVICE)));
      address(remote, attributes.get(PEER_ADDRESS), attributes.get(PEER_IPV6),
          attributes.get(PEER_PORT));
      zipkin.remoteEndpoint(remote.build());
    }
    if (isTrue(attributes.get(SHARED))) {
      zipkin.shared(true);
    }
    if (isTrue(attributes.get(DEBUG))) {
      zipkin.debug(true);
    }
    if (!entry.scope().getName().isEmpty()) {
      zipkin.putTag("otel.scope.name", entry.scope().getName());
      if (!entry.scope().getVersion().isEmpty()) {
        zipkin.putTag("otel.scope.version", entry.scope().getVersion());
      }
    }
    for (KeyValue attribute : span.getAttributesList()) {
      if (!SPAN_FIELDS.contains(attribute.getKey())) {
        zipkin.putTag(attribute.getKey(), AttributeText.of(attribute.getValue()));
      }
    }
    Status status = span.getStatus();
    if (status.getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      zipkin.putTag("error", status.getMessage());
    } else if (status.getCode() == Status.StatusCode.STATUS_CODE_OK) {
      zipkin.putTag("otel.status_code", "OK");
    }
    for (Span.Event event : span.getEventsList()) {
      String value = event.getName();
      if (event.getAttributesCount() > 0) {
        StringBuilder json = new StringBuilder("{");
        for (KeyValue attribute : event.getAttributesList()) {
          if (json.length() > 1) {
            json.append(',');
          }
          json.append(quote(attribute.getKey())).append(':')
              .append(AttributeText.toJson(attribute.getValue()));
        }
        value = quote(event.getName()) + ":" + json.append('}');
      }
      zipkin.addAnnotation(event.getTimeUnixNano() / 1000, value);
    }
    return zipkin.build();
  }

  private static void address(Endpoint.Builder endpoint, KeyValue address, KeyValue ipv6,
      KeyValue port) {
    if (address != null) {
      endpoint.ip(AttributeText.of(address.getValue()));
    }
    if (ipv6 != null) {
      endpoint.ip(AttributeText.of(ipv6.getValue()));
    }
    if (port != null && port.getValue().hasIntValue()) {
      long value = port.getValue().getIntValue();
      if (value > 0 && value <= 65535) {
        endpoint.port((int) value);
      }
    }
  }

  static zipkin2.Span.Kind kind(Span.SpanKind kind) {
    return switch (kind) {
      case SPAN_KIND_CLIENT -> zipkin2.Span.Kind.CLIENT;
      case SPAN_KIND_SERVER -> zipkin2.Span.Kind.SERVER;
      case SPAN_KIND_PRODUCER -> zipkin2.Span.Kind.PRODUCER;
      case SPAN_KIND_CONSUMER -> zipkin2.Span.Kind.CONSUMER;
      default -> null;
    };
  }

  private static Map<String, KeyValue> byKey(List<KeyValue> attributes) {
    Map<String, KeyValue> map = new HashMap<>();
    for (KeyValue attribute : attributes) {
      map.putIfAbsent(attribute.getKey(), attribute);
    }
    return map;
  }

  private static String string(KeyValue attribute) {
    return attribute == null ? null : AttributeText.of(attribute.getValue());
  }

  private static boolean isTrue(KeyValue attribute) {
    return attribute != null && attribute.getValue().getBoolValue();
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
