/** Durations as Go writes them ({@code 1.5ms}, {@code 2m30s}): Jaeger's flags and query API. */
package io.meshtrace.time;
