package io.meshtrace.examples.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.extension.trace.jaeger.sampler.JaegerRemoteSampler;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code sampler.type}/{@code sampler.param} tags for every kind of strategy meshtrace
 * serves, read from a real JaegerRemoteSampler polling a real meshtrace.
 */
class SamplerDecisionTagsTest {
  static final String STRATEGIES = """
      {
        "default_strategy": {"type": "probabilistic", "param": 0.001},
        "service_strategies": [
          {"service": "search", "type": "probabilistic", "param": 1.0,
           "operation_strategies": [
             {"operation": "GET /q", "type": "probabilistic", "param": 1.0},
             {"operation": "GET /rare", "type": "probabilistic", "param": 0.000123}]},
          {"service": "edge", "type": "ratelimiting", "param": 1000}
        ]
      }""";

  @TempDir
  static Path dir;
  static Meshtrace meshtrace;

  @BeforeAll
  static void start() throws Exception {
    Path strategies = dir.resolve("strategies.json");
    Files.writeString(strategies, STRATEGIES);
    meshtrace = Meshtrace.allInOne("--sampling-strategies", strategies.toString());
  }

  @AfterAll
  static void stop() {
    if (meshtrace != null) {
      meshtrace.close();
    }
  }

  @Test
  void perOperationStrategiesTagEachOperationWithItsOwnProbabilityOthersWithTheDefault()
      throws Exception {
    try (Sdk sdk = new Sdk("search")) {
      await(() -> sdk.tags.inForce("GET /q").equals(probabilistic(1.0)));
      assertThat(sdk.tags.inForce("GET /rare")).isEqualTo(probabilistic(0.000123));
      assertThat(sdk.tags.inForce("GET /other")).isEqualTo(probabilistic(1.0));

      SpanData root = sdk.root("GET /q");
      assertThat(root.getAttributes().get(SamplerDecisionTags.SAMPLER_TYPE))
          .isEqualTo("probabilistic");
      assertThat(root.getAttributes().get(SamplerDecisionTags.SAMPLER_PARAM)).isEqualTo(1.0);
      SpanData child = sdk.child(root, "child");
      assertThat(child.getAttributes().get(SamplerDecisionTags.SAMPLER_TYPE))
          .as("children follow the parent, they do not decide").isNull();
    }
  }

  @Test
  void aRateLimitedDecisionKeepsTheTagsTheSdkGivesIt() throws Exception {
    try (Sdk sdk = new Sdk("edge")) {
      await(() -> sdk.remote.getDescription().contains("RateLimitingSampler"));
      assertThat(sdk.tags.inForce("GET /")).isEmpty();
      SpanData root = sdk.root("GET /");
      assertThat(root.getAttributes().get(SamplerDecisionTags.SAMPLER_TYPE))
          .isEqualTo("ratelimiting");
      assertThat(root.getAttributes().get(SamplerDecisionTags.SAMPLER_PARAM)).isEqualTo(1000.0);
    }
  }

  @Test
  void beforeTheFirstStrategyArrivesTheInitialSamplerIsWhatIsInForce() {
    JaegerRemoteSampler unreachable = JaegerRemoteSampler.builder()
        .setEndpoint("http://127.0.0.1:9").setServiceName("nobody")
        .setInitialSampler(Sampler.parentBased(Sampler.traceIdRatioBased(0.25))).build();
    try {
      assertThat(new SamplerDecisionTags(unreachable).inForce("GET /"))
          .isEqualTo(probabilistic(0.25));
    } finally {
      unreachable.close();
    }
  }

  private static Optional<SamplerDecisionTags.Strategy> probabilistic(double p) {
    return Optional.of(new SamplerDecisionTags.Strategy("probabilistic", p));
  }

  /** A tracer provider set up as the example services' (parent-based over the tags). */
  private static final class Sdk implements AutoCloseable {
    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    final JaegerRemoteSampler remote;
    final SamplerDecisionTags tags;
    final SdkTracerProvider provider;

    Sdk(String service) {
      remote = JaegerRemoteSampler.builder()
          .setEndpoint(meshtrace.url("samplingGrpc", ""))
          .setServiceName(service)
          .setPollingInterval(Duration.ofMillis(100))
          .setInitialSampler(Sampler.alwaysOff())
          .build();
      tags = new SamplerDecisionTags(remote);
      provider = SdkTracerProvider.builder().setSampler(Sampler.parentBased(tags))
          .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    }

    SpanData root(String name) {
      provider.get("test").spanBuilder(name).setSpanKind(SpanKind.SERVER).startSpan().end();
      return last();
    }

    SpanData child(SpanData parent, String name) {
      Context context = Context.root().with(Span.wrap(parent.getSpanContext()));
      provider.get("test").spanBuilder(name).setParent(context).startSpan().end();
      return last();
    }

    private SpanData last() {
      List<SpanData> finished = spans.getFinishedSpanItems();
      assertThat(finished).as("the span was sampled").isNotEmpty();
      return finished.get(finished.size() - 1);
    }

    @Override
    public void close() {
      provider.shutdown().join(10, TimeUnit.SECONDS);
      remote.close();
    }
  }

  private static void await(Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s");
      }
      Thread.sleep(50);
    }
  }
}
