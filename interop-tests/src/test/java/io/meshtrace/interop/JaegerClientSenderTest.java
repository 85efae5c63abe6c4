package io.meshtrace.interop;

import static io.meshtrace.interop.JaegerJson.Tag.bool;
import static io.meshtrace.interop.JaegerJson.Tag.float64;
import static io.meshtrace.interop.JaegerJson.Tag.int64;
import static io.meshtrace.interop.JaegerJson.Tag.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.spi.Sender;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * jaeger-client's tracer, reporting through one of its Thrift senders to a real all-in-one
 * server; the traces read back through the Jaeger v1 and Zipkin v2 APIs field by field.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JaegerClientSenderTest {
  MeshtraceServer server;
  /** A 64-bit trace, sent once for the tests that read it. */
  JaegerClientTrace trace;

  /** A new sender to the server (each tracer closes its own). */
  abstract Sender sender() throws Exception;

  /** The service name of this class's traces (so that two classes' traces cannot mix). */
  abstract String service();

  @BeforeAll
  void start() throws Exception {
    server = TestServers.allInOne();
    trace = JaegerClientTrace.send(sender(), service(), false);
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void everyFieldSentReadsBackThroughTheJaegerApi() throws Exception {
    assertThat(trace.spans).hasSize(4);
    JsonObject read = TraceApis.awaitJaegerTrace(server, trace.traceId, 4);
    JaegerJson.assertTrace(read, trace.expectedJaeger());
  }

  /** The same, spelled out for what matters most, independently of jaeger-client's converter. */
  @Test
  void theApiShowsTheTagsReferencesLogsAndProcessTheClientSet() throws Exception {
    JsonObject read = TraceApis.awaitJaegerTrace(server, trace.traceId, 4);
    JaegerSpan root = trace.span(JaegerClientTrace.ROOT);
    JaegerSpan query = trace.span(JaegerClientTrace.QUERY);
    String rootId = JaegerClientTrace.spanId(root);
    String queryId = JaegerClientTrace.spanId(query);

    JsonObject rootJson = JaegerJson.span(read, rootId);
    assertThat(rootJson.getJsonArray("references")).as("the root's references").isEmpty();
    assertThat(rootJson.getInteger("flags")).as("the root's flags (sampled)").isEqualTo(1);
    assertThat(rootJson.getLong("startTime")).isEqualTo(root.getStart());
    assertThat(rootJson.getLong("duration")).isEqualTo(root.getDuration());
    assertThat(JaegerJson.tags(rootJson.getJsonArray("tags"))).as("the root's tags")
        .containsExactlyInAnyOrder(
            string("sampler.type", "const"), bool("sampler.param", true),
            string("span.kind", "server"), string("http.method", "GET"),
            int64("http.status_code", 200), float64("ratio", 0.25), bool("cache.hit", true),
            int64("items", 3), int64("big", 1L << 60), int64("negative", -42),
            float64("weight", 1.5), string("cache.tier", "l2"));
    assertThat(rootJson.getJsonArray("logs")).as("the root's logs").hasSize(2);
    JsonObject log = rootJson.getJsonArray("logs").getJsonObject(0);
    assertThat(log.getLong("timestamp")).isEqualTo(trace.logTime);
    assertThat(JaegerJson.tags(log.getJsonArray("fields"))).as("the cache-miss log's fields")
        .containsExactlyInAnyOrder(string("event", "cache-miss"), string("key", "cart:42"),
            int64("attempt", 2), float64("backoff.seconds", 0.5), bool("final", false));
    assertThat(JaegerJson.tags(rootJson.getJsonArray("logs").getJsonObject(1)
        .getJsonArray("fields"))).containsExactly(string("event", "checkout done"));

    JsonObject queryJson = JaegerJson.span(read, queryId);
    assertThat(refs(queryJson)).as("the query's references")
        .containsExactly(new JaegerJson.Ref("CHILD_OF", trace.traceId, rootId));
    assertThat(JaegerJson.tags(queryJson.getJsonArray("tags"))).as("the query's tags")
        .containsExactlyInAnyOrder(string("span.kind", "client"), string("db.type", "sql"),
            int64("peer.port", 5432), bool("error", true),
            string("otel.status_code", "ERROR"));

    JsonObject publish = JaegerJson.span(read,
        JaegerClientTrace.spanId(trace.span(JaegerClientTrace.PUBLISH)));
    assertThat(refs(publish)).as("the publish span's references").containsExactlyInAnyOrder(
        new JaegerJson.Ref("CHILD_OF", trace.traceId, rootId),
        new JaegerJson.Ref("FOLLOWS_FROM", trace.traceId, queryId));
    assertThat(JaegerJson.tag(publish, "span.kind")).isEqualTo(string("span.kind", "producer"));
    JsonObject audit = JaegerJson.span(read,
        JaegerClientTrace.spanId(trace.span(JaegerClientTrace.AUDIT)));
    assertThat(refs(audit)).as("the audit span's references")
        .containsExactly(new JaegerJson.Ref("FOLLOWS_FROM", trace.traceId, rootId));

    JsonObject process = JaegerJson.process(read, rootJson);
    assertThat(process.getString("serviceName")).isEqualTo(service());
    List<JaegerJson.Tag> processTags = JaegerJson.tags(process.getJsonArray("tags"));
    // jaeger-client-java 1.8.1 sends no client-uuid (Jaeger's Go and Node clients do).
    assertThat(processTags).extracting(JaegerJson.Tag::key).as("the process tags' keys")
        .containsExactlyInAnyOrder("hostname", "ip", "jaeger.version",
            "deployment.environment", "replica", "canary", "cpu.share");
    assertThat(processTags).contains(string("jaeger.version", "Java-1.8.1"),
        string("hostname", String.valueOf(trace.tracer.tags().get("hostname"))),
        string("ip", String.valueOf(trace.tracer.tags().get("ip"))),
        string("deployment.environment", "interop"), int64("replica", 3),
        bool("canary", true), float64("cpu.share", 0.75));
  }

  @Test
  void theZipkinApiShowsTheSameSpans() throws Exception {
    TraceApis.awaitJaegerTrace(server, trace.traceId, 4);
    trace.assertZipkin(TraceApis.zipkinTrace(server, trace.traceId));
  }

  @Test
  void a128BitTraceReadsBackWithItsWholeId() throws Exception {
    JaegerClientTrace wide = JaegerClientTrace.send(sender(), service() + "-128", true);
    assertThat(wide.traceId).as("a 128-bit trace ID").hasSize(32);
    JsonObject read = TraceApis.awaitJaegerTrace(server, wide.traceId, 4);
    assertThat(read.getString("traceID")).isEqualTo(wide.traceId);
    JaegerJson.assertTrace(read, wide.expectedJaeger());
    wide.assertZipkin(TraceApis.zipkinTrace(server, wide.traceId));
  }

  private static List<JaegerJson.Ref> refs(JsonObject span) {
    return span.getJsonArray("references").stream().map(r -> (JsonObject) r)
        .map(r -> new JaegerJson.Ref(r.getString("refType"), r.getString("traceID"),
            r.getString("spanID")))
        .toList();
  }
}
