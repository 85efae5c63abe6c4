package io.meshtrace.ingest;

import io.meshtrace.fuzz.FuzzInputs;
import io.meshtrace.fuzz.FuzzTarget;
import io.meshtrace.fuzz.OtlpSeeds;
import io.meshtrace.model.OtlpJson;
import io.meshtrace.storage.StorableSpanChecker;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzing of OTLP JSON ({@link OtlpJson}, what OTLP/HTTP with application/json and the Kafka
 * path read) and of what every decoded request goes through next, the sanitizer with storage's
 * span check: mutated real requests and random bytes must parse or be refused with
 * IllegalArgumentException, and whatever parses must be sanitized without an exception.
 */
class OtlpJsonFuzzTest {
  static final FuzzTarget EXPORT_REQUEST = new FuzzTarget("otlp-json",
      IllegalArgumentException.class);
  static final FuzzTarget TRACES_DATA = new FuzzTarget("otlp-json-traces-data",
      IllegalArgumentException.class);
  static final SpanSanitizer SANITIZER = new SpanSanitizer(new StorableSpanChecker(
      Clock.fixed(Instant.parse("2023-11-14T22:13:20Z"), ZoneOffset.UTC), Duration.ofDays(7),
      StorableSpanChecker.DEFAULT_MAX_FUTURE_SKEW), new IngestLimits(
      IngestLimits.DEFAULT_MAX_SPANS_PER_REQUEST, IngestLimits.DEFAULT_MAX_ATTRIBUTES_PER_SPAN,
      IngestLimits.DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH, IngestLimits.DEFAULT_MAX_SPANS_IN_FLIGHT));

  @Property
  void exportRequestParsesOrIsRefused(@ForAll("json") byte[] body) {
    EXPORT_REQUEST.check(body, () -> {
      ExportTraceServiceRequest request = OtlpJson.parseExportRequest(Buffer.buffer(body));
      SANITIZER.sanitize(request.getResourceSpansList());
    });
  }

  @Property
  void tracesDataParsesOrIsRefused(@ForAll("json") byte[] body) {
    TRACES_DATA.check(body, () -> OtlpJson.parseTracesData(Buffer.buffer(body)));
  }

  @AfterContainer
  static void report() {
    EXPORT_REQUEST.report();
    TRACES_DATA.report();
  }

  @Provide
  Arbitrary<byte[]> json() {
    return FuzzInputs.mutationsOf(OtlpSeeds.json());
  }
}
