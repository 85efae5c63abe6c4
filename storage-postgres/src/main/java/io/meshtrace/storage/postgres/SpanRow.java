package io.meshtrace.storage.postgres;

import java.time.LocalDate;
import java.util.UUID;

/** One span on its way into the {@code spans} table. */
final class SpanRow {
  final long startMicros;
  final long spanId;
  final Long parentId;
  final Long durationMicros;
  final UUID traceId;
  final SpanSource source;
  final String operationName;
  final short spanKind;
  final byte[] payload;

  /** Filled in by {@link Dictionaries#resolve} just before the insert. */
  long sourceId;
  int operationId;

  SpanRow(long startMicros, long spanId, Long parentId, Long durationMicros, UUID traceId,
      SpanSource source, String operationName, short spanKind, byte[] payload) {
    this.startMicros = startMicros;
    this.spanId = spanId;
    this.parentId = parentId;
    this.durationMicros = durationMicros;
    this.traceId = traceId;
    this.source = source;
    this.operationName = operationName;
    this.spanKind = spanKind;
    this.payload = payload;
  }

  LocalDate day() {
    return LocalDate.ofEpochDay(Math.floorDiv(startMicros, 86_400_000_000L));
  }

}
