package io.meshtrace.storage.archive;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.DependencyLink;
import io.meshtrace.storage.LinkedDependencies;
import io.meshtrace.storage.SpanName;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceQuery;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A span store whose traces by ID include the archive: a trace is the union of its spans in the
 * span tables and its archived copy ({@link TraceUnion}), so it is found whole after retention
 * dropped some or all of its days. Jaeger's query service looks in the archive only for traces
 * the primary store lacks; the union also covers a trace of which only some days were dropped.
 * Searches, names and dependencies are the span tables' alone: an archived trace is found by its
 * ID, as in Jaeger.
 */
public final class ArchivedTraceReads implements SpanStore {
  private final SpanStore spans;
  private final TraceArchive archive;

  public ArchivedTraceReads(SpanStore spans, TraceArchive archive) {
    this.spans = spans;
    this.archive = archive;
  }

  @Override
  public Future<List<ResourceSpans>> getTrace(TraceId traceId) {
    return getTraces(List.of(traceId)).map(traces -> traces.isEmpty() ? List.of()
        : traces.get(0));
  }

  @Override
  public Future<List<List<ResourceSpans>>> getTraces(List<TraceId> traceIds) {
    if (traceIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Future<List<List<ResourceSpans>>> stored = spans.getTraces(traceIds);
    Future<List<List<ResourceSpans>>> archived = archive.getTraces(traceIds);
    return Future.all(stored, archived).map(both -> {
      Map<TraceId, List<ResourceSpans>> byId = new LinkedHashMap<>();
      for (TraceId id : traceIds) {
        byId.put(id, List.of());
      }
      merge(stored.result(), byId);
      merge(archived.result(), byId);
      List<List<ResourceSpans>> traces = new ArrayList<>(byId.size());
      byId.values().forEach(trace -> {
        if (!trace.isEmpty()) {
          traces.add(trace);
        }
      });
      return traces;
    });
  }

  private static void merge(List<List<ResourceSpans>> traces,
      Map<TraceId, List<ResourceSpans>> byId) {
    for (List<ResourceSpans> trace : traces) {
      TraceId id = traceId(trace);
      if (id != null) {
        byId.merge(id, trace, TraceUnion::of);
      }
    }
  }

  /** The ID of a trace as read: every span of it has the same. */
  private static TraceId traceId(List<ResourceSpans> trace) {
    for (ResourceSpans resource : trace) {
      for (var scope : resource.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          return TraceId.fromBytes(span.getTraceId());
        }
      }
    }
    return null;
  }

  @Override
  public Future<List<TraceId>> findTraceIds(TraceQuery query) {
    return spans.findTraceIds(query);
  }

  @Override
  public Future<List<String>> getServiceNames() {
    return spans.getServiceNames();
  }

  @Override
  public Future<List<SpanName>> getOperations(String serviceName, Integer spanKind) {
    return spans.getOperations(serviceName, spanKind);
  }

  @Override
  public Future<List<String>> getRemoteServiceNames(String serviceName) {
    return spans.getRemoteServiceNames(serviceName);
  }

  @Override
  public Future<List<DependencyLink>> getDependencies(Instant start, Instant end) {
    return spans.getDependencies(start, end);
  }

  @Override
  public Future<LinkedDependencies> getLinkedDependencies(Instant start, Instant end) {
    return spans.getLinkedDependencies(start, end);
  }

  @Override
  public Future<List<String>> getTagKeys() {
    return spans.getTagKeys();
  }

  @Override
  public Future<List<String>> getTagValues(String key) {
    return spans.getTagValues(key);
  }
}
