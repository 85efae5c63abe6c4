package io.meshtrace.kafka;

import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.CallerContext;
import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.SpanSink;
import io.meshtrace.storage.StorageOverloadedException;
import io.meshtrace.storage.StorageUnavailableException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka sink: a collector's spans are durable once Kafka has them, and its 2xx waits for
 * that. Writes are group-committed into Kafka transactions: one sender thread takes every write
 * that has arrived, sends its records (one per trace, keyed by trace ID: {@link TraceRecords})
 * in one transaction and commits it; each write's future completes after the commit, or fails
 * whole when the transaction is aborted. So a write is in Kafka all or not at all for readers
 * with {@code isolation.level=read_committed} (meshtrace's ingesters), and never acknowledged
 * before Kafka has it with {@code acks=all} and idempotence.
 *
 * <p>Failures: Kafka not answering within {@link KafkaSinkSettings#timeout()} is
 * {@link StorageUnavailableException} (503 / UNAVAILABLE); the producer's buffer full is
 * {@link StorageOverloadedException} (429 / RESOURCE_EXHAUSTED); a record larger than the
 * broker takes is {@link InvalidSpanException}. A producer that cannot go on is replaced.
 */
public final class KafkaSpanSink implements SpanSink, Component {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSpanSink.class);
  /** Writes taken into one transaction at most: a bound on what one failure fails. */
  private static final int MAX_WRITES_PER_TRANSACTION = 512;
  private static final java.time.Duration RECONNECT_INTERVAL = java.time.Duration.ofSeconds(2);

  private final Vertx vertx;
  private final KafkaSinkSettings settings;
  private final KafkaSinkObserver observer;
  private final LinkedBlockingQueue<PendingWrite> queue = new LinkedBlockingQueue<>();
  private final List<Sender> senders = new ArrayList<>();
  private volatile boolean stopping;

  /** One {@link #accept} call waiting for its transaction. */
  private record PendingWrite(List<ProducerRecord<String, byte[]>> records,
      Promise<Void> done, Context context) {
    void complete(Throwable failure) {
      CallerContext.complete(done, context, failure);
    }
  }

  public KafkaSpanSink(Vertx vertx, KafkaSinkSettings settings) {
    this(vertx, settings, KafkaSinkObserver.NONE);
  }

  public KafkaSpanSink(Vertx vertx, KafkaSinkSettings settings, KafkaSinkObserver observer) {
    this.vertx = vertx;
    this.settings = settings;
    this.observer = observer;
  }

  @Override
  public String name() {
    return "Kafka span sink (" + settings.brokers() + ", topic " + settings.topic() + ")";
  }

  /**
   * Starts the senders, which connect at once (a transactional producer registers with its
   * coordinator). Kafka being away does not stop the start: writes fail as unavailable until it
   * is back, and the senders connect again by themselves.
   */
  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      for (int i = 0; i < settings.producers(); i++) {
        Sender sender = new Sender("meshtrace-kafka-sink-" + i);
        senders.add(sender);
        sender.connect();
        sender.thread.start();
      }
      return null;
    }, false);
  }

  /** Succeeds while a producer is connected to Kafka: for the process's readiness. */
  public Future<Void> ready() {
    for (Sender sender : senders) {
      if (sender.producer != null) {
        return Future.succeededFuture();
      }
    }
    return Future.failedFuture("not connected to Kafka at " + settings.brokers());
  }

  @Override
  public Future<Void> accept(List<ResourceSpans> resourceSpans) {
    if (stopping) {
      return Future.failedFuture(new StorageUnavailableException("the Kafka sink is stopping",
          null));
    }
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    // A record is one tenant's: its tenant goes into a header, the value is plain OTLP.
    TenantHeader.byTenant(resourceSpans).forEach((tenant, spans) -> {
      byte[] tenantHeader = TenantHeader.value(tenant);
      for (TraceRecords.TraceRecord trace : TraceRecords.split(spans)) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(settings.topic(),
            trace.key(), settings.encoding().encode(trace.request()));
        if (tenantHeader != null) {
          record.headers().add(TenantHeader.NAME, tenantHeader);
        }
        records.add(record);
      }
    });
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    queue.add(new PendingWrite(records, done, Vertx.currentContext()));
    return done.future();
  }

  /** Waits for the writes queued before it, then closes the producers. */
  @Override
  public Future<Void> stop() {
    stopping = true;
    return vertx.executeBlocking(() -> {
      for (Sender sender : senders) {
        sender.thread.interrupt();
      }
      for (Sender sender : senders) {
        sender.thread.join(settings.timeout().toMillis() * 2);
        KafkaProducer<String, byte[]> open = sender.producer;
        if (open != null) {
          open.close(settings.timeout());
        }
      }
      failAll(new StorageUnavailableException("the Kafka sink stopped", null));
      return null;
    }, false);
  }

  private void failAll(Throwable failure) {
    List<PendingWrite> left = new ArrayList<>();
    queue.drainTo(left);
    for (PendingWrite write : left) {
      write.complete(failure);
    }
  }

  /** A thread and its transactional producer, taking writes from the shared queue. */
  private final class Sender {
    final Thread thread;
    volatile KafkaProducer<String, byte[]> producer;
    volatile long lastConnectAttempt;

    Sender(String name) {
      thread = new Thread(this::sendLoop, name);
      thread.setDaemon(true);
    }

    /** Creates the producer if there is none; a failure is logged and tried again later. */
    void connect() {
      if (producer != null) {
        return;
      }
      lastConnectAttempt = System.nanoTime();
      try {
        producer = newProducer();
      } catch (StorageUnavailableException away) {
        LOG.warn("{}; writes fail as unavailable until it answers", away.getMessage());
      }
    }

    private void sendLoop() {
      List<PendingWrite> batch = new ArrayList<>();
      while (true) {
        try {
          if (batch.isEmpty()) {
            PendingWrite first = queue.poll(100, TimeUnit.MILLISECONDS);
            if (first == null) {
              if (stopping) {
                return;
              }
              // Idle and without a producer: connect again, so that readiness comes back.
              if (producer == null
                  && System.nanoTime() - lastConnectAttempt > RECONNECT_INTERVAL.toNanos()) {
                connect();
              }
              continue;
            }
            batch.add(first);
            queue.drainTo(batch, MAX_WRITES_PER_TRANSACTION - 1);
          }
        } catch (InterruptedException e) {
          if (queue.isEmpty()) {
            return;
          }
          Thread.interrupted();
          continue; // drain what was queued before the stop
        }
        long started = System.nanoTime();
        Throwable failure = send(batch);
        int records = batch.stream().mapToInt(write -> write.records().size()).sum();
        if (failure == null) {
          observer.committed(records, System.nanoTime() - started);
        } else {
          observer.failed(records, System.nanoTime() - started, failure);
        }
        for (PendingWrite write : batch) {
          write.complete(failure);
        }
        batch.clear();
      }
    }

    /** Sends a batch in one transaction; null when committed, else why it was not. */
    private Throwable send(List<PendingWrite> batch) {
      KafkaProducer<String, byte[]> open = producer;
      try {
        if (open == null) {
          lastConnectAttempt = System.nanoTime();
          open = producer = newProducer();
        }
        open.beginTransaction();
        for (PendingWrite write : batch) {
          for (ProducerRecord<String, byte[]> record : write.records()) {
            open.send(record);
          }
        }
        open.commitTransaction(); // flushes, and fails if any send failed
        return null;
      } catch (RecordTooLargeException tooLarge) {
        abort(open);
        return new InvalidSpanException("a trace's spans make a record larger than Kafka takes: "
            + tooLarge.getMessage());
      } catch (org.apache.kafka.clients.producer.BufferExhaustedException full) {
        abort(open);
        return new StorageOverloadedException("the Kafka producer's buffer is full", full);
      } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
          | IllegalStateException fatal) {
        replace(open, fatal);
        return new StorageUnavailableException("Kafka refused the write: " + fatal.getMessage(),
            fatal);
      } catch (KafkaException e) {
        // Timeouts, brokers away: the transaction cannot be trusted; a fresh producer starts.
        replace(open, e);
        return new StorageUnavailableException("Kafka did not take the write within "
            + settings.timeout().toSeconds() + " s: " + e.getMessage(), e);
      } catch (RuntimeException e) {
        replace(open, e);
        return new StorageUnavailableException("writing to Kafka failed: " + e, e);
      }
    }

    private void abort(KafkaProducer<String, byte[]> open) {
      try {
        open.abortTransaction();
      } catch (RuntimeException e) {
        replace(open, e);
      }
    }

    private void replace(KafkaProducer<String, byte[]> open, Throwable why) {
      LOG.warn("Replacing the Kafka producer after: {}", why.toString());
      producer = null;
      if (open != null) {
        try {
          open.close(java.time.Duration.ZERO);
        } catch (RuntimeException e) {
          LOG.debug("Closing the Kafka producer: {}", e.toString());
        }
      }
    }
  }

  private KafkaProducer<String, byte[]> newProducer() {
    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Each process its own transactional ID: collectors keep no state a successor could fence.
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "meshtrace-collector-" + UUID.randomUUID());
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, settings.compression());
    config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, settings.bufferBytes());
    long timeoutMs = settings.timeout().toMillis();
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, timeoutMs / 2));
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeoutMs);
    // A transaction lives one commit, at most the delivery timeout; the broker aborts one left
    // open by a collector that died after this long, and until then read_committed readers of
    // its partitions cannot read past it. Shorter (2 x the timeout) was tried: after a broker
    // restart under load the partitions' last stable offset then stayed put for good
    // (bench/drills/kafka-faults.sh, broker-outage), so the bound stays at a minute.
    config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Math.max(timeoutMs * 3, 60_000));
    config.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
    KafkaProducer<String, byte[]> created = new KafkaProducer<>(config, new StringSerializer(),
        new ByteArraySerializer());
    try {
      created.initTransactions();
    } catch (RuntimeException e) {
      created.close(java.time.Duration.ZERO);
      throw new StorageUnavailableException("cannot start a Kafka producer for "
          + settings.brokers() + ": " + e.getMessage(), e);
    }
    return created;
  }
}
