package io.meshtrace.storage.postgres;

/** Observes the writer's batches, for metrics. Called on a pool thread: keep it cheap. */
public interface SpanBatchListener {
  void batchCommitted(int spans, long nanos);

  void batchFailed(int spans, long nanos, Throwable failure);
}
