package io.meshtrace.examples.generator;

import java.util.Map;

/**
 * One generated span, independent of the protocol it is sent in; the senders translate it.
 *
 * @param traceId 32 lower-case hex digits
 * @param spanId 16 lower-case hex digits
 * @param parentId the parent's span ID, or null for the root
 * @param service the service that reports the span (Zipkin local endpoint, OTLP resource)
 * @param instrumentation who records it: {@code envoy} for the sidecars and the gateway, an
 *     OpenTelemetry instrumentation library name for in-process spans (OTLP scope)
 * @param remoteService the service called, for client and producer spans, else null
 * @param remoteIp the peer's address, or null
 * @param tags Zipkin tags / OTLP string attributes, in a fixed order
 * @param errorMessage why the span failed, or null when it did not
 */
public record GeneratedSpan(String traceId, String spanId, String parentId, String service,
    String instrumentation, String name, Kind kind, long startMicros, long durationMicros,
    String localIp, String remoteService, String remoteIp, int remotePort,
    Map<String, String> tags, String errorMessage) {

  /** The span kinds the workload uses. */
  public enum Kind { SERVER, CLIENT, PRODUCER }

  public boolean error() {
    return errorMessage != null;
  }

  public long endMicros() {
    return startMicros + durationMicros;
  }
}
