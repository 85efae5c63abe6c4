package io.meshtrace.ingest;

/**
 * Where spans came from, for metrics and logs.
 *
 * @param transport {@code zipkin}, {@code otlp_grpc} or {@code otlp_http}
 * @param format the wire format, for example {@code json_v2}, {@code proto3}, {@code json_v1}
 */
public record IngestSource(String transport, String format) {}
