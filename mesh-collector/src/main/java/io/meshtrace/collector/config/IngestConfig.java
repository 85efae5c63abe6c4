package io.meshtrace.collector.config;

import io.meshtrace.ingest.IngestLimits;
import java.util.List;

/**
 * What one request may bring and what the ingest pipeline holds at once.
 *
 * @param maxRequestBytes the largest body accepted as sent
 * @param maxDecompressedBytes the largest body accepted after gunzip
 * @param limits the pipeline's bounds
 * @param otlpHttpCorsOrigins origins browsers may send OTLP/HTTP from ({@code *} for any);
 *     empty turns CORS off
 * @param maxBytesInFlight the process's budget for request bodies, inflated bodies and decoded
 *     spans in flight ({@link io.meshtrace.ingest.MemoryBudget})
 */
public record IngestConfig(long maxRequestBytes, long maxDecompressedBytes, IngestLimits limits,
    List<String> otlpHttpCorsOrigins, long maxBytesInFlight) {

  public static final Setting<Long> MAX_REQUEST_BYTES = Setting.byteSize("max-request-bytes",
      "16MiB", "Largest request body accepted, as sent.");
  public static final Setting<Long> MAX_DECOMPRESSED_BYTES = Setting.byteSize(
      "max-decompressed-bytes", "64MiB", "Largest request body accepted after gunzip; a larger "
          + "one is refused without inflating it all.");
  public static final Setting<Integer> MAX_SPANS_PER_REQUEST = Setting.integer(
      "max-spans-per-request", "N", IngestLimits.DEFAULT_MAX_SPANS_PER_REQUEST,
      "A request with more spans is refused whole.");
  public static final Setting<Integer> MAX_ATTRIBUTES_PER_SPAN = Setting.integer(
      "max-attributes-per-span", "N", IngestLimits.DEFAULT_MAX_ATTRIBUTES_PER_SPAN,
      "Attributes kept per span, event, link and resource; the rest are dropped and counted.");
  public static final Setting<Integer> MAX_ATTRIBUTE_VALUE_LENGTH = Setting.integer(
      "max-attribute-value-length", "N", IngestLimits.DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH,
      "Longer attribute values are cut to this many characters and counted.");
  public static final Setting<Integer> MAX_SPANS_IN_FLIGHT = Setting.integer(
      "max-spans-in-flight", "N", IngestLimits.DEFAULT_MAX_SPANS_IN_FLIGHT,
      "Spans accepted and not yet committed at most; past it requests get 429 or "
          + "RESOURCE_EXHAUSTED with a retry hint.");
  public static final Setting<List<String>> OTLP_HTTP_CORS_ORIGINS = Setting.list(
      "otlp-http-cors-origins", "ORIGINS", "", "Origins that browser SDKs may send OTLP/HTTP "
          + "from, comma-separated, or * for any; none turns CORS off.");

  public static final Setting<Long> MAX_BYTES_IN_FLIGHT = Setting.byteSize(
      "max-bytes-in-flight", "256MiB", "Memory that requests in flight may hold, all receivers "
          + "together: bodies as read (reserved from Content-Length before the first byte), "
          + "inflated, and their decoded spans until committed. Past it requests get 429 with "
          + "Retry-After or RESOURCE_EXHAUSTED. The default suits a 1 GiB container.");

  public static final List<Setting<?>> SETTINGS = List.of(MAX_REQUEST_BYTES,
      MAX_DECOMPRESSED_BYTES, MAX_SPANS_PER_REQUEST, MAX_ATTRIBUTES_PER_SPAN,
      MAX_ATTRIBUTE_VALUE_LENGTH, MAX_SPANS_IN_FLIGHT, OTLP_HTTP_CORS_ORIGINS,
      MAX_BYTES_IN_FLIGHT);

  public IngestConfig {
    Validate.atLeast(MAX_REQUEST_BYTES, maxRequestBytes, 1024);
    if (maxDecompressedBytes < maxRequestBytes) {
      throw new InvalidConfigException(MAX_DECOMPRESSED_BYTES.name(),
          "must be at least " + MAX_REQUEST_BYTES.name() + " (" + maxRequestBytes + ")");
    }
    if (maxDecompressedBytes > Integer.MAX_VALUE - 16) {
      throw new InvalidConfigException(MAX_DECOMPRESSED_BYTES.name(), "must be below 2 GiB");
    }
    Validate.atLeast(MAX_SPANS_PER_REQUEST, limits.maxSpansPerRequest(), 1);
    Validate.atLeast(MAX_ATTRIBUTES_PER_SPAN, limits.maxAttributesPerSpan(), 1);
    Validate.atLeast(MAX_ATTRIBUTE_VALUE_LENGTH, limits.maxAttributeValueLength(), 16);
    Validate.atLeast(MAX_SPANS_IN_FLIGHT, limits.maxSpansInFlight(), 1);
    if (limits.maxSpansInFlight() < limits.maxSpansPerRequest()) {
      throw new InvalidConfigException(MAX_SPANS_IN_FLIGHT.name(), "is "
          + limits.maxSpansInFlight() + " but must be at least " + MAX_SPANS_PER_REQUEST.name()
          + " (" + limits.maxSpansPerRequest() + "), or a full request could never be taken");
    }
    // The largest request must fit alone; at its peak it holds its body as sent and twice its
    // inflated body (the inflater's buffer and the copy out of it, then the decoded spans).
    long largestRequest = maxRequestBytes + 2 * maxDecompressedBytes;
    if (maxBytesInFlight < largestRequest) {
      throw new InvalidConfigException(MAX_BYTES_IN_FLIGHT.name(), "is " + maxBytesInFlight
          + " but must be at least " + MAX_REQUEST_BYTES.name() + " + 2 x "
          + MAX_DECOMPRESSED_BYTES.name() + " (" + largestRequest
          + "), or the largest request could never be taken");
    }
    otlpHttpCorsOrigins = List.copyOf(otlpHttpCorsOrigins == null ? List.of()
        : otlpHttpCorsOrigins);
    for (String origin : otlpHttpCorsOrigins) {
      if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
        throw new InvalidConfigException(OTLP_HTTP_CORS_ORIGINS.name(), "'" + origin
            + "' is not an origin like https://app.example.com (or * for any)");
      }
    }
  }

  public static IngestConfig from(SettingValues values) {
    return new IngestConfig(values.get(MAX_REQUEST_BYTES), values.get(MAX_DECOMPRESSED_BYTES),
        new IngestLimits(values.get(MAX_SPANS_PER_REQUEST), values.get(MAX_ATTRIBUTES_PER_SPAN),
            values.get(MAX_ATTRIBUTE_VALUE_LENGTH), values.get(MAX_SPANS_IN_FLIGHT)),
        values.get(OTLP_HTTP_CORS_ORIGINS), values.get(MAX_BYTES_IN_FLIGHT));
  }
}
