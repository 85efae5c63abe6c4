package io.meshtrace.collector.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.RawHttp;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.fuzz.ByteMutator;
import io.meshtrace.fuzz.FuzzTarget;
import io.meshtrace.fuzz.OtlpSeeds;
import io.meshtrace.jaeger.codec.ThriftBatches;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Fuzzing of every query API's parameters and of the HTTP intakes' bodies against a real
 * all-in-one server on the test PostgreSQL, with traces in it. A query (Jaeger v1, v3, Zipkin
 * v2: {@link FuzzedQueries}) must be answered below 500 and without the database's error text;
 * an ingest body (mutations of real Zipkin JSON v2/v1 and proto3, OTLP protobuf and JSON,
 * Jaeger Thrift, with now and then a wrong content type or encoding) 2xx or 4xx, and so must a
 * trace file posted to {@code /api/transform} (mutated OTLP and Zipkin JSON). Every answer
 * within the deadline, and the server still serving afterwards.
 */
class HttpApisFuzzTest {
  static final Duration HANG = Duration.ofSeconds(30);
  static final Duration SOCKET_DEADLINE = Duration.ofSeconds(60);
  static final FuzzTarget JAEGER_V1 = new FuzzTarget("http-jaeger-v1-query", HANG);
  static final FuzzTarget JAEGER_V3 = new FuzzTarget("http-jaeger-v3-query", HANG);
  static final FuzzTarget ZIPKIN = new FuzzTarget("http-zipkin-v2-query", HANG);
  static final FuzzTarget ZIPKIN_INTAKE = new FuzzTarget("http-zipkin-intake", HANG);
  static final FuzzTarget OTLP_INTAKE = new FuzzTarget("http-otlp-intake", HANG);
  static final FuzzTarget JAEGER_INTAKE = new FuzzTarget("http-jaeger-intake", HANG);
  static final FuzzTarget TRANSFORM = new FuzzTarget("http-jaeger-transform", HANG);

  static MeshtraceServer server;
  static final List<String> NAMES = new ArrayList<>(List.of("frontend", "cart", "checkout",
      "Billing", "get%20%2Fapi", "GET%20%2Fcart", "zone", "http.method", "error", "span.kind"));
  static final List<String> TRACE_IDS = new ArrayList<>();
  static List<byte[]> zipkinV2;
  static List<byte[]> zipkinV1;
  static List<byte[]> zipkinProto3;
  static List<byte[]> otlpProtobuf;
  static List<byte[]> otlpJson;
  static List<byte[]> jaegerThrift;

