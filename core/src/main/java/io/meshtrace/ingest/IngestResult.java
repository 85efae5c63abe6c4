package io.meshtrace.ingest;

/**
 * What happened to a request's spans once they are committed.
 *
 * @param acceptedSpans spans now stored
 * @param rejectedSpans spans refused for their content (only with partial success)
 * @param errorMessage why the first of them was refused, or empty
 */
public record IngestResult(long acceptedSpans, long rejectedSpans, String errorMessage) {
  public static IngestResult accepted(long spans) {
    return new IngestResult(spans, 0, "");
  }
}
