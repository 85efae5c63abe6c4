package io.meshtrace.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.SoftAssertions;

/**
 * What the Jaeger v1 API should show of a sent span, and the field-by-field comparison of a
 * trace the API returned with it. Tags, log fields and references are compared as multisets (the
 * API writes a span's parent first, then its links, and the kind, status and scope tags where it
 * puts them, which need not be the order they were sent in); logs by timestamp.
 */
final class JaegerJson {
  private JaegerJson() {}

  /** A typed tag, its value normalized: String, Boolean, Long, Double, or base64 for binary. */
  record Tag(String key, String type, Object value) {
    static Tag string(String key, String value) {
      return new Tag(key, "string", value);
    }

    static Tag bool(String key, boolean value) {
      return new Tag(key, "bool", value);
    }

    static Tag int64(String key, long value) {
      return new Tag(key, "int64", value);
    }

    static Tag float64(String key, double value) {
      return new Tag(key, "float64", value);
    }

    /** A tag of the API's JSON: int64 values beyond 2^53 come as strings, as Jaeger writes them. */
    static Tag of(JsonObject json) {
      String type = json.getString("type");
      Object value = json.getValue("value");
      Object normalized = switch (type) {
        case "int64" -> value instanceof String text ? Long.valueOf(text)
            : ((Number) value).longValue();
        case "float64" -> value instanceof String text ? Double.valueOf(text)
            : ((Number) value).doubleValue();
        default -> value;
      };
      return new Tag(json.getString("key"), type, normalized);
    }

    @Override
    public String toString() {
      return key + "=" + value + " (" + type + ")";
    }
  }

  record Ref(String refType, String traceId, String spanId) {}

  record Log(long timestamp, List<Tag> fields) {}

  /** A span as the Jaeger v1 API should show it. {@code flags} 0 means the field is absent. */
  record Span(String traceId, String spanId, String operationName, List<Ref> references,
      int flags, long startTime, long duration, List<Tag> tags, List<Log> logs,
      String serviceName, List<Tag> processTags) {}

