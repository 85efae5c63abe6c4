package io.meshtrace.query.jaeger;

import io.meshtrace.query.BadQueryParameterException;
import io.opentelemetry.proto.trace.v1.Span;

/** Span kinds as the Jaeger APIs write and take them: lower-case words, "" for unspecified. */
public final class JaegerSpanKinds {
  private JaegerSpanKinds() {}

  /** {@code server}, {@code client}, ...; "" when the sender gave no kind. */
  public static String name(int otlpKind) {
    return switch (otlpKind) {
      case Span.SpanKind.SPAN_KIND_INTERNAL_VALUE -> "internal";
      case Span.SpanKind.SPAN_KIND_SERVER_VALUE -> "server";
      case Span.SpanKind.SPAN_KIND_CLIENT_VALUE -> "client";
      case Span.SpanKind.SPAN_KIND_PRODUCER_VALUE -> "producer";
      case Span.SpanKind.SPAN_KIND_CONSUMER_VALUE -> "consumer";
      default -> "";
    };
  }

  /**
   * The OTLP kind number of a Jaeger kind name, or null for none given; {@code unspecified}
   * selects spans sent without a kind.
   *
   * @throws BadQueryParameterException naming {@code parameter} for any other word
   */
  public static Integer parse(String parameter, String name) {
    if (name == null || name.isEmpty()) {
      return null;
    }
    return switch (name) {
      case "unspecified" -> Span.SpanKind.SPAN_KIND_UNSPECIFIED_VALUE;
      case "internal" -> Span.SpanKind.SPAN_KIND_INTERNAL_VALUE;
      case "server" -> Span.SpanKind.SPAN_KIND_SERVER_VALUE;
      case "client" -> Span.SpanKind.SPAN_KIND_CLIENT_VALUE;
      case "producer" -> Span.SpanKind.SPAN_KIND_PRODUCER_VALUE;
      case "consumer" -> Span.SpanKind.SPAN_KIND_CONSUMER_VALUE;
      default -> throw new BadQueryParameterException(parameter, "unsupported span kind: '"
          + name + "'; one of server, client, producer, consumer, internal, unspecified");
    };
  }
}
