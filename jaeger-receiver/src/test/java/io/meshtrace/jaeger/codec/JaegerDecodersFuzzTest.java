package io.meshtrace.jaeger.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.jaegertracing.api_v2.Model;
import io.jaegertracing.thriftjava.Batch;
import io.meshtrace.fuzz.FuzzInputs;
import io.meshtrace.fuzz.FuzzTarget;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzing of the Jaeger decoders as the receivers call them: agent packets (UDP, compact and
 * binary Thrift), the collector's HTTP body (a binary Thrift Batch) and gRPC PostSpans' batch
 * (protobuf, then {@link JaegerProtoDecoder}). Inputs are mutations of what Jaeger's own Thrift
 * classes write (see {@link ThriftBatches}) and random bytes; each must decode or be refused
 * with InvalidBatchException (InvalidProtocolBufferException for the protobuf), in time.
 */
class JaegerDecodersFuzzTest {
  static final FuzzTarget COMPACT = new FuzzTarget("jaeger-thrift-compact-udp",
      InvalidBatchException.class);
  static final FuzzTarget BINARY = new FuzzTarget("jaeger-thrift-binary-udp",
      InvalidBatchException.class);
  static final FuzzTarget HTTP = new FuzzTarget("jaeger-thrift-binary-http",
      InvalidBatchException.class);
  static final FuzzTarget PROTO = new FuzzTarget("jaeger-proto-grpc",
      InvalidBatchException.class, InvalidProtocolBufferException.class);

  @Property
  void compactAgentPacketDecodesOrIsRefused(@ForAll("compact") byte[] packet) {
    COMPACT.check(packet, () -> JaegerThriftDecoder.decodeAgentPacket(packet, packet.length,
        JaegerThriftDecoder.Protocol.COMPACT));
  }

  @Property
  void binaryAgentPacketDecodesOrIsRefused(@ForAll("binary") byte[] packet) {
    BINARY.check(packet, () -> JaegerThriftDecoder.decodeAgentPacket(packet, packet.length,
        JaegerThriftDecoder.Protocol.BINARY));
  }

  @Property
  void httpBatchDecodesOrIsRefused(@ForAll("http") byte[] body) {
    HTTP.check(body, () -> JaegerThriftDecoder.decodeBatch(body, body.length));
  }

  @Property
  void protoBatchDecodesOrIsRefused(@ForAll("proto") byte[] body) {
    PROTO.check(body, () -> JaegerProtoDecoder.decode(Model.Batch.parseFrom(body)));
  }

  @AfterContainer
  static void report() {
    COMPACT.report();
    BINARY.report();
    HTTP.report();
    PROTO.report();
  }

  @Provide
  Arbitrary<byte[]> compact() throws Exception {
    List<byte[]> seeds = new ArrayList<>();
    for (Batch batch : batches()) {
      seeds.add(ThriftBatches.agentPacket(batch, true));
    }
    return FuzzInputs.mutationsOf(seeds);
  }

  @Provide
  Arbitrary<byte[]> binary() throws Exception {
    List<byte[]> seeds = new ArrayList<>();
    for (Batch batch : batches()) {
      seeds.add(ThriftBatches.agentPacket(batch, false));
    }
    return FuzzInputs.mutationsOf(seeds);
  }

  @Provide
  Arbitrary<byte[]> http() throws Exception {
    List<byte[]> seeds = new ArrayList<>();
    for (Batch batch : batches()) {
      seeds.add(ThriftBatches.httpBody(batch));
    }
    return FuzzInputs.mutationsOf(seeds);
  }

  @Provide
  Arbitrary<byte[]> proto() {
    return FuzzInputs.mutationsOf(List.of(protoBatch(1).toByteArray(),
        protoBatch(3).toByteArray()));
  }

  static List<Batch> batches() {
    List<Batch> batches = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Batch batch = ThriftBatches.everything(ThriftBatches.START_MICROS + i * 1000L,
          i == 0 ? 0 : 0x1122334455667788L + i, 0x0123456789abcdefL + i);
      if (i == 3) {
        batch.getSpans().remove(1);
      }
      batches.add(batch);
    }
    return batches;
  }

  /** A gRPC PostSpans batch with references, tags of every type, logs and a span's process. */
  static Model.Batch protoBatch(int spans) {
    ByteString trace = ByteString.copyFrom(new byte[] {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        (byte) 0x88, 1, 0x23, 0x45, 0x67, (byte) 0x89, (byte) 0xab, (byte) 0xcd, (byte) 0xef});
    Model.Batch.Builder batch = Model.Batch.newBuilder().setProcess(Model.Process.newBuilder()
        .setServiceName("checkout").addTags(tag("hostname", "h1")));
    for (int i = 1; i <= spans; i++) {
      Model.Span.Builder span = Model.Span.newBuilder().setTraceId(trace)
          .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) i}))
          .setOperationName("op " + i).setFlags(1)
          .setStartTime(Timestamp.newBuilder().setSeconds(1_764_000_000).setNanos(i * 1000))
          .setDuration(Duration.newBuilder().setNanos(1_500_000))
          .addTags(tag("span.kind", i == 1 ? "server" : "client"))
          .addTags(Model.KeyValue.newBuilder().setKey("error").setVType(Model.ValueType.BOOL)
              .setVBool(true))
          .addTags(Model.KeyValue.newBuilder().setKey("n").setVType(Model.ValueType.INT64)
              .setVInt64(-5))
          .addTags(Model.KeyValue.newBuilder().setKey("f").setVType(Model.ValueType.FLOAT64)
              .setVFloat64(0.5))
          .addTags(Model.KeyValue.newBuilder().setKey("b").setVType(Model.ValueType.BINARY)
              .setVBinary(ByteString.copyFromUtf8("xyz")))
          .addLogs(Model.Log.newBuilder().setTimestamp(Timestamp.newBuilder()
              .setSeconds(1_764_000_000).setNanos(5_000)).addFields(tag("event", "retry")));
      if (i > 1) {
        span.addReferences(Model.SpanRef.newBuilder().setTraceId(trace)
            .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 1}))
            .setRefType(i == 2 ? Model.SpanRefType.CHILD_OF : Model.SpanRefType.FOLLOWS_FROM));
        span.setProcess(Model.Process.newBuilder().setServiceName("own-" + i));
      }
      batch.addSpans(span);
    }
    return batch.build();
  }

  static Model.KeyValue tag(String key, String value) {
    return Model.KeyValue.newBuilder().setKey(key).setVType(Model.ValueType.STRING).setVStr(value)
        .build();
  }
}
