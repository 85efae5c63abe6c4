package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zipkin2.Span;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Every kind of bad request gets a 4xx whose body names the problem, stores nothing, and leaves
 * the server serving.
 */
class ZipkinBadInputTest {
  static MeshtraceServer server;
  static String spans;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.allInOne("--max-request-bytes", "64KiB",
        "--max-decompressed-bytes", "256KiB");
    spans = url(server, "zipkin", "/api/v2/spans");
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @AfterEach
  void serverStillServes() throws Exception {
    String traceId = randomHex(32);
    HttpResponse<String> ok = post(spans, "application/json", json(List.of(span(traceId, "1"))));
    assertThat(ok.statusCode()).isEqualTo(202);
    assertThat(stored(traceId)).isTrue();
    assertThat(get(url(server, "admin", "/readyz")).statusCode()).isEqualTo(200);
  }

  @Test
  void malformedJson() throws Exception {
    assertRefused(post(spans, "application/json", bytes("[{\"traceId\": \"abc\", ")), 400,
        "malformed json_v2 spans");
    assertRefused(post(spans, "application/json", bytes("{\"not\": \"a list\"}")), 400,
        "malformed json_v2 spans");
  }

  @Test
  void wrongContentType() throws Exception {
    assertRefused(post(spans, "text/plain", bytes("[]")), 415,
        "unsupported Content-Type 'text/plain'");
    assertRefused(post(url(server, "zipkin", "/api/v1/spans"), "application/x-thrift",
        bytes("x")), 415, "use application/json");
  }

  @Test
  void emptyBody() throws Exception {
    assertRefused(post(spans, "application/json", new byte[0]), 400, "empty body");
  }

  @Test
  void emptyListIsAccepted() throws Exception {
    assertThat(post(spans, "application/json", bytes("[]")).statusCode()).isEqualTo(202);
  }

  @Test
  void anInvalidIdRefusesTheWholeRequest() throws Exception {
    String good = randomHex(32);
    String body = "[" + new String(SpanBytesEncoder.JSON_V2.encode(span(good, "1")),
        StandardCharsets.UTF_8) + ",{\"traceId\":\"" + good
        + "\",\"id\":\"0000000000000000\",\"name\":\"zero\"}]";
    assertRefused(post(spans, "application/json", bytes(body)), 400, "id is all zeros");
    assertThat(stored(good)).isFalse();

    assertRefused(post(spans, "application/json", bytes(
        "[{\"traceId\":\"00000000000000000000000000000000\",\"id\":\"0000000000000001\"}]")), 400,
        "traceId is all zeros");
    assertRefused(post(spans, "application/json", bytes(
        "[{\"traceId\":\"xyz\",\"id\":\"0000000000000001\"}]")), 400,
        "should be lower-hex encoded");
    assertRefused(post(spans, "application/json", bytes(
        "[{\"traceId\":\"" + "a".repeat(33) + "\",\"id\":\"0000000000000001\"}]")), 400,
        "malformed json_v2 spans");
  }

  @Test
  void aSpanOlderThanRetentionIsRefusedByName() throws Exception {
    String traceId = randomHex(32);
    long tenDaysAgo = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now().minus(10, ChronoUnit.DAYS));
    Span old = span(traceId, "2").toBuilder().timestamp(tenDaysAgo).build();
    assertRefused(post(spans, "application/json", json(List.of(span(traceId, "1"), old))), 400,
        "older than the retention of 7 days");
    assertThat(stored(traceId)).isFalse();
  }

  @Test
  void oversizedBody() throws Exception {
    byte[] big = bytes("[" + "{\"traceId\":\"1\",\"id\":\"2\"},".repeat(4000) + "]");
    assertRefused(post(spans, "application/json", big), 413, "larger than 65536 bytes");
  }

  @Test
  void gzipBombIsRefusedWithoutInflatingItAll() throws Exception {
    byte[] zeros = new byte[50 << 20];
    byte[] bomb = gzip(zeros); // about 50 KiB on the wire, 50 MiB inflated
    assertThat(bomb.length).isLessThan(64 << 10);
    assertRefused(post(spans, "application/json", bomb, "Content-Encoding", "gzip"), 413,
        "inflates to more than 262144 bytes");
  }

  @Test
  void corruptGzipAndUnknownEncodings() throws Exception {
    assertRefused(post(spans, "application/json", bytes("not gzip at all"), "Content-Encoding",
        "gzip"), 400, "not valid gzip");
    assertRefused(post(spans, "application/json", bytes("[]"), "Content-Encoding", "br"), 415,
        "unsupported Content-Encoding 'br'");
  }

  @Test
  void gzipThatIsValidIsAccepted() throws Exception {
    String traceId = randomHex(16);
    assertThat(post(spans, "application/json", gzip(json(List.of(span(traceId, "1")))),
        "Content-Encoding", "gzip").statusCode()).isEqualTo(202);
    assertThat(stored(traceId)).isTrue();
  }

  @Test
  void malformedProto3() throws Exception {
    assertRefused(post(spans, "application/x-protobuf", new byte[] {10, 100, 1, 2, 3}), 400,
        "malformed proto3 spans");
  }

  private static void assertRefused(HttpResponse<String> response, int status, String message) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.body()).contains(message);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/plain"));
  }

  @Test
  void nulInTagKeysAndValuesIsStoredAsReplacementCharacter() throws Exception {
    String traceId = randomHex(32);
    HttpResponse<String> answer = post(spans, "application/json", bytes("[{\"traceId\":\""
        + traceId + "\",\"id\":\"1\",\"name\":\"op\",\"timestamp\":"
        + ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()) + ",\"duration\":10,"
        + "\"localEndpoint\":{\"serviceName\":\"svc\"},"
        + "\"tags\":{\"a\\u0000b\":\"x\\u0000y\"}}]"));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    String trace = get(url(server, "zipkin", "/api/v2/trace/" + traceId)).body();
    assertThat(trace).contains("\"a\uFFFDb\":\"x\uFFFDy\"");
  }

  private static boolean stored(String traceId) throws Exception {
    return get(url(server, "zipkin", "/api/v2/trace/" + traceId)).statusCode() == 200;
  }

  static Span span(String traceId, String id) {
    return Span.newBuilder().traceId(traceId).id(id).name("op").kind(Span.Kind.SERVER)
        .timestamp(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())).duration(10)
        .localEndpoint(zipkin2.Endpoint.newBuilder().serviceName("svc").build()).build();
  }

  static byte[] json(List<Span> list) {
    return SpanBytesEncoder.JSON_V2.encodeList(list);
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  static String randomHex(int length) {
    StringBuilder hex = new StringBuilder();
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    while (hex.length() < length) {
      hex.append(Integer.toHexString(random.nextInt(16)));
    }
    hex.setCharAt(0, 'a');
    return hex.toString();
  }
}