  static List<Tag> tags(JsonArray json) {
    List<Tag> tags = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      tags.add(Tag.of(json.getJsonObject(i)));
    }
    return tags;
  }

  /** The span of this ID in a trace of the Jaeger v1 API, or a failure naming the IDs it has. */
  static JsonObject span(JsonObject trace, String spanId) {
    List<String> ids = new ArrayList<>();
    for (Object span : trace.getJsonArray("spans")) {
      JsonObject s = (JsonObject) span;
      if (spanId.equals(s.getString("spanID"))) {
        return s;
      }
      ids.add(s.getString("spanID"));
    }
    throw new AssertionError("span " + spanId + " is not in the trace the Jaeger API returned; "
        + "it has " + ids);
  }

  /** The tag of this key of a span or process of the API's JSON. */
  static Tag tag(JsonObject spanOrProcess, String key) {
    return tags(spanOrProcess.getJsonArray("tags")).stream()
        .filter(t -> t.key().equals(key)).findFirst()
        .orElseThrow(() -> new AssertionError("no tag " + key + " in " + spanOrProcess.encode()));
  }

  static JsonObject process(JsonObject trace, JsonObject span) {
    JsonObject process = trace.getJsonObject("processes").getJsonObject(span.getString("processID"));
    assertThat(process).as("the process %s of span %s", span.getString("processID"),
        span.getString("spanID")).isNotNull();
    return process;
  }

  /** Compares every field of every span, reporting all differences at once. */
  static void assertTrace(JsonObject trace, List<Span> expected) {
    SoftAssertions softly = new SoftAssertions();
    Set<String> expectedIds = new HashSet<>();
    expected.forEach(span -> expectedIds.add(span.spanId()));
    List<String> actualIds = new ArrayList<>();
    trace.getJsonArray("spans").forEach(s -> actualIds.add(((JsonObject) s).getString("spanID")));
    softly.assertThat(actualIds).as("span IDs of trace %s", trace.getString("traceID"))
        .containsExactlyInAnyOrderElementsOf(expectedIds);
    for (Span want : expected) {
      softly.assertThat(trace.getString("traceID")).as("traceID of the trace")
          .isEqualTo(want.traceId());
      if (!actualIds.contains(want.spanId())) {
        continue;
      }
      JsonObject got = span(trace, want.spanId());
      String what = "span " + want.spanId() + " '" + want.operationName() + "': ";
      softly.assertThat(got.getString("traceID")).as(what + "traceID").isEqualTo(want.traceId());
      softly.assertThat(got.getString("operationName")).as(what + "operationName")
          .isEqualTo(want.operationName());
      List<Ref> references = new ArrayList<>();
      for (Object ref : got.getJsonArray("references")) {
        JsonObject r = (JsonObject) ref;
        references.add(new Ref(r.getString("refType"), r.getString("traceID"),
            r.getString("spanID")));
      }
      softly.assertThat(references).as(what + "references")
          .containsExactlyInAnyOrderElementsOf(want.references());
      if (want.flags() == 0) {
        softly.assertThat(got.getInteger("flags", 0)).as(what + "flags").isZero();
      } else {
        softly.assertThat(got.getInteger("flags")).as(what + "flags").isEqualTo(want.flags());
      }
      softly.assertThat(got.getLong("startTime")).as(what + "startTime (µs)")
          .isEqualTo(want.startTime());
      softly.assertThat(got.getLong("duration")).as(what + "duration (µs)")
          .isEqualTo(want.duration());
      softly.assertThat(tags(got.getJsonArray("tags"))).as(what + "tags")
          .containsExactlyInAnyOrderElementsOf(want.tags());
      List<Log> logs = new ArrayList<>();
      for (Object log : got.getJsonArray("logs")) {
        JsonObject l = (JsonObject) log;
        logs.add(new Log(l.getLong("timestamp"), tags(l.getJsonArray("fields"))));
      }
      softly.assertThat(logs.size()).as(what + "number of logs: %s", logs)
          .isEqualTo(want.logs().size());
      List<Log> wantLogs = new ArrayList<>(want.logs());
      Comparator<Log> byTime = Comparator.comparingLong(Log::timestamp);
      logs.sort(byTime);
      wantLogs.sort(byTime);
      for (int i = 0; i < Math.min(logs.size(), wantLogs.size()); i++) {
        softly.assertThat(logs.get(i).timestamp()).as(what + "timestamp of log %d", i)
            .isEqualTo(wantLogs.get(i).timestamp());
        softly.assertThat(logs.get(i).fields()).as(what + "fields of log %d", i)
            .containsExactlyInAnyOrderElementsOf(wantLogs.get(i).fields());
      }
      JsonObject process = trace.getJsonObject("processes")
          .getJsonObject(got.getString("processID", ""));
      softly.assertThat(process).as(what + "process %s", got.getString("processID")).isNotNull();
      if (process != null) {
        softly.assertThat(process.getString("serviceName")).as(what + "process serviceName")
            .isEqualTo(want.serviceName());
        softly.assertThat(tags(process.getJsonArray("tags"))).as(what + "process tags")
            .containsExactlyInAnyOrderElementsOf(want.processTags());
      }
    }
    softly.assertAll();
  }

  /** Hex of a Jaeger trace ID: 16 digits when the high half is zero, else 32. */
  static String traceId(long high, long low) {
    return high == 0 ? hex(low) : hex(high) + hex(low);
  }

  static String hex(long id) {
    return String.format("%016x", id);
  }

  /** A Zipkin v2 span's tags. */
  static Map<String, String> zipkinTags(JsonObject span) {
    Map<String, String> tags = new LinkedHashMap<>();
    JsonObject json = span.getJsonObject("tags", new JsonObject());
    json.forEach(e -> tags.put(e.getKey(), String.valueOf(e.getValue())));
    return tags;
  }
}
