/**
 * Storage as the rest of meshtrace sees it: a {@link io.meshtrace.storage.SpanSink} that makes
 * batches durable and a {@link io.meshtrace.storage.SpanStore} that reads traces back, both in
 * OTLP, with the queries and results they exchange. Implemented by {@code storage-postgres}.
 */
package io.meshtrace.storage;
