package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.model.TraceId;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The budget of bytes in flight: a request it cannot hold gets 429 with {@code Retry-After}
 * (RESOURCE_EXHAUSTED over gRPC) before its body is buffered, the budget is never exceeded, and
 * after every kind of request, refused, failed or cut off, it is back to zero.
 */
class BytesInFlightTest {
  static final long BUDGET = 3 << 20;
  /** About 700 kB of Zipkin JSON: two such requests, decoded, hold all but ~0.2 MB. */
  static final int SPANS = 1400;
  static MeshtraceServer server;

  @BeforeAll
  static void start() throws Exception {
    // The smallest budget the settings allow: one full request (1 MiB, inflated to 1 MiB).
    server = TestServers.allInOne("--max-request-bytes", "1MiB",
        "--max-decompressed-bytes", "1MiB", "--max-bytes-in-flight", Long.toString(BUDGET));
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @AfterEach
  void budgetIsBackToZeroAndNeverWasExceeded() throws Exception {
    awaitBytesInFlight(0);
    assertThat(gauge("meshtrace.ingest.bytes.in.flight.peak")).isBetween(1.0, (double) BUDGET);
  }

  @Test
  void whileTheBudgetIsHeldRequestsAreRefusedBeforeTheirBodiesAreBuffered() throws Exception {
    // Hold commits: a transaction locks the spans table, so two big requests stay in flight.
    SqlConnection locker = server.storage().pool().getConnection().await();
    Transaction lock = locker.begin().await();
    locker.query("LOCK TABLE spans IN ACCESS EXCLUSIVE MODE").execute().await();
    List<String> heldTraces = List.of(ZipkinBadInputTest.randomHex(32),
        ZipkinBadInputTest.randomHex(32));
    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    long heldBytes = 0;
    for (String traceId : heldTraces) {
      byte[] body = zipkinTrace(traceId, SPANS);
      heldBytes += 2L * body.length; // the decoded spans' estimate
      held.add(postAsync(body, HttpRequest.BodyPublishers.ofByteArray(body)));
    }
    awaitSpansInFlight(2L * SPANS);
    assertThat(gauge("meshtrace.ingest.bytes.in.flight")).isEqualTo((double) heldBytes);

    // A declared length the budget cannot hold: answered 429 before a byte of the body is sent.
    double declared = refusals("declared_length");
    try (Socket socket = new Socket("127.0.0.1", server.ports().get("zipkin"))) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /api/v2/spans HTTP/1.1\r\nHost: meshtrace\r\n"
          + "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = readHead(socket.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 429").containsIgnoringCase("retry-after: 1")
          .contains("--max-bytes-in-flight");
    }
    assertThat(refusals("declared_length")).isEqualTo(declared + 1);

    // A chunked body: refused as its buffer outgrows what is left.
    double reading = refusals("reading");
    String chunkedTrace = ZipkinBadInputTest.randomHex(32);
    byte[] chunked = zipkinTrace(chunkedTrace, SPANS);
    HttpResponse<String> refused = postAsync(chunked, HttpRequest.BodyPublishers.ofInputStream(
        () -> new ByteArrayInputStream(chunked))).join();
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(refusals("reading")).isEqualTo(reading + 1);

    // A gRPC message larger than what is left: RESOURCE_EXHAUSTED with RetryInfo.
    ByteString grpcTrace = OtlpPayloads.randomTraceId();
    try (OtlpGrpcCalls grpc = new OtlpGrpcCalls(server.ports().get("otlpGrpc"))) {
      byte[] message = OtlpPayloads.trace(grpcTrace, 8000, "budget").toByteArray();
      assertThat(message.length).isGreaterThan((int) (BUDGET - heldBytes));
      OtlpGrpcCalls.Reply reply = grpc.export(message, false);
      assertThat(reply.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
      assertThat(reply.message()).contains("bytes of requests in flight");
      assertThat(reply.retryDelay()).isEqualTo(Duration.ofSeconds(1));
    }

    // Released: the held requests commit; nothing refused was stored.
    lock.rollback().await();
    locker.close().await();
    for (CompletableFuture<HttpResponse<String>> request : held) {
      assertThat(request.join().statusCode()).isEqualTo(202);
    }
    for (String traceId : heldTraces) {
      assertThat(spansOf(TraceId.fromHex(traceId).toBytes())).isEqualTo(SPANS);
    }
    assertThat(spansOf(TraceId.fromHex(chunkedTrace).toBytes())).isZero();
    assertThat(spansOf(grpcTrace)).isZero();
  }

