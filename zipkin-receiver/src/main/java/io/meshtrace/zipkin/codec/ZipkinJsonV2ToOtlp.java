package io.meshtrace.zipkin.codec;

import com.google.protobuf.ByteString;
import io.meshtrace.model.ZipkinAttributes;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import zipkin2.Endpoint;

/**
 * Zipkin's v2 JSON (a list of spans, as Envoy's Zipkin tracer sends it) straight into OTLP.
 * The result equals {@code ZipkinToOtlp.translate(SpanBytesDecoder.JSON_V2.decodeList(json))},
 * which the tests check on generated and hand-written input, but no {@code zipkin2.Span} is
 * built on the way: tag keys come from a shared cache, and tag values are views into the request
 * body instead of decoded strings encoded again. Decoding and translating took about half of the
 * ingest path's time for Zipkin JSON before (bench/RESULTS.md).
 *
 * <p>What zipkin2 normalizes is normalized the same way, with zipkin2's own code where it is not
 * on the hot path (endpoints): lower-hex IDs of up to 16 or 32 characters, left-padded; a
 * parent ID of zeros or equal to the span's is no parent; names and service names lower-cased;
 * negative timestamps and durations are none; tags sorted by key, the last of a repeated key
 * kept; annotations sorted and without duplicates; {@code shared} dropped from a client span.
 * What zipkin2 refuses is refused, with its messages where it has one ({@code id is all
 * zeros}).
 */
public final class ZipkinJsonV2ToOtlp {
  private static final AttributeKeyCache KEYS = new AttributeKeyCache();
  private static final Endpoint NO_ENDPOINT = Endpoint.newBuilder().build();
  private static final ByteString ERROR_KEY = ByteString.copyFromUtf8(ZipkinAttributes.ERROR_TAG);

  private ZipkinJsonV2ToOtlp() {}

