package io.meshtrace.interop;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerSpanContext;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.CompositeReporter;
import io.jaegertracing.internal.reporters.InMemoryReporter;
import io.jaegertracing.internal.reporters.RemoteReporter;
import io.jaegertracing.internal.samplers.ConstSampler;
import io.jaegertracing.spi.Sampler;
import io.jaegertracing.spi.Sender;
import io.jaegertracing.thrift.internal.reporters.protocols.JaegerThriftSpanConverter;
import io.jaegertracing.thriftjava.SpanRef;
import io.opentracing.References;
import io.opentracing.tag.Tags;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;

/**
 * One trace made with jaeger-client through a real sender, with every kind of field its API can
 * set: tags of each type (string, bool, int/long, float/double: the OpenTracing API has no binary
 * tags), logs with an {@code event} and other fields, a span with a parent and a FOLLOWS_FROM
 * reference, one with a FOLLOWS_FROM reference only, span kinds, an error, tracer (process) tags.
 * What the sender put on the wire is taken from jaeger-client's own converter, the one its
 * senders use, so that the comparison is with what was sent.
 */
final class JaegerClientTrace {
  static final String ROOT = "GET /checkout";
  static final String QUERY = "SELECT orders";
  static final String PUBLISH = "publish receipt";
  static final String AUDIT = "audit";

  final String service;
  final JaegerTracer tracer;
  /** The finished spans, in the order they finished. */
  final List<JaegerSpan> spans;
  final String traceId;
  /** The root's first log's timestamp, set explicitly (µs). */
  final long logTime;

  private JaegerClientTrace(String service, JaegerTracer tracer, List<JaegerSpan> spans,
      long logTime) {
    this.service = service;
    this.tracer = tracer;
    this.spans = spans;
    JaegerSpanContext context = spans.get(0).context();
    this.traceId = JaegerJson.traceId(context.getTraceIdHigh(), context.getTraceIdLow());
    this.logTime = logTime;
  }

  /** Makes the trace and closes the tracer, which flushes the sender and closes it. */
  static JaegerClientTrace send(Sender sender, String service, boolean traceId128) {
    return send(sender, new ConstSampler(true), service, traceId128);
  }

  static JaegerClientTrace send(Sender sender, Sampler sampler, String service,
      boolean traceId128) {
    RecordingSender recording = new RecordingSender(sender);
    InMemoryReporter sent = new InMemoryReporter();
    RemoteReporter remote = new RemoteReporter.Builder().withSender(recording)
        .withFlushInterval(50).build();
    JaegerTracer.Builder builder = new JaegerTracer.Builder(service)
        .withReporter(new CompositeReporter(remote, sent))
        .withSampler(sampler)
        .withTag("deployment.environment", "interop")
        .withTag("replica", 3)
        .withTag("canary", true)
        .withTag("cpu.share", 0.75);
    if (traceId128) {
      builder.withTraceId128Bit();
    }
    JaegerTracer tracer = builder.build();
    long logTime;
    try {
      JaegerSpan root = tracer.buildSpan(ROOT)
          .withTag(Tags.SPAN_KIND.getKey(), Tags.SPAN_KIND_SERVER)
          .withTag(Tags.HTTP_METHOD.getKey(), "GET")
          .withTag(Tags.HTTP_STATUS.getKey(), 200)
          .withTag("ratio", 0.25)
          .withTag("cache.hit", true)
          .start();
      root.setTag("items", 3L);
      root.setTag("big", 1L << 60); // beyond JavaScript's safe integers
      root.setTag("negative", (short) -42);
      root.setTag("weight", 1.5f);
      root.setTag("cache.tier", "l2");
      logTime = root.getStart() + 10;
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("event", "cache-miss");
      fields.put("key", "cart:42");
      fields.put("attempt", 2);
      fields.put("backoff.seconds", 0.5);
      fields.put("final", false);
      root.log(logTime, fields);

      JaegerSpan query = tracer.buildSpan(QUERY).asChildOf(root)
          .withTag(Tags.SPAN_KIND.getKey(), Tags.SPAN_KIND_CLIENT)
          .withTag(Tags.DB_TYPE.getKey(), "sql")
          .withTag(Tags.PEER_PORT.getKey(), 5432)
          .start();
      Tags.ERROR.set(query, true);
      query.log(Map.of("event", "error", "error.kind", "SQLException", "message", "deadlock"));
      query.finish();

      JaegerSpan publish = tracer.buildSpan(PUBLISH).asChildOf(root)
          .addReference(References.FOLLOWS_FROM, query.context())
          .withTag(Tags.SPAN_KIND.getKey(), Tags.SPAN_KIND_PRODUCER)
          .start();
      publish.finish();

      // Only a FOLLOWS_FROM reference: no parent (the CHILD_OF rule of JaegerToOtlp).
      JaegerSpan audit = tracer.buildSpan(AUDIT)
          .addReference(References.FOLLOWS_FROM, root.context())
          .withTag(Tags.SPAN_KIND.getKey(), Tags.SPAN_KIND_CONSUMER)
          .start();
      audit.finish();

      root.log("checkout done");
      root.finish();
    } finally {
      tracer.close();
    }
    if (!recording.failures.isEmpty()) {
      AssertionError failed = new AssertionError("jaeger-client's " + sender.getClass()
          .getSimpleName() + " failed to send: " + recording.failures);
      recording.failures.forEach(failed::addSuppressed);
      throw failed;
    }
    return new JaegerClientTrace(service, tracer, new ArrayList<>(sent.getSpans()), logTime);
  }

