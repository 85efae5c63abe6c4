package io.meshtrace.storage;

/**
 * An operation of a service: a span name with its OTLP span kind number (0 when the sender gave
 * none).
 */
public record SpanName(String name, int spanKind) {}
