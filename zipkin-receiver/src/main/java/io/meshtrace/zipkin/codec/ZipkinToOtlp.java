package io.meshtrace.zipkin.codec;

import com.google.protobuf.ByteString;
import io.meshtrace.model.ZipkinAttributes;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import zipkin2.Annotation;
import zipkin2.Endpoint;

/**
 * Translates Zipkin spans into OTLP, losing nothing: see the table in this module's README.
 * Spans are grouped into one {@link ResourceSpans} per local endpoint, which is the reporting
 * process.
 */
public final class ZipkinToOtlp {
  private static final Endpoint NO_ENDPOINT = Endpoint.newBuilder().build();

  private ZipkinToOtlp() {}

  /**
   * @param receivedMicros the receive time, used as the start of a span that has neither a
   *     timestamp nor annotations (only legacy v1 reporters send such spans)
   */
  public static List<ResourceSpans> translate(List<zipkin2.Span> spans, long receivedMicros) {
    Map<Endpoint, List<Span>> byLocalEndpoint = new LinkedHashMap<>();
    for (zipkin2.Span span : spans) {
      Endpoint local = Optional.ofNullable(span.localEndpoint()).orElse(NO_ENDPOINT);
      byLocalEndpoint.computeIfAbsent(local, e -> new ArrayList<>())
          .add(translate(span, receivedMicros));
    }
    List<ResourceSpans> result = new ArrayList<>(byLocalEndpoint.size());
    byLocalEndpoint.forEach((local, translated) -> result.add(ResourceSpans.newBuilder()
        .setResource(resource(local))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(translated))
        .build()));
    return result;
  }

  static Resource resource(Endpoint local) {
    Resource.Builder resource = Resource.newBuilder();
    if (local.serviceName() != null) {
      resource.addAttributes(string(ZipkinAttributes.SERVICE_NAME, local.serviceName()));
    }
    addAddress(local, ZipkinAttributes.LOCAL_ADDRESS,
        ZipkinAttributes.LOCAL_PORT, ZipkinAttributes.LOCAL_IPV6, resource::addAttributes);
    return resource.build();
  }

  static Span translate(zipkin2.Span zipkin, long receivedMicros) {
    long startMicros = zipkin.timestampAsLong();
    if (startMicros == 0) {
      startMicros = zipkin.annotations().stream().mapToLong(Annotation::timestamp).min()
          .orElse(receivedMicros);
    }
    Span.Builder span = Span.newBuilder()
        .setTraceId(traceId(zipkin.traceId()))
        .setSpanId(hex(zipkin.id()))
        .setName(zipkin.name() == null ? "" : zipkin.name())
        .setKind(kind(zipkin.kind()))
        .setStartTimeUnixNano(startMicros * 1000);
    if (zipkin.parentId() != null) {
      span.setParentSpanId(hex(zipkin.parentId()));
    }
    if (zipkin.durationAsLong() != 0) {
      span.setEndTimeUnixNano((startMicros + zipkin.durationAsLong()) * 1000);
    }
    for (Map.Entry<String, String> tag : zipkin.tags().entrySet()) {
      if (tag.getKey().equals(ZipkinAttributes.ERROR_TAG)) {
        span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
            .setMessage(tag.getValue()));
      } else {
        span.addAttributes(string(tag.getKey(), tag.getValue()));
      }
    }
    Endpoint remote = zipkin.remoteEndpoint();
    if (remote != null) {
      if (remote.serviceName() != null) {
        span.addAttributes(string(ZipkinAttributes.PEER_SERVICE, remote.serviceName()));
      }
      addAddress(remote, ZipkinAttributes.PEER_ADDRESS,
          ZipkinAttributes.PEER_PORT, ZipkinAttributes.PEER_IPV6, span::addAttributes);
    }
    if (Boolean.TRUE.equals(zipkin.shared())) {
      span.addAttributes(bool(ZipkinAttributes.SHARED));
    }
    if (Boolean.TRUE.equals(zipkin.debug())) {
      span.addAttributes(bool(ZipkinAttributes.DEBUG));
    }
    if (zipkin.timestampAsLong() == 0) {
      span.addAttributes(bool(ZipkinAttributes.TIMESTAMP_ABSENT));
    }
    for (Annotation annotation : zipkin.annotations()) {
      span.addEvents(Span.Event.newBuilder()
          .setTimeUnixNano(annotation.timestamp() * 1000)
          .setName(annotation.value()));
    }
    return span.build();
  }

  static void addAddress(Endpoint endpoint, String addressKey, String portKey,
      String ipv6Key, Consumer<KeyValue> add) {
    if (endpoint.ipv4() != null) {
      add.accept(string(addressKey, endpoint.ipv4()));
      if (endpoint.ipv6() != null) {
        add.accept(string(ipv6Key, endpoint.ipv6()));
      }
    } else if (endpoint.ipv6() != null) {
      add.accept(string(addressKey, endpoint.ipv6()));
    }
    if (endpoint.portAsInt() != 0) {
      add.accept(KeyValue.newBuilder().setKeyBytes(keyBytes(portKey))
          .setValue(AnyValue.newBuilder().setIntValue(endpoint.portAsInt())).build());
    }
  }

  static Span.SpanKind kind(zipkin2.Span.Kind kind) {
    if (kind == null) {
      return Span.SpanKind.SPAN_KIND_INTERNAL;
    }
    return switch (kind) {
      case CLIENT -> Span.SpanKind.SPAN_KIND_CLIENT;
      case SERVER -> Span.SpanKind.SPAN_KIND_SERVER;
      case PRODUCER -> Span.SpanKind.SPAN_KIND_PRODUCER;
      case CONSUMER -> Span.SpanKind.SPAN_KIND_CONSUMER;
    };
  }

  /** Zipkin's 16 or 32 hex characters as OTLP's 16 bytes, a 64-bit ID left-padded. */
  static ByteString traceId(String hex) {
    return hex.length() == 32 ? hex(hex) : hex("0000000000000000" + hex);
  }

  static ByteString hex(String hex) {
    byte[] bytes = new byte[hex.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) ((Character.digit(hex.charAt(2 * i), 16) << 4)
          | Character.digit(hex.charAt(2 * i + 1), 16));
    }
    return ByteString.copyFrom(bytes);
  }

  /**
   * Keys and values are handed to protobuf as UTF-8 bytes, encoded once: as Java strings they
   * would be measured and encoded again each time a message is serialized. Keys repeat on every
   * span (Envoy sends the same twenty), so their bytes are kept.
   */
  static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKeyBytes(keyBytes(key))
        .setValue(AnyValue.newBuilder().setStringValueBytes(ByteString.copyFromUtf8(value)))
        .build();
  }

  private static final int MAX_CACHED_KEYS = 4096;
  private static final Map<String, ByteString> KEYS = new ConcurrentHashMap<>();

  private static ByteString keyBytes(String key) {
    ByteString bytes = KEYS.get(key);
    if (bytes == null) {
      bytes = ByteString.copyFromUtf8(key);
      if (KEYS.size() < MAX_CACHED_KEYS) {
        KEYS.put(key, bytes);
      }
    }
    return bytes;
  }

  static KeyValue bool(String key) {
    return KeyValue.newBuilder().setKeyBytes(keyBytes(key))
        .setValue(AnyValue.newBuilder().setBoolValue(true))
        .build();
  }
}
