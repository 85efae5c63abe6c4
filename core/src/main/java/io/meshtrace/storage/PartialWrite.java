package io.meshtrace.storage;

/**
 * What {@link SpanSink#acceptEach} kept of a call: every span but {@code rejectedSpans}, which
 * storage refused for their content.
 *
 * @param rejectedSpans spans not stored
 * @param firstRejection why the first of them was refused, or empty
 */
public record PartialWrite(long rejectedSpans, String firstRejection) {
  public static final PartialWrite ALL_STORED = new PartialWrite(0, "");
}
