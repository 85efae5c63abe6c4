package io.meshtrace.interop;

import static io.meshtrace.interop.JaegerJson.Tag.float64;
import static io.meshtrace.interop.JaegerJson.Tag.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.RemoteReporter;
import io.jaegertracing.internal.samplers.HttpSamplingManager;
import io.jaegertracing.internal.samplers.ProbabilisticSampler;
import io.jaegertracing.internal.samplers.RemoteControlledSampler;
import io.jaegertracing.thrift.internal.senders.UdpSender;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.storage.RootSpanThroughput;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop adaptive sampling learns from, with Jaeger's own client: a {@code RemoteControlledSampler}
 * takes its strategy from the sampling HTTP port, the spans it samples go to the compact UDP port
 * with {@code sampler.type}/{@code sampler.param} on their roots, and those roots are counted per
 * service, operation and sampler in the root span throughput.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JaegerClientRemoteSamplingTest {
  static final String STRATEGIES = """
      {
        "default_strategy": {"type": "probabilistic", "param": 0.001},
        "service_strategies": [
          {"service": "remote-probabilistic", "type": "probabilistic", "param": 1.0},
          {"service": "remote-ratelimiting", "type": "ratelimiting", "param": 50}
        ]
      }""";

  @TempDir
  static Path dir;
  MeshtraceServer server;

  @BeforeAll
  void start() throws Exception {
    Path strategies = dir.resolve("strategies.json");
    Files.writeString(strategies, STRATEGIES);
    server = TestServers.allInOne("--sampling-strategies", strategies.toString());
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void rootSpansOfAProbabilisticStrategyAreCountedWithItsSampler() throws Exception {
    sampleSendAndCount("remote-probabilistic", "probabilistic", 1.0);
  }

  @Test
  void rootSpansOfARateLimitingStrategyAreCountedWithItsSampler() throws Exception {
    sampleSendAndCount("remote-ratelimiting", "ratelimiting", 50.0);
  }

  private void sampleSendAndCount(String service, String samplerType, double samplerParam)
      throws Exception {
    RemoteControlledSampler sampler = new RemoteControlledSampler.Builder(service)
        .withSamplingManager(new HttpSamplingManager("127.0.0.1:"
            + server.ports().get("samplingHttp")))
        .withInitialSampler(new ProbabilisticSampler(0)) // nothing until the strategy came
        .withPollingInterval(100)
        .build();
    JaegerTracer tracer = new JaegerTracer.Builder(service)
        .withSampler(sampler)
        .withReporter(new RemoteReporter.Builder()
            .withSender(new UdpSender("127.0.0.1", server.ports().get("jaegerCompact"), 0))
            .withFlushInterval(50).build())
        .build();
    int roots = 5;
    List<String> traceIds = new ArrayList<>();
    Instant sentFrom = Instant.now();
    try {
      await("the sampler has the " + samplerType + " strategy of " + service, () -> {
        Map<String, Object> tags = sampler.sample("GET /remote", 42).getTags();
        return samplerType.equals(tags.get("sampler.type"))
            && Double.valueOf(samplerParam).equals(tags.get("sampler.param"));
      });
      for (int i = 0; i < roots; i++) {
        JaegerSpan root = tracer.buildSpan("GET /remote").start();
        assertThat(root.context().isSampled()).as("root %d is sampled by the strategy", i)
            .isTrue();
        tracer.buildSpan("SELECT remote").asChildOf(root).start().finish(); // not a root
        root.finish();
        traceIds.add(JaegerJson.hex(root.context().getTraceIdLow()));
      }
    } finally {
      tracer.close(); // flushes the reporter, closes the sampler
    }

    for (String traceId : traceIds) {
      JsonObject trace = TraceApis.awaitJaegerTrace(server, traceId, 2);
      JsonObject root = trace.getJsonArray("spans").stream().map(s -> (JsonObject) s)
          .filter(s -> s.getJsonArray("references").isEmpty()).findFirst().orElseThrow();
      assertThat(JaegerJson.tag(root, "sampler.type")).as("the root of trace %s", traceId)
          .isEqualTo(string("sampler.type", samplerType));
      assertThat(JaegerJson.tag(root, "sampler.param")).as("the root of trace %s", traceId)
          .isEqualTo(float64("sampler.param", samplerParam));
    }

    // Root spans are counted as their batch commits; the count is written on each flush.
    Instant from = sentFrom.minus(Duration.ofMinutes(2));
    Instant to = Instant.now().plus(Duration.ofMinutes(2));
    List<RootSpanThroughput> counted = new ArrayList<>();
    await(roots + " roots of " + service + " counted in the root span throughput", () -> {
      server.storage().flushRootSpanThroughput().await();
      counted.clear();
      server.storage().rootSpanThroughput(from, to).await().stream()
          .filter(row -> row.service().equals(service)).forEach(counted::add);
      return counted.stream().mapToLong(RootSpanThroughput::rootSpans).sum() >= roots;
    });
    assertThat(counted).as("the throughput rows of %s", service).allSatisfy(row -> {
      assertThat(row.operation()).isEqualTo("GET /remote");
      assertThat(row.samplerType()).isEqualTo(samplerType);
      assertThat(row.samplerParam()).isEqualTo(samplerParam);
    });
    assertThat(counted.stream().mapToLong(RootSpanThroughput::rootSpans).sum())
        .as("root spans of %s counted", service).isEqualTo(roots);
  }

  private static void await(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + TraceApis.TIMEOUT.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + TraceApis.TIMEOUT.toSeconds()
            + " s waiting until " + what);
      }
      Thread.sleep(100);
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean ok() throws Exception;
  }
}
