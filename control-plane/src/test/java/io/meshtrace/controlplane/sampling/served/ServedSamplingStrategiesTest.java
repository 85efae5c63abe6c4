package io.meshtrace.controlplane.sampling.served;

import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.api_v2.Sampling.SamplingStrategyResponse;
import io.meshtrace.controlplane.remote.SamplingStrategyJson;
import io.meshtrace.controlplane.sampling.ObservedTraffic;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.storage.RootSpanThroughput;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The composition without storage: a fixed base, and traffic and adaptive probabilities as the
 * pollers would publish them. The admin API's overlay is tested against real storage in
 * {@code SamplingAdminApiTest}.
 */
class ServedSamplingStrategiesTest {
  static final Instant MINUTE = Instant.parse("2026-01-01T00:00:00Z");

  final AtomicReference<ObservedTraffic> traffic = new AtomicReference<>();
  final AtomicReference<SamplingStrategies.Adaptive> adaptive = new AtomicReference<>();

  ServedSamplingStrategies served(String document) throws Exception {
    SamplingStrategySource base = SamplingStrategySource.fixed(SamplingStrategies.resolve(
        SamplingStrategiesJson.parse(document).document(),
        SamplingStrategies.JAEGER_DEFAULT_PROBABILITY), "file strategies.json");
    return new ServedSamplingStrategies(base, null, traffic::get, adaptive::get);
  }

  /** Five minutes of root spans, each reported unsampled-for (sampler probability 1). */
  static ObservedTraffic perSecond(Object... serviceOperationRate) {
    List<RootSpanThroughput> counts = new java.util.ArrayList<>();
    for (int i = 0; i < serviceOperationRate.length; i += 3) {
      counts.add(new RootSpanThroughput(MINUTE, (String) serviceOperationRate[i],
          (String) serviceOperationRate[i + 1], "probabilistic", 1,
          Math.round(((Number) serviceOperationRate[i + 2]).doubleValue() * 300)));
    }
    return ObservedTraffic.of(counts, Duration.ofMinutes(5));
  }

  @Test
  void sdksKeepAWholeRateLimitWhileAProxyThatCannotRateLimitGetsAProbabilityOfTheTraffic()
      throws Exception {
    ServedSamplingStrategies served = served("""
        {"service_strategies": [{"service": "edge-gateway", "type": "ratelimiting",
          "param": 2}]}""");
    assertThat(json(served.current().forService("edge-gateway"))).isEqualTo(json("""
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":2}}"""));
    // No traffic seen: the default probability, never more than the limit on a guess.
    assertThat(json(served.current().forServiceWithoutRateLimiting("edge-gateway")))
        .isEqualTo(json("""
            {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}"""));

    traffic.set(perSecond("edge-gateway", "GET /shop", 800, "edge-gateway", "POST /cart", 200));
    assertThat(served.current().forService("edge-gateway").getRateLimitingSampling()
        .getMaxTracesPerSecond()).isEqualTo(2);
    assertThat(json(served.current().forServiceWithoutRateLimiting("edge-gateway")))
        .isEqualTo(json("""
            {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.002}}"""));
    // A service that probabilities serve already is served the same to both.
    assertThat(served.current().forServiceWithoutRateLimiting("other"))
        .isEqualTo(served.current().forService("other"));
  }

  @Test
  void aRateLimitedEntryWithOperationsKeepsItsDefaultProbabilityForTheProxy() throws Exception {
    ServedSamplingStrategies served = served("""
        {"service_strategies": [{"service": "edge-gateway", "type": "ratelimiting",
          "param": 2, "operation_strategies": [
            {"operation": "POST /cart", "type": "ratelimiting", "param": 0.5}]}]}""");
    traffic.set(perSecond("edge-gateway", "GET /shop", 1000, "edge-gateway", "POST /cart", 10));
    SamplingStrategyResponse proxy = served.current()
        .forServiceWithoutRateLimiting("edge-gateway");
    assertThat(proxy.hasRateLimitingSampling()).isFalse();
    assertThat(proxy.getOperationSampling())
        .isEqualTo(served.current().forService("edge-gateway").getOperationSampling());
    assertThat(proxy.getOperationSampling().getDefaultSamplingProbability()).isEqualTo(0.001);
    assertThat(proxy.getOperationSampling().getPerOperationStrategies(0)
        .getProbabilisticSampling().getSamplingRate()).isEqualTo(0.05);
  }

