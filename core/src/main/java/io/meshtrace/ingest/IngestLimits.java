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

  public static IngestLimits defaults() {
    return new IngestLimits(20_000, 128, 8192, 200_000);
  }
}