  JaegerSpan span(String operationName) {
    return spans.stream().filter(s -> s.getOperationName().equals(operationName)).findFirst()
        .orElseThrow();
  }

  static String spanId(JaegerSpan span) {
    return JaegerJson.hex(span.context().getSpanId());
  }

  /** What the tracer's senders send of a span. */
  static io.jaegertracing.thriftjava.Span thrift(JaegerSpan span) {
    return JaegerThriftSpanConverter.convertSpan(span);
  }

  /** The process tags the senders send: the tracer's tags. */
  List<JaegerJson.Tag> processTags() {
    return tags(JaegerThriftSpanConverter.buildTags(tracer.tags()));
  }

  /** What the Jaeger v1 API should show of the spans that were sent. */
  List<JaegerJson.Span> expectedJaeger() {
    List<JaegerJson.Span> expected = new ArrayList<>();
    for (JaegerSpan span : spans) {
      expected.add(expectedJaeger(thrift(span)));
    }
    return expected;
  }

  private JaegerJson.Span expectedJaeger(io.jaegertracing.thriftjava.Span sent) {
    String trace = JaegerJson.traceId(sent.getTraceIdHigh(), sent.getTraceIdLow());
    List<JaegerJson.Ref> references = new ArrayList<>();
    if (sent.getReferences() != null) {
      for (SpanRef ref : sent.getReferences()) {
        references.add(new JaegerJson.Ref(ref.getRefType().name(),
            JaegerJson.traceId(ref.getTraceIdHigh(), ref.getTraceIdLow()),
            JaegerJson.hex(ref.getSpanId())));
      }
    }
    if (sent.getParentSpanId() != 0) {
      JaegerJson.Ref parent = new JaegerJson.Ref("CHILD_OF", trace,
          JaegerJson.hex(sent.getParentSpanId()));
      if (!references.contains(parent)) {
        references.add(0, parent);
      }
    }
    List<JaegerJson.Tag> tags = tags(sent.getTags());
    if (tags.contains(JaegerJson.Tag.bool("error", true))) {
      // The one documented difference: error=true is the span's status, which the API writes
      // as OpenTelemetry's Jaeger translation does, with otel.status_code beside error=true.
      tags.add(JaegerJson.Tag.string("otel.status_code", "ERROR"));
    }
    List<JaegerJson.Log> logs = new ArrayList<>();
    if (sent.getLogs() != null) {
      for (io.jaegertracing.thriftjava.Log log : sent.getLogs()) {
        logs.add(new JaegerJson.Log(log.getTimestamp(), tags(log.getFields())));
      }
    }
    return new JaegerJson.Span(trace, JaegerJson.hex(sent.getSpanId()), sent.getOperationName(),
        references, sent.getFlags(), sent.getStartTime(), sent.getDuration(), tags, logs,
        service, processTags());
  }

  static List<JaegerJson.Tag> tags(List<io.jaegertracing.thriftjava.Tag> tags) {
    List<JaegerJson.Tag> out = new ArrayList<>();
    if (tags == null) {
      return out;
    }
    for (io.jaegertracing.thriftjava.Tag tag : tags) {
      out.add(switch (tag.getVType()) {
        case STRING -> JaegerJson.Tag.string(tag.getKey(), tag.getVStr());
        case BOOL -> JaegerJson.Tag.bool(tag.getKey(), tag.isVBool());
        case LONG -> JaegerJson.Tag.int64(tag.getKey(), tag.getVLong());
        case DOUBLE -> JaegerJson.Tag.float64(tag.getKey(), tag.getVDouble());
        case BINARY -> new JaegerJson.Tag(tag.getKey(), "binary",
            Base64.getEncoder().encodeToString(tag.getVBinary()));
      });
    }
    return out;
  }

