package io.meshtrace.jaeger.codec;

import static io.meshtrace.jaeger.codec.JaegerThriftDecoderTest.attributes;
import static io.meshtrace.jaeger.codec.JaegerThriftDecoderTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.jaegertracing.api_v2.Model;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JaegerProtoDecoderTest {
  private static final com.google.protobuf.ByteString TRACE =
      bytes("11223344556677880123456789abcdef");

  @Test
  void aSpansOwnProcessWinsAndReferencesFollowTheTable() throws Exception {
    Model.Batch batch = Model.Batch.newBuilder()
        .setProcess(process("batch-service"))
        .addSpans(span(1).addReferences(ref(Model.SpanRefType.FOLLOWS_FROM, 9))
            .addReferences(ref(Model.SpanRefType.CHILD_OF, 7))
            .addReferences(ref(Model.SpanRefType.CHILD_OF, 8))
            .addTags(tag("span.kind", "producer")).addTags(Model.KeyValue.newBuilder()
                .setKey("error").setVType(Model.ValueType.BOOL).setVBool(true))
            .addLogs(Model.Log.newBuilder().setTimestamp(Timestamp.newBuilder()
                .setSeconds(1_764_000_000).setNanos(5_000)).addFields(tag("event", "retry"))))
        .addSpans(span(2).setProcess(process("own-service")))
        .build();
    List<ResourceSpans> decoded = JaegerProtoDecoder.decode(batch);
    assertThat(decoded).hasSize(2);
    assertThat(attributes(decoded.get(0).getResource().getAttributesList()))
        .containsEntry("service.name", "batch-service").containsEntry("hostname", "h1");
    assertThat(attributes(decoded.get(1).getResource().getAttributesList()))
        .containsEntry("service.name", "own-service");
    Span first = decoded.get(0).getScopeSpans(0).getSpans(0);
    assertThat(first.getParentSpanId()).isEqualTo(bytes("0000000000000007"));
    assertThat(first.getLinksList()).extracting(l -> l.getSpanId(),
        l -> l.getAttributes(0).getValue().getStringValue())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(bytes("0000000000000009"),
            "follows_from"), org.assertj.core.groups.Tuple.tuple(bytes("0000000000000008"),
            "child_of"));
    assertThat(first.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_PRODUCER);
    assertThat(first.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(first.getAttributesList()).isEmpty();
    assertThat(first.getStartTimeUnixNano()).isEqualTo(1_764_000_000_000_000_000L);
    assertThat(first.getEndTimeUnixNano() - first.getStartTimeUnixNano()).isEqualTo(1_500_000);
    assertThat(first.getEvents(0).getName()).isEqualTo("retry");
    assertThat(first.getEvents(0).getTimeUnixNano()).isEqualTo(1_764_000_000_000_005_000L);
    assertThat(first.getFlags()).isEqualTo(1);
  }

  @Test
  void badBatchesAreNamed() {
    assertThatThrownBy(() -> JaegerProtoDecoder.decode(Model.Batch.getDefaultInstance()))
        .isInstanceOf(InvalidBatchException.class).hasMessage("the batch has no spans");
    Model.Batch badRef = Model.Batch.newBuilder().addSpans(span(1).addReferences(
        Model.SpanRef.newBuilder().setTraceId(bytes("01")).setSpanId(bytes("02")))).build();
    assertThatThrownBy(() -> JaegerProtoDecoder.decode(badRef))
        .isInstanceOf(InvalidBatchException.class)
        .hasMessage("span 0 has a reference with a 1-byte trace ID and a 1-byte span ID: "
            + "want 16 and 8");
    Model.Batch badTag = Model.Batch.newBuilder().addSpans(span(1).addTags(
        Model.KeyValue.newBuilder().setKey("k").setVTypeValue(9))).build();
    assertThatThrownBy(() -> JaegerProtoDecoder.decode(badTag))
        .isInstanceOf(InvalidBatchException.class).hasMessageContaining("has v_type 9");
    // Without any process, Jaeger's name for it.
    Model.Batch noProcess = Model.Batch.newBuilder().addSpans(span(1)).build();
    assertThat(attributes(assertDecodes(noProcess).get(0).getResource().getAttributesList()))
        .isEqualTo(Map.of("service.name", "missing-service-name"));
  }

  @Test
  void aServiceNameTagDoesNotOverrideTheProcessName() {
    // OpenTelemetry's Jaeger gRPC exporter repeats service.name among the process tags.
    Model.Batch batch = Model.Batch.newBuilder().setProcess(Model.Process.newBuilder()
        .setServiceName("checkout").addTags(tag("service.name", "other"))
        .addTags(tag("hostname", "h1"))).addSpans(span(1)).build();
    assertThat(assertDecodes(batch).get(0).getResource().getAttributesList())
        .extracting(kv -> kv.getKey() + "=" + kv.getValue().getStringValue())
        .containsExactly("service.name=checkout", "hostname=h1");
  }

  private static List<ResourceSpans> assertDecodes(Model.Batch batch) {
    try {
      return JaegerProtoDecoder.decode(batch);
    } catch (InvalidBatchException e) {
      throw new AssertionError(e);
    }
  }

  private static Model.Span.Builder span(long id) {
    return Model.Span.newBuilder().setTraceId(TRACE)
        .setSpanId(bytes(String.format("%016x", id))).setOperationName("op").setFlags(1)
        .setStartTime(Timestamp.newBuilder().setSeconds(1_764_000_000))
        .setDuration(Duration.newBuilder().setNanos(1_500_000));
  }

  private static Model.SpanRef ref(Model.SpanRefType type, long spanId) {
    return Model.SpanRef.newBuilder().setTraceId(TRACE)
        .setSpanId(bytes(String.format("%016x", spanId))).setRefType(type).build();
  }

  private static Model.Process process(String service) {
    return Model.Process.newBuilder().setServiceName(service).addTags(tag("hostname", "h1"))
        .build();
  }

  private static Model.KeyValue tag(String key, String value) {
    return Model.KeyValue.newBuilder().setKey(key).setVType(Model.ValueType.STRING).setVStr(value)
        .build();
  }
}
