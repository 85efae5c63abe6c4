package io.meshtrace.collector;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zipkin2.Span;
import zipkin2.codec.SpanBytesDecoder;
import zipkin2.reporter.Encoding;
import zipkin2.reporter.SpanBytesEncoder;

/**
 * Envoy-shaped traces sent by the real zipkin-reporter client (gzip on, its default), read
 * back through the Zipkin v2 and Jaeger v1 APIs.
 */
class ZipkinEndToEndTest {
  static MeshtraceServer server;
  static long start;
  static List<Span> meshTrace;
  static List<Span> legacyTrace;

  @BeforeAll
  static void sendWithZipkinReporter() throws Exception {
    server = TestServers.allInOne();
    start = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now().minusSeconds(60));
    meshTrace = EnvoyTraces.meshTrace(start);
    legacyTrace = EnvoyTraces.legacyTrace(start + 5_000);

    List<Span> all = new ArrayList<>(meshTrace);
    all.addAll(legacyTrace);
    ZipkinReporters.send(url(server, "zipkin", "/api/v2/spans"), Encoding.JSON,
        SpanBytesEncoder.JSON_V2, all);
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void zipkinApiReturnsEverySpanFieldForField() throws Exception {
    HttpResponse<String> response = get(url(server, "zipkin", "/api/v2/trace/" + EnvoyTraces.TRACE_128));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
    List<Span> read = SpanBytesDecoder.JSON_V2.decodeList(response.body().getBytes(StandardCharsets.UTF_8));
    assertThat(sorted(read)).isEqualTo(sorted(meshTrace));
  }

  @Test
  void aSixtyFourBitTraceIsFoundByItsIdAndByThePaddedForm() throws Exception {
    for (String id : List.of(EnvoyTraces.TRACE_64, "0000000000000000" + EnvoyTraces.TRACE_64)) {
      HttpResponse<String> response = get(url(server, "zipkin", "/api/v2/trace/" + id));
      assertThat(response.statusCode()).as(id).isEqualTo(200);
      List<Span> read = SpanBytesDecoder.JSON_V2.decodeList(response.body().getBytes(StandardCharsets.UTF_8));
      assertThat(sorted(read)).as(id).isEqualTo(sorted(legacyTrace));
      assertThat(read).allSatisfy(span -> assertThat(span.traceId()).isEqualTo(EnvoyTraces.TRACE_64));
    }
    HttpResponse<String> jaeger = get(url(server, "query", "/api/traces/0000000000000000" + EnvoyTraces.TRACE_64));
    assertThat(jaeger.statusCode()).isEqualTo(200);
  }

  @Test
  void jaegerApiReturnsTheLegacyTraceAsThisLiteralDocument() throws Exception {
    HttpResponse<String> response = get(url(server, "query", "/api/traces/" + EnvoyTraces.TRACE_64));
    assertThat(response.statusCode()).isEqualTo(200);
    long t = start + 5_000;
    String expected = """
        {"data": [{
          "traceID": "463ac35c9f6413ad",
          "spans": [
            {"traceID": "463ac35c9f6413ad", "spanID": "463ac35c9f6413ad", "operationName": "ingress",
             "references": [], "startTime": T0, "duration": 0,
             "tags": [
               {"key": "http.url", "type": "string", "value": "http://legacy/api?q=\\"quoted\\"&x=<b>"},
               {"key": "zipkin.debug", "type": "bool", "value": true},
               {"key": "span.kind", "type": "string", "value": "server"}],
             "logs": [], "processID": "p1", "warnings": null},
            {"traceID": "463ac35c9f6413ad", "spanID": "72485a3953bb6124", "operationName": "egress",
             "references": [{"refType": "CHILD_OF", "traceID": "463ac35c9f6413ad", "spanID": "463ac35c9f6413ad"}],
             "startTime": T50, "duration": 3,
             "tags": [
               {"key": "peer.service", "type": "string", "value": "backend"},
               {"key": "network.peer.address", "type": "string", "value": "2001:db8::1"},
               {"key": "network.peer.port", "type": "int64", "value": 8080},
               {"key": "span.kind", "type": "string", "value": "client"}],
             "logs": [
               {"timestamp": T51, "fields": [{"key": "event", "type": "string", "value": "ws"}]},
               {"timestamp": T52, "fields": [{"key": "event", "type": "string", "value": "wr"}]}],
             "processID": "p1", "warnings": null}],
          "processes": {"p1": {"serviceName": "legacy-edge", "tags": [
            {"key": "network.local.address", "type": "string", "value": "192.168.99.101"},
            {"key": "zipkin.local_endpoint.ipv6", "type": "string", "value": "2001:db8::c001"},
            {"key": "network.local.port", "type": "int64", "value": 80}]}},
          "warnings": null}],
         "total": 0, "limit": 0, "offset": 0, "errors": null}
        """.replace("T0", Long.toString(t)).replace("T50", Long.toString(t + 50))
        .replace("T51", Long.toString(t + 51)).replace("T52", Long.toString(t + 52));
    assertThat(new JsonObject(response.body())).isEqualTo(new JsonObject(expected));
  }