  /**
   * @param receivedMicros the start of a span that has neither a timestamp nor annotations
   * @throws IllegalArgumentException saying what is malformed or invalid
   */
  public static List<ResourceSpans> decode(byte[] json, long receivedMicros) {
    if (json.length == 0) {
      return List.of(); // as zipkin2: nothing at all is no spans
    }
    JsonCursor in = new JsonCursor(json);
    Map<Endpoint, List<Span>> byLocalEndpoint = new LinkedHashMap<>();
    Map<ByteString, Endpoint> endpoints = new HashMap<>();
    in.expect('[');
    if (!in.consume(']')) {
      int index = 0;
      do {
        ParsedSpan span = new ParsedSpan();
        span.read(in, endpoints, index++);
        Endpoint local = span.localEndpoint == null ? NO_ENDPOINT : span.localEndpoint;
        byLocalEndpoint.computeIfAbsent(local, e -> new ArrayList<>())
            .add(span.toOtlp(receivedMicros));
      } while (in.more(']'));
    }
    in.expectEnd();
    List<ResourceSpans> result = new ArrayList<>(byLocalEndpoint.size());
    byLocalEndpoint.forEach((local, spans) -> result.add(ResourceSpans.newBuilder()
        .setResource(ZipkinToOtlp.resource(local))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans))
        .build()));
    return result;
  }

  /** One span's fields as read, before zipkin2's rules make a span of them. */
  private static final class ParsedSpan {
    long traceIdHigh;
    long traceIdLow;
    boolean hasTraceId;
    long id;
    boolean hasId;
    long parentId;
    zipkin2.Span.Kind kind;
    ByteString name;
    long timestamp;
    long duration;
    Endpoint localEndpoint;
    Endpoint remoteEndpoint;
    List<zipkin2.Annotation> annotations;
    ByteString[] tagKeys = new ByteString[24];
    ByteString[] tagValues = new ByteString[24];
    int tags;
    boolean tagKeysAscii = true;
    boolean debug;
    boolean shared;

    void read(JsonCursor in, Map<ByteString, Endpoint> endpoints, int index) {
      if (in.consumeNull()) {
        throw in.error("span " + index + " is null");
      }
      in.expect('{');
      if (!in.consume('}')) {
        do {
          in.readString();
          in.expect(':');
          field(in, endpoints);
        } while (in.more('}'));
      }
      if (!hasTraceId || !hasId) {
        throw new IllegalArgumentException("Missing :" + (hasTraceId ? "" : " traceId")
            + (hasId ? "" : " id") + " (span " + index + ")");
      }
    }

    private void field(JsonCursor in, Map<ByteString, Endpoint> endpoints) {
      if (in.lastStringEquals("traceId")) {
        long[] value = ZipkinIds.traceId(text(in));
        traceIdHigh = value[0];
        traceIdLow = value[1];
        hasTraceId = true;
        return;
      }
      if (in.lastStringEquals("id")) {
        id = ZipkinIds.spanId(text(in));
        hasId = true;
        return;
      }
      if (in.lastStringEquals("parentId")) {
        if (!in.consumeNull()) {
          parentId = ZipkinIds.parentId(text(in));
        }
      } else if (in.lastStringEquals("kind")) {
        if (!in.consumeNull()) {
          kind = zipkin2.Span.Kind.valueOf(text(in));
        }
      } else if (in.lastStringEquals("name")) {
        if (!in.consumeNull()) {
          name = lowerCaseName(in);
        }
      } else if (in.lastStringEquals("timestamp")) {
        if (!in.consumeNull()) {
          timestamp = Math.max(0, in.readLong());
        }
      } else if (in.lastStringEquals("duration")) {
        if (!in.consumeNull()) {
          duration = Math.max(0, in.readLong());
        }
      } else if (in.lastStringEquals("localEndpoint")) {
        if (!in.consumeNull()) {
          localEndpoint = endpoint(in, endpoints);
        }
      } else if (in.lastStringEquals("remoteEndpoint")) {
        if (!in.consumeNull()) {
          remoteEndpoint = endpoint(in, endpoints);
        }
      } else if (in.lastStringEquals("annotations")) {
        if (!in.consumeNull()) {
          annotations(in);
        }
      } else if (in.lastStringEquals("tags")) {
        if (!in.consumeNull()) {
          tags(in);
        }
      } else if (in.lastStringEquals("debug")) {
        if (!in.consumeNull() && in.readBoolean()) {
          debug = true;
        }
      } else if (in.lastStringEquals("shared")) {
        if (!in.consumeNull() && in.readBoolean()) {
          shared = true;
        }
      } else {
        in.skipValue();
      }
    }

    private void tags(JsonCursor in) {
      in.expect('{');
      if (in.consume('}')) {
        return;
      }
      do {
        in.readString();
        ByteString key = KEYS.key(in);
        boolean ascii = in.lastStringIsAscii();
        in.expect(':');
        if (in.consumeNull()) {
          throw in.error("No value for tag " + key.toStringUtf8());
        }
        ByteString value;
        if (in.peekString()) {
          in.readString();
          value = in.lastStringBytes();
        } else if (in.peekNumber()) {
          value = ByteString.copyFromUtf8(in.readNumberText());
        } else {
          throw in.error("expected a string for tag " + key.toStringUtf8());
        }
        if (tags == tagKeys.length) {
          tagKeys = Arrays.copyOf(tagKeys, tags * 2);
          tagValues = Arrays.copyOf(tagValues, tags * 2);
        }
        tagKeys[tags] = key;
        tagValues[tags++] = value;
        tagKeysAscii &= ascii;
      } while (in.more('}'));
    }

    private void annotations(JsonCursor in) {
      in.expect('[');
      if (in.consume(']')) {
        return;
      }
      if (annotations == null) {
        annotations = new ArrayList<>(2);
      }
      do {
        in.expect('{');
        Long at = null;
        String value = null;
        if (!in.consume('}')) {
          do {
            in.readString();
            in.expect(':');
            if (in.lastStringEquals("timestamp")) {
              at = in.readLong();
            } else if (in.lastStringEquals("value")) {
              value = text(in);
            } else {
              in.skipValue();
            }
          } while (in.more('}'));
        }
        if (at == null || value == null) {
          throw in.error("Incomplete annotation");
        }
        annotations.add(zipkin2.Annotation.create(at, value));
      } while (in.more(']'));
    }

    /** An endpoint by zipkin2's own rules; spans of one process repeat theirs, so it is cached. */
    private static Endpoint endpoint(JsonCursor in, Map<ByteString, Endpoint> endpoints) {
      in.expect('{');
      Endpoint.Builder endpoint = Endpoint.newBuilder();
      boolean readField = false;
      StringBuilder key = new StringBuilder();
      if (!in.consume('}')) {
        do {
          in.readString();
          in.expect(':');
          if (in.consumeNull()) {
            continue;
          }
          if (in.lastStringEquals("serviceName")) {
            String name = text(in);
            endpoint.serviceName(name);
            key.append('s').append(name).append('\n');
            readField = true;
          } else if (in.lastStringEquals("ipv4") || in.lastStringEquals("ipv6")) {
            String ip = text(in);
            endpoint.parseIp(ip);
            key.append('i').append(ip).append('\n');
            readField = true;
          } else if (in.lastStringEquals("port")) {
            long port = in.readLong();
            if (port != (int) port) {
              throw in.error("port " + port + " is not an int");
            }
            endpoint.port((int) port);
            key.append('p').append(port).append('\n');
            readField = true;
          } else {
            in.skipValue();
          }
        } while (in.more('}'));
      }
      if (!readField) {
        return null;
      }
      ByteString identity = ByteString.copyFromUtf8(key.toString());
      Endpoint cached = endpoints.get(identity);
      if (cached != null) {
        return cached;
      }
      Endpoint built = endpoint.build();
      if (NO_ENDPOINT.equals(built)) {
        built = null;
      }
      if (built != null) {
        endpoints.put(identity, built);
      }
      return built;
    }

    /** A name lower-cased as zipkin2 does, kept as a view when it already is (the usual case). */
    private static ByteString lowerCaseName(JsonCursor in) {
      if (in.peekString()) {
        in.readString();
        if (in.lastStringIsAscii()) {
          ByteString bytes = in.lastStringBytes();
          boolean lower = true;
          for (int i = 0; i < bytes.size() && lower; i++) {
            byte b = bytes.byteAt(i);
            lower = b < 'A' || b > 'Z';
          }
          return lower ? bytes : ByteString.copyFromUtf8(in.lastString().toLowerCase(Locale.ROOT));
        }
        return ByteString.copyFromUtf8(in.lastString().toLowerCase(Locale.ROOT));
      }
      return ByteString.copyFromUtf8(text(in).toLowerCase(Locale.ROOT));
    }

    Span toOtlp(long receivedMicros) {
      if (shared && kind == zipkin2.Span.Kind.CLIENT) {
        shared = false; // zipkin2: shared is for the server side
      }
      List<zipkin2.Annotation> sorted = sortedAnnotations();
      long startMicros = timestamp;
      if (startMicros == 0) {
        startMicros = sorted.isEmpty() ? receivedMicros : sorted.get(0).timestamp();
      }
      Span.Builder span = Span.newBuilder()
          .setTraceId(ZipkinIds.bytes(traceIdHigh, traceIdLow))
          .setSpanId(ZipkinIds.bytes(id))
          .setKind(ZipkinToOtlp.kind(kind))
          .setStartTimeUnixNano(startMicros * 1000);
      if (name != null && !name.isEmpty()) {
        span.setNameBytes(name);
      }
      if (parentId != 0 && parentId != id) {
        span.setParentSpanId(ZipkinIds.bytes(parentId));
      }
      if (duration != 0) {
        span.setEndTimeUnixNano((startMicros + duration) * 1000);
      }
      addTags(span);
      if (remoteEndpoint != null) {
        if (remoteEndpoint.serviceName() != null) {
          span.addAttributes(ZipkinToOtlp.string(ZipkinAttributes.PEER_SERVICE,
              remoteEndpoint.serviceName()));
        }
        ZipkinToOtlp.addAddress(remoteEndpoint, ZipkinAttributes.PEER_ADDRESS,
            ZipkinAttributes.PEER_PORT, ZipkinAttributes.PEER_IPV6, span::addAttributes);
      }
      if (shared) {
        span.addAttributes(ZipkinToOtlp.bool(ZipkinAttributes.SHARED));
      }
      if (debug) {
        span.addAttributes(ZipkinToOtlp.bool(ZipkinAttributes.DEBUG));
      }
      for (zipkin2.Annotation annotation : sorted) {
        span.addEvents(Span.Event.newBuilder()
            .setTimeUnixNano(annotation.timestamp() * 1000)
            .setName(annotation.value()));
      }
      return span.build();
    }

    /** In key order, as zipkin2's TreeMap has them; of a repeated key, the last value. */
    private void addTags(Span.Builder span) {
      if (tags == 0) {
        return;
      }
      Integer[] order = new Integer[tags];
      for (int i = 0; i < tags; i++) {
        order[i] = i;
      }
      Comparator<Integer> byKey = tagKeysAscii
          ? (a, b) -> ByteString.unsignedLexicographicalComparator()
              .compare(tagKeys[a], tagKeys[b])
          : Comparator.comparing(i -> tagKeys[i].toStringUtf8());
      if (!sortedAlready(byKey, order)) {
        Arrays.sort(order, byKey); // stable: repeated keys keep their order
      }
      for (int n = 0; n < tags; n++) {
        int i = order[n];
        if (n + 1 < tags && tagKeys[order[n + 1]].equals(tagKeys[i])) {
          continue; // a later value of the same key wins
        }
        if (tagKeys[i].equals(ERROR_KEY)) {
          span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
              .setMessageBytes(tagValues[i]));
        } else {
          span.addAttributes(KeyValue.newBuilder().setKeyBytes(tagKeys[i])
              .setValue(AnyValue.newBuilder().setStringValueBytes(tagValues[i])));
        }
      }
    }

    /** Envoy writes its tags sorted already; checking is cheaper than sorting. */
    private static boolean sortedAlready(Comparator<Integer> byKey, Integer[] order) {
      for (int n = 1; n < order.length; n++) {
        if (byKey.compare(order[n - 1], order[n]) > 0) {
          return false;
        }
      }
      return true;
    }

    private List<zipkin2.Annotation> sortedAnnotations() {
      if (annotations == null || annotations.isEmpty()) {
        return List.of();
      }
      List<zipkin2.Annotation> sorted = new ArrayList<>(annotations);
      sorted.sort(null);
      List<zipkin2.Annotation> distinct = new ArrayList<>(sorted.size());
      for (zipkin2.Annotation annotation : sorted) {
        if (distinct.isEmpty() || !distinct.get(distinct.size() - 1).equals(annotation)) {
          distinct.add(annotation);
        }
      }
      return distinct;
    }
  }

  /** A value zipkin2 reads with {@code nextString()}: a string, or a number as its text. */
  private static String text(JsonCursor in) {
    if (in.peekString()) {
      in.readString();
      return in.lastString();
    }
    if (in.peekNumber()) {
      return in.readNumberText();
    }
    throw in.error("expected a string");
  }
}
