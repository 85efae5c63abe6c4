package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;

/**
 * The resource and instrumentation scope that reported a span, encoded as a ResourceSpans
 * message with one empty ScopeSpans; {@code digest} identifies it in {@code span_sources}.
 */
record SpanSource(ByteString digest, byte[] encoded, String serviceName) {}
