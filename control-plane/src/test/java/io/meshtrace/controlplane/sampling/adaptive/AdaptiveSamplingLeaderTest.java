package io.meshtrace.controlplane.sampling.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.meshtrace.controlplane.remote.SamplingStrategyJson;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.storage.sampling.ServiceOperation;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Adaptive sampling end to end in the storage: root spans stored and counted, one of two
 * replicas leads and calculates, the probabilities served to a service the strategies leave to
 * it, with a manual override kept.
 */
class AdaptiveSamplingLeaderTest {
  Vertx vertx;
  PostgresStorage storage;
  final List<AdaptiveSamplingLeader> started = new ArrayList<>();

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase())).await();
  }

  @AfterEach
  void close() throws Exception {
    for (AdaptiveSamplingLeader leader : started) {
      leader.stop().await();
    }
    storage.close().await();
    vertx.close().await();
  }

  AdaptiveSamplingLeader replica(Clock clock) {
    AdaptiveSamplingLeader leader = new AdaptiveSamplingLeader(vertx,
        storage.adaptiveSamplingLeadership(), storage.adaptiveProbabilities(),
        AdaptiveSamplingSettings.jaegerDefaults(1), storage::rootSpanThroughput, clock);
    leader.start().await();
    started.add(leader);
    return leader;
  }

  @Test
  void oneReplicaLeadsAndServesTheProbabilityThatMeetsTheTarget() throws Exception {
    Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    // 240 root spans in the last whole minute, at the initial probability: 4 sampled a second.
    List<ResourceSpans> batch = new ArrayList<>();
    for (int i = 0; i < 240; i++) {
      batch.add(root("search", "GET /q", minute.minusSeconds(50).plusMillis(i), i + 1));
    }
    storage.spanSink().accept(batch).await();
    storage.flushRootSpanThroughput().await();

    Clock clock = Clock.fixed(minute.plusSeconds(5), ZoneOffset.UTC);
    AdaptiveSamplingLeader first = replica(clock);
    AdaptiveSamplingLeader second = replica(clock);
    assertThat(first.runOnce().await()).isTrue();
    assertThat(second.runOnce().await()).isFalse();
    assertThat(first.isLeader()).isTrue();
    assertThat(second.isLeader()).isFalse();

    Map<ServiceOperation, Double> probabilities =
        storage.adaptiveProbabilities().read().await();
    assertThat(probabilities.get(new ServiceOperation("search", "GET /q")))
        .isCloseTo(0.00025, within(1e-12));

    // The leader gone, the other takes over.
    first.release().await();
    assertThat(first.isLeader()).isFalse();
    assertThat(second.runOnce().await()).isTrue();
    assertThat(first.runOnce().await()).isFalse();

    // Served: search has no entry, so adaptive; shop's entry has no type, so adaptive with its
    // operation kept; cart's entry has a type, so as written.
    SamplingStrategies served = SamplingStrategies.resolve(SamplingStrategiesJson.parse("""
        {"service_strategies": [
          {"service": "shop", "operation_strategies": [
            {"operation": "GET /health", "type": "probabilistic", "param": 0}]},
          {"service": "cart", "type": "probabilistic", "param": 0.5}]}""").document(),
        0.001, null, new SamplingStrategies.Adaptive(Map.of(
            "search", Map.of("GET /q", 0.00025),
            "shop", Map.of("GET /", 0.2, "GET /health", 0.9),
            "cart", Map.of("add", 0.3)), 0.001, 1.0 / 60));
    assertThat(new JsonObject(SamplingStrategyJson.proto(served.forService("search"))))
        .isEqualTo(new JsonObject("""
            {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001},
             "operationSampling":{"defaultSamplingProbability":0.001,
               "defaultLowerBoundTracesPerSecond":0.016666666666666666,
               "perOperationStrategies":[{"operation":"GET /q",
                 "probabilisticSampling":{"samplingRate":2.5E-4}}],
               "defaultUpperBoundTracesPerSecond":0.0}}"""));
    assertThat(served.forService("shop").getOperationSampling().getPerOperationStrategiesList())
        .extracting(s -> s.getOperation() + "=" + s.getProbabilisticSampling().getSamplingRate())
        .containsExactly("GET /=0.2", "GET /health=0.0");
    assertThat(served.forService("cart").getProbabilisticSampling().getSamplingRate())
        .isEqualTo(0.5);
    assertThat(served.forService("cart").hasOperationSampling()).isFalse();
  }

  @Test
  void oneHundredTracesASecondAtATargetOfOneConvergeToAProbabilityNearOneHundredth()
      throws Exception {
    // The SDK samples 100 traces/s at whatever probability is served and reports it; each
    // minute the leader sees what was stored. From the initial 0.001, a rise of at most +50 % a
    // step reaches the tolerance band around the target (sampled 0.7-1.3 a second, probability
    // 0.007-0.013) in 5 intervals, as the README says, and stays there.
    Instant start = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(30, ChronoUnit.MINUTES);
    io.meshtrace.storage.postgres.MutableClock clock = new io.meshtrace.storage.postgres.MutableClock();
    AdaptiveSamplingLeader leader = replica(Clock.offset(clock,
        java.time.Duration.between(clock.instant(), start)));
    ServiceOperation key = new ServiceOperation("api", "GET /");
    double probability = 0.001;
    List<Double> served = new ArrayList<>();
    long id = 1;
    for (int interval = 0; interval < 8; interval++) {
      Instant minute = start.plus(interval, ChronoUnit.MINUTES);
      long sampled = Math.round(100 * 60 * probability);
      List<ResourceSpans> batch = new ArrayList<>();
      for (int i = 0; i < sampled; i++) {
        batch.add(root("api", "GET /", minute.plusMillis(i * 10L), id++, probability));
      }
      if (!batch.isEmpty()) {
        storage.spanSink().accept(batch).await();
      }
      storage.flushRootSpanThroughput().await();
      clock.advance(java.time.Duration.ofMinutes(1)); // the minute is over
      assertThat(leader.runOnce().await()).isTrue();
      probability = storage.adaptiveProbabilities().read().await().get(key);
      served.add(probability);
    }
    assertThat(served.get(0)).isCloseTo(0.0015, within(1e-9));
    assertThat(served.get(4)).isBetween(0.007, 0.013);
    assertThat(served.subList(4, 8)).allSatisfy(p -> assertThat(p).isBetween(0.007, 0.013));
  }

  static ResourceSpans root(String service, String operation, Instant start, long id) {
    return root(service, operation, start, id, 0.001);
  }

  static ResourceSpans root(String service, String operation, Instant start, long id,
      double probability) {
    long nanos = start.getEpochSecond() * 1_000_000_000L + start.getNano();
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attribute("service.name", service)))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
            .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(9).putLong(id)
                .array()))
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
            .setName(operation).setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(nanos).setEndTimeUnixNano(nanos + 1000)
            .addAttributes(attribute("sampler.type", "probabilistic"))
            .addAttributes(attribute("sampler.param", Double.toString(probability)))))
        .build();
  }

  static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
