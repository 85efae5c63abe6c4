package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;

/**
 * The resource and instrumentation scope that reported a span, encoded as a ResourceSpans
 * message with one empty ScopeSpans; {@code digest} identifies it in {@code span_sources} (and
 * covers the tenant: two tenants' identical sources are two rows, each of its tenant's service).
 */
record SpanSource(ByteString digest, byte[] encoded, ServiceName service) {
  String serviceName() {
    return service.name();
  }
}
