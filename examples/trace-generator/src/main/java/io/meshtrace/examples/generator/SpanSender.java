package io.meshtrace.examples.generator;

import java.net.URI;
import java.util.List;

/** Sends generated traces to meshtrace in one protocol; one {@link #send} is one request. */
public interface SpanSender extends AutoCloseable {

  /** What one accepted request cost: bytes on the wire (before any compression) and retries. */
  record Delivery(long bytes, int retries) {}

  /**
   * Sends the spans of {@code traces} in one request, retrying while meshtrace answers that it
   * is overloaded (429, 503, RESOURCE_EXHAUSTED, UNAVAILABLE) and the retry policy allows.
   *
   * @throws SendFailure when the spans were not accepted
   */
  Delivery send(List<GeneratedTrace> traces) throws SendFailure, InterruptedException;

  /** Where it sends to, for messages. */
  URI endpoint();

  @Override
  void close();

  static SpanSender create(Protocol protocol, URI endpoint, RetryPolicy retries) {
    return switch (protocol) {
      case ZIPKIN_JSON, ZIPKIN_PROTO, OTLP_HTTP -> new HttpSpanSender(protocol, endpoint, retries);
      case OTLP_GRPC -> new OtlpGrpcSender(endpoint, retries);
    };
  }
}