  @Test
  void jaegerApiShowsTheMeshTraceWithProcessesReferencesAndTypedTags() throws Exception {
    HttpResponse<String> response = get(url(server, "query", "/api/traces/" + EnvoyTraces.TRACE_128));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getValue("errors")).isNull();
    JsonObject trace = body.getJsonArray("data").getJsonObject(0);
    assertThat(trace.getString("traceID")).isEqualTo(EnvoyTraces.TRACE_128);
    JsonObject processes = trace.getJsonObject("processes");
    assertThat(processes.fieldNames()).containsExactlyInAnyOrder("p1", "p2");
    assertThat(processes.getJsonObject("p1").getString("serviceName"))
        .isEqualTo("istio-ingressgateway.istio-system");
    assertThat(processes.getJsonObject("p2").getString("serviceName"))
        .isEqualTo("productpage.default");

    JsonArray spans = trace.getJsonArray("spans");
    assertThat(spans).hasSize(4);
    // Start-time order.
    JsonObject edge = spans.getJsonObject(0);
    assertThat(edge.getString("spanID")).isEqualTo("eee19b7ec3c1b174");
    assertThat(edge.getString("operationName")).isEqualTo("bookinfo.example.com:80/productpage");
    assertThat(edge.getLong("startTime")).isEqualTo(start);
    assertThat(edge.getLong("duration")).isEqualTo(21_000);
    assertThat(edge.getJsonArray("references")).isEmpty();
    assertThat(edge.getString("processID")).isEqualTo("p1");
    assertThat(tag(edge, "node_id")).isEqualTo(new JsonObject().put("key", "node_id")
        .put("type", "string").put("value",
            "router~10.1.0.5~istio-ingressgateway-7d4f8.istio-system~istio-system.svc.cluster.local"));
    assertThat(tag(edge, "span.kind").getString("value")).isEqualTo("server");

    JsonObject client = spans.getJsonObject(1);
    assertThat(client.getString("spanID")).isEqualTo("f0b2c7e1a9d83b22");
    assertThat(tag(client, "span.kind").getString("value")).isEqualTo("client");
    assertThat(tag(client, "network.peer.port")).isEqualTo(new JsonObject()
        .put("key", "network.peer.port").put("type", "int64").put("value", 9080));
    assertThat(client.getJsonArray("references").getJsonObject(0)).isEqualTo(new JsonObject()
        .put("refType", "CHILD_OF").put("traceID", EnvoyTraces.TRACE_128)
        .put("spanID", "eee19b7ec3c1b174"));

    JsonObject shared = spans.getJsonObject(2);
    assertThat(shared.getString("processID")).isEqualTo("p2");
    assertThat(tag(shared, "zipkin.shared").getBoolean("value")).isTrue();

    JsonObject failed = spans.getJsonObject(3);
    assertThat(tag(failed, "error")).isEqualTo(new JsonObject().put("key", "error")
        .put("type", "bool").put("value", true));
    assertThat(tag(failed, "otel.status_description").getString("value")).isEqualTo("true");
    assertThat(failed.getJsonArray("logs").getJsonObject(0).getLong("timestamp"))
        .isEqualTo(start + 2_100);
  }

  @Test
  void unknownTracesAre404InBothApis() throws Exception {
    HttpResponse<String> jaeger = get(url(server, "query", "/api/traces/00000000000000000000000000abcdef"));
    assertThat(jaeger.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(jaeger.body())).isEqualTo(new JsonObject(
        "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,"
            + "\"errors\":[{\"code\":404,\"msg\":\"trace not found\"}]}"));
    HttpResponse<String> zipkin = get(url(server, "zipkin", "/api/v2/trace/abcdef"));
    assertThat(zipkin.statusCode()).isEqualTo(404);
    assertThat(zipkin.body()).contains("0000000000abcdef not found");
  }

  @Test
  void malformedTraceIdsInReadsAre400() throws Exception {
    HttpResponse<String> jaeger = get(url(server, "query", "/api/traces/not-hex"));
    assertThat(jaeger.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(jaeger.body()).getJsonArray("errors").getJsonObject(0)
        .getString("msg")).contains("trace ID is not hex");
    HttpResponse<String> tooLong = get(url(server, "zipkin", "/api/v2/trace/" + "a".repeat(33)));
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).contains("longer than 32 hex characters");
  }

  private static JsonObject tag(JsonObject span, String key) {
    for (Object tag : span.getJsonArray("tags")) {
      if (((JsonObject) tag).getString("key").equals(key)) {
        return (JsonObject) tag;
      }
    }
    throw new AssertionError("no tag " + key + " in " + span.encodePrettily());
  }

  private static List<Span> sorted(List<Span> spans) {
    List<Span> copy = new ArrayList<>(spans);
    copy.sort(Comparator.comparing(Span::id).thenComparing(s -> String.valueOf(s.kind())));
    return copy;
  }
}
