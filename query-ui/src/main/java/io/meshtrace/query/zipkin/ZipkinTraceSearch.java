package io.meshtrace.query.zipkin;

import io.meshtrace.model.TraceId;
import io.meshtrace.model.ZipkinAttributes;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.TraceQuery;
import io.meshtrace.zipkin.codec.OtlpToZipkin;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import zipkin2.Span;
import zipkin2.storage.QueryRequest;

/**
 * Zipkin's trace search ({@code /api/v2/traces}) over meshtrace's storage.
 *
 * <p>The two have different semantics. Storage finds traces in which <em>one</em> span satisfies
 * every criterion (Jaeger's rule); Zipkin's {@link QueryRequest#test} lets different spans of the
 * trace satisfy different criteria, as long as each is a span of the requested service, and it
 * places the trace in time by its root span's timestamp. So this class asks storage with a
 * criterion that any matching trace must satisfy on a single span (the service, plus the most
 * selective of: one tag, the span name, the remote service, the duration), loads the candidate
 * traces, and lets Zipkin's own {@code QueryRequest.test} decide. Candidates are fetched in
 * growing rounds until enough traces match or the candidates run out (or a bound is reached:
 * a search that matches almost nothing must not load the whole database).
 */
public final class ZipkinTraceSearch {
  /** Candidates asked for in the first round, per trace wanted. */
  static final int OVERFETCH = 4;
  /** Each further round asks for this many times more candidates. */
  static final int GROWTH = 4;
  /** No round asks storage for more candidate IDs than this. */
  static final int MAX_CANDIDATES = 5_000;
  /** Candidate traces loaded from storage at once. */
  static final int LOAD_CHUNK = 200;
  /**
   * A span that matches may start after {@code endTs} while its trace's root started before: the
   * storage window reaches this much further.
   */
  static final Duration END_SLACK = Duration.ofMinutes(15);
  /** Tags that are not span attributes in storage (status and scope), so cannot be pushed down. */
  private static final String ERROR_TAG = "error";

  /** A one-tag criterion; a null value (allowed here, unlike in Map.of) asks for the key. */
  private static Map<String, String> tagMap(Map.Entry<String, String> tag) {
    Map<String, String> tags = new java.util.HashMap<>();
    tags.put(tag.getKey(), tag.getValue());
    return tags;
  }

  private static final Set<String> DERIVED_TAGS =
      Set.of("error", "otel.status_code", "otel.scope.name", "otel.scope.version");

  private final SpanStore store;
  private final ZipkinNames names;

  public ZipkinTraceSearch(SpanStore store) {
    this.store = store;
    this.names = new ZipkinNames(store);
  }

  /** The matching traces, newest first (by the root's timestamp, as Zipkin orders them). */
  public Future<List<List<Span>>> search(QueryRequest request) {
    return probes(request).compose(probes -> {
      if (probes.isEmpty()) {
        return Future.succeededFuture(List.of());
      }
      Search search = new Search(request, probes);
      return search.round((int) Math.min(MAX_CANDIDATES,
              (long) Math.max(request.limit(), 5) * OVERFETCH))
          .map(v -> search.result());
    });
  }

  /**
   * The storage queries whose union holds every matching trace: one per stored spelling of the
   * service (and of the span or remote service name, when that is the criterion pushed down).
   * Empty when nothing can match, such as an unknown service.
   */
  /**
   * The tag criterion storage can check for every match, or null: a key=value tag, else the
   * error tag as the key alone (storage finds failed spans, whatever the error's message,
   * through a small index; QueryRequest.test then checks a message).
   */
  private static Map.Entry<String, String> pushedDownTag(QueryRequest request) {
    Map.Entry<String, String> tag = request.annotationQuery().entrySet().stream()
        .filter(e -> !e.getKey().isEmpty() && !e.getValue().isEmpty()
            && !DERIVED_TAGS.contains(e.getKey()))
        .findFirst().orElse(null);
    if (tag == null && request.annotationQuery().containsKey(ERROR_TAG)) {
      tag = new java.util.AbstractMap.SimpleEntry<>(ERROR_TAG, null);
    }
    return tag;
  }

