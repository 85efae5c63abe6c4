package io.meshtrace.controlplane.slo;

import io.meshtrace.time.GoDuration;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * Objectives as JSON, in the fields and spelling of the {@code --slo} file (what the admin API
 * takes, what {@code /api/slo} shows, what storage keeps), every default written out so that a
 * reader need not know them. {@link ObjectivesFile} reads it back: JSON is YAML.
 */
public final class ObjectiveJson {
  private ObjectiveJson() {}

  public static JsonObject objective(Objective objective) {
    JsonObject json = new JsonObject().put("name", objective.name());
    if (objective.description() != null) {
      json.put("description", objective.description());
    }
    json.put("service", objective.service());
    if (objective.operation() != null) {
      json.put("operation", objective.operation());
    }
    json.put("spanKind", SpanKinds.name(objective.spanKind()));
    if (objective.tenant() != null) {
      json.put("tenant", objective.tenant());
    }
    json.put("indicator", objective.indicator().text());
    if (objective.thresholdMs() != null) {
      json.put("threshold", threshold(objective));
    }
    json.put("target", objective.targetPercent());
    json.put("window", PrometheusDuration.format(objective.window()));
    return json;
  }

  /** The threshold as a Go duration: {@code 400ms}, {@code 1.4s}. */
  public static String threshold(Objective objective) {
    return GoDuration.format(Duration.ofNanos(objective.thresholdMs().movePointRight(6)
        .longValueExact()));
  }

  /** The admin API's document as storage keeps it: {@code {"objectives": [...]}}. */
  public static JsonObject document(List<Objective> objectives) {
    JsonArray list = new JsonArray();
    objectives.forEach(objective -> list.add(objective(objective)));
    return new JsonObject().put("objectives", list);
  }
}
