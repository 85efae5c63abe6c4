package io.meshtrace.query.adjust;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Warnings an adjuster attaches to a span. Like Jaeger, they travel as the span attribute
 * {@code @jaeger@warnings} (a string array): the v3 API shows it as an attribute, the v1 model
 * moves it into the span's {@code warnings} list.
 */
public final class SpanWarnings {
  /** Jaeger's attribute name, so Jaeger-aware clients recognise it in OTLP output. */
  public static final String ATTRIBUTE = "@jaeger@warnings";

  private SpanWarnings() {}

  public static Span add(Span span, String warning) {
    Span.Builder builder = span.toBuilder();
    for (int i = 0; i < builder.getAttributesCount(); i++) {
      KeyValue attribute = builder.getAttributes(i);
      if (attribute.getKey().equals(ATTRIBUTE)) {
        ArrayValue.Builder values = attribute.getValue().hasArrayValue()
            ? attribute.getValue().getArrayValue().toBuilder()
            : ArrayValue.newBuilder().addValues(attribute.getValue());
        values.addValues(AnyValue.newBuilder().setStringValue(warning));
        builder.setAttributes(i, attribute.toBuilder()
            .setValue(AnyValue.newBuilder().setArrayValue(values)));
        return builder.build();
      }
    }
    return builder.addAttributes(KeyValue.newBuilder().setKey(ATTRIBUTE)
        .setValue(AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(AnyValue.newBuilder().setStringValue(warning))))).build();
  }

  /** The span's warnings, empty when it has none. */
  public static List<String> of(Span span) {
    List<String> warnings = new ArrayList<>();
    for (KeyValue attribute : span.getAttributesList()) {
      if (attribute.getKey().equals(ATTRIBUTE)) {
        if (attribute.getValue().hasArrayValue()) {
          for (AnyValue value : attribute.getValue().getArrayValue().getValuesList()) {
            warnings.add(value.getStringValue());
          }
        } else {
          warnings.add(attribute.getValue().getStringValue());
        }
      }
    }
    return warnings;
  }
}
