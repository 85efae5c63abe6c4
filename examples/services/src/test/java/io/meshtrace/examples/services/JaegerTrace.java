package io.meshtrace.examples.services;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reading a trace of Jaeger's v1 JSON: spans by service and name, tags, parents. */
record JaegerTrace(JsonObject json) {
  List<JsonObject> spans() {
    List<JsonObject> spans = new ArrayList<>();
    json.getJsonArray("spans").forEach(span -> spans.add((JsonObject) span));
    return spans;
  }

  String service(JsonObject span) {
    return json.getJsonObject("processes").getJsonObject(span.getString("processID"))
        .getString("serviceName");
  }

  /** The one span of {@code service} named {@code name}; fails if there is not exactly one. */
  JsonObject span(String service, String name) {
    List<JsonObject> found = spans().stream()
        .filter(span -> service.equals(service(span)) && name.equals(span.getString("operationName")))
        .toList();
    if (found.size() != 1) {
      throw new AssertionError(found.size() + " spans " + service + " '" + name + "' in "
          + json.encodePrettily());
    }
    return found.get(0);
  }

  static String parentId(JsonObject span) {
    JsonArray references = span.getJsonArray("references");
    for (int i = 0; i < references.size(); i++) {
      JsonObject reference = references.getJsonObject(i);
      if ("CHILD_OF".equals(reference.getString("refType"))) {
        return reference.getString("spanID");
      }
    }
    return null;
  }

  /**
   * A tag's value as text; OTLP string arrays arrive as JSON text ({@code ["v"]}), a Zipkin
   * reporter's as the plain joined string: a one-element array is returned as its element.
   */
  static Optional<String> tag(JsonObject span, String key) {
    return tag(span.getJsonArray("tags"), key);
  }

  static Optional<String> tag(JsonArray tags, String key) {
    for (int i = 0; i < tags.size(); i++) {
      JsonObject tag = tags.getJsonObject(i);
      if (key.equals(tag.getString("key"))) {
        String value = String.valueOf(tag.getValue("value"));
        if (value.startsWith("[")) {
          JsonArray array = new JsonArray(value);
          if (array.size() == 1) {
            return Optional.of(String.valueOf(array.getValue(0)));
          }
        }
        return Optional.of(value);
      }
    }
    return Optional.empty();
  }

  /** The values of the field {@code event} of a span's logs (its events). */
  static List<String> events(JsonObject span) {
    List<String> events = new ArrayList<>();
    JsonArray logs = span.getJsonArray("logs");
    for (int i = 0; i < logs.size(); i++) {
      tag(logs.getJsonObject(i).getJsonArray("fields"), "event").ifPresent(events::add);
    }
    return events;
  }
}
