package io.meshtrace.controlplane.sampling;

import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code service_strategies}, or the {@code default_strategy} (whose service is
 * null).
 *
 * @param strategy null when the entry names no type, which Jaeger serves as the default
 *     sampling probability
 * @param operationStrategies in the order of the file, which is the order they are served in
 */
public record ServiceSamplingStrategy(String service, SamplingStrategy strategy,
    List<OperationSamplingStrategy> operationStrategies) {
  public ServiceSamplingStrategy {
    operationStrategies = List.copyOf(Objects.requireNonNull(operationStrategies));
  }
}
