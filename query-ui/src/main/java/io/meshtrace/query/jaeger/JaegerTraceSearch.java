package io.meshtrace.query.jaeger;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.TraceQuery;
import java.util.List;

/**
 * What a {@code GET /api/traces} asks for: either traces by ID (when {@code traceID} is given,
 * every other criterion is ignored, as in Jaeger) or a search.
 *
 * @param traceIds the IDs asked for, without repeats; empty for a search
 * @param query the search, or null when IDs were given
 * @param raw true to skip the adjusters
 */
public record JaegerTraceSearch(List<TraceId> traceIds, TraceQuery query, boolean raw) {
  public JaegerTraceSearch {
    traceIds = List.copyOf(traceIds);
  }

  public boolean byIds() {
    return !traceIds.isEmpty();
  }
}
