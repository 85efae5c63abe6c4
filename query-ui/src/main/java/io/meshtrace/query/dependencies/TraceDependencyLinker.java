package io.meshtrace.query.dependencies;

import io.meshtrace.model.ServiceNames;
import io.meshtrace.model.ZipkinAttributes;
import io.meshtrace.zipkin.codec.OtlpToZipkin;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import zipkin2.DependencyLink;
import zipkin2.internal.DependencyLinker;

/**
 * Dependency links of stored traces exactly as Zipkin derives them: the traces are read back as
 * Zipkin spans ({@link OtlpToZipkin}, the Zipkin API's own translation) and given to Zipkin's
 * own {@link DependencyLinker}, which walks each trace's tree: uninstrumented callers and callees
 * from {@code remoteEndpoint}, producer to broker to consumer, shared spans, loopback calls,
 * headless traces, errors from the {@code error} tag only.
 *
 * <p>As Zipkin's storages do, spans are grouped into traces by the lower 64 bits of the trace ID
 * (a 64-bit instrumented hop in a 128-bit trace is the same trace) and a span stored twice counts
 * once. Zipkin lowercases names; {@link #spelling} gives back the spelling storage holds (the
 * first seen), for Jaeger's API, which lists services as they were sent.
 */
final class TraceDependencyLinker {
  private final DependencyLinker linker = new DependencyLinker();
  /** Traces of the same lower 64 bits, waiting to be linked together. */
  private final Map<String, List<zipkin2.Span>> byLowTraceId = new LinkedHashMap<>();
  private final Map<String, String> spellings = new HashMap<>();

  /** Adds one stored trace (as {@code SpanStore.getTrace} gives it). */
  void add(List<ResourceSpans> trace) {
    rememberSpellings(trace);
    for (zipkin2.Span span : OtlpToZipkin.translate(trace)) {
      String lowTraceId = span.traceId().substring(span.traceId().length() - 16);
      byLowTraceId.computeIfAbsent(lowTraceId, id -> new ArrayList<>()).add(span);
    }
  }

  /** Links every trace added so far into the counts and forgets their spans. */
  void linkAdded() {
    byLowTraceId.values().forEach(spans -> linker.putTrace(OtlpToZipkin.withoutCopies(spans)));
    byLowTraceId.clear();
  }

  /** The links, lowercase as Zipkin has them, sorted by parent then child. */
  List<DependencyLink> links() {
    linkAdded();
    List<DependencyLink> links = new ArrayList<>(linker.link());
    links.sort((a, b) -> {
      int c = a.parent().compareTo(b.parent());
      return c != 0 ? c : a.child().compareTo(b.child());
    });
    return links;
  }

  /** When the trace's first span starts (the hour it counts in once its hour is linked). */
  static Instant firstStart(List<ResourceSpans> trace) {
    long first = Long.MAX_VALUE;
    for (ResourceSpans resourceSpans : trace) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          first = Math.min(first, span.getStartTimeUnixNano());
        }
      }
    }
    return first == Long.MAX_VALUE ? Instant.EPOCH
        : Instant.ofEpochSecond(0, first);
  }

  /** The spelling storage holds for a lowercase name of a link (the first seen). */
  String spelling(String lowercase) {
    return spellings.getOrDefault(lowercase, lowercase);
  }

  private void rememberSpellings(List<ResourceSpans> trace) {
    for (ResourceSpans resourceSpans : trace) {
      for (KeyValue attribute : resourceSpans.getResource().getAttributesList()) {
        if (attribute.getKey().equals(ZipkinAttributes.SERVICE_NAME)) {
          remember(attribute.getValue().getStringValue());
        }
      }
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          for (KeyValue attribute : span.getAttributesList()) {
            if (attribute.getKey().equals(ZipkinAttributes.PEER_SERVICE)) {
              remember(attribute.getValue().getStringValue());
            }
          }
        }
      }
    }
  }

  private void remember(String name) {
    if (!name.isEmpty() && !name.equals(ServiceNames.UNKNOWN)) {
      spellings.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
    }
  }
}
