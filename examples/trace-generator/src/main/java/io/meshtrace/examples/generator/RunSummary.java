package io.meshtrace.examples.generator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run sent and meshtrace accepted.
 *
 * @param spansPerService accepted spans by reporting service, in topology order
 * @param examples a few traces worth opening in the UI: the first with an error, the first with
 *     an outlier, and some ordinary ones
 * @param notSampledTraces traces not sent because head sampling did not keep them
 */
public record RunSummary(long traces, long spans, long errorTraces, long outlierTraces,
    long requests, long bytes, long retries, double seconds, Map<String, Long> spansPerService,
    List<Example> examples, long notSampledTraces) {

  /** A trace to look at; {@code what} is error, outlier or typical; {@code note} or null. */
  public record Example(String what, String traceId, String root, long durationMicros,
      String note) {}

  public double tracesPerSecond() {
    return seconds > 0 ? traces / seconds : 0;
  }

  public double spansPerSecond() {
    return seconds > 0 ? spans / seconds : 0;
  }

  /** The lines a person reads at the end of a run; {@code uiUrl} is the UI's base URL. */
  public List<String> lines(String uiUrl) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "sent %d traces (%d spans; %d with an error, %d with a "
        + "latency outlier) in %.1f s: %.1f traces/s, %.0f spans/s", traces, spans, errorTraces,
        outlierTraces, seconds, tracesPerSecond(), spansPerSecond()));
    lines.add(String.format(Locale.ROOT, "%d requests, %s, %d retries", requests,
        bytes(bytes), retries));
    if (notSampledTraces > 0) {
      lines.add(notSampledTraces + " traces not sent: head sampling did not keep them");
    }
    StringBuilder perService = new StringBuilder("spans per service:");
    spansPerService.forEach((service, count) -> perService.append(' ').append(service)
        .append('=').append(count));
    lines.add(perService.toString());
    if (!examples.isEmpty()) {
      lines.add("traces to look at:");
      for (Example example : examples) {
        lines.add(String.format(Locale.ROOT, "  %-8s %s  %s, %.1f ms%s", example.what(),
            traceUrl(uiUrl, example.traceId()), example.root(), example.durationMicros() / 1e3,
            example.note() == null ? "" : ": " + example.note()));
      }
    }
    lines.add("search: " + searchUrl(uiUrl, "") + "  failed: "
        + searchUrl(uiUrl, "&tags=%7B%22error%22%3A%22true%22%7D") + "  slowest: "
        + searchUrl(uiUrl, "&sort=longest"));
    return lines;
  }

  /** The UI's search for traces that entered at the edge gateway, with more parameters. */
  public static String searchUrl(String uiUrl, String parameters) {
    String base = uiUrl.endsWith("/") ? uiUrl.substring(0, uiUrl.length() - 1) : uiUrl;
    return base + "/search?service=" + Topology.GATEWAY + parameters;
  }

  public JsonObject toJson(String uiUrl) {
    JsonObject perService = new JsonObject();
    spansPerService.forEach(perService::put);
    JsonArray examples = new JsonArray();
    for (Example example : this.examples) {
      examples.add(new JsonObject().put("what", example.what())
          .put("traceId", example.traceId()).put("root", example.root())
          .put("durationMicros", example.durationMicros()).put("note", example.note())
          .put("url", traceUrl(uiUrl, example.traceId())));
    }
    return new JsonObject().put("traces", traces).put("spans", spans)
        .put("errorTraces", errorTraces).put("outlierTraces", outlierTraces)
        .put("requests", requests).put("bytes", bytes).put("retries", retries)
        .put("seconds", seconds).put("tracesPerSecond", tracesPerSecond())
        .put("spansPerSecond", spansPerSecond())
        .put("spansPerService", perService).put("examples", examples)
        .put("notSampledTraces", notSampledTraces);
  }

  public static String traceUrl(String uiUrl, String traceId) {
    String base = uiUrl.endsWith("/") ? uiUrl.substring(0, uiUrl.length() - 1) : uiUrl;
    return base + "/trace/" + traceId;
  }

  private static String bytes(long bytes) {
    if (bytes < 10 * 1024) {
      return bytes + " bytes";
    }
    if (bytes < 10L * 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }

  /** Counts as a run goes; not thread-safe (a run sends from one thread). */
  static final class Counter {
    private static final int TYPICAL_EXAMPLES = 3;
    private final Map<String, Long> spansPerService = new LinkedHashMap<>();
    private final List<Example> examples = new ArrayList<>();
    private long traces;
    private long spans;
    private long errorTraces;
    private long outlierTraces;
    private long requests;
    private long bytes;
    private long retries;
    private long notSampled;
    private long began;
    private boolean errorExample;
    private boolean outlierExample;
    private int typicalExamples;

    Counter(Topology topology) {
      for (Topology.Service service : topology.services()) {
        spansPerService.put(service.name(), 0L);
      }
    }

    void began(long nanos) {
      began = nanos;
    }

    void accepted(List<GeneratedTrace> batch, SpanSender.Delivery delivery) {
      requests++;
      bytes += delivery.bytes();
      retries += delivery.retries();
      for (GeneratedTrace trace : batch) {
        traces++;
        spans += trace.spans().size();
        for (GeneratedSpan span : trace.spans()) {
          spansPerService.merge(span.service(), 1L, Long::sum);
        }
        if (trace.error()) {
          errorTraces++;
        }
        if (trace.outlier()) {
          outlierTraces++;
        }
        example(trace);
      }
    }

    void notSampled() {
      notSampled++;
    }

    void retried(int count) {
      retries += count;
    }

    private void example(GeneratedTrace trace) {
      String what = null;
      if (trace.error() && !errorExample) {
        errorExample = true;
        what = "error";
      } else if (trace.outlier() && !outlierExample) {
        outlierExample = true;
        what = "outlier";
      } else if (!trace.error() && !trace.outlier() && typicalExamples < TYPICAL_EXAMPLES) {
        typicalExamples++;
        what = "typical";
      }
      if (what != null) {
        examples.add(new Example(what, trace.traceId(), trace.root().name(),
            trace.root().durationMicros(), trace.note()));
      }
    }

    String progressLine(long total, long now) {
      double seconds = (now - began) / 1e9;
      return String.format(Locale.ROOT, "gen: %d/%d traces sent, %d spans, %d errors, %d "
          + "outliers, %.1f traces/s, %d retries", traces, total, spans, errorTraces,
          outlierTraces, seconds > 0 ? traces / seconds : 0, retries);
    }

    RunSummary summary(long now) {
      return new RunSummary(traces, spans, errorTraces, outlierTraces, requests, bytes, retries,
          (now - began) / 1e9, new LinkedHashMap<>(spansPerService), List.copyOf(examples),
          notSampled);
    }
  }
}
