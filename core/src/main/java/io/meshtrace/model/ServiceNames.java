package io.meshtrace.model;

/** Service names that mean something to every module. */
public final class ServiceNames {
  private ServiceNames() {}

  /**
   * What storage names the spans whose resource has no {@code service.name} (OpenTelemetry's
   * default name without the SDK's {@code :language} suffix). Jaeger's API lists it as
   * OpenTelemetry does; Zipkin's lists leave it out, as a Zipkin span without a local service
   * name is in none of them.
   */
  public static final String UNKNOWN = "unknown_service";
}
