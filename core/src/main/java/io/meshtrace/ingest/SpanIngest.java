package io.meshtrace.ingest;

import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.util.List;

/**
 * The ingest pipeline as a receiver sees it.
 *
 * <p>The future succeeds once every accepted span is committed to storage: only then may a
 * receiver answer 2xx or OK; the result counts spans refused for their content when the source
 * allows partial success. It fails with an {@link IngestException} whose reason says what to
 * answer; after a failure none of the spans is stored.
 *
 * <p>Spans are stored as the given tenant's: receivers pass the tenant their {@link
 * io.meshtrace.tenant.RequestTenant} resolved for the request (the default tenant with tenancy
 * off), never one the spans name themselves.
 */
@FunctionalInterface
public interface SpanIngest {
  Future<IngestResult> accept(List<ResourceSpans> resourceSpans, IngestSource source,
      Tenant tenant);

  /** For the default tenant: tenancy off, or intake that has no tenant (tests, tools). */
  default Future<IngestResult> accept(List<ResourceSpans> resourceSpans, IngestSource source) {
    return accept(resourceSpans, source, Tenant.DEFAULT);
  }

  /**
   * Tells the pipeline that a receiver refused a request before decoding its spans (malformed,
   * too large, an unsupported media type), so that it is counted.
   */
  default void requestRefused(IngestSource source, IngestException.Reason reason) {}
}
