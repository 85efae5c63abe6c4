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
  private static final TextCache KEYS = new TextCache();
  private static final TextCache NAMES = new TextCache();
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
    RepeatedAttributes attributes = new RepeatedAttributes();
    in.expect('[');
    if (!in.consume(']')) {
      int index = 0;
      do {
        ParsedSpan span = new ParsedSpan();
        span.read(in, endpoints, attributes, index++);
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

  /** The members of a span zipkin2 reads; the rest it skips. */
  private enum Field {
    TRACE_ID("traceId"), ID("id"), PARENT_ID("parentId"), KIND("kind"), NAME("name"),
    TIMESTAMP("timestamp"), DURATION("duration"), LOCAL_ENDPOINT("localEndpoint"),
    REMOTE_ENDPOINT("remoteEndpoint"), ANNOTATIONS("annotations"), TAGS("tags"),
    DEBUG("debug"), SHARED("shared"), OTHER("");

    final String json;

    Field(String json) {
      this.json = json;
    }
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
    String name;
    long timestamp;
    long duration;
    Endpoint localEndpoint;
    Endpoint remoteEndpoint;
    List<zipkin2.Annotation> annotations;
    TextCache.Text[] tagKeys = new TextCache.Text[24];
    KeyValue[] tagAttributes = new KeyValue[24];
    int tags;
    boolean debug;
    boolean shared;

    void read(JsonCursor in, Map<ByteString, Endpoint> endpoints, RepeatedAttributes attributes,
        int index) {
      if (in.consumeNull()) {
        throw in.error("span " + index + " is null");
      }
      in.expect('{');
      if (!in.consume('}')) {
        do {
          in.readString();
          in.expect(':');
          field(in, endpoints, attributes);
        } while (in.more('}'));
      }
      if (!hasTraceId || !hasId) {
        throw new IllegalArgumentException("Missing :" + (hasTraceId ? "" : " traceId")
            + (hasId ? "" : " id") + " (span " + index + ")");
      }
    }

    /** The field a span's member names, by its length and first byte, then checked. */
    private static Field field(JsonCursor in) {
      if (in.lastLength() < 2) {
        return Field.OTHER;
      }
      Field candidate = switch (in.lastLength() << 8 | in.lastByteAt(0)) {
        case 7 << 8 | 't' -> Field.TRACE_ID;
        case 2 << 8 | 'i' -> Field.ID;
        case 8 << 8 | 'p' -> Field.PARENT_ID;
        case 4 << 8 | 'k' -> Field.KIND;
        case 4 << 8 | 'n' -> Field.NAME;
        case 9 << 8 | 't' -> Field.TIMESTAMP;
        case 8 << 8 | 'd' -> Field.DURATION;
        case 13 << 8 | 'l' -> Field.LOCAL_ENDPOINT;
        case 14 << 8 | 'r' -> Field.REMOTE_ENDPOINT;
        case 11 << 8 | 'a' -> Field.ANNOTATIONS;
        case 4 << 8 | 't' -> Field.TAGS;
        case 5 << 8 | 'd' -> Field.DEBUG;
        case 6 << 8 | 's' -> Field.SHARED;
        default -> Field.OTHER;
      };
      return candidate != Field.OTHER && in.lastStringEquals(candidate.json) ? candidate
          : Field.OTHER;
    }

    private void field(JsonCursor in, Map<ByteString, Endpoint> endpoints,
        RepeatedAttributes attributes) {
      Field field = field(in);
      // zipkin2 reads the IDs whatever they are (null is refused); other fields may be null.
      if (field == Field.TRACE_ID) {
        long[] value = ZipkinIds.traceId(hex(in));
        traceIdHigh = value[0];
        traceIdLow = value[1];
        hasTraceId = true;
        return;
      }
      if (field == Field.ID) {
        id = ZipkinIds.spanId(hex(in));
        hasId = true;
        return;
      }
      if (in.consumeNull()) {
        return;
      }
      switch (field) {
        case PARENT_ID -> parentId = ZipkinIds.parentId(hex(in));
        case KIND -> kind = zipkin2.Span.Kind.valueOf(text(in));
        case NAME -> name = lowerCaseName(in);
        case TIMESTAMP -> timestamp = Math.max(0, in.readLong());
        case DURATION -> duration = Math.max(0, in.readLong());
        case LOCAL_ENDPOINT -> localEndpoint = endpoint(in, endpoints);
        case REMOTE_ENDPOINT -> remoteEndpoint = endpoint(in, endpoints);
        case ANNOTATIONS -> annotations(in);
        case TAGS -> tags(in, attributes);
        case DEBUG -> debug |= in.readBoolean();
        case SHARED -> shared |= in.readBoolean();
        default -> in.skipValue();
      }
    }

    private void tags(JsonCursor in, RepeatedAttributes attributes) {
      in.expect('{');
      if (in.consume('}')) {
        return;
      }
      do {
        in.readString();
        TextCache.Text key = KEYS.text(in);
        in.expect(':');
        if (in.consumeNull()) {
          throw in.error("No value for tag " + key.text());
        }
        KeyValue attribute;
        if (in.peekString()) {
          in.readString();
          attribute = attributes.attribute(key, in);
        } else if (in.peekNumber()) {
          attribute = KeyValue.newBuilder().setKeyBytes(key.bytes()).setValue(AnyValue
              .newBuilder().setStringValueBytes(ByteString.copyFromUtf8(in.readNumberText())))
              .build();
        } else {
          throw in.error("expected a string for tag " + key.text());
        }
        if (tags == tagKeys.length) {
          tagKeys = Arrays.copyOf(tagKeys, tags * 2);
          tagAttributes = Arrays.copyOf(tagAttributes, tags * 2);
        }
        tagKeys[tags] = key;
        tagAttributes[tags++] = attribute;
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

    /**
     * An endpoint by zipkin2's own rules. The spans of one process repeat theirs to the byte, so
     * it is looked up by its JSON first and read only when it is new.
     */
    private static Endpoint endpoint(JsonCursor in, Map<ByteString, Endpoint> endpoints) {
      int start = in.position();
      in.skipValue();
      ByteString json = in.viewSince(start);
      Endpoint known = endpoints.get(json);
      if (known != null || endpoints.containsKey(json)) {
        return known;
      }
      int after = in.position();
      in.rewind(start);
      Endpoint read = readEndpoint(in);
      in.rewind(after);
      endpoints.put(json, read);
      return read;
    }

    private static Endpoint readEndpoint(JsonCursor in) {
      in.expect('{');
      Endpoint.Builder endpoint = Endpoint.newBuilder();
      boolean readField = false;
      if (!in.consume('}')) {
        do {
          in.readString();
          in.expect(':');
          if (in.consumeNull()) {
            continue;
          }
          if (in.lastStringEquals("serviceName")) {
            endpoint.serviceName(text(in));
            readField = true;
          } else if (in.lastStringEquals("ipv4") || in.lastStringEquals("ipv6")) {
            endpoint.parseIp(text(in));
            readField = true;
          } else if (in.lastStringEquals("port")) {
            long port = in.readLong();
            if (port != (int) port) {
              throw in.error("port " + port + " is not an int");
            }
            endpoint.port((int) port);
            readField = true;
          } else {
            in.skipValue();
          }
        } while (in.more('}'));
      }
      if (!readField) {
        return null;
      }
      Endpoint built = endpoint.build();
      return NO_ENDPOINT.equals(built) ? null : built;
    }

    /**
     * A name lower-cased as zipkin2 does. One that already is (the usual case) is the shared
     * instance of that name: spans are named after a few routes and operations.
     */
    private static String lowerCaseName(JsonCursor in) {
      if (!in.peekString()) {
        return text(in).toLowerCase(Locale.ROOT);
      }
      in.readString();
      if (in.lastStringIsAscii()) {
        boolean lower = true;
        for (int i = 0; i < in.lastLength() && lower; i++) {
          byte b = in.lastByteAt(i);
          lower = b < 'A' || b > 'Z';
        }
        if (lower) {
          return NAMES.text(in).text();
        }
      }
      return in.lastString().toLowerCase(Locale.ROOT);
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
        span.setName(name);
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
      if (timestamp == 0) {
        span.addAttributes(ZipkinToOtlp.bool(ZipkinAttributes.TIMESTAMP_ABSENT));
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
      int[] order = new int[tags];
      for (int i = 0; i < tags; i++) {
        order[i] = i;
      }
      // Insertion sort, stable (a repeated key keeps its order) and linear on what Envoy sends:
      // its tags come sorted already.
      for (int n = 1; n < tags; n++) {
        int moving = order[n];
        String text = tagKeys[moving].text();
        int at = n;
        while (at > 0 && tagKeys[order[at - 1]].text().compareTo(text) > 0) {
          order[at] = order[at - 1];
          at--;
        }
        order[at] = moving;
      }
      for (int n = 0; n < tags; n++) {
        int i = order[n];
        ByteString key = tagKeys[i].bytes();
        if (n + 1 < tags && tagKeys[order[n + 1]].text().equals(tagKeys[i].text())) {
          continue; // a later value of the same key wins
        }
        if (key.equals(ERROR_KEY)) {
          span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
              .setMessageBytes(tagAttributes[i].getValue().getStringValueBytes()));
        } else {
          span.addAttributes(tagAttributes[i]);
        }
      }
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

  /** An ID as zipkin2 reads it (a string, or a number as its text), without a String. */
  private static ZipkinIds.Hex hex(JsonCursor in) {
    if (!in.peekString()) {
      return ZipkinIds.Hex.of(text(in));
    }
    in.readString();
    return in.lastStringAsHex();
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
