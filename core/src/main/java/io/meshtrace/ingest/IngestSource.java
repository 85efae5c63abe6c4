package io.meshtrace.ingest;

/**
 * Where spans came from, and what the protocol can say back.
 *
 * @param transport {@code zipkin}, {@code otlp_grpc} or {@code otlp_http}, a metric label
 * @param format the wire format, for example {@code json_v2}, {@code proto3}, {@code json_v1},
 *     {@code protobuf}, {@code json}, a metric label
 * @param partialSuccess whether the protocol can report single spans as refused (OTLP can);
 *     without it one invalid span refuses the whole request and nothing is stored (Zipkin)
 */
public record IngestSource(String transport, String format, boolean partialSuccess) {}
