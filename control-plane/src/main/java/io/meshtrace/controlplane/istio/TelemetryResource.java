package io.meshtrace.controlplane.istio;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One Istio {@code Telemetry} resource ({@code telemetry.istio.io/v1}) that sets the random
 * sampling percentage of the traces some workloads start.
 *
 * @param matchLabels the workload selector; empty for every workload of the namespace (in the
 *     root namespace: of the mesh)
 * @param percentage {@code randomSamplingPercentage}, in [0, 100] in Envoy's 0.01 steps
 * @param comments what the resource was rendered from and what of it Telemetry cannot say,
 *     written above it as YAML comments
 */
public record TelemetryResource(String namespace, String name, Map<String, String> matchLabels,
    String provider, BigDecimal percentage, List<String> comments) {
  public TelemetryResource {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(percentage, "percentage");
    matchLabels = Map.copyOf(matchLabels);
    comments = List.copyOf(comments);
  }
}
