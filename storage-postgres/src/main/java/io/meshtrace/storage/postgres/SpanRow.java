package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import io.meshtrace.metrics.SpanMetricsAggregator;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.LocalDate;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * One span on its way into the {@code spans} table, and what the RED metrics read of it once
 * committed (taken from the span while it was in the cache, not after the write's round trip).
 */
final class SpanRow implements SpanMetricsAggregator.StoredSpan {
  final long startMicros;
  final Long durationMicros;
  final UUID traceId;
  final long spanId;
  /** Null for a root span. */
  final Long parentId;
  /** OTLP's status code number. */
  final int statusCode;
  /** What the span says its trace was sampled with, when RED metrics are kept. */
  final double samplingProbability;
  final SpanSource source;
  final String operationName;
  final short spanKind;
  /** The shared attributes as serialized, the attribute set's identity; null when none. */
  final AttributeSet attributeSet;
  /** Keys this span stores as its own that are not yet recorded as volatile. */
  final Set<String> newlyVolatileKeys;
  /** The span, and which of its attributes are shared, for building the payload. */
  final Span span;
  /** The peer.service attribute, or null. */
  final String peerService;
  /** The server half of a Zipkin client/server pair sharing one span ID. */
  final boolean zipkinShared;
  final boolean[] shared;
  final int sharedCount;
  /** {@link TagValueHash}es of the span's attributes whose keys are indexed; often empty. */
  final long[] indexedTagHashes;

  /** Filled in by {@link DictionaryWriter#resolve} just before the insert. */
  int serviceId;
  int operationId;
  int sourceId;
  int attributeSetId;

  SpanRow(long startMicros, Long durationMicros, UUID traceId, long spanId, Long parentId,
      int statusCode, double samplingProbability, SpanSource source, String operationName,
      short spanKind,
      AttributeSet attributeSet, Set<String> newlyVolatileKeys, Span span, boolean[] shared,
      int sharedCount, String peerService, boolean zipkinShared, long[] indexedTagHashes) {
    this.startMicros = startMicros;
    this.durationMicros = durationMicros;
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentId = parentId;
    this.statusCode = statusCode;
    this.samplingProbability = samplingProbability;
    this.source = source;
    this.operationName = operationName;
    this.spanKind = spanKind;
    this.attributeSet = attributeSet;
    this.newlyVolatileKeys = newlyVolatileKeys;
    this.span = span;
    this.shared = shared;
    this.sharedCount = sharedCount;
    this.peerService = peerService;
    this.zipkinShared = zipkinShared;
    this.indexedTagHashes = indexedTagHashes;
  }

  /** The keys of the attributes this span keeps as its own. */
  void ownKeys(Consumer<ByteString> keys) {
    int count = span.getAttributesCount();
    for (int i = 0; i < count; i++) {
      if (shared == null || !shared[i]) {
        keys.accept(span.getAttributes(i).getKeyBytes());
      }
    }
  }

  byte[] payload(ToIntFunction<ByteString> keyIds) {
    return StoredSpanCodec.payload(span, shared, sharedCount, keyIds);
  }

  @Override
  public String tenant() {
    return source.service().tenant();
  }

  @Override
  public String service() {
    return source.serviceName();
  }

  @Override
  public String operation() {
    return operationName;
  }

  @Override
  public int spanKind() {
    return spanKind;
  }

  @Override
  public int statusCode() {
    return statusCode;
  }

  @Override
  public long startMicros() {
    return startMicros;
  }

  @Override
  public long durationMicros() {
    return durationMicros == null ? -1 : durationMicros;
  }

  @Override
  public long traceIdHigh() {
    return traceId.getMostSignificantBits();
  }

  @Override
  public long traceIdLow() {
    return traceId.getLeastSignificantBits();
  }

  @Override
  public double samplingProbability() {
    return samplingProbability;
  }

  boolean error() {
    return statusCode == Status.StatusCode.STATUS_CODE_ERROR_VALUE;
  }

  LocalDate day() {
    return LocalDate.ofEpochDay(Math.floorDiv(startMicros, 86_400_000_000L));
  }
}
