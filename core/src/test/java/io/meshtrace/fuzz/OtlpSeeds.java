package io.meshtrace.fuzz;

import com.google.protobuf.ByteString;
import io.meshtrace.model.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Valid OTLP export requests with every field an SDK sets (attributes of every value type,
 * nested lists and maps, events, links, status, trace state, flags, several resources and
 * scopes), as protobuf and as OTLP JSON: the seed corpus of the OTLP decoders' fuzzing.
 */
public final class OtlpSeeds {
  private OtlpSeeds() {}

  public static List<ExportTraceServiceRequest> requests() {
    return requests(1_700_000_000_000_000_000L);
  }

  /** Requests whose spans start within a second after {@code startNanos}. */
  public static List<ExportTraceServiceRequest> requests(long startNanos) {
    Random random = new Random(23);
    List<ExportTraceServiceRequest> requests = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
      for (int r = 0, resources = 1 + random.nextInt(2); r < resources; r++) {
        ResourceSpans.Builder resourceSpans = ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder()
                .addAttributes(string("service.name", pick(random, "frontend", "cart", "ünï")))
                .addAttributes(string("host.name", "node-" + random.nextInt(4))))
            .setSchemaUrl("https://opentelemetry.io/schemas/1.21.0");
        ScopeSpans.Builder scope = ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("io.opentelemetry.http")
                .setVersion("1.0"));
        for (int s = 0, spans = 1 + random.nextInt(3); s < spans; s++) {
          scope.addSpans(span(random, startNanos));
        }
        request.addResourceSpans(resourceSpans.addScopeSpans(scope));
      }
      requests.add(request.build());
    }
    return requests;
  }

  public static List<byte[]> protobuf() {
    return protobuf(1_700_000_000_000_000_000L);
  }

  public static List<byte[]> protobuf(long startNanos) {
    return requests(startNanos).stream().map(ExportTraceServiceRequest::toByteArray).toList();
  }

  public static List<byte[]> json() {
    return json(1_700_000_000_000_000_000L);
  }

  public static List<byte[]> json(long startNanos) {
    List<byte[]> seeds = new ArrayList<>();
    for (ExportTraceServiceRequest request : requests(startNanos)) {
      seeds.add(OtlpJson.toJson(request).encode().getBytes(StandardCharsets.UTF_8));
    }
    return seeds;
  }

  private static Span span(Random random, long startNanos) {
    long start = startNanos + random.nextInt(1_000_000_000);
    Span.Builder span = Span.newBuilder()
        .setTraceId(bytes(random, 16)).setSpanId(bytes(random, 8))
        .setName(pick(random, "GET /api", "SELECT", "😀 emoji", ""))
        .setKind(Span.SpanKind.forNumber(random.nextInt(6)))
        .setStartTimeUnixNano(start).setEndTimeUnixNano(start + random.nextInt(50_000_000))
        .setFlags(0x301)
        .addAttributes(string("http.method", "GET"))
        .addAttributes(KeyValue.newBuilder().setKey("http.status_code")
            .setValue(AnyValue.newBuilder().setIntValue(200 + random.nextInt(400))))
        .addAttributes(KeyValue.newBuilder().setKey("ratio")
            .setValue(AnyValue.newBuilder().setDoubleValue(random.nextDouble())))
        .addAttributes(KeyValue.newBuilder().setKey("retry")
            .setValue(AnyValue.newBuilder().setBoolValue(random.nextBoolean())))
        .addAttributes(KeyValue.newBuilder().setKey("blob")
            .setValue(AnyValue.newBuilder().setBytesValue(bytes(random, 5))))
        .addAttributes(KeyValue.newBuilder().setKey("list").setValue(AnyValue.newBuilder()
            .setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder()
                .setStringValue("a")).addValues(AnyValue.newBuilder().setIntValue(-1)))))
        .addAttributes(KeyValue.newBuilder().setKey("map").setValue(AnyValue.newBuilder()
            .setKvlistValue(KeyValueList.newBuilder().addValues(string("k", "v")))));
    if (random.nextBoolean()) {
      span.setParentSpanId(bytes(random, 8)).setTraceState("vendor=a,other=b");
    }
    if (random.nextBoolean()) {
      span.addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(start + 5)
          .addAttributes(string("exception.message", "boom")));
    }
    if (random.nextBoolean()) {
      span.addLinks(Span.Link.newBuilder().setTraceId(bytes(random, 16))
          .setSpanId(bytes(random, 8)).addAttributes(string("link", "x")));
    }
    if (random.nextBoolean()) {
      span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
          .setMessage("failed"));
    }
    return span.build();
  }

  private static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static ByteString bytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    bytes[0] |= 1;
    return ByteString.copyFrom(bytes);
  }

  private static String pick(Random random, String... values) {
    return values[random.nextInt(values.length)];
  }
}
