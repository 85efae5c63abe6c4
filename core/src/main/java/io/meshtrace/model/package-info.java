/**
 * Helpers over meshtrace's canonical span model, OTLP ({@code io.opentelemetry.proto.trace.v1}):
 * trace and span IDs, attribute values as text, a trace's spans in a stable order, and the
 * attribute keys that carry what OTLP has no field for.
 */
package io.meshtrace.model;