  @Test
  void trafficCountedUnderZipkinsLowercasedNamesServesTheRateLimitsOfTheNamesAsWritten()
      throws Exception {
    ServedSamplingStrategies served = served("""
        {"service_strategies": [{"service": "Edge-Gateway", "type": "ratelimiting",
          "param": 1, "operation_strategies": [
            {"operation": "GET /shop", "type": "ratelimiting", "param": 1}]}]}""");
    traffic.set(perSecond("edge-gateway", "get /shop", 100));
    SamplingStrategyResponse sdk = served.current().forService("Edge-Gateway");
    assertThat(sdk.getOperationSampling().getPerOperationStrategies(0).getOperation())
        .isEqualTo("GET /shop");
    assertThat(sdk.getOperationSampling().getPerOperationStrategies(0)
        .getProbabilisticSampling().getSamplingRate()).isEqualTo(0.01);
    assertThat(served.current().forServiceWithoutRateLimiting("Edge-Gateway")
        .getProbabilisticSampling().getSamplingRate()).isEqualTo(0.01);
  }

  @Test
  void theDefaultStrategysRateLimitsBecomeProbabilitiesOfEachServicesOwnTraffic()
      throws Exception {
    ServedSamplingStrategies served = served("""
        {"default_strategy": {"type": "probabilistic", "param": 0.5, "operation_strategies": [
           {"operation": "GET /shop", "type": "ratelimiting", "param": 1}]},
         "service_strategies": [{"service": "cart", "type": "probabilistic", "param": 0.2}]}""");
    // Jaeger's rules alone, before any traffic: the rate-limited operation is left out.
    assertThat(served.current().forService("edge-gateway").getOperationSampling()
        .getPerOperationStrategiesList()).isEmpty();

    traffic.set(perSecond("edge-gateway", "GET /shop", 100, "shop", "GET /shop", 10,
        "cart", "GET /shop", 50));
    SamplingStrategies strategies = served.current();
    assertThat(operationProbability(strategies.forService("edge-gateway"))).isEqualTo(0.01);
    assertThat(operationProbability(strategies.forService("shop"))).isEqualTo(0.1);
    // A service with its own entry gets the default's operations (Jaeger's merge) with its
    // own traffic, and keeps its own probability for the rest.
    assertThat(operationProbability(strategies.forService("cart"))).isEqualTo(0.02);
    assertThat(strategies.forService("cart").getOperationSampling()
        .getDefaultSamplingProbability()).isEqualTo(0.2);
    assertThat(strategies.forService("unseen").getOperationSampling()
        .getPerOperationStrategiesList()).isEmpty();
    assertThat(strategies.defaultStrategy().getOperationSampling()
        .getPerOperationStrategiesList()).isEmpty();
  }

  @Test
  void adaptiveProbabilitiesReachTheProxyToo() throws Exception {
    ServedSamplingStrategies served = served("{}");
    adaptive.set(new SamplingStrategies.Adaptive(Map.of("edge-gateway",
        Map.of("get /shop", 0.004)), 0.001, 1 / 60.0));
    SamplingStrategyResponse proxy = served.current()
        .forServiceWithoutRateLimiting("edge-gateway");
    assertThat(proxy).isEqualTo(served.current().forService("edge-gateway"));
    assertThat(operationProbability(proxy)).isEqualTo(0.004);
  }

  @Test
  void theStrategiesAreResolvedAgainOnlyWhenAnInputIsAnotherObject() throws Exception {
    ServedSamplingStrategies served = served("""
        {"service_strategies": [{"service": "a", "type": "ratelimiting", "param": 0.5}]}""");
    SamplingStrategies base = served.current();
    // Nothing over the base: the base itself.
    assertThat(served.current()).isSameAs(base);
    assertThat(served.status().detail()).isEqualTo("file strategies.json");

    ObservedTraffic seen = perSecond("a", "GET /", 5);
    traffic.set(seen);
    SamplingStrategies withTraffic = served.current();
    assertThat(withTraffic).isNotSameAs(base);
    assertThat(served.current()).isSameAs(withTraffic);
    assertThat(withTraffic.forService("a").getProbabilisticSampling().getSamplingRate())
        .isEqualTo(0.1);
    traffic.set(perSecond("a", "GET /", 5));
    assertThat(served.current()).isNotSameAs(withTraffic);
  }

  static double operationProbability(SamplingStrategyResponse strategy) {
    return strategy.getOperationSampling().getPerOperationStrategies(0)
        .getProbabilisticSampling().getSamplingRate();
  }

  static JsonObject json(SamplingStrategyResponse strategy) {
    return new JsonObject(SamplingStrategyJson.proto(strategy));
  }

  static JsonObject json(String text) {
    return new JsonObject(text);
  }
}
