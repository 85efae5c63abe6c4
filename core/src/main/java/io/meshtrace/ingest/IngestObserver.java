package io.meshtrace.ingest;

/**
 * What the ingest pipeline reports as it works, for metrics; the wiring module implements it
 * (Prometheus counters). Called on event loops: keep it cheap. Every method has a do-nothing
 * default.
 */
public interface IngestObserver {
  IngestObserver NONE = new IngestObserver() {};

  /** Spans in a decoded request, before any check. */
  default void received(IngestSource source, long spans) {}

  /** Spans now durable. */
  default void accepted(IngestSource source, long spans) {}

  /** Spans not kept, and why. Never called with zero spans. */
  default void rejected(IngestSource source, SpanRejection reason, long spans) {}

  /** A request refused before its spans could be counted (malformed, too large, ...). */
  default void requestRefused(IngestSource source, IngestException.Reason reason) {}

  /** Attributes dropped by the per-span limit. */
  default void attributesDropped(long count) {}

  /** Attribute values cut to the length limit. */
  default void valuesTruncated(long count) {}

  /** Strings whose NUL characters or malformed UTF-8 were replaced so that they can be stored. */
  default void stringsCleaned(long count) {}

  /** Span links dropped because their trace or span ID has the wrong length. */
  default void linksDropped(long count) {}
}
