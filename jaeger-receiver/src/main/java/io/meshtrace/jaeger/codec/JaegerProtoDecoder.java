package io.meshtrace.jaeger.codec;

import io.jaegertracing.api_v2.Model;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jaeger.api_v2.Batch} (what {@code CollectorService/PostSpans} carries) into OTLP, by the
 * rules of {@link JaegerToOtlp}. A span's own process, when it has one, wins over the batch's, as
 * in Jaeger's collector. IDs are taken as they are (16 and 8 bytes, big-endian); one of another
 * length is left for the pipeline's checks to refuse with the span's reason.
 */
public final class JaegerProtoDecoder {
  private JaegerProtoDecoder() {}

  public static List<ResourceSpans> decode(Model.Batch batch) throws InvalidBatchException {
    if (batch.getSpansCount() == 0) {
      throw new InvalidBatchException("the batch has no spans");
    }
    Resource batchResource = batch.hasProcess() ? resource(batch.getProcess()) : null;
    Map<Model.Process, Resource> resources = new HashMap<>();
    JaegerToOtlp.Grouping grouping = new JaegerToOtlp.Grouping();
    for (int i = 0; i < batch.getSpansCount(); i++) {
      Model.Span jaeger = batch.getSpans(i);
      Resource resource;
      if (jaeger.hasProcess()) {
        resource = resources.get(jaeger.getProcess());
        if (resource == null) {
          resource = resource(jaeger.getProcess());
          resources.put(jaeger.getProcess(), resource);
        }
      } else {
        resource = batchResource != null ? batchResource : JaegerToOtlp.resource(null, List.of());
      }
      Span.Builder span = Span.newBuilder()
          .setTraceId(jaeger.getTraceId())
          .setSpanId(jaeger.getSpanId())
          .setName(jaeger.getOperationName())
          .setFlags(jaeger.getFlags() & 0xff);
      long start = nanos(jaeger.getStartTime().getSeconds(), jaeger.getStartTime().getNanos());
      span.setStartTimeUnixNano(start).setEndTimeUnixNano(start
          + nanos(jaeger.getDuration().getSeconds(), jaeger.getDuration().getNanos()));
      references(jaeger, span, i);
      for (Model.Log log : jaeger.getLogsList()) {
        span.addEvents(JaegerToOtlp.event(
            nanos(log.getTimestamp().getSeconds(), log.getTimestamp().getNanos()),
            tags(log.getFieldsList())));
      }
      InstrumentationScope scope = JaegerToOtlp.applyTags(span, tags(jaeger.getTagsList()));
      grouping.add(resource, scope, span.build());
    }
    return grouping.build();
  }

  /**
   * One {@code jaeger.api_v2.Span} with its own process: what Jaeger's collector writes to Kafka
   * as one record ({@code jaeger_proto}).
   */
  public static List<ResourceSpans> decode(Model.Span span) throws InvalidBatchException {
    return decode(Model.Batch.newBuilder().addSpans(span).build());
  }

  /** The first CHILD_OF reference in the span's trace is its parent; the rest are links. */
  private static void references(Model.Span jaeger, Span.Builder span, int index)
      throws InvalidBatchException {
    boolean parentFound = false;
    for (Model.SpanRef reference : jaeger.getReferencesList()) {
      if (reference.getTraceId().size() != 16 || reference.getSpanId().size() != 8) {
        throw new InvalidBatchException("span " + index + " has a reference with a "
            + reference.getTraceId().size() + "-byte trace ID and a "
            + reference.getSpanId().size() + "-byte span ID: want 16 and 8");
      }
      boolean childOf = switch (reference.getRefType()) {
        case CHILD_OF -> true;
        case FOLLOWS_FROM -> false;
        default -> throw new InvalidBatchException("span " + index + " has a reference of type "
            + reference.getRefTypeValue() + ": want CHILD_OF (0) or FOLLOWS_FROM (1)");
      };
      if (childOf && !parentFound && reference.getTraceId().equals(jaeger.getTraceId())) {
        span.setParentSpanId(reference.getSpanId());
        parentFound = true;
      } else {
        span.addLinks(Span.Link.newBuilder().setTraceId(reference.getTraceId())
            .setSpanId(reference.getSpanId())
            .addAttributes(JaegerToOtlp.tag(JaegerToOtlp.REF_TYPE,
                childOf ? JaegerToOtlp.CHILD_OF : JaegerToOtlp.FOLLOWS_FROM)));
      }
    }
  }

  private static Resource resource(Model.Process process) throws InvalidBatchException {
    return JaegerToOtlp.resource(process.getServiceName(), tags(process.getTagsList()));
  }

  private static List<KeyValue> tags(List<Model.KeyValue> tags) throws InvalidBatchException {
    List<KeyValue> out = new ArrayList<>(tags.size());
    for (Model.KeyValue tag : tags) {
      AnyValue.Builder value = AnyValue.newBuilder();
      switch (tag.getVType()) {
        case STRING -> value.setStringValue(tag.getVStr());
        case BOOL -> value.setBoolValue(tag.getVBool());
        case INT64 -> value.setIntValue(tag.getVInt64());
        case FLOAT64 -> value.setDoubleValue(tag.getVFloat64());
        case BINARY -> value.setBytesValue(tag.getVBinary());
        default -> throw new InvalidBatchException("tag '"
            + JaegerThriftDecoder.abbreviate(tag.getKey()) + "' has v_type "
            + tag.getVTypeValue() + ": want STRING, BOOL, INT64, FLOAT64 or BINARY");
      }
      out.add(KeyValue.newBuilder().setKey(tag.getKey()).setValue(value).build());
    }
    return out;
  }

  private static long nanos(long seconds, int nanos) {
    try {
      return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
    } catch (ArithmeticException e) {
      return seconds < 0 ? Long.MIN_VALUE : Long.MAX_VALUE; // refused by the checks as out of range
    }
  }
}
