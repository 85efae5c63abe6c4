package io.meshtrace.storage.slo;

import java.time.Instant;

/**
 * One entry of the {@link ObjectiveDocumentLog}: the whole document after a change, who made
 * it, when, and what it changed, in words.
 */
public record ObjectiveDocumentVersion(long version, Instant changedAt, String changedBy,
    String change, String documentJson) {}
