package io.meshtrace.controlplane.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.controlplane.remote.SamplingStrategyJson;
import io.meshtrace.storage.RootSpanThroughput;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Jaeger's merge rules, case by case, against literal expected JSON (the proto JSON of
 * {@code /sampling}). The input documents are the fixtures of Jaeger's own tests
 * ({@code internal/sampling/samplingstrategy/file/fixtures/} in jaegertracing/jaeger), and the
 * expectations are what {@code provider_test.go} asserts for them.
 */
class SamplingStrategiesTest {
  static final String STRATEGIES = """
      {
        "default_strategy": {"type": "probabilistic", "param": 0.5},
        "service_strategies": [
          {"service": "foo", "type": "probabilistic", "param": 0.8},
          {"service": "bar", "type": "ratelimiting", "param": 5}
        ]
      }""";

  static final String OPERATION_STRATEGIES = """
      {
        "default_strategy": {
          "type": "probabilistic", "param": 0.5,
          "operation_strategies": [
            {"operation": "op0", "type": "probabilistic", "param": 0.2},
            {"operation": "op6", "type": "probabilistic", "param": 0},
            {"operation": "spam", "type": "ratelimiting", "param": 1},
            {"operation": "op7", "type": "probabilistic", "param": 1}
          ]
        },
        "service_strategies": [
          {
            "service": "foo", "type": "probabilistic", "param": 0.8,
            "operation_strategies": [
              {"operation": "op6", "type": "probabilistic", "param": 0.5},
              {"operation": "op1", "type": "probabilistic", "param": 0.2},
              {"operation": "op2", "type": "ratelimiting", "param": 10}
            ]
          },
          {
            "service": "bar", "type": "ratelimiting", "param": 5,
            "operation_strategies": [
              {"operation": "op3", "type": "probabilistic", "param": 0.3},
              {"operation": "op4", "type": "ratelimiting", "param": 100},
              {"operation": "op5", "type": "probabilistic", "param": 0.4}
            ]
          }
        ]
      }""";

  static final String MISSING_SERVICE_TYPES = """
      {
        "default_strategy": {"type": "probabilistic", "param": 0.5},
        "service_strategies": [
          {"service": "foo", "operation_strategies": [
            {"operation": "op1", "type": "probabilistic", "param": 0.2}]},
          {"service": "bar", "operation_strategies": [
            {"operation": "op3", "type": "probabilistic", "param": 0.3},
            {"operation": "op5", "type": "probabilistic", "param": 0.4}]}
        ]
      }""";

  static final String SERVICE_NO_PER_OPERATION = """
      {
        "service_strategies": [
          {"service": "ServiceA", "type": "probabilistic", "param": 1.0},
          {"service": "ServiceB", "type": "ratelimiting", "param": 3}
        ],
        "default_strategy": {
          "type": "probabilistic", "param": 0.2,
          "operation_strategies": [{"operation": "/health", "type": "probabilistic", "param": 0.1}]
        }
      }""";

