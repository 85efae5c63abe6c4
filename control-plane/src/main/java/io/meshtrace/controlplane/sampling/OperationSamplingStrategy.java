package io.meshtrace.controlplane.sampling;

import java.util.Objects;

/**
 * One entry of {@code operation_strategies}.
 *
 * @param strategy null when the entry names no type, which Jaeger serves as the default
 *     sampling probability
 */
public record OperationSamplingStrategy(String operation, SamplingStrategy strategy) {
  public OperationSamplingStrategy {
    Objects.requireNonNull(operation, "operation");
  }
}
