package io.meshtrace.controlplane.sampling.admin;

import io.meshtrace.controlplane.sampling.SamplingStrategiesDocument;
import java.time.Instant;

/**
 * One change made through the admin API: the API's whole document after it, who made it, when,
 * and what it changed, in words.
 */
public record SamplingStrategyVersion(long version, Instant changedAt, String changedBy,
    String change, SamplingStrategiesDocument document) {}