  @Test
  void withoutADocumentEveryServiceGetsJaegersBuiltInDefault() {
    SamplingStrategies builtIn = SamplingStrategies.builtIn(
        SamplingStrategies.JAEGER_DEFAULT_PROBABILITY);
    assertServed(builtIn, "anything", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}""");
    assertThat(builtIn.services()).isEmpty();
  }

  @Test
  void aListedServiceGetsItsOwnStrategyAndAnyOtherTheDefault() throws Exception {
    SamplingStrategies strategies = resolve(STRATEGIES);
    assertServed(strategies, "foo", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8}}""");
    assertServed(strategies, "bar", """
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5}}""");
    assertServed(strategies, "default", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}}""");
    // Exact match only, as in Jaeger: no case folding, no trimming.
    assertServed(strategies, "Foo", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}}""");
  }

  @Test
  void aServicesOperationsComeFirstThenTheDefaultsItDoesNotList() throws Exception {
    SamplingStrategies strategies = resolve(OPERATION_STRATEGIES);
    // op2 (ratelimiting) is left out; op6 is foo's own; op0 and op7 come from the default, whose
    // ratelimiting "spam" was left out already.
    assertServed(strategies, "foo", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8},
         "operationSampling":{"defaultSamplingProbability":0.8,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[
             {"operation":"op6","probabilisticSampling":{"samplingRate":0.5}},
             {"operation":"op1","probabilisticSampling":{"samplingRate":0.2}},
             {"operation":"op0","probabilisticSampling":{"samplingRate":0.2}},
             {"operation":"op7","probabilisticSampling":{"samplingRate":1.0}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
    // A rate-limiting service's operations fall back to the default sampling probability.
    assertServed(strategies, "bar", """
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5},
         "operationSampling":{"defaultSamplingProbability":0.001,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[
             {"operation":"op3","probabilisticSampling":{"samplingRate":0.3}},
             {"operation":"op5","probabilisticSampling":{"samplingRate":0.4}},
             {"operation":"op0","probabilisticSampling":{"samplingRate":0.2}},
             {"operation":"op6","probabilisticSampling":{"samplingRate":0.0}},
             {"operation":"op7","probabilisticSampling":{"samplingRate":1.0}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
    assertServed(strategies, "default", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},
         "operationSampling":{"defaultSamplingProbability":0.5,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[
             {"operation":"op0","probabilisticSampling":{"samplingRate":0.2}},
             {"operation":"op6","probabilisticSampling":{"samplingRate":0.0}},
             {"operation":"op7","probabilisticSampling":{"samplingRate":1.0}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
  }

  @Test
  void rateLimitedOperationsAreLeftOutWithAWarningAsJaegerDoes() throws Exception {
    SamplingStrategiesJson.Parsed parsed = SamplingStrategiesJson.parse(OPERATION_STRATEGIES);
    assertThat(parsed.warnings()).containsExactly(
        "default_strategy.operation_strategies[2]: operation 'spam' is ratelimiting, but "
            + "Jaeger's protocol has only probabilities per operation; it is left out, as "
            + "Jaeger does",
        "service_strategies[0].operation_strategies[2]: operation 'op2' is ratelimiting, but "
            + "Jaeger's protocol has only probabilities per operation; it is left out, as "
            + "Jaeger does",
        "service_strategies[1].operation_strategies[1]: operation 'op4' is ratelimiting, but "
            + "Jaeger's protocol has only probabilities per operation; it is left out, as "
            + "Jaeger does");
  }

  @Test
  void anEntryWithoutATypeGetsTheDefaultSamplingProbability() throws Exception {
    SamplingStrategies strategies = resolve(MISSING_SERVICE_TYPES);
    assertServed(strategies, "foo", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001},
         "operationSampling":{"defaultSamplingProbability":0.001,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[
             {"operation":"op1","probabilisticSampling":{"samplingRate":0.2}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
    assertServed(strategies, "bar", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001},
         "operationSampling":{"defaultSamplingProbability":0.001,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[
             {"operation":"op3","probabilisticSampling":{"samplingRate":0.3}},
             {"operation":"op5","probabilisticSampling":{"samplingRate":0.4}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
    assertServed(strategies, "default", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}}""");
  }

  @Test
  void aServiceWithoutOperationsGetsACopyOfTheDefaultsWithItsOwnProbability() throws Exception {
    SamplingStrategies strategies = resolve(SERVICE_NO_PER_OPERATION);
    // Jaeger's TestServiceNoPerOperationStrategies_ServiceA.json and _ServiceB.json.
    assertServed(strategies, "ServiceA", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1.0},
         "operationSampling":{"defaultSamplingProbability":1.0,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[
             {"operation":"/health","probabilisticSampling":{"samplingRate":0.1}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
    // A rate-limiting service keeps the default's defaultSamplingProbability.
    assertServed(strategies, "ServiceB", """
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":3},
         "operationSampling":{"defaultSamplingProbability":0.2,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[
             {"operation":"/health","probabilisticSampling":{"samplingRate":0.1}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
  }

  @Test
  void aServiceWhoseOperationsAreAllRateLimitedStillGetsTheDefaultsOperations() throws Exception {
    // Its operation list is not empty in the file, so Jaeger takes the merge path (not the copy):
    // the default sampling probability, not the default strategy's.
    SamplingStrategies strategies = resolve("""
        {"default_strategy": {"type": "probabilistic", "param": 0.2, "operation_strategies": [
           {"operation": "/health", "type": "probabilistic", "param": 0}]},
         "service_strategies": [{"service": "s", "type": "ratelimiting", "param": 7,
           "operation_strategies": [{"operation": "/pay", "type": "ratelimiting", "param": 1}]}]}
        """);
    assertServed(strategies, "s", """
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":7},
         "operationSampling":{"defaultSamplingProbability":0.001,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[
             {"operation":"/health","probabilisticSampling":{"samplingRate":0.0}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
  }

  @Test
  void theConfiguredDefaultProbabilityReplacesJaegers() throws Exception {
    SamplingStrategies strategies = SamplingStrategies.resolve(
        SamplingStrategiesJson.parse(MISSING_SERVICE_TYPES).document(), 0.25);
    assertThat(strategies.forService("foo").getProbabilisticSampling().getSamplingRate())
        .isEqualTo(0.25);
    assertThat(SamplingStrategies.builtIn(1).forService("x").getProbabilisticSampling()
        .getSamplingRate()).isEqualTo(1.0);
  }

  @Test
  void aFractionalRateIsServedAsItsWholePartWithAWarning() throws Exception {
    // Jaeger's own cmd/jaeger/sampling-strategies.json has "ratelimiting" 0.9: zero traces/s.
    String document = """
        {"service_strategies": [{"service": "bar", "type": "ratelimiting", "param": 2.5}]}""";
    SamplingStrategiesJson.Parsed parsed = SamplingStrategiesJson.parse(document);
    assertThat(parsed.warnings()).containsExactly("service_strategies[0].param: rate 2.5 is "
        + "served as 2 traces per second: Jaeger's protocol carries whole numbers only");
    assertThat(parsed.document().serviceStrategies().get(0).strategy().param()).isEqualTo(2.5);
    assertServed(resolve(document), "bar", """
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":2}}""");
  }

  @Test
  void emptyAndNullPartsMeanNone() throws Exception {
    for (String document : new String[] {"{}", "null", """
        {"default_strategy": null, "service_strategies": null}"""}) {
      assertServed(resolve(document), "x", """
          {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}""");
    }
  }

  @Test
  void beyondJaegerRateLimitsItCannotCarryAreServedAsProbabilitiesOfTheObservedTraffic()
      throws Exception {
    String document = """
        {"service_strategies": [
          {"service": "search", "type": "ratelimiting", "param": 0.5},
          {"service": "quiet", "type": "ratelimiting", "param": 0.5},
          {"service": "edge", "type": "ratelimiting", "param": 3},
          {"service": "shop", "type": "probabilistic", "param": 0.2,
           "operation_strategies": [
             {"operation": "POST /pay", "type": "ratelimiting", "param": 2},
             {"operation": "GET /new", "type": "ratelimiting", "param": 2}]}]}""";
    java.time.Instant minute = java.time.Instant.parse("2026-11-22T10:00:00Z");
    // Five minutes: search 10 traces/s (750 roots at 0.25 = 3,000 traces); shop's POST /pay
    // 20 traces/s (6,000 roots reported without a sampler); nothing seen of quiet or GET /new.
    ObservedTraffic traffic = ObservedTraffic.of(List.of(
        new RootSpanThroughput(minute, "search", "GET /q", "probabilistic", 0.25, 750),
        new RootSpanThroughput(minute, "shop", "POST /pay", "", -1, 6000)),
        java.time.Duration.ofMinutes(5));
    assertThat(traffic.tracesPerSecond("search")).isEqualTo(10.0);
    assertThat(traffic.tracesPerSecond("shop", "POST /pay")).isEqualTo(20.0);
    SamplingStrategies strategies = SamplingStrategies.resolve(
        SamplingStrategiesJson.parse(document).document(),
        SamplingStrategies.JAEGER_DEFAULT_PROBABILITY, traffic, null);
    // 0.5 traces/s of 10: a probability of 0.05.
    assertServed(strategies, "search", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.05}}""");
    // Not seen yet: the rate rounded up, so that its traffic gets seen.
    assertServed(strategies, "quiet", """
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":1}}""");
    // A whole rate the protocol carries stays a rate limit.
    assertServed(strategies, "edge", """
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":3}}""");
    // 2 traces/s of POST /pay's 20; GET /new not seen: left out, as Jaeger leaves it.
    assertServed(strategies, "shop", """
        {"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.2},
         "operationSampling":{"defaultSamplingProbability":0.2,
           "defaultLowerBoundTracesPerSecond":0.0,
           "perOperationStrategies":[{"operation":"POST /pay",
             "probabilisticSampling":{"samplingRate":0.1}}],
           "defaultUpperBoundTracesPerSecond":0.0}}""");
    // Without traffic, Jaeger's rules exactly: 0.5 is served as 0.
    assertServed(resolve(document), "search", """
        {"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":0}}""");
  }

  static SamplingStrategies resolve(String document) throws InvalidSamplingStrategiesException {
    return SamplingStrategies.resolve(SamplingStrategiesJson.parse(document).document(),
        SamplingStrategies.JAEGER_DEFAULT_PROBABILITY);
  }

  static void assertServed(SamplingStrategies strategies, String service, String expectedJson) {
    JsonObject actual = new JsonObject(SamplingStrategyJson.proto(strategies.forService(service)));
    assertThat(actual).as("strategy of %s", service).isEqualTo(new JsonObject(expectedJson));
  }
}
