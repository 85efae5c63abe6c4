/**
 * The ingest pipeline and its contract with receivers. A receiver decodes a request, translates
 * it into OTLP and hands it over as a {@link io.meshtrace.ingest.SpanIngest}; the {@link
 * io.meshtrace.ingest.IngestPipeline} bounds it (spans per request, spans in flight), applies the
 * attribute limits, refuses spans storage cannot hold and passes the rest to a {@link
 * io.meshtrace.storage.SpanSink}; the receiver answers once the sink says the spans are durable.
 * Refusals are {@link io.meshtrace.ingest.IngestException}s whose reason says what to answer.
 */
package io.meshtrace.ingest;
