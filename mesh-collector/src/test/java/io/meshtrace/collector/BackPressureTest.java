package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.model.TraceId;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Over the bound on spans in flight every client is told to come back later, and every span
 * that got a 2xx or OK is stored while none that got an error is.
 */
class BackPressureTest {
  static final int BOUND = 200;
  static MeshtraceServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.allInOne("--max-spans-in-flight", Integer.toString(BOUND),
        "--max-spans-per-request", "100", "--writer-concurrency", "1");
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void aFullPipelineRefusesWithRetryHintsAndStoresNothingItRefused() throws Exception {
    // Hold inserts: a transaction locks the spans table, so the first two requests stay in
    // flight and fill the bound.
    SqlConnection locker = server.storage().pool().getConnection().await();
    Transaction lock = locker.begin().await();
    locker.query("LOCK TABLE spans IN ACCESS EXCLUSIVE MODE").execute().await();

    List<ByteString> heldTraces = List.of(OtlpPayloads.randomTraceId(), OtlpPayloads.randomTraceId());
    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    for (ByteString traceId : heldTraces) {
      held.add(postAsync("otlpHttp", "/v1/traces", "application/x-protobuf",
          OtlpPayloads.trace(traceId, 100, "held").toByteArray()));
    }
    awaitInFlight(BOUND);

    // The burst: every request is refused with a retry hint, over every transport.
    double[] overloadedBefore = {overloaded("otlp_http"), overloaded("zipkin"),
        overloaded("otlp_grpc")};
    List<ByteString> refusedTraces = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ByteString traceId = OtlpPayloads.randomTraceId();
      refusedTraces.add(traceId);
      burst.add(postAsync("otlpHttp", "/v1/traces", "application/x-protobuf",
          OtlpPayloads.trace(traceId, 10, "burst").toByteArray()));
      String zipkinTrace = TraceId.fromBytes(OtlpPayloads.randomTraceId()).toHex128();
      refusedTraces.add(TraceId.fromHex(zipkinTrace).toBytes());
      burst.add(postAsync("zipkin", "/api/v2/spans", "application/json",
          ("[{\"traceId\":\"" + zipkinTrace + "\",\"id\":\"0000000000000001\",\"timestamp\":"
              + OtlpPayloads.nowNanos() / 1000 + ",\"duration\":5}]").getBytes()));
    }
    for (CompletableFuture<HttpResponse<String>> request : burst) {
      HttpResponse<String> response = request.join();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
      assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
    }
    ByteString grpcTrace = OtlpPayloads.randomTraceId();
    refusedTraces.add(grpcTrace);
    try (OtlpGrpcCalls grpc = new OtlpGrpcCalls(server.ports().get("otlpGrpc"))) {
      OtlpGrpcCalls.Reply reply = grpc.export(
          OtlpPayloads.trace(grpcTrace, 10, "burst").toByteArray(), false);
      assertThat(reply.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
      assertThat(reply.message()).contains("spans in flight");
      assertThat(reply.retryDelay()).isEqualTo(Duration.ofSeconds(1));
    }
    HttpResponse<String> refusedHttp = burst.get(0).join();
    assertThat(com.google.rpc.Status.parseFrom(refusedHttp.body().getBytes(
        java.nio.charset.StandardCharsets.ISO_8859_1)).getCode())
        .isEqualTo(Code.RESOURCE_EXHAUSTED.getNumber());

    // Release: the held requests commit and are answered 200.
    lock.rollback().await();
    locker.close().await();
    for (CompletableFuture<HttpResponse<String>> request : held) {
      assertThat(request.join().statusCode()).isEqualTo(200);
    }
    for (ByteString traceId : heldTraces) {
      assertThat(spansOf(traceId)).isEqualTo(100);
    }
    for (ByteString traceId : refusedTraces) {
      assertThat(spansOf(traceId)).isZero();
    }
    // Every refused span counted once, under its transport.
    assertThat(overloaded("otlp_http") - overloadedBefore[0]).isEqualTo(100);
    assertThat(overloaded("zipkin") - overloadedBefore[1]).isEqualTo(10);
    assertThat(overloaded("otlp_grpc") - overloadedBefore[2]).isEqualTo(10);
  }

  private double overloaded(String transport) {
    return server.metrics().get("meshtrace.spans.rejected").tag("reason", "overloaded")
        .tag("transport", transport).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Test
  void underARealBurstEveryAcknowledgedSpanIsStoredAndNoRefusedOne() throws Exception {
    List<ByteString> traces = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      ByteString traceId = OtlpPayloads.randomTraceId();
      traces.add(traceId);
      burst.add(postAsync("otlpHttp", "/v1/traces", "application/x-protobuf",
          OtlpPayloads.trace(traceId, 100, "burst").toByteArray()));
    }
    int accepted = 0;
    for (int i = 0; i < traces.size(); i++) {
      HttpResponse<String> response = burst.get(i).join();
      assertThat(response.statusCode()).isIn(200, 429);
      long stored = spansOf(traces.get(i));
      if (response.statusCode() == 200) {
        accepted++;
        assertThat(stored).isEqualTo(100);
      } else {
        assertThat(stored).isZero();
      }
    }
    assertThat(accepted).isPositive();
  }

  private static CompletableFuture<HttpResponse<String>> postAsync(String listener, String path,
      String contentType, byte[] body) {
    return TestServers.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url(server, listener, path)))
        .header("Content-Type", contentType)
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString(java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  private static void awaitInFlight(long spans) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (server.metrics().get("meshtrace.spans.in.flight").gauge().value() < spans) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the held requests never filled the pipeline");
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
