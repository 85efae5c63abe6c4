package io.meshtrace.controlplane.slo;

/**
 * How a source of objectives is doing, for {@code /readyz}.
 *
 * @param degraded whether it serves older objectives than it should (a broken file, storage
 *     that cannot be read)
 */
public record ObjectivesStatus(boolean degraded, String detail) {}
