/**
 * Storage contracts of service level objectives: the admin API's objectives as a versioned
 * document log ({@link io.meshtrace.storage.slo.ObjectiveDocumentLog}). What they are computed
 * from is {@link io.meshtrace.metrics.SpanMetricsStore}.
 */
package io.meshtrace.storage.slo;
