package io.meshtrace.storage.sampling;

import java.time.Instant;

/**
 * One entry of the {@link StrategyDocumentLog}: the whole document after a change, who made it,
 * when, and what it changed, in words.
 */
public record StrategyDocumentVersion(long version, Instant changedAt, String changedBy,
    String change, String documentJson) {}
