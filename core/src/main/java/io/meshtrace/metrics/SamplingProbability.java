package io.meshtrace.metrics;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * The probability with which a span's trace was sampled, as the span itself says it: an
 * OpenTelemetry consistent-probability threshold in the W3C trace state ({@code ot=th:HEX}, on
 * every span of the trace), or Jaeger's sampler tags ({@code sampler.type} probabilistic or
 * const with {@code sampler.param}), which Jaeger's clients put on the span where the decision
 * was made, the trace's root. Rate-limited and lower-bound decisions have no probability.
 */
public final class SamplingProbability {
  public static final String SAMPLER_TYPE = "sampler.type";
  public static final String SAMPLER_PARAM = "sampler.param";
  /**
   * The keys as a span's attributes hold them once stored: reading an attribute's key as a
   * String would decode it, and storage's next read of its bytes encode it again.
   */
  public static final ByteString SAMPLER_TYPE_KEY = ByteString.copyFromUtf8(SAMPLER_TYPE);
  public static final ByteString SAMPLER_PARAM_KEY = ByteString.copyFromUtf8(SAMPLER_PARAM);
  /** What {@link #of} answers when the span does not say. */
  public static final double UNKNOWN = -1;

  private SamplingProbability() {}

  /** The span's sampling probability in (0, 1], or {@link #UNKNOWN}. */
  public static double of(Span span) {
    double threshold = otelThreshold(span.getTraceState());
    if (threshold > 0) {
      return threshold;
    }
    String type = "";
    double param = UNKNOWN;
    int count = span.getAttributesCount();
    for (int i = 0; i < count; i++) {
      KeyValue attribute = span.getAttributes(i);
      ByteString key = attribute.getKeyBytes();
      if (key.equals(SAMPLER_TYPE_KEY)) {
        type = attribute.getValue().getStringValue();
      } else if (key.equals(SAMPLER_PARAM_KEY)) {
        param = number(attribute.getValue());
      }
    }
    return switch (type) {
      case "probabilistic" -> param > 0 && param <= 1 ? param : UNKNOWN;
      // const 1 samples everything; const 0 would have stored nothing.
      case "const" -> param > 0 ? 1 : UNKNOWN;
      default -> UNKNOWN;
    };
  }

  /** A number however it was sent: Jaeger sends sampler.param as a double, bool or string. */
  public static double number(AnyValue value) {
    return switch (value.getValueCase()) {
      case DOUBLE_VALUE -> value.getDoubleValue();
      case INT_VALUE -> value.getIntValue();
      case BOOL_VALUE -> value.getBoolValue() ? 1 : 0;
      case STRING_VALUE -> {
        try {
          yield Double.parseDouble(value.getStringValue());
        } catch (NumberFormatException e) {
          yield UNKNOWN;
        }
      }
      default -> UNKNOWN;
    };
  }

  /**
   * The sampling probability of an OpenTelemetry rejection threshold ({@code ot=th:HEX} in the
   * trace state: up to 14 hex digits, padded on the right; probability 1 - th / 2^56), or
   * {@link #UNKNOWN}.
   */
  public static double otelThreshold(String traceState) {
    if (traceState == null || traceState.isEmpty()) {
      return UNKNOWN;
    }
    for (String member : traceState.split(",")) {
      String entry = member.trim();
      if (!entry.startsWith("ot=")) {
        continue;
      }
      for (String field : entry.substring(3).split(";")) {
        if (field.startsWith("th:")) {
          String hex = field.substring(3);
          if (hex.isEmpty() || hex.length() > 14 || !hex.matches("[0-9a-f]+")) {
            return UNKNOWN;
          }
          long threshold = Long.parseLong((hex + "00000000000000").substring(0, 14), 16);
          return (double) ((1L << 56) - threshold) / (1L << 56);
        }
      }
    }
    return UNKNOWN;
  }
}
