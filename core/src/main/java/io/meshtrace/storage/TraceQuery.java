package io.meshtrace.storage;

import io.meshtrace.model.AttributeText;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What to search traces by. A trace matches when one of its spans satisfies every given
 * criterion (Jaeger's semantics); results are the matching traces' IDs, newest matching span
 * first.
 *
 * @param serviceName the span's service, or null for any
 * @param operationName the span's name, or null for any
 * @param spanKind the span's OTLP kind number, or null for any
 * @param tags attributes the span (or its resource) must have: key to text value as {@link
 *     AttributeText} writes it; a null value asks only for the key
 * @param minDurationMicros at least this long, or null
 * @param maxDurationMicros at most this long, or null
 * @param start the earliest start time of the matching span
 * @param end the latest start time of the matching span
 * @param limit the most traces to return
 */
public record TraceQuery(
    String serviceName,
    String operationName,
    Integer spanKind,
    Map<String, String> tags,
    Long minDurationMicros,
    Long maxDurationMicros,
    Instant start,
    Instant end,
    int limit) {

  public TraceQuery {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    tags = tags == null ? Map.of()
        : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tags));
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
  }
}
