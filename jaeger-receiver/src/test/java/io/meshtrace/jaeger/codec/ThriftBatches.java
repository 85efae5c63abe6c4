package io.meshtrace.jaeger.codec;

import io.jaegertracing.agent.thrift.Agent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Log;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.SpanRef;
import io.jaegertracing.thriftjava.SpanRefType;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TMemoryBuffer;

/**
 * Batches built with the classes Jaeger's clients are built with (jaeger-thrift) and written by
 * Apache Thrift's own protocols: what a real client puts in a packet, not what the decoder under
 * test expects.
 */
public final class ThriftBatches {
  public static final long START_MICROS = 1_764_000_000_000_000L;

  private ThriftBatches() {}

  /** A batch with every kind of thing a Jaeger span carries. */
  public static Batch everything() {
    return everything(START_MICROS, 0x1122334455667788L, 0x0123456789abcdefL);
  }

  /**
   * The same batch at another time and in another trace: a root span (0x1111, server, sampler
   * tags, tags of every type, a log) and its child (0x2222, client, error, flags 3, a
   * FOLLOWS_FROM reference to 0x3333).
   */
  public static Batch everything(long startMicros, long traceIdHigh, long traceIdLow) {
    Process process = new Process("checkout").setTags(new ArrayList<>(List.of(
        string("hostname", "checkout-7d9f"), string("ip", "10.1.2.3"),
        string("jaeger.version", "Java-1.8.1"), string("client-uuid", "6d1f0c5e2a1b3c4d"))));
    Span root = new Span(traceIdLow, traceIdHigh, 0x1111L, 0, "GET /cart", 1,
        startMicros, 2_500)
        .setTags(new ArrayList<>(List.of(string("span.kind", "server"),
            string("sampler.type", "probabilistic"), new Tag("sampler.param", TagType.DOUBLE)
                .setVDouble(0.25), new Tag("http.status_code", TagType.LONG).setVLong(200),
            new Tag("cache.hit", TagType.BOOL).setVBool(false),
            new Tag("payload", TagType.BINARY).setVBinary(ByteBuffer.wrap(new byte[] {1, 2, 3})))))
        .setLogs(new ArrayList<>(List.of(new Log(startMicros + 100, new ArrayList<>(List.of(
            string("event", "cache miss"), new Tag("attempt", TagType.LONG).setVLong(2)))))));
    Span child = new Span(traceIdLow, traceIdHigh, 0x2222L, 0x1111L,
        "SELECT carts", 3, startMicros + 200, 1_000)
        .setReferences(new ArrayList<>(List.of(
            new SpanRef(SpanRefType.CHILD_OF, traceIdLow, traceIdHigh, 0x1111L),
            new SpanRef(SpanRefType.FOLLOWS_FROM, traceIdLow, traceIdHigh,
                0x3333L))))
        .setTags(new ArrayList<>(List.of(string("span.kind", "client"),
            new Tag("error", TagType.BOOL).setVBool(true), string("db.system", "postgresql"))));
    return new Batch(process, new ArrayList<>(List.of(root, child)));
  }

  public static Tag string(String key, String value) {
    return new Tag(key, TagType.STRING).setVStr(value);
  }

  /** {@code Agent.emitBatch} as a UDP packet, in the compact or binary protocol. */
  public static byte[] agentPacket(Batch batch, boolean compact) throws Exception {
    TMemoryBuffer buffer = new TMemoryBuffer(65_536);
    TProtocol protocol = compact ? new TCompactProtocol(buffer) : new TBinaryProtocol(buffer);
    new Agent.Client(protocol).emitBatch(batch);
    return Arrays.copyOf(buffer.getArray(), buffer.length());
  }

  /** The collector's HTTP body: a bare Batch in the binary protocol. */
  public static byte[] httpBody(Batch batch) throws Exception {
    return new TSerializer(new TBinaryProtocol.Factory()).serialize(batch);
  }

  /** A Thrift compact message calling another method name. */
  public static byte[] compactMessage(String method, byte[] argsStruct) {
    byte[] name = method.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[4 + name.length + argsStruct.length];
    out[0] = (byte) 0x82;
    out[1] = (byte) 0x81; // version 1, type oneway (4 << 5)
    out[2] = 0; // sequence ID 0
    out[3] = (byte) name.length;
    System.arraycopy(name, 0, out, 4, name.length);
    System.arraycopy(argsStruct, 0, out, 4 + name.length, argsStruct.length);
    return out;
  }
}
