package io.meshtrace.controlplane.sampling.file;

import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.fuzz.FuzzInputs;
import io.meshtrace.fuzz.FuzzTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzing of the strategies file ({@code --sampling-strategies-file}, Jaeger's format) as it is
 * loaded: bytes, strict UTF-8, the located JSON parser, resolution. Mutations of the example
 * and of documents using every field must load or be refused with
 * InvalidSamplingStrategiesException, whose problems name the place.
 */
class SamplingStrategyFileFuzzTest {
  static final FuzzTarget FILE = new FuzzTarget("sampling-strategies-file",
      InvalidSamplingStrategiesException.class);

  @Property
  void strategiesFileLoadsOrIsRefused(@ForAll("files") byte[] content) {
    FILE.check(content, () -> SamplingStrategyFile.parse(content, 0.001));
  }

  @AfterContainer
  static void report() {
    FILE.report();
  }

  @Provide
  Arbitrary<byte[]> files() {
    List<byte[]> seeds = new ArrayList<>(FuzzInputs.files(Path.of("..", "examples"),
        "strategies.json"));
    seeds.add(FuzzInputs.utf8("""
        {"default_strategy": {"type": "probabilistic", "param": 0.5,
          "operation_strategies": [{"operation": "/health", "type": "probabilistic",
            "param": 0.0}]},
         "service_strategies": [
           {"service": "foo", "type": "probabilistic", "param": 0.8,
            "operation_strategies": [
              {"operation": "op1", "type": "probabilistic", "param": 0.2},
              {"operation": "op2", "type": "ratelimiting", "param": 10}]},
           {"service": "bar", "type": "ratelimiting", "param": 5}]}"""));
    seeds.add(FuzzInputs.utf8("""
        {"service_strategies": [{"service": "a", "type": "rate_limiting", "param": 5}],
         "default_strategy": {"type": "ratelimiting", "param": 1e2}}"""));
    return FuzzInputs.mutationsOf(seeds);
  }
}
