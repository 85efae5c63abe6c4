package io.meshtrace.ingest;

import io.meshtrace.storage.SpanChecker;
import io.meshtrace.storage.SpanProblem;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies the attribute limits and storage's per-span check to a request, and makes every string
 * storable ({@link StoredText}). Spans that need no change are passed on as they are; only what
 * is cut, cleaned or refused is rebuilt.
 */
final class SpanSanitizer {

  /** The request after sanitizing. */
  record Outcome(List<ResourceSpans> kept, long keptSpans,
      Map<SpanRejection, Long> rejectedByReason, String firstProblem, long attributesDropped,
      long valuesTruncated, long stringsCleaned, long linksDropped) {
    long rejectedSpans() {
      return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final SpanChecker checker;
  private final int maxAttributes;
  private final int maxValueLength;

  SpanSanitizer(SpanChecker checker, IngestLimits limits) {
    this.checker = checker;
    this.maxAttributes = limits.maxAttributesPerSpan();
    this.maxValueLength = limits.maxAttributeValueLength();
  }

  Outcome sanitize(List<ResourceSpans> request) {
    Counters counters = new Counters();
    List<ResourceSpans> kept = new ArrayList<>(request.size());
    for (ResourceSpans resourceSpans : request) {
      ResourceSpans.Builder rebuilt = null;
      Resource resource = resourceSpans.getResource();
      List<KeyValue> resourceAttributes = limit(resource.getAttributesList(), counters);
      if (resourceAttributes != null) {
        rebuilt = resourceSpans.toBuilder();
        rebuilt.setResource(resource.toBuilder().clearAttributes()
            .addAllAttributes(resourceAttributes)
            .setDroppedAttributesCount(resource.getDroppedAttributesCount()
                + resource.getAttributesCount() - resourceAttributes.size()));
      }
      List<ScopeSpans> scopes = new ArrayList<>(resourceSpans.getScopeSpansCount());
      boolean scopesChanged = false;
      for (ScopeSpans original : resourceSpans.getScopeSpansList()) {
        ScopeSpans scopeSpans = cleanScope(original, counters);
        List<Span> spans = new ArrayList<>(scopeSpans.getSpansCount());
        boolean spansChanged = scopeSpans != original;
        int spanCount = scopeSpans.getSpansCount();
        for (int s = 0; s < spanCount; s++) {
          Span span = scopeSpans.getSpans(s);
          SpanProblem problem = checker.check(span);
          if (problem != null) {
            counters.reject(problem);
            spansChanged = true;
            continue;
          }
          Span limited = limit(span, counters);
          spansChanged |= limited != span;
          spans.add(limited);
          counters.kept++;
        }
        if (spansChanged) {
          scopesChanged = true;
          if (!spans.isEmpty()) {
            scopes.add(scopeSpans.toBuilder().clearSpans().addAllSpans(spans).build());
          }
        } else if (!spans.isEmpty()) {
          scopes.add(scopeSpans);
        }
      }
      if (scopes.isEmpty()) {
        continue;
      }
      if (scopesChanged) {
        if (rebuilt == null) {
          rebuilt = resourceSpans.toBuilder();
        }
        rebuilt.clearScopeSpans().addAllScopeSpans(scopes);
      }
      kept.add(rebuilt == null ? resourceSpans : rebuilt.build());
    }
    return new Outcome(kept, counters.kept, counters.rejected, counters.firstProblem,
        counters.attributesDropped, counters.valuesTruncated, counters.stringsCleaned,
        counters.linksDropped);
  }

  private ScopeSpans cleanScope(ScopeSpans scopeSpans, Counters counters) {
    InstrumentationScope scope = scopeSpans.getScope();
    List<KeyValue> attributes = limit(scope.getAttributesList(), counters);
    boolean name = !StoredText.isClean(scope.getNameBytes());
    boolean version = !StoredText.isClean(scope.getVersionBytes());
    if (attributes == null && !name && !version) {
      return scopeSpans;
    }
    InstrumentationScope.Builder cleaned = scope.toBuilder();
    if (attributes != null) {
      cleaned.clearAttributes().addAllAttributes(attributes)
          .setDroppedAttributesCount(scope.getDroppedAttributesCount()
              + scope.getAttributesCount() - attributes.size());
    }
    if (name) {
      cleaned.setName(StoredText.clean(scope.getNameBytes()));
      counters.stringsCleaned++;
    }
    if (version) {
      cleaned.setVersion(StoredText.clean(scope.getVersionBytes()));
      counters.stringsCleaned++;
    }
    return scopeSpans.toBuilder().setScope(cleaned).build();
  }

  private Span limit(Span span, Counters counters) {
    Span.Builder builder = null;
    List<KeyValue> attributes = limit(span.getAttributesList(), counters);
    if (attributes != null) {
      builder = span.toBuilder().clearAttributes().addAllAttributes(attributes)
          .setDroppedAttributesCount(span.getDroppedAttributesCount()
              + span.getAttributesCount() - attributes.size());
    }
    if (!StoredText.isClean(span.getNameBytes())) {
      builder = builder == null ? span.toBuilder() : builder;
      builder.setName(StoredText.clean(span.getNameBytes()));
      counters.stringsCleaned++;
    }
    if (!StoredText.isClean(span.getStatus().getMessageBytes())) {
      builder = builder == null ? span.toBuilder() : builder;
      builder.setStatus(span.getStatus().toBuilder()
          .setMessage(StoredText.clean(span.getStatus().getMessageBytes())));
      counters.stringsCleaned++;
    }
    if (!StoredText.isClean(span.getTraceStateBytes())) {
      builder = builder == null ? span.toBuilder() : builder;
      builder.setTraceState(StoredText.clean(span.getTraceStateBytes()));
      counters.stringsCleaned++;
    }
    for (int i = 0; i < span.getEventsCount(); i++) {
      Span.Event event = span.getEvents(i);
      List<KeyValue> eventAttributes = limit(event.getAttributesList(), counters);
      boolean eventName = !StoredText.isClean(event.getNameBytes());
      if (eventAttributes != null || eventName) {
        builder = builder == null ? span.toBuilder() : builder;
        Span.Event.Builder cleaned = event.toBuilder();
        if (eventAttributes != null) {
          cleaned.clearAttributes().addAllAttributes(eventAttributes)
              .setDroppedAttributesCount(event.getDroppedAttributesCount()
                  + event.getAttributesCount() - eventAttributes.size());
        }
        if (eventName) {
          cleaned.setName(StoredText.clean(event.getNameBytes()));
          counters.stringsCleaned++;
        }
        builder.setEvents(i, cleaned);
      }
    }
    for (int i = 0; i < span.getLinksCount(); i++) {
      Span.Link link = span.getLinks(i);
      List<KeyValue> linkAttributes = limit(link.getAttributesList(), counters);
      if (linkAttributes != null) {
        builder = builder == null ? span.toBuilder() : builder;
        builder.setLinks(i, link.toBuilder().clearAttributes().addAllAttributes(linkAttributes)
            .setDroppedAttributesCount(link.getDroppedAttributesCount()
                + link.getAttributesCount() - linkAttributes.size()));
      }
    }
    if (hasUnreadableLink(span)) {
      builder = builder == null ? span.toBuilder() : builder;
      List<Span.Link> readable = new ArrayList<>();
      for (Span.Link link : builder.getLinksList()) {
        if (isReadable(link)) {
          readable.add(link);
        }
      }
      counters.linksDropped += builder.getLinksCount() - readable.size();
      builder.setDroppedLinksCount(span.getDroppedLinksCount() + builder.getLinksCount()
          - readable.size()).clearLinks().addAllLinks(readable);
    }
    return builder == null ? span : builder.build();
  }

  /**
   * A link to a trace or span ID of the wrong length points nowhere, and no API can show it
   * (Jaeger's references need both IDs): dropped and counted in {@code dropped_links_count}
   * rather than stored to trouble every read of its trace.
   */
  private static boolean hasUnreadableLink(Span span) {
    for (int i = 0; i < span.getLinksCount(); i++) {
      if (!isReadable(span.getLinks(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isReadable(Span.Link link) {
    return link.getTraceId().size() == 16 && link.getSpanId().size() == 8;
  }

  /**
   * The attributes cut to the limits and with storable text, or null when they are within the
   * limits and clean already.
   */
  private List<KeyValue> limit(List<KeyValue> attributes, Counters counters) {
    int count = attributes.size();
    boolean tooMany = count > maxAttributes;
    boolean tooLong = false;
    boolean dirty = false;
    // Indexed: protobuf's lists are unmodifiable wrappers whose iterators do not inline here.
    for (int i = 0; i < count && !tooLong && !dirty; i++) {
      KeyValue attribute = attributes.get(i);
      tooLong = tooLongSomewhere(attribute.getValue());
      dirty = isDirty(attribute);
    }
    if (!tooMany && !tooLong && !dirty) {
      return null;
    }
    int keep = Math.min(attributes.size(), maxAttributes);
    counters.attributesDropped += attributes.size() - keep;
    List<KeyValue> limited = new ArrayList<>(keep);
    for (int i = 0; i < keep; i++) {
      KeyValue attribute = attributes.get(i);
      if (isDirty(attribute)) {
        attribute = clean(attribute, counters);
      }
      limited.add(tooLongSomewhere(attribute.getValue())
          ? attribute.toBuilder().setValue(truncate(attribute.getValue(), counters)).build()
          : attribute);
    }
    return limited;
  }

  private static boolean isDirty(KeyValue attribute) {
    return !StoredText.isClean(attribute.getKeyBytes()) || isDirty(attribute.getValue());
  }

  private static boolean isDirty(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> !StoredText.isClean(value.getStringValueBytes());
      case ARRAY_VALUE -> value.getArrayValue().getValuesList().stream()
          .anyMatch(SpanSanitizer::isDirty);
      case KVLIST_VALUE -> value.getKvlistValue().getValuesList().stream()
          .anyMatch(SpanSanitizer::isDirty);
      default -> false;
    };
  }

  private static KeyValue clean(KeyValue attribute, Counters counters) {
    KeyValue.Builder cleaned = attribute.toBuilder();
    if (!StoredText.isClean(attribute.getKeyBytes())) {
      cleaned.setKey(StoredText.clean(attribute.getKeyBytes()));
      counters.stringsCleaned++;
    }
    if (isDirty(attribute.getValue())) {
      cleaned.setValue(clean(attribute.getValue(), counters));
    }
    return cleaned.build();
  }

  private static AnyValue clean(AnyValue value, Counters counters) {
    switch (value.getValueCase()) {
      case STRING_VALUE -> {
        if (StoredText.isClean(value.getStringValueBytes())) {
          return value;
        }
        counters.stringsCleaned++;
        return AnyValue.newBuilder()
            .setStringValue(StoredText.clean(value.getStringValueBytes())).build();
      }
      case ARRAY_VALUE -> {
        ArrayValue.Builder array = ArrayValue.newBuilder();
        for (AnyValue element : value.getArrayValue().getValuesList()) {
          array.addValues(clean(element, counters));
        }
        return AnyValue.newBuilder().setArrayValue(array).build();
      }
      case KVLIST_VALUE -> {
        KeyValueList.Builder list = KeyValueList.newBuilder();
        for (KeyValue entry : value.getKvlistValue().getValuesList()) {
          list.addValues(isDirty(entry) ? clean(entry, counters) : entry);
        }
        return AnyValue.newBuilder().setKvlistValue(list).build();
      }
      default -> {
        return value;
      }
    }
  }

  private boolean tooLongSomewhere(AnyValue value) {
    return switch (value.getValueCase()) {
      // UTF-8 has at least one byte per UTF-16 unit, so a value whose bytes fit needs no
      // decoding; values often arrive as bytes (the Zipkin translation sets them so).
      case STRING_VALUE -> value.getStringValueBytes().size() > maxValueLength
          && value.getStringValue().length() > maxValueLength;
      case BYTES_VALUE -> value.getBytesValue().size() > maxValueLength;
      case ARRAY_VALUE -> value.getArrayValue().getValuesList().stream()
          .anyMatch(this::tooLongSomewhere);
      case KVLIST_VALUE -> value.getKvlistValue().getValuesList().stream()
          .anyMatch(kv -> tooLongSomewhere(kv.getValue()));
      default -> false;
    };
  }

  private AnyValue truncate(AnyValue value, Counters counters) {
    switch (value.getValueCase()) {
      case STRING_VALUE -> {
        String text = value.getStringValue();
        if (text.length() <= maxValueLength) {
          return value;
        }
        counters.valuesTruncated++;
        int end = maxValueLength;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
          end--;
        }
        return AnyValue.newBuilder().setStringValue(text.substring(0, end)).build();
      }
      case BYTES_VALUE -> {
        if (value.getBytesValue().size() <= maxValueLength) {
          return value;
        }
        counters.valuesTruncated++;
        return AnyValue.newBuilder()
            .setBytesValue(value.getBytesValue().substring(0, maxValueLength)).build();
      }
      case ARRAY_VALUE -> {
        ArrayValue.Builder array = ArrayValue.newBuilder();
        for (AnyValue element : value.getArrayValue().getValuesList()) {
          array.addValues(truncate(element, counters));
        }
        return AnyValue.newBuilder().setArrayValue(array).build();
      }
      case KVLIST_VALUE -> {
        KeyValueList.Builder list = KeyValueList.newBuilder();
        for (KeyValue entry : value.getKvlistValue().getValuesList()) {
          list.addValues(entry.toBuilder().setValue(truncate(entry.getValue(), counters)));
        }
        return AnyValue.newBuilder().setKvlistValue(list).build();
      }
      default -> {
        return value;
      }
    }
  }

  private static final class Counters {
    long kept;
    final Map<SpanRejection, Long> rejected = new java.util.EnumMap<>(SpanRejection.class);
    String firstProblem = "";
    long attributesDropped;
    long valuesTruncated;
    long stringsCleaned;
    long linksDropped;

    void reject(SpanProblem problem) {
      rejected.merge(problem.reason(), 1L, Long::sum);
      if (firstProblem.isEmpty()) {
        firstProblem = problem.message();
      }
    }
  }
}
