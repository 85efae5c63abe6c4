/**
 * Archived traces: {@link io.meshtrace.storage.archive.TraceArchive} keeps copies of traces
 * beyond retention, {@link io.meshtrace.storage.archive.ArchivedTraceReads} makes every read of a
 * trace by ID find them, {@link io.meshtrace.storage.archive.TraceUnion} merges two readings of
 * one trace. Implemented by {@code storage-postgres}.
 */
package io.meshtrace.storage.archive;
