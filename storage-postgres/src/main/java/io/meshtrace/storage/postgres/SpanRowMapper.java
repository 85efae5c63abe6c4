package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.SpanIds;
import io.meshtrace.storage.TraceId;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns OTLP spans into rows, refusing what the table cannot hold faithfully. Receivers check
 * the same things earlier to reject single spans; this is the last line, so that nothing
 * malformed is ever half-written.
 */
final class SpanRowMapper {
  /** Spans whose resource names no service are stored under OTel's default name. */
  static final String UNKNOWN_SERVICE = "unknown_service";
  /**
   * Longest service or operation name kept, in UTF-16 units: names are unique-indexed, and a
   * btree entry must stay under about 2700 bytes.
   */
  static final int MAX_NAME_LENGTH = 512;

  private final Clock clock;
  private final Duration retention;
  private final Duration maxFutureSkew;

  SpanRowMapper(Clock clock, Duration retention, Duration maxFutureSkew) {
    this.clock = clock;
    this.retention = retention;
    this.maxFutureSkew = maxFutureSkew;
  }

  List<SpanRow> map(List<ResourceSpans> resourceSpansList) {
    Instant now = clock.instant();
    long oldestMicros = micros(now.minus(retention));
    long newestMicros = micros(now.plus(maxFutureSkew));
    List<SpanRow> rows = new ArrayList<>();
    for (ResourceSpans resourceSpans : resourceSpansList) {
      String service = serviceName(resourceSpans.getResource());
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        if (scopeSpans.getSpansCount() == 0) {
          continue;
        }
        SpanSource source = source(resourceSpans, scopeSpans, service);
        for (Span span : scopeSpans.getSpansList()) {
          rows.add(row(span, source, oldestMicros, newestMicros));
        }
      }
    }
    return rows;
  }

  private SpanRow row(Span span, SpanSource source, long oldestMicros, long newestMicros) {
    TraceId traceId = traceId(span);
    long spanId = spanId(span, traceId);
    Long parentId = parentId(span, traceId);
    long start = span.getStartTimeUnixNano();
    if (start <= 0) {
      throw new InvalidSpanException("span " + SpanIds.toHex(spanId) + " of trace " + traceId
          + " has no start time");
    }
    long startMicros = StoredSpanCodec.startMicros(span);
    if (startMicros < oldestMicros) {
      throw new InvalidSpanException("span " + SpanIds.toHex(spanId) + " of trace " + traceId
          + " starts at " + instant(startMicros) + ", older than the retention of "
          + retention.toDays() + " days");
    }
    if (startMicros > newestMicros) {
      throw new InvalidSpanException("span " + SpanIds.toHex(spanId) + " of trace " + traceId
          + " starts at " + instant(startMicros) + ", more than " + maxFutureSkew
          + " in the future");
    }
    return new SpanRow(startMicros, spanId, parentId, StoredSpanCodec.durationMicros(span),
        traceId.toUuid(), source, cleanName(span.getName()), (short) span.getKindValue(),
        StoredSpanCodec.payload(span));
  }

  private static TraceId traceId(Span span) {
    ByteString bytes = span.getTraceId();
    if (bytes.size() != 16) {
      throw new InvalidSpanException("trace ID must be 16 bytes, was " + bytes.size());
    }
    try {
      return TraceId.fromBytes(bytes);
    } catch (IllegalArgumentException allZeros) {
      throw new InvalidSpanException(allZeros.getMessage());
    }
  }

  private static long spanId(Span span, TraceId traceId) {
    ByteString bytes = span.getSpanId();
    if (bytes.size() != 8) {
      throw new InvalidSpanException("span ID in trace " + traceId + " must be 8 bytes, was "
          + bytes.size());
    }
    long id = SpanIds.fromBytes(bytes);
    if (id == 0) {
      throw new InvalidSpanException("span ID in trace " + traceId + " is all zeros");
    }
    return id;
  }

  private static Long parentId(Span span, TraceId traceId) {
    ByteString bytes = span.getParentSpanId();
    if (bytes.isEmpty()) {
      return null;
    }
    if (bytes.size() != 8) {
      throw new InvalidSpanException("parent span ID in trace " + traceId + " must be 8 bytes, was "
          + bytes.size());
    }
    long id = SpanIds.fromBytes(bytes);
    return id == 0 ? null : id; // some SDKs send eight zero bytes for "no parent"
  }

  static String serviceName(Resource resource) {
    for (KeyValue attribute : resource.getAttributesList()) {
      if (attribute.getKey().equals("service.name") && attribute.getValue().hasStringValue()) {
        String name = cleanName(attribute.getValue().getStringValue());
        return name.isEmpty() ? UNKNOWN_SERVICE : name;
      }
    }
    return UNKNOWN_SERVICE;
  }

  /** PostgreSQL text cannot hold NUL, and unique indexes cannot hold very long values. */
  static String cleanName(String name) {
    String clean = name.indexOf('\0') >= 0 ? name.replace('\0', '\uFFFD') : name;
    if (clean.length() > MAX_NAME_LENGTH) {
      int end = MAX_NAME_LENGTH;
      if (Character.isHighSurrogate(clean.charAt(end - 1))) {
        end--;
      }
      clean = clean.substring(0, end);
    }
    return clean;
  }

  private static SpanSource source(ResourceSpans resourceSpans, ScopeSpans scopeSpans,
      String service) {
    byte[] encoded = ResourceSpans.newBuilder()
        .setResource(resourceSpans.getResource())
        .setSchemaUrl(resourceSpans.getSchemaUrl())
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(scopeSpans.getScope())
            .setSchemaUrl(scopeSpans.getSchemaUrl()))
        .build()
        .toByteArray();
    return new SpanSource(digest(encoded), encoded, service);
  }

  private static ByteString digest(byte[] encoded) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(encoded);
      return ByteString.copyFrom(sha, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1000;
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
        Math.floorMod(micros, 1_000_000L) * 1000);
  }
}
