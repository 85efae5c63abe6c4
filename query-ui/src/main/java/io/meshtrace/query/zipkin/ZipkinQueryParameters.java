package io.meshtrace.query.zipkin;

import io.meshtrace.model.TraceId;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import zipkin2.storage.QueryRequest;

/**
 * Reads the query parameters of Zipkin's v2 API. Every problem is an {@link
 * IllegalArgumentException} whose message names the parameter, worded as Zipkin words it where
 * Zipkin has a message ({@code limit <= 0}, {@code maxDuration < minDuration}, ...): the API
 * answers it as a 400 with that text.
 */
public final class ZipkinQueryParameters {
  /** Zipkin's {@code zipkin.query.lookback} default: one day, in milliseconds. */
  public static final long DEFAULT_LOOKBACK_MILLIS = 86_400_000L;
  /** Zipkin's default {@code limit} of {@code /api/v2/traces}. */
  public static final int DEFAULT_LIMIT = 10;
  /** As Zipkin's server, which splits {@code traceIds} into at most 1000 parts. */
  static final int MAX_TRACE_IDS = 1000;

  /** The time window of {@code /api/v2/dependencies}, in epoch milliseconds. */
  public record DependencyWindow(long endTs, long lookback) {}

  private ZipkinQueryParameters() {}

  /** {@code /api/v2/traces}: QueryRequest's own checks and lowercasing apply. */
  public static QueryRequest traces(MultiMap params, long nowMillis) {
    return QueryRequest.newBuilder()
        .serviceName(params.get("serviceName"))
        .remoteServiceName(params.get("remoteServiceName"))
        .spanName(params.get("spanName"))
        .parseAnnotationQuery(params.get("annotationQuery"))
        .minDuration(optionalLong(params, "minDuration"))
        .maxDuration(optionalLong(params, "maxDuration"))
        .endTs(longOr(params, "endTs", nowMillis))
        .lookback(longOr(params, "lookback", DEFAULT_LOOKBACK_MILLIS))
        .limit(intOr(params, "limit", DEFAULT_LIMIT))
        .build();
  }

  /**
   * {@code /api/v2/dependencies}. Zipkin requires {@code endTs}; meshtrace takes the current
   * time when it is missing, so that a plain {@code curl} works.
   */
  public static DependencyWindow dependencies(MultiMap params, long nowMillis) {
    long endTs = longOr(params, "endTs", nowMillis);
    long lookback = longOr(params, "lookback", DEFAULT_LOOKBACK_MILLIS);
    if (endTs <= 0) {
      throw new IllegalArgumentException("endTs <= 0");
    }
    if (lookback <= 0) {
      throw new IllegalArgumentException("lookback <= 0");
    }
    return new DependencyWindow(endTs, lookback);
  }

  /** A trace ID of 1 to 32 hex characters; a 64-bit ID is the 128-bit one with a zero high half. */
  public static TraceId traceId(String text) {
    return TraceId.fromHex(text == null ? null : text.trim());
  }

  /**
   * {@code traceIds=a,b,...} of {@code /api/v2/traceMany}: at least one ID, each valid and none
   * repeated (Zipkin refuses a repeated ID rather than answer the trace twice).
   */
  public static List<TraceId> traceIds(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("traceIds parameter is empty");
    }
    Set<TraceId> ids = new LinkedHashSet<>();
    for (String part : text.split(",", MAX_TRACE_IDS)) {
      TraceId id;
      try {
        id = traceId(part);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("traceIds: " + e.getMessage());
      }
      if (!ids.add(id)) {
        throw new IllegalArgumentException("redundant traceId: " + part.trim());
      }
    }
    return new ArrayList<>(ids);
  }

  /** A parameter that must be present (it may be empty). */
  public static String required(MultiMap params, String name) {
    String value = params.get(name);
    if (value == null) {
      throw new IllegalArgumentException(name + " parameter is required");
    }
    return value;
  }

  private static Long optionalLong(MultiMap params, String name) {
    String value = params.get(name);
    return value == null || value.isEmpty() ? null : parseLong(name, value);
  }

  private static long longOr(MultiMap params, String name, long fallback) {
    Long value = optionalLong(params, name);
    return value == null ? fallback : value;
  }

  private static int intOr(MultiMap params, String name, int fallback) {
    long value = longOr(params, name, fallback);
    if (value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + " is too large: " + value);
    }
    return (int) Math.max(value, 0); // QueryRequest refuses 0 and below as "limit <= 0"
  }

  private static long parseLong(String name, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a number: " + abbreviate(value));
    }
  }

  private static String abbreviate(String value) {
    return value.length() <= 64 ? value : value.substring(0, 64) + "...";
  }
}