  @BeforeContainer
  static void start() throws Exception {
    server = TestServers.allInOne();
    long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    Random random = new Random(5);
    zipkinV2 = new ArrayList<>();
    zipkinV1 = new ArrayList<>();
    zipkinProto3 = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      List<Span> spans = trace(random, nowMicros - random.nextInt(600_000_000));
      zipkinV2.add(SpanBytesEncoder.JSON_V2.encodeList(spans));
      zipkinV1.add(SpanBytesEncoder.JSON_V1.encodeList(spans));
      zipkinProto3.add(SpanBytesEncoder.PROTO3.encodeList(spans));
      TRACE_IDS.add(spans.get(0).traceId());
    }
    otlpProtobuf = OtlpSeeds.protobuf(nowMicros * 1000 - 60_000_000_000L);
    otlpJson = OtlpSeeds.json(nowMicros * 1000 - 120_000_000_000L);
    jaegerThrift = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      jaegerThrift.add(ThriftBatches.httpBody(ThriftBatches.everything(
          nowMicros - i * 1_000_000L, 0x77L + i, 0x1234L + i)));
    }
    // The traces the queries find: every seed stored once, as sent.
    for (byte[] body : zipkinV2) {
      assertThat(post("zipkin", "/api/v2/spans", "application/json", body).status())
          .isEqualTo(202);
    }
    for (byte[] body : otlpProtobuf) {
      assertThat(post("otlpHttp", "/v1/traces", "application/x-protobuf", body).status())
          .isEqualTo(200);
    }
    for (byte[] body : jaegerThrift) {
      assertThat(post("jaegerHttp", "/api/traces", "application/x-thrift", body).status())
          .isBetween(200, 299);
    }
    TRACE_IDS.add(String.format("%016x%016x", 0x77L, 0x1234L));
    TRACE_IDS.add(TRACE_IDS.get(0).substring(16));
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      // Still serving after everything the fuzzing sent.
      assertThat(RawHttp.get(server.ports().get("admin"), "/readyz", SOCKET_DEADLINE).status())
          .isEqualTo(200);
      assertThat(RawHttp.get(server.ports().get("query"), "/api/services", SOCKET_DEADLINE)
          .body()).contains("frontend");
    } finally {
      server.stop();
      for (FuzzTarget target : List.of(JAEGER_V1, JAEGER_V3, ZIPKIN, ZIPKIN_INTAKE, OTLP_INTAKE,
          JAEGER_INTAKE, TRANSFORM)) {
        target.report();
      }
    }
  }

  @Property
  void jaegerV1Queries(@ForAll("seeds") long seed) {
    query(JAEGER_V1, "query", FuzzedQueries.target(FuzzedQueries.JAEGER_V1, new Random(seed),
        NAMES, TRACE_IDS));
  }

  @Property
  void jaegerV3Queries(@ForAll("seeds") long seed) {
    query(JAEGER_V3, "query", FuzzedQueries.target(FuzzedQueries.JAEGER_V3, new Random(seed),
        NAMES, TRACE_IDS));
  }

  @Property
  void zipkinQueries(@ForAll("seeds") long seed) {
    query(ZIPKIN, "zipkin", FuzzedQueries.target(FuzzedQueries.ZIPKIN, new Random(seed), NAMES,
        TRACE_IDS));
  }

  @Property
  void zipkinIntake(@ForAll("seeds") long seed) {
    Random random = new Random(seed);
    int format = random.nextInt(3);
    List<byte[]> seeds = format == 0 ? zipkinV2 : format == 1 ? zipkinV1 : zipkinProto3;
    ingest(ZIPKIN_INTAKE, "zipkin", format == 1 ? "/api/v1/spans" : "/api/v2/spans",
        format == 2 ? "application/x-protobuf" : "application/json", seeds, random);
  }

  @Property
  void otlpIntake(@ForAll("seeds") long seed) {
    Random random = new Random(seed);
    boolean json = random.nextBoolean();
    ingest(OTLP_INTAKE, "otlpHttp", "/v1/traces",
        json ? "application/json" : "application/x-protobuf", json ? otlpJson : otlpProtobuf,
        random);
  }

  @Property
  void jaegerIntake(@ForAll("seeds") long seed) {
    ingest(JAEGER_INTAKE, "jaegerHttp", "/api/traces", "application/x-thrift", jaegerThrift,
        new Random(seed));
  }

  /** Trace files converted on the query port: mutated OTLP JSON and Zipkin v2 JSON. */
  @Property
  void transform(@ForAll("seeds") long seed) {
    Random random = new Random(seed);
    ingest(TRANSFORM, "query", "/api/transform", "application/json",
        random.nextBoolean() ? otlpJson : zipkinV2, random);
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  private static void query(FuzzTarget target, String listener, String path) {
    AtomicReference<RawHttp.Answer> answer = new AtomicReference<>();
    target.check(path, () -> answer.set(RawHttp.get(server.ports().get(listener), path,
        SOCKET_DEADLINE)));
    judge(target, "GET " + path, answer.get());
  }

  private static void ingest(FuzzTarget target, String listener, String path,
      String contentType, List<byte[]> seeds, Random random) {
    byte[] body = random.nextInt(20) == 0 ? seeds.get(random.nextInt(seeds.size()))
        : ByteMutator.mutate(seeds.get(random.nextInt(seeds.size())), seeds, random, 8);
    String type = random.nextInt(10) == 0 ? List.of("text/plain", "application/json",
        "application/x-protobuf", "application/x-thrift", "application/vnd.apache.thrift.binary",
        "multipart/form-data; boundary=x", "application/json; charset=latin1", "*/*", ";")
        .get(random.nextInt(9)) : contentType;
    String[] headers = random.nextInt(20) == 0
        ? new String[] {"Content-Encoding", random.nextBoolean() ? "gzip" : "br"}
        : new String[0];
    AtomicReference<RawHttp.Answer> answer = new AtomicReference<>();
    String described = "POST " + path + " (" + type + ", " + body.length + " bytes)";
    target.check(body, () -> answer.set(RawHttp.send(server.ports().get(listener), "POST",
        path, type, body, SOCKET_DEADLINE, headers)));
    judge(target, described, answer.get());
  }

  /** Below 500, no database text; a malformed answer (status -1) counts as a 5xx. */
  private static void judge(FuzzTarget target, String request, RawHttp.Answer answer) {
    target.answered(answer.status());
    if (answer.status() >= 500 || answer.status() < 100) {
      target.serverError(request, answer.status() + " " + answer.body());
    }
    if (Answers.databaseText(answer.body()) != null) {
      target.databaseText(request, answer.body());
    }
  }

  private static RawHttp.Answer post(String listener, String path, String contentType,
      byte[] body) throws Exception {
    return RawHttp.send(server.ports().get(listener), "POST", path, contentType, body,
        SOCKET_DEADLINE);
  }

  /** A small trace as Envoy reports one: a shared client/server pair and a child. */
  static List<Span> trace(Random random, long startMicros) {
    String traceId = String.format("%016x%016x", random.nextLong() | 1, random.nextLong());
    String root = String.format("%016x", random.nextLong() | 1);
    String child = String.format("%016x", random.nextLong() | 1);
    Endpoint frontend = Endpoint.newBuilder().serviceName("frontend").ip("10.1.2.3").port(8080)
        .build();
    Endpoint cart = Endpoint.newBuilder().serviceName(random.nextBoolean() ? "cart" : "Billing")
        .ip("10.1.2.4").build();
    return List.of(
        Span.newBuilder().traceId(traceId).id(root).name("get /cart").kind(Span.Kind.CLIENT)
            .timestamp(startMicros).duration(5000).localEndpoint(frontend).remoteEndpoint(cart)
            .putTag("http.method", "GET").putTag("zone", "eu-" + random.nextInt(3))
            .putTag("guid:x-request-id", Long.toHexString(random.nextLong())).build(),
        Span.newBuilder().traceId(traceId).id(root).name("get /cart").kind(Span.Kind.SERVER)
            .shared(true).timestamp(startMicros + 100).duration(4000).localEndpoint(cart)
            .putTag("http.status_code", random.nextBoolean() ? "200" : "503")
            .putTag("error", random.nextBoolean() ? "true" : "").build(),
        Span.newBuilder().traceId(traceId).parentId(root).id(child).name("select")
            .kind(Span.Kind.CLIENT).timestamp(startMicros + 200).duration(1000)
            .localEndpoint(cart).addAnnotation(startMicros + 300, "retry").build());
  }
}
