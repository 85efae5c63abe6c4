/**
 * What every receiver shares: the hand-off of spans to the ingest pipeline ({@link
 * io.meshtrace.ingest.SpanIngest}), the reasons it can refuse them ({@link
 * io.meshtrace.ingest.IngestException}) and bounded reading of request bodies. It lives beside
 * the Zipkin receiver because that module is the lowest one every receiver can depend on.
 */
package io.meshtrace.ingest;
