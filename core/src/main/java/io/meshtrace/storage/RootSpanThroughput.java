package io.meshtrace.storage;

import java.time.Instant;

/**
 * Root spans of one service and operation in one minute, by the sampling decision they report.
 *
 * @param samplerType {@code probabilistic}, {@code ratelimiting}, {@code lowerbound},
 *     {@code const}... as the span says; empty when it says nothing
 * @param samplerParam the sampler's parameter (a probability, or traces per second); -1 when
 *     none was given
 */
public record RootSpanThroughput(Instant minute, String service, String operation,
    String samplerType, double samplerParam, long rootSpans) {}
