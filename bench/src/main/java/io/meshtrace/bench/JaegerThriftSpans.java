package io.meshtrace.bench;

import io.jaegertracing.agent.thrift.Agent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Log;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TMemoryBuffer;

/**
 * trace-generator's spans as a Jaeger client would report them: a {@code jaeger.thrift} Batch
 * per service (jaeger-thrift's classes, Apache Thrift's protocols), attributes as typed tags,
 * the kind as {@code span.kind}, an error status as {@code error=true}, events as logs. Bodies
 * for the collector's HTTP port hold a fixed number of spans; agent packets are filled up to a
 * size, as jaeger-client's UdpSender fills them.
 */
final class JaegerThriftSpans {
  private JaegerThriftSpans() {}

  /** Every service's spans, in the order they come. */
  static Map<String, List<Span>> byService(List<ResourceSpans> resources,
      Map<String, Process> processes) {
    Map<String, List<Span>> spans = new LinkedHashMap<>();
    for (ResourceSpans resource : resources) {
      String service = "";
      List<Tag> tags = new ArrayList<>();
      for (KeyValue attribute : resource.getResource().getAttributesList()) {
        if (attribute.getKey().equals("service.name")) {
          service = attribute.getValue().getStringValue();
        } else {
          tags.add(tag(attribute.getKey(), attribute.getValue()));
        }
      }
      String name = service;
      processes.computeIfAbsent(name, s -> new Process(s).setTags(tags));
      List<Span> list = spans.computeIfAbsent(name, s -> new ArrayList<>());
      for (ScopeSpans scope : resource.getScopeSpansList()) {
        for (io.opentelemetry.proto.trace.v1.Span span : scope.getSpansList()) {
          list.add(span(span));
        }
      }
    }
    return spans;
  }

  static Span span(io.opentelemetry.proto.trace.v1.Span otlp) {
    ByteBuffer trace = otlp.getTraceId().asReadOnlyByteBuffer();
    long start = otlp.getStartTimeUnixNano() / 1000;
    Span span = new Span(trace.getLong(8), trace.getLong(0),
        otlp.getSpanId().asReadOnlyByteBuffer().getLong(),
        otlp.getParentSpanId().isEmpty() ? 0 : otlp.getParentSpanId().asReadOnlyByteBuffer().getLong(),
        otlp.getName(), 1, start, Math.max(0, otlp.getEndTimeUnixNano() / 1000 - start));
    List<Tag> tags = new ArrayList<>(otlp.getAttributesCount() + 2);
    for (KeyValue attribute : otlp.getAttributesList()) {
      tags.add(tag(attribute.getKey(), attribute.getValue()));
    }
    switch (otlp.getKind()) {
      case SPAN_KIND_CLIENT -> tags.add(new Tag("span.kind", TagType.STRING).setVStr("client"));
      case SPAN_KIND_SERVER -> tags.add(new Tag("span.kind", TagType.STRING).setVStr("server"));
      case SPAN_KIND_PRODUCER -> tags.add(new Tag("span.kind", TagType.STRING).setVStr("producer"));
      case SPAN_KIND_CONSUMER -> tags.add(new Tag("span.kind", TagType.STRING).setVStr("consumer"));
      default -> { }
    }
    if (otlp.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
      tags.add(new Tag("error", TagType.BOOL).setVBool(true));
    }
    span.setTags(tags);
    if (otlp.getEventsCount() > 0) {
      List<Log> logs = new ArrayList<>();
      for (io.opentelemetry.proto.trace.v1.Span.Event event : otlp.getEventsList()) {
        List<Tag> fields = new ArrayList<>();
        fields.add(new Tag("event", TagType.STRING).setVStr(event.getName()));
        for (KeyValue attribute : event.getAttributesList()) {
          fields.add(tag(attribute.getKey(), attribute.getValue()));
        }
        logs.add(new Log(event.getTimeUnixNano() / 1000, fields));
      }
      span.setLogs(logs);
    }
    return span;
  }

  private static Tag tag(String key, AnyValue value) {
    return switch (value.getValueCase()) {
      case BOOL_VALUE -> new Tag(key, TagType.BOOL).setVBool(value.getBoolValue());
      case INT_VALUE -> new Tag(key, TagType.LONG).setVLong(value.getIntValue());
      case DOUBLE_VALUE -> new Tag(key, TagType.DOUBLE).setVDouble(value.getDoubleValue());
      case BYTES_VALUE -> new Tag(key, TagType.BINARY)
          .setVBinary(value.getBytesValue().asReadOnlyByteBuffer());
      default -> new Tag(key, TagType.STRING).setVStr(value.getStringValue());
    };
  }

  /** The collector's HTTP body: a Batch in Thrift's binary protocol. */
  static byte[] httpBody(Process process, List<Span> spans) throws TException {
    return new TSerializer(new TBinaryProtocol.Factory()).serialize(
        new Batch(process, new ArrayList<>(spans)));
  }

  /**
   * Agent packets ({@code Agent.emitBatch}, Thrift compact) of one service's spans, each as many
   * spans as fit in {@code maxBytes}, sized span by span as jaeger-client's UdpSender does.
   */
  static List<byte[]> agentPackets(Process process, List<Span> spans, int maxBytes)
      throws TException {
    TSerializer compact = new TSerializer(new TCompactProtocol.Factory());
    int overhead = agentPacket(process, List.of()).length + 5; // and the list's longer header
    List<byte[]> packets = new ArrayList<>();
    List<Span> batch = new ArrayList<>();
    int size = overhead;
    for (Span span : spans) {
      int spanBytes = compact.serialize(span).length;
      if (size + spanBytes > maxBytes && !batch.isEmpty()) {
        packets.add(agentPacket(process, batch));
        batch.clear();
        size = overhead;
      }
      batch.add(span);
      size += spanBytes;
    }
    if (!batch.isEmpty()) {
      packets.add(agentPacket(process, batch));
    }
    for (byte[] packet : packets) {
      if (packet.length > maxBytes) {
        throw new IllegalStateException("a packet of " + packet.length + " bytes");
      }
    }
    return packets;
  }

  static byte[] agentPacket(Process process, List<Span> spans) throws TException {
    TMemoryBuffer buffer = new TMemoryBuffer(65_536);
    new Agent.Client(new TCompactProtocol(buffer)).emitBatch(new Batch(process,
        new ArrayList<>(spans)));
    return Arrays.copyOf(buffer.getArray(), buffer.length());
  }
}
