package io.meshtrace.collector.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.jaegertracing.api_v2.Model;
import io.meshtrace.jaeger.codec.InvalidBatchException;
import io.meshtrace.jaeger.codec.JaegerProtoDecoder;
import io.meshtrace.kafka.SpanRecordDecoder;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;

/**
 * Records as Jaeger's collector writes them to {@code jaeger-spans} (its Kafka span writer with
 * {@code --kafka.producer.encoding=protobuf}, the OpenTelemetry Collector's {@code jaeger_proto}):
 * one {@code jaeger.api_v2.Span} with its process per record, so that an existing Jaeger Kafka
 * pipeline can be drained into meshtrace by its ingesters.
 */
public final class JaegerProtoRecordDecoder implements SpanRecordDecoder {
  public static final String LABEL = "jaeger_proto";

  @Override
  public String label() {
    return LABEL;
  }

  @Override
  public List<ResourceSpans> decodeSpans(byte[] value) {
    try {
      return JaegerProtoDecoder.decode(Model.Span.parseFrom(value));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a jaeger.api_v2.Span: " + e.getMessage(), e);
    } catch (InvalidBatchException e) {
      throw new IllegalArgumentException("a jaeger.api_v2.Span meshtrace cannot read: "
          + e.getMessage(), e);
    }
  }
}
