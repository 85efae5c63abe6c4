package io.meshtrace.kafka;

/** Told how each of the Kafka sink's transactions went (the metrics). */
public interface KafkaSinkObserver {
  KafkaSinkObserver NONE = new KafkaSinkObserver() {
    @Override
    public void committed(int records, long nanos) {}

    @Override
    public void failed(int records, long nanos, Throwable failure) {}
  };

  /** A transaction of {@code records} records was committed, {@code nanos} after it began. */
  void committed(int records, long nanos);

  void failed(int records, long nanos, Throwable failure);
}
