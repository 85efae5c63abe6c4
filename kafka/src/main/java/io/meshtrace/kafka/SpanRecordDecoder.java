package io.meshtrace.kafka;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * How an ingester turns a record's value into spans. The OTLP encodings are this module's own
 * ({@link SpanRecordEncoding}); others, such as Jaeger's, come from the module that has their
 * codec, so that this one needs none.
 */
public interface SpanRecordDecoder {
  /** The name in flags: {@code otlp_proto}, {@code jaeger_proto}. */
  String label();

  /** @throws IllegalArgumentException naming what is wrong with the value */
  List<ResourceSpans> decodeSpans(byte[] value);
}