  /**
   * Compares the Zipkin v2 API's view: IDs, parent (Thrift's parentSpanId, else the first
   * CHILD_OF reference), lower-cased names (zipkin2's rule), kind from {@code span.kind}, times,
   * the service, tags as text with {@code error} for error=true, one annotation a log.
   */
  void assertZipkin(JsonArray zipkin) {
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(zipkin.size()).as("spans on the Zipkin API: %s", zipkin.encode())
        .isEqualTo(spans.size());
    for (JaegerSpan span : spans) {
      io.jaegertracing.thriftjava.Span sent = thrift(span);
      String id = JaegerJson.hex(sent.getSpanId());
      JsonObject got = null;
      for (Object s : zipkin) {
        if (id.equals(((JsonObject) s).getString("id"))) {
          got = (JsonObject) s;
        }
      }
      if (got == null) {
        softly.fail("span %s (%s) is not on the Zipkin API: %s", id, sent.getOperationName(),
            zipkin.encode());
        continue;
      }
      String what = "Zipkin span " + id + " '" + sent.getOperationName() + "': ";
      softly.assertThat(got.getString("traceId")).as(what + "traceId").isEqualTo(traceId);
      softly.assertThat(got.getString("parentId")).as(what + "parentId")
          .isEqualTo(zipkinParent(sent));
      softly.assertThat(got.getString("name")).as(what + "name")
          .isEqualTo(sent.getOperationName().toLowerCase(Locale.ROOT));
      softly.assertThat(got.getLong("timestamp")).as(what + "timestamp")
          .isEqualTo(sent.getStartTime());
      softly.assertThat(got.getLong("duration", 0L)).as(what + "duration")
          .isEqualTo(sent.getDuration());
      softly.assertThat(got.getJsonObject("localEndpoint", new JsonObject())
          .getString("serviceName")).as(what + "localEndpoint.serviceName")
          .isEqualTo(service.toLowerCase(Locale.ROOT));
      Map<String, String> tags = new LinkedHashMap<>();
      String kind = null;
      for (io.jaegertracing.thriftjava.Tag tag : sent.getTags()) {
        JaegerJson.Tag typed = tags(List.of(tag)).get(0);
        if (typed.equals(JaegerJson.Tag.bool("error", true))) {
          tags.put("error", ""); // status ERROR without a description
        } else if (tag.getKey().equals("span.kind")) {
          kind = tag.getVStr().toUpperCase(Locale.ROOT);
        } else {
          tags.put(tag.getKey(), String.valueOf(typed.value()));
        }
      }
      softly.assertThat(got.getString("kind")).as(what + "kind").isEqualTo(kind);
      softly.assertThat(JaegerJson.zipkinTags(got)).as(what + "tags")
          .containsExactlyInAnyOrderEntriesOf(tags);
      List<Long> annotationTimes = new ArrayList<>();
      for (Object a : got.getJsonArray("annotations", new JsonArray())) {
        annotationTimes.add(((JsonObject) a).getLong("timestamp"));
      }
      List<Long> logTimes = new ArrayList<>();
      if (sent.getLogs() != null) {
        sent.getLogs().forEach(log -> logTimes.add(log.getTimestamp()));
      }
      softly.assertThat(annotationTimes).as(what + "annotation timestamps")
          .containsExactlyInAnyOrderElementsOf(logTimes);
    }
    softly.assertAll();
  }

  private static String zipkinParent(io.jaegertracing.thriftjava.Span sent) {
    if (sent.getParentSpanId() != 0) {
      return JaegerJson.hex(sent.getParentSpanId());
    }
    if (sent.getReferences() != null) {
      for (SpanRef ref : sent.getReferences()) {
        if (ref.getRefType() == io.jaegertracing.thriftjava.SpanRefType.CHILD_OF
            && ref.getTraceIdLow() == sent.getTraceIdLow()
            && ref.getTraceIdHigh() == sent.getTraceIdHigh()) {
          return JaegerJson.hex(ref.getSpanId());
        }
      }
    }
    return null;
  }
}
