package io.meshtrace.kafka;

import io.meshtrace.lifecycle.Component;
import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.PositionConflictException;
import io.meshtrace.storage.PositionedSpanSink;
import io.meshtrace.storage.SourcePositions;
import io.meshtrace.storage.SpanChecker;
import io.meshtrace.tenant.SpanTenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ingester: a member of a consumer group that reads span records and stores them exactly
 * once. Its positions are not Kafka's committed offsets but those the sink keeps with the spans
 * ({@link PositionedSpanSink}): each batch is stored with "partition p moved from a to b" in the
 * same transaction, so after a crash, a {@code kill -9} or a rebalance the next owner of a
 * partition starts where the last committed batch ended, and a batch whose start has moved
 * meanwhile (a member that went on after losing its partitions) is refused whole.
 *
 * <p>Each of {@link KafkaIngesterSettings#consumers()} members of the group polls and stores on a
 * thread of its own, batch after batch, for the partitions it holds. Storage down: the batch is
 * tried again, with growing pauses, from the same positions; the records wait in Kafka (the lag
 * grows) and nothing is lost. A record that cannot be decoded, or a span storage cannot hold, is
 * counted and skipped: its position moves on, so it cannot stop the partition.
 */
public final class KafkaSpanIngester implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSpanIngester.class);

  private final KafkaIngesterSettings settings;
  private final PositionedSpanSink sink;
  private final SpanChecker checker;
  private final AtomicLong recordsStored = new AtomicLong();
  private final AtomicLong recordsSkipped = new AtomicLong();
  private final AtomicLong spansStored = new AtomicLong();
  private final AtomicLong spansSkipped = new AtomicLong();
  private final AtomicLong rebalances = new AtomicLong();
  private static final long LAG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final List<Member> members = new ArrayList<>();
  private volatile boolean stopping;

  public KafkaSpanIngester(KafkaIngesterSettings settings, PositionedSpanSink sink,
      SpanChecker checker) {
    this.settings = settings;
    this.sink = sink;
    this.checker = checker;
  }

  @Override
  public String name() {
    return "Kafka ingester (group " + settings.group() + ", topic " + settings.topic() + ")";
  }

  @Override
  public Future<Void> start() {
    for (int i = 0; i < settings.consumers(); i++) {
      Member member = new Member(i);
      members.add(member);
      member.thread.start();
    }
    return Future.succeededFuture();
  }

  /** Finishes the batches in hand, leaves the group, and stops. */
  @Override
  public Future<Void> stop() {
    stopping = true;
    List<Future<Void>> all = new ArrayList<>();
    for (Member member : members) {
      member.wakeup();
      all.add(member.stopped.future());
    }
    return Future.all(all).mapEmpty();
  }

  /** Partitions this process's members hold now. */
  public Collection<TopicPartition> assignment() {
    List<TopicPartition> held = new ArrayList<>();
    for (Member member : members) {
      held.addAll(member.expected.keySet());
    }
    return held;
  }

  public long recordsStored() {
    return recordsStored.get();
  }

  public long recordsSkipped() {
    return recordsSkipped.get();
  }

  public long spansStored() {
    return spansStored.get();
  }

  public long spansSkipped() {
    return spansSkipped.get();
  }

  /** Assignments this process's members have taken part in. */
  public long rebalances() {
    return rebalances.get();
  }

  /** By partition held, the records not yet stored, as of the last look. */
  public Map<Integer, Long> lag() {
    Map<Integer, Long> all = new HashMap<>();
    for (Member member : members) {
      all.putAll(member.lag);
    }
    return Map.copyOf(all);
  }

  /** One consumer of the group, on a thread of its own, with the partitions it holds. */
  private final class Member {
    /** Where this member reads each partition it holds from: the stored position. */
    private final Map<TopicPartition, Long> expected = new ConcurrentHashMap<>();
    /** Records not yet stored of each partition held, as of the last look (once a second). */
    private final Map<Integer, Long> lag = new ConcurrentHashMap<>();
    private final AtomicLong assignments = new AtomicLong();
    private final Promise<Void> stopped = Promise.promise();
    private final Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private long lagUpdated = System.nanoTime() - LAG_INTERVAL_NANOS;
    /** A consumer of no group, reading uncommitted: only to ask for the partitions' log ends. */
    private KafkaConsumer<String, byte[]> logEnds;

    Member(int index) {
      thread = new Thread(this::run, "meshtrace-kafka-ingester-" + index);
      thread.setDaemon(true);
    }

    void wakeup() {
      KafkaConsumer<String, byte[]> open = consumer;
      if (open != null) {
        open.wakeup();
      }
    }

    private void run() {
      Duration backoff = settings.retryBackoff();
      while (!stopping) {
        try {
          consume();
          backoff = settings.retryBackoff();
        } catch (WakeupException stop) {
          // stop() woke the poll
        } catch (RuntimeException e) {
          // A broker gone for good, a fatal client error: a fresh consumer, as a restart would.
          LOG.error("The Kafka consumer failed; a new one in {} ms", backoff.toMillis(), e);
          release(expected.keySet());
          sleep(backoff);
          backoff = min(backoff.multipliedBy(2), settings.retryBackoff().multipliedBy(10));
        }
      }
      stopped.tryComplete();
    }

    private void consume() {
      try (KafkaConsumer<String, byte[]> open = newConsumer();
          KafkaConsumer<String, byte[]> logEnds = newLogEndsConsumer()) {
        this.logEnds = logEnds;
        consumer = open;
        if (stopping) {
          return;
        }
        open.subscribe(List.of(settings.topic()), new Positions(open));
        while (!stopping) {
          ConsumerRecords<String, byte[]> records = open.poll(Duration.ofMillis(500));
          if (!records.isEmpty()) {
            storeWithRetries(open, records);
          }
          updateLag(open);
        }
      } finally {
        consumer = null;
        logEnds = null;
      }
    }

    /**
     * Stores a poll's records; on storage trouble waits and tries the same again. While it waits
     * it polls with every partition paused, so that the member stays in the group; a rebalance
     * meanwhile ends the attempt (the partitions are read again from the stored positions).
     */
    private void storeWithRetries(KafkaConsumer<String, byte[]> open,
        ConsumerRecords<String, byte[]> records) {
      Duration backoff = settings.retryBackoff();
      long assignmentsBefore = assignments.get();
      try {
        while (!stopping) {
          try {
            store(open, records);
            return;
          } catch (PositionConflictException moved) {
            LOG.info("Positions moved under this member ({}); reading from the stored ones",
                moved.getMessage());
            reloadPositions(open, records.partitions());
            return;
          } catch (RuntimeException unavailable) {
            LOG.warn("Storing {} Kafka records failed, trying again in {} ms: {}",
                records.count(), backoff.toMillis(), unavailable.getMessage());
          }
          open.pause(open.assignment());
          long until = System.nanoTime() + backoff.toNanos();
          while (!stopping && System.nanoTime() < until) {
            open.poll(Duration.ofMillis(Math.min(200, backoff.toMillis())));
            updateLag(open);
            if (assignments.get() != assignmentsBefore) {
              LOG.info("Partitions reassigned while storage was failing; reading them again");
              // Every partition held, not only the batch's: a newly assigned one is not paused,
              // and what this poll returned of it is dropped here.
              for (TopicPartition partition : open.assignment()) {
                Long position = expected.get(partition);
                if (position != null) {
                  open.seek(partition, position);
                }
              }
              return;
            }
          }
          backoff = min(backoff.multipliedBy(2), settings.retryBackoff().multipliedBy(10));
        }
      } finally {
        open.resume(open.paused());
      }
    }

    /**
     * Records not yet stored, per partition held: the partition's log end less the stored
     * position, as Kafka's own consumer-group lag counts it. The log end, not the last stable
     * offset that read_committed reads up to: records behind a transaction that stays open (a
     * collector that died mid-commit, a stuck transaction) are lag too, so such a stall shows.
     * Asked of the broker at most once a second, also while storage fails.
     */
    private void updateLag(KafkaConsumer<String, byte[]> open) {
      long now = System.nanoTime();
      if (now - lagUpdated < LAG_INTERVAL_NANOS || open.assignment().isEmpty()) {
        return;
      }
      lagUpdated = now;
      try {
        Map<TopicPartition, Long> ends = logEnds.endOffsets(open.assignment(),
            Duration.ofSeconds(5));
        ends.forEach((partition, end) -> {
          Long position = expected.get(partition);
          if (position != null) {
            lag.put(partition.partition(), Math.max(0, end - position));
          }
        });
      } catch (org.apache.kafka.common.errors.TimeoutException brokerAway) {
        // the last figures stay until the broker answers
      }
    }

    private void store(KafkaConsumer<String, byte[]> open,
        ConsumerRecords<String, byte[]> records) {
      List<ResourceSpans> spans = new ArrayList<>();
      Map<Integer, Long> from = new HashMap<>();
      Map<Integer, Long> to = new HashMap<>();
      long skippedRecords = 0;
      long[] spanCounts = new long[2];
      for (TopicPartition partition : records.partitions()) {
        List<ConsumerRecord<String, byte[]>> inPartition = records.records(partition);
        Long start = expected.get(partition);
        from.put(partition.partition(), start != null ? start : inPartition.get(0).offset());
        // Past the batch's last record, the consumer's position skips only what read_committed
        // never returns (transaction markers, aborted records): stored as read, not as lag.
        to.put(partition.partition(), Math.max(inPartition.get(inPartition.size() - 1).offset() + 1,
            open.position(partition)));
        for (ConsumerRecord<String, byte[]> record : inPartition) {
          if (start != null && record.offset() < start) {
            continue; // stored already: the consumer was behind the stored position
          }
          List<ResourceSpans> decoded = decodeOrSkip(record, partition);
          if (decoded == null) {
            skippedRecords++;
            continue;
          }
          storable(decoded, spans, spanCounts);
        }
      }
      try {
        await(sink.accept(spans, new SourcePositions(settings.group(), settings.topic(), from,
            to)));
      } catch (InvalidSpanException refused) {
        LOG.warn("Storage refused {} Kafka records stored together ({}); storing them one by one",
            records.count(), refused.getMessage());
        storeOneByOne(records, to);
        return;
      }
      for (TopicPartition partition : records.partitions()) {
        expected.put(partition, to.get(partition.partition()));
      }
      recordsStored.addAndGet(records.count() - skippedRecords);
      recordsSkipped.addAndGet(skippedRecords);
      spansStored.addAndGet(spanCounts[0]);
      spansSkipped.addAndGet(spanCounts[1]);
    }

    /**
     * When storage refuses a poll's spans for their content: each record in its own transaction
     * with its position, so that every other record is stored exactly once; the record storage
     * refuses has its spans stored one at a time (outside the position's transaction: a crash
     * before its position moves stores them again), the refused ones counted as skipped, and its
     * position moved past it. A poison record never stalls its partition.
     */
    private void storeOneByOne(ConsumerRecords<String, byte[]> records, Map<Integer, Long> to) {
      for (TopicPartition partition : records.partitions()) {
        List<ConsumerRecord<String, byte[]>> inPartition = records.records(partition);
        for (int i = 0; i < inPartition.size(); i++) {
          ConsumerRecord<String, byte[]> record = inPartition.get(i);
          Long position = expected.get(partition);
          long start = position != null ? position : record.offset();
          if (record.offset() < start) {
            continue; // stored already, in an earlier attempt
          }
          long next = i == inPartition.size() - 1 ? to.get(partition.partition())
              : record.offset() + 1;
          SourcePositions moved = new SourcePositions(settings.group(), settings.topic(),
              Map.of(partition.partition(), start), Map.of(partition.partition(), next));
          List<ResourceSpans> spans = new ArrayList<>();
          long[] counts = new long[2];
          List<ResourceSpans> decoded = decodeOrSkip(record, partition);
          if (decoded != null) {
            storable(decoded, spans, counts);
          }
          try {
            await(sink.accept(spans, moved));
          } catch (InvalidSpanException refused) {
            LOG.warn("Storage refused record {} of {} ({}); storing its spans one at a time",
                record.offset(), partition, refused.getMessage());
            long[] single = storeSpansOneAtATime(spans);
            counts[0] = single[0];
            counts[1] += single[1];
            await(sink.accept(List.of(), moved));
          }
          expected.put(partition, next);
          if (decoded != null) {
            recordsStored.incrementAndGet();
          } else {
            recordsSkipped.incrementAndGet();
          }
          spansStored.addAndGet(counts[0]);
          spansSkipped.addAndGet(counts[1]);
        }
      }
    }

    /** Counts: stored, refused. */
    private long[] storeSpansOneAtATime(List<ResourceSpans> spans) {
      long[] counts = new long[2];
      for (ResourceSpans resourceSpans : spans) {
        for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
          for (Span span : scopeSpans.getSpansList()) {
            ResourceSpans one = ResourceSpans.newBuilder()
                .setResource(resourceSpans.getResource())
                .setSchemaUrl(resourceSpans.getSchemaUrl())
                .addScopeSpans(ScopeSpans.newBuilder().setScope(scopeSpans.getScope())
                    .setSchemaUrl(scopeSpans.getSchemaUrl()).addSpans(span))
                .build();
            try {
              await(sink.accept(List.of(one)));
              counts[0]++;
            } catch (InvalidSpanException refused) {
              counts[1]++;
              LOG.warn("Storage refused a span of trace {}: {}",
                  io.meshtrace.model.TraceId.fromBytes(span.getTraceId()).toHex128(),
                  refused.getMessage());
            }
          }
        }
      }
      return counts;
    }

    /**
     * The record's spans, marked as the tenant its header names (a tenant the value itself
     * names is dropped), or null (logged) when it has no value, cannot be decoded or its tenant
     * header is invalid.
     */
    private List<ResourceSpans> decodeOrSkip(ConsumerRecord<String, byte[]> record,
        TopicPartition partition) {
      try {
        if (record.value() == null) {
          throw new IllegalArgumentException("the record has no value");
        }
        return SpanTenant.assign(settings.decoder().decodeSpans(record.value()),
            TenantHeader.of(record.headers()));
      } catch (RuntimeException undecodable) {
        LOG.warn("Skipped record {} of {}: {}", record.offset(), partition,
            undecodable.getMessage());
        return null;
      }
    }

    /** The spans storage can hold, by the same rules as the collectors' (counts: kept, dropped). */
    private void storable(List<ResourceSpans> in, List<ResourceSpans> out, long[] counts) {
      for (ResourceSpans resourceSpans : in) {
        ResourceSpans.Builder kept = null;
        for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
          ScopeSpans.Builder scope = null;
          for (Span span : scopeSpans.getSpansList()) {
            if (checker.check(span) != null) {
              counts[1]++;
              continue;
            }
            if (scope == null) {
              scope = ScopeSpans.newBuilder().setScope(scopeSpans.getScope())
                  .setSchemaUrl(scopeSpans.getSchemaUrl());
            }
            scope.addSpans(span);
            counts[0]++;
          }
          if (scope != null) {
            if (kept == null) {
              kept = ResourceSpans.newBuilder().setResource(resourceSpans.getResource())
                  .setSchemaUrl(resourceSpans.getSchemaUrl());
            }
            kept.addScopeSpans(scope);
          }
        }
        if (kept != null) {
          out.add(kept.build());
        }
      }
    }

    /** After a conflict: the stored positions are the truth; read on from them. */
    private void reloadPositions(KafkaConsumer<String, byte[]> open,
        Collection<TopicPartition> partitions) {
      Map<Integer, Long> stored = await(sink.positions(settings.group(), settings.topic()));
      for (TopicPartition partition : partitions) {
        Long position = stored.get(partition.partition());
        if (position != null && expected.containsKey(partition)) {
          open.seek(partition, position);
          expected.put(partition, position);
        }
      }
    }

    /** On assignment, each partition is read from its stored position, or Kafka's start. */
    private final class Positions implements ConsumerRebalanceListener {
      private final KafkaConsumer<String, byte[]> open;

      Positions(KafkaConsumer<String, byte[]> open) {
        this.open = open;
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        assignments.incrementAndGet();
        rebalances.incrementAndGet();
        if (partitions.isEmpty()) {
          return;
        }
        Map<Integer, Long> stored = storedPositions();
        if (stored == null) {
          return; // stopping
        }
        for (TopicPartition partition : partitions) {
          Long position = stored.get(partition.partition());
          if (position != null) {
            open.seek(partition, position);
            expected.put(partition, position);
          } else {
            expected.put(partition, open.position(partition));
          }
        }
        LOG.info("Holding {} of {}, from {}", partitions, settings.topic(), expected);
      }

      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        release(partitions);
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        release(partitions);
      }

      /** Until storage answers: nothing may be read before its position is known. */
      private Map<Integer, Long> storedPositions() {
        Duration backoff = settings.retryBackoff();
        while (!stopping) {
          try {
            return await(sink.positions(settings.group(), settings.topic()));
          } catch (RuntimeException unavailable) {
            LOG.warn("Reading the stored positions failed, trying again in {} ms: {}",
                backoff.toMillis(), unavailable.getMessage());
            sleep(backoff);
            backoff = min(backoff.multipliedBy(2), settings.retryBackoff().multipliedBy(10));
          }
        }
        return null;
      }
    }

    private void release(Collection<TopicPartition> partitions) {
      for (TopicPartition partition : List.copyOf(partitions)) {
        expected.remove(partition);
        lag.remove(partition.partition());
      }
    }

  }

  private KafkaConsumer<String, byte[]> newLogEndsConsumer() {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private KafkaConsumer<String, byte[]> newConsumer() {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
    // A record is a trace of spans (kilobytes): the default 1 MiB a partition would make a
    // poll, and so a stored batch, a hundred records.
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
    config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20);
    config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
        (int) settings.sessionTimeout().toMillis());
    config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
        (int) settings.sessionTimeout().toMillis() / 3);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** The consumer's own thread may wait: storage's answer decides what it reads next. */
  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException runtime ? runtime
          : new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("storage did not answer in 5 minutes", e);
    }
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

}
