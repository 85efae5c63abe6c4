package io.meshtrace.storage.archive;

import io.meshtrace.tenant.Tenant;

/**
 * Where the query APIs get a {@link TraceArchive}: one per tenant, as {@link
 * io.meshtrace.storage.SpanStores} gives span stores, so that no tenant archives, reads or deletes
 * another's traces.
 */
@FunctionalInterface
public interface TraceArchives {
  TraceArchive forTenant(Tenant tenant);
}