  Future<List<TraceQuery>> probes(QueryRequest request) {
    Instant start = Instant.ofEpochMilli(request.endTs() - request.lookback());
    Instant end = Instant.ofEpochMilli(request.endTs()).plus(END_SLACK);
    Map.Entry<String, String> tag = pushedDownTag(request);
    Long minDuration = request.minDuration();
    Long maxDuration = request.maxDuration();

    if (request.serviceName() == null) {
      // Names cannot be resolved to their stored spelling without a service; Zipkin's own
      // intake stores them lowercase, which is what the request holds.
      Probe probe = new Probe(null, null, null, minDuration, maxDuration);
      if (tag != null) {
        probe = new Probe(null, null, tagMap(tag), null, null);
      } else if (request.spanName() != null) {
        probe = new Probe(null, request.spanName(), null, null, null);
      } else if (request.remoteServiceName() != null) {
        probe = new Probe(null, null, peerService(request.remoteServiceName()), null, null);
      }
      return Future.succeededFuture(List.of(probe.query(start, end, request.limit())));
    }
    return names.storedServiceNames(request.serviceName()).compose(services -> {
      if (services.isEmpty()) {
        return Future.succeededFuture(List.of());
      }
      Future<List<Probe>> probes;
      if (tag != null) {
        Map<String, String> tags = tagMap(tag);
        probes = Future.succeededFuture(
            services.stream().map(s -> new Probe(s, null, tags, null, null)).toList());
      } else if (request.spanName() != null) {
        probes = names.storedSpanNames(services, request.spanName())
            .map(spanNames -> cross(services, spanNames,
                (s, n) -> new Probe(s, n, null, null, null)));
      } else if (request.remoteServiceName() != null) {
        probes = names.storedRemoteServiceNames(services, request.remoteServiceName())
            .map(remotes -> cross(services, remotes,
                (s, r) -> new Probe(s, null, peerService(r), null, null)));
      } else {
        probes = Future.succeededFuture(services.stream()
            .map(s -> new Probe(s, null, null, minDuration, maxDuration)).toList());
      }
      return probes.map(list -> list.stream()
          .map(p -> p.query(start, end, request.limit())).toList());
    });
  }

  private static Map<String, String> peerService(String name) {
    return Map.of(ZipkinAttributes.PEER_SERVICE, name);
  }

  private static List<Probe> cross(List<String> services, List<String> values,
      BiFunction<String, String, Probe> probe) {
    List<Probe> probes = new ArrayList<>();
    for (String service : services) {
      for (String value : values) {
        probes.add(probe.apply(service, value));
      }
    }
    return probes;
  }

  /** One storage query's criteria, a single span's. */
  private record Probe(String service, String spanName, Map<String, String> tags,
      Long minDuration, Long maxDuration) {
    TraceQuery query(Instant start, Instant end, int limit) {
      return new TraceQuery(service, spanName, null, tags, minDuration, maxDuration, start, end,
          limit);
    }
  }

  /** The state of one search: which candidates were tested, and what matched. */
  private final class Search {
    final QueryRequest request;
    final List<TraceQuery> probes;
    final Set<TraceId> tested = new HashSet<>();
    final List<List<Span>> matches = new ArrayList<>();

    Search(QueryRequest request, List<TraceQuery> probes) {
      this.request = request;
      this.probes = probes;
    }

    /** Asks every probe for up to {@code wanted} candidates, tests the new ones, and goes on. */
    Future<Void> round(int wanted) {
      List<Future<List<TraceId>>> found = probes.stream()
          .map(p -> store.findTraceIds(withLimit(p, wanted))).toList();
      return Future.all(found).compose(all -> {
        boolean exhausted = true;
        LinkedHashSet<TraceId> fresh = new LinkedHashSet<>();
        for (Future<List<TraceId>> ids : found) {
          exhausted &= ids.result().size() < wanted;
          for (TraceId id : ids.result()) {
            if (tested.add(id)) {
              fresh.add(id);
            }
          }
        }
        boolean last = exhausted || wanted >= MAX_CANDIDATES;
        return test(new ArrayList<>(fresh), 0).compose(v -> {
          if (last || matches.size() >= request.limit()) {
            return Future.succeededFuture();
          }
          return round((int) Math.min(MAX_CANDIDATES, (long) wanted * GROWTH));
        });
      });
    }

    /** Loads and tests candidates chunk by chunk, stopping once enough match. */
    Future<Void> test(List<TraceId> candidates, int from) {
      if (from >= candidates.size() || matches.size() >= request.limit()) {
        return Future.succeededFuture();
      }
      List<TraceId> chunk =
          candidates.subList(from, Math.min(candidates.size(), from + LOAD_CHUNK));
      return store.getTraces(chunk).compose(traces -> {
        for (List<ResourceSpans> trace : traces) {
          List<Span> spans = OtlpToZipkin.translate(trace);
          if (request.test(spans)) {
            matches.add(spans);
          }
        }
        return test(candidates, from + LOAD_CHUNK);
      });
    }

    List<List<Span>> result() {
      return matches.stream()
          .sorted(Comparator.comparingLong(ZipkinTraceSearch::traceTimestamp).reversed())
          .limit(request.limit())
          .toList();
    }
  }

  private static TraceQuery withLimit(TraceQuery q, int limit) {
    return new TraceQuery(q.serviceName(), q.operationName(), q.spanKind(), q.tags(),
        q.minDurationMicros(), q.maxDurationMicros(), q.start(), q.end(), limit);
  }

  /** The timestamp Zipkin places a trace at: its root span's, else its earliest. */
  static long traceTimestamp(List<Span> trace) {
    long timestamp = 0;
    for (Span span : trace) {
      if (span.timestampAsLong() == 0) {
        continue;
      }
      if (span.parentId() == null) {
        return span.timestampAsLong();
      }
      if (timestamp == 0 || span.timestampAsLong() < timestamp) {
        timestamp = span.timestampAsLong();
      }
    }
    return timestamp;
  }
}
