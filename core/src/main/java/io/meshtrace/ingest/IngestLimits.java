package io.meshtrace.ingest;

/**
 * Bounds on what one request may bring and on what the pipeline holds at once.
 *
 * @param maxSpansPerRequest a request with more spans is refused whole
 * @param maxAttributesPerSpan attributes beyond this many (per span, event, link and resource)
 *     are dropped and counted in {@code dropped_attributes_count}
 * @param maxAttributeValueLength longer string values are cut to this many characters
 * @param maxSpansInFlight spans accepted and not yet committed; a request that would go over is
 *     refused with 429 / RESOURCE_EXHAUSTED and a retry hint, so memory stays bounded
 */
public record IngestLimits(int maxSpansPerRequest, int maxAttributesPerSpan,
    int maxAttributeValueLength, int maxSpansInFlight) {
  public static final int DEFAULT_MAX_SPANS_PER_REQUEST = 20_000;
  /** As OpenTelemetry SDKs' default span attribute count limit. */
  public static final int DEFAULT_MAX_ATTRIBUTES_PER_SPAN = 128;
  public static final int DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH = 8192;
  /** Ten full default requests; about 100-200 MB of spans in memory. */
  public static final int DEFAULT_MAX_SPANS_IN_FLIGHT = 200_000;
}
