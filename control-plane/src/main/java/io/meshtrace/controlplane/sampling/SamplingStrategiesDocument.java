package io.meshtrace.controlplane.sampling;

import java.util.List;
import java.util.Objects;

/**
 * A strategies document in Jaeger's file format, as written: what {@link SamplingStrategies}
 * resolves into the strategy each service is served.
 *
 * @param defaultStrategy null when the document has none (Jaeger's built-in default applies)
 */
public record SamplingStrategiesDocument(ServiceSamplingStrategy defaultStrategy,
    List<ServiceSamplingStrategy> serviceStrategies) {
  /** A document with nothing in it: every service gets the built-in default. */
  public static final SamplingStrategiesDocument EMPTY =
      new SamplingStrategiesDocument(null, List.of());

  public SamplingStrategiesDocument {
    serviceStrategies = List.copyOf(Objects.requireNonNull(serviceStrategies));
  }
}
