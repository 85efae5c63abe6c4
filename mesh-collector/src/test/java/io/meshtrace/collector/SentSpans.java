package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Compares spans meshtrace stored with the OpenTelemetry SDK's record of what it sent. */
public final class SentSpans {
  private SentSpans() {}

  /** Every sent span is stored, with every field the SDK sets equal. */
  public static void assertStored(List<SpanData> sent, List<ResourceSpans> stored) {
    Map<String, Found> byId = new LinkedHashMap<>();
    for (ResourceSpans resourceSpans : stored) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          byId.put(hex(span.getSpanId().toByteArray()), new Found(span, resourceSpans, scopeSpans));
        }
      }
    }
    assertThat(byId.keySet()).containsExactlyInAnyOrderElementsOf(
        sent.stream().map(SpanData::getSpanId).toList());
    for (SpanData expected : sent) {
      Found found = byId.get(expected.getSpanId());
      Span span = found.span;
      String what = "span " + expected.getName();
      assertThat(hex(span.getTraceId().toByteArray())).as(what).isEqualTo(expected.getTraceId());
      assertThat(hex(span.getParentSpanId().toByteArray())).as(what)
          .isEqualTo(expected.getParentSpanContext().isValid() ? expected.getParentSpanId() : "");
      assertThat(span.getName()).as(what).isEqualTo(expected.getName());
      assertThat(span.getKind().getNumber()).as(what).isEqualTo(expected.getKind().ordinal() + 1);
      assertThat(span.getStartTimeUnixNano()).as(what).isEqualTo(expected.getStartEpochNanos());
      assertThat(span.getEndTimeUnixNano()).as(what).isEqualTo(expected.getEndEpochNanos());
      assertThat(span.getFlags() & 0xff).as(what)
          .isEqualTo(expected.getSpanContext().getTraceFlags().asByte() & 0xff);
      assertThat(span.getTraceState()).as(what).isEqualTo(w3c(expected));
      assertThat(attributes(span.getAttributesList())).as(what + " attributes")
          .isEqualTo(attributes(expected.getAttributes()));
      assertThat(span.getEventsCount()).as(what + " events").isEqualTo(expected.getEvents().size());
      for (int i = 0; i < expected.getEvents().size(); i++) {
        EventData event = expected.getEvents().get(i);
        assertThat(span.getEvents(i).getName()).isEqualTo(event.getName());
        assertThat(span.getEvents(i).getTimeUnixNano()).isEqualTo(event.getEpochNanos());
        assertThat(attributes(span.getEvents(i).getAttributesList()))
            .isEqualTo(attributes(event.getAttributes()));
      }
      assertThat(span.getLinksCount()).as(what + " links").isEqualTo(expected.getLinks().size());
      for (int i = 0; i < expected.getLinks().size(); i++) {
        LinkData link = expected.getLinks().get(i);
        assertThat(hex(span.getLinks(i).getTraceId().toByteArray()))
            .isEqualTo(link.getSpanContext().getTraceId());
        assertThat(hex(span.getLinks(i).getSpanId().toByteArray()))
            .isEqualTo(link.getSpanContext().getSpanId());
        assertThat(attributes(span.getLinks(i).getAttributesList()))
            .isEqualTo(attributes(link.getAttributes()));
      }
      StatusCode code = expected.getStatus().getStatusCode();
      assertThat(span.getStatus().getCode()).as(what + " status").isEqualTo(switch (code) {
        case OK -> Status.StatusCode.STATUS_CODE_OK;
        case ERROR -> Status.StatusCode.STATUS_CODE_ERROR;
        case UNSET -> Status.StatusCode.STATUS_CODE_UNSET;
      });
      assertThat(span.getStatus().getMessage()).isEqualTo(expected.getStatus().getDescription());
      assertThat(attributes(found.resourceSpans.getResource().getAttributesList()))
          .as(what + " resource").isEqualTo(attributes(expected.getResource().getAttributes()));
      assertThat(found.scopeSpans.getScope().getName())
          .isEqualTo(expected.getInstrumentationScopeInfo().getName());
      assertThat(found.scopeSpans.getScope().getVersion())
          .isEqualTo(String.valueOf(expected.getInstrumentationScopeInfo().getVersion()));
    }
  }

  private record Found(Span span, ResourceSpans resourceSpans, ScopeSpans scopeSpans) {}

  private static String w3c(SpanData span) {
    StringBuilder out = new StringBuilder();
    span.getSpanContext().getTraceState().forEach((key, value) -> {
      if (out.length() > 0) {
        out.append(',');
      }
      out.append(key).append('=').append(value);
    });
    return out.toString();
  }

  static Map<String, AnyValue> attributes(List<KeyValue> attributes) {
    Map<String, AnyValue> map = new LinkedHashMap<>();
    attributes.forEach(kv -> map.put(kv.getKey(), kv.getValue()));
    return map;
  }

  static Map<String, AnyValue> attributes(Attributes attributes) {
    Map<String, AnyValue> map = new LinkedHashMap<>();
    attributes.forEach((AttributeKey<?> key, Object value) -> map.put(key.getKey(), any(value)));
    return map;
  }

  private static AnyValue any(Object value) {
    AnyValue.Builder any = AnyValue.newBuilder();
    if (value instanceof String s) {
      any.setStringValue(s);
    } else if (value instanceof Boolean b) {
      any.setBoolValue(b);
    } else if (value instanceof Long l) {
      any.setIntValue(l);
    } else if (value instanceof Double d) {
      any.setDoubleValue(d);
    } else if (value instanceof List<?> list) {
      ArrayValue.Builder array = ArrayValue.newBuilder();
      list.forEach(element -> array.addValues(any(element)));
      any.setArrayValue(array);
    } else {
      throw new IllegalArgumentException("unexpected attribute value " + value);
    }
    return any.build();
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
