package io.meshtrace.query;

import io.meshtrace.storage.AttributeText;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/** Looking up attributes by key; their text is {@link AttributeText}'s. */
public final class AttributeValues {
  private AttributeValues() {}

  /** The text of the first attribute with this key, or null. */
  public static String find(List<KeyValue> attributes, String key) {
    for (KeyValue attribute : attributes) {
      if (attribute.getKey().equals(key)) {
        return AttributeText.of(attribute.getValue());
      }
    }
    return null;
  }
}
