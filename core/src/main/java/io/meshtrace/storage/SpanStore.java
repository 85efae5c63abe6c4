package io.meshtrace.storage;

import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/** Reads traces back in the canonical model; the query APIs translate from it. */
public interface SpanStore {

  /**
   * All stored spans of one trace, grouped by the resource and instrumentation scope that
   * reported them, each group's spans in start-time order; an empty list when the trace is
   * unknown.
   */
  Future<List<ResourceSpans>> getTrace(TraceId traceId);

  /** The traces of these IDs that exist, in the order of the IDs, each as {@link #getTrace}. */
  Future<List<List<ResourceSpans>>> getTraces(List<TraceId> traceIds);

  /** IDs of the traces that match, newest matching span first; see {@link TraceQuery}. */
  Future<List<TraceId>> findTraceIds(TraceQuery query);

  /** Every service name with spans stored, sorted. */
  Future<List<String>> getServiceNames();

  /** A service's operations, sorted by name; of one span kind when {@code spanKind} is given. */
  Future<List<SpanName>> getOperations(String serviceName, Integer spanKind);

  /**
   * Names of the services a service's spans called, as their {@code peer.service} attribute
   * (Zipkin's remote endpoint service name) says; sorted.
   */
  Future<List<String>> getRemoteServiceNames(String serviceName);

  /** Calls between services whose hour bucket lies within {@code [start, end]}, summed. */
  Future<List<DependencyLink>> getDependencies(Instant start, Instant end);

  /**
   * The links of the hours wholly within {@code [start, end]} that are linked from whole traces
   * and not written into since; see {@link DependencyLinkHours}.
   */
  Future<LinkedDependencies> getLinkedDependencies(Instant start, Instant end);

  /** Attribute keys seen on spans (shared attributes only: the varying ones are not worth it). */
  Future<List<String>> getTagKeys();

  /** The values an attribute key has had, sorted; for autocomplete. */
  Future<List<String>> getTagValues(String key);
}