  @Test
  void aBurstOfBigRequestsGetsSome429sAndEveryAcknowledgedOneIsStored() throws Exception {
    List<String> traces = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String traceId = ZipkinBadInputTest.randomHex(32);
      traces.add(traceId);
      byte[] body = zipkinTrace(traceId, SPANS);
      burst.add(postAsync(body, HttpRequest.BodyPublishers.ofByteArray(body)));
    }
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < traces.size(); i++) {
      HttpResponse<String> response = burst.get(i).join();
      assertThat(response.statusCode()).as(response.body()).isIn(202, 429);
      long stored = spansOf(TraceId.fromHex(traces.get(i)).toBytes());
      if (response.statusCode() == 202) {
        accepted++;
        assertThat(stored).isEqualTo(SPANS);
      } else {
        refused++;
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(stored).isZero();
      }
    }
    // 16 x 0.7 MB against 3 MiB: some must wait, and at least one fits.
    assertThat(accepted).isPositive();
    assertThat(refused).isPositive();
  }

  @Test
  void refusedAndBrokenRequestsGiveTheirBytesBack() throws Exception {
    String spans = url(server, "zipkin", "/api/v2/spans");
    // Malformed, wrong type, a gzip bomb, too large as sent.
    assertThat(TestServers.post(spans, "application/json",
        "[{\"traceId\": \"abc\", ".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
    assertThat(TestServers.post(spans, "text/plain", new byte[100]).statusCode()).isEqualTo(415);
    HttpResponse<String> bomb = TestServers.post(spans, "application/json",
        gzip(new byte[16 << 20]), "Content-Encoding", "gzip");
    assertThat(bomb.statusCode()).isEqualTo(413);
    assertThat(bomb.body()).contains("inflates to more than");
    assertThat(TestServers.post(spans, "application/json", new byte[(1 << 20) + 1]).statusCode())
        .isEqualTo(413);
    awaitBytesInFlight(0);

    // Cut off mid-body: the connection reset frees what the body had reserved.
    try (Socket socket = new Socket("127.0.0.1", server.ports().get("otlpHttp"))) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/traces HTTP/1.1\r\nHost: meshtrace\r\n"
          + "Content-Type: application/x-protobuf\r\nContent-Length: 900000\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[300_000]);
      out.flush();
      awaitBytesInFlight(900_000);
      socket.setSoLinger(true, 0); // close with a reset
    }
  }

  private static CompletableFuture<HttpResponse<String>> postAsync(byte[] body,
      HttpRequest.BodyPublisher publisher) {
    return TestServers.HTTP.sendAsync(HttpRequest.newBuilder(
            URI.create(url(server, "zipkin", "/api/v2/spans")))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60))
        .POST(publisher).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** One trace of Zipkin v2 JSON, each span with a 300-character tag. */
  static byte[] zipkinTrace(String traceId, int spans) {
    long now = OtlpPayloads.nowNanos() / 1000;
    String pad = "x".repeat(300);
    StringBuilder json = new StringBuilder("[");
    for (int i = 1; i <= spans; i++) {
      if (i > 1) {
        json.append(',');
      }
      json.append("{\"traceId\":\"").append(traceId).append("\",\"id\":\"")
          .append(String.format("%016x", i)).append("\",\"name\":\"op\",\"timestamp\":")
          .append(now).append(",\"duration\":5,\"localEndpoint\":{\"serviceName\":\"budget\"},"
              + "\"tags\":{\"pad\":\"").append(pad).append("\"}}");
    }
    return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  /** The status line and headers of an HTTP/1.1 answer. */
  private static String readHead(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      head.write(b);
      if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        break;
      }
    }
    byte[] body = new byte[200];
    int n = in.read(body);
    return head.toString(StandardCharsets.US_ASCII)
        + (n > 0 ? new String(body, 0, n, StandardCharsets.UTF_8) : "");
  }

  private static double gauge(String name) {
    return server.metrics().get(name).gauge().value();
  }

  private static double refusals(String stage) {
    return server.metrics().get("meshtrace.ingest.budget.refusals").tag("stage", stage)
        .functionCounter().count();
  }

  private static void awaitBytesInFlight(long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (bytes == 0 ? gauge("meshtrace.ingest.bytes.in.flight") != 0
        : gauge("meshtrace.ingest.bytes.in.flight") < bytes) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("bytes in flight stayed at "
            + gauge("meshtrace.ingest.bytes.in.flight") + ", not " + bytes);
      }
      Thread.sleep(10);
    }
  }

  private static void awaitSpansInFlight(long spans) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (gauge("meshtrace.spans.in.flight") < spans) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the held requests never reached the pipeline");
      }
      Thread.sleep(10);
    }
  }

  private static long spansOf(ByteString traceId) {
    return server.storage().spanStore().getTrace(TraceId.fromBytes(traceId)).await().stream()
        .flatMap(rs -> rs.getScopeSpansList().stream())
        .mapToLong(ss -> ss.getSpansCount()).sum();
  }
}
