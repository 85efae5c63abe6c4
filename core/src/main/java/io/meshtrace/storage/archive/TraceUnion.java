package io.meshtrace.storage.archive;

import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Two readings of one trace (its archived copy and the span tables, an archived copy and spans
 * added to it) as one: spans grouped by resource and scope, a span that both readings hold (equal
 * in every field, resource and scope included) kept once, each group's spans in start-time order.
 * Storage reads back exactly the span it was given, so a span archived and still in the span
 * tables is equal in both.
 */
public final class TraceUnion {
  private TraceUnion() {}

  /** The resource and scope a span was reported under, without any spans. */
  private record Source(ResourceSpans resource, ScopeSpans scope) {}

  public static List<ResourceSpans> of(List<ResourceSpans> first, List<ResourceSpans> second) {
    if (second.isEmpty()) {
      return first;
    }
    if (first.isEmpty()) {
      return second;
    }
    Map<Source, Set<Span>> bySource = new LinkedHashMap<>();
    add(first, bySource);
    add(second, bySource);
    List<ResourceSpans> union = new ArrayList<>(bySource.size());
    bySource.forEach((source, spans) -> {
      List<Span> ordered = new ArrayList<>(spans);
      ordered.sort(Comparator.comparingLong(Span::getStartTimeUnixNano)); // stable: ties keep order
      union.add(source.resource().toBuilder()
          .addScopeSpans(source.scope().toBuilder().addAllSpans(ordered)).build());
    });
    return union;
  }

  /** How many spans a trace has. */
  public static int spanCount(List<ResourceSpans> trace) {
    int count = 0;
    for (ResourceSpans resource : trace) {
      for (ScopeSpans scope : resource.getScopeSpansList()) {
        count += scope.getSpansCount();
      }
    }
    return count;
  }

  private static void add(List<ResourceSpans> trace, Map<Source, Set<Span>> bySource) {
    for (ResourceSpans resource : trace) {
      ResourceSpans withoutSpans = resource.toBuilder().clearScopeSpans().build();
      for (ScopeSpans scope : resource.getScopeSpansList()) {
        bySource.computeIfAbsent(new Source(withoutSpans, scope.toBuilder().clearSpans().build()),
            source -> new LinkedHashSet<>()).addAll(scope.getSpansList());
      }
    }
  }
}
