package io.meshtrace.storage.postgres;

import io.meshtrace.storage.CallerContext;
import io.meshtrace.storage.DependencyLinkHours;
import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.PartialWrite;
import io.meshtrace.storage.PositionedSpanSink;
import io.meshtrace.storage.SourcePositions;
import io.meshtrace.storage.StorageUnavailableException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes spans with natural group commit: at most {@code writerConcurrency} inserts are in
 * flight; whatever arrives meanwhile waits and goes out together in the next insert, one
 * multi-row {@code INSERT ... SELECT FROM unnest(...)}. At low load a request is inserted at once;
 * under load batches grow by themselves, with no timer anywhere.
 *
 * <p>Each call's spans go into one statement, so a call is committed whole or not at all, and its
 * future completes only after the commit.
 */
final class PostgresSpanWriter implements PositionedSpanSink {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresSpanWriter.class);

  /**
   * The spans, and the days their traces have spans on with their indexed attribute values, in
   * one statement so that both commit together. The trace-day rows come sorted: concurrent
   * inserts of overlapping rows then take their locks in the same order and cannot deadlock.
   *
   * <p>The late hours' versions are bumped in the same statement, so that no linker can take an
   * hour's links as current while they miss these spans. Their CTE comes first: PostgreSQL runs
   * the data-modifying CTEs the query does not read in the reverse of their order, so the bump
   * runs last and its row lock is held only until the commit. Declared last, it ran first and
   * concurrent batches of late spans into one hour queued behind each other's whole insert
   * (7-35 % fewer spans/s, bench/late-writes-benchmark.sh).
   */
  static final String INSERT_SPANS = """
      WITH late_hours AS (
        INSERT INTO dependency_link_hours AS h (tenant, hour, written_version)
        SELECT tenant, timestamptz 'epoch' + hour_number * interval '1 hour', 1
        FROM unnest($17::text[], $18::bigint[]) AS t(tenant, hour_number)
        ON CONFLICT (tenant, hour) DO UPDATE SET written_version = h.written_version + 1),
      inserted_spans AS (
        INSERT INTO spans (start_time, duration_us, trace_id, operation_id, attribute_set_id,
                           source_id, failed, payload)
        SELECT timestamptz 'epoch' + start_us * interval '1 microsecond', duration_us, trace_id,
               operation_id, attribute_set_id, source_id, failed, payload
        FROM unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::int[], $5::int[], $6::int[],
                    $7::boolean[], $8::bytea[])
          AS t(start_us, duration_us, trace_id, operation_id, attribute_set_id, source_id,
               failed, payload)),
      inserted_days AS (
        INSERT INTO trace_days (trace_id, day, tag_hash)
        SELECT * FROM unnest($9::uuid[], $10::date[], $11::bigint[])
        ON CONFLICT DO NOTHING),
      moved AS (
        SELECT meshtrace_advance_positions($12, $13, $14::int[], $15::bigint[], $16::bigint[])
          AS ok)
      SELECT (SELECT ok FROM moved)""";

  /**
   * One {@link #accept} call waiting for its commit; {@code positions} null but for ingesters.
   * Answered once: by its commit, its failure or its write timeout, whichever comes first.
   */
  private static final class PendingWrite {
    final List<SpanRow> rows;
    final Promise<Void> done;
    final Context context;
    final SourcePositions positions;
    /** Whether its spans may be stored without the ones storage refuses (acceptEach). */
    final boolean divisible;
    final long acceptedNanos = System.nanoTime();
    long timer = -1;
    long rejectedSpans;
    String firstRejection = "";
    /** The connection its insert statement runs on, while it runs. */
    volatile SqlConnection statement;

    PendingWrite(List<SpanRow> rows, Promise<Void> done, Context context,
        SourcePositions positions, boolean divisible) {
      this.rows = rows;
      this.done = done;
      this.context = context;
      this.positions = positions;
      this.divisible = divisible;
    }

    synchronized void reject(String why) {
      if (rejectedSpans++ == 0) {
        firstRejection = why;
      }
    }

    synchronized PartialWrite partialWrite() {
      return rejectedSpans == 0 ? PartialWrite.ALL_STORED
          : new PartialWrite(rejectedSpans, firstRejection);
    }

    void complete(Throwable failure) {
      CallerContext.complete(done, context, failure);
    }
  }

  private final Vertx vertx;
  private final Pool pool;
  private final DictionaryWriter dictionaries;
  private final SearchIndexBookkeeping searchIndex;
  private final SpanPartitions partitions;
  private final SpanRowMapper mapper;
  private final int maxConcurrency;
  private final int maxBatchSpans;
  private final Duration writeTimeout;
  /** Tells which spans are written into an hour long closed (late: its links are relinked). */
  private final Clock clock;
  private static final long HOUR_MICROS = 3_600_000_000L;
  private static final long LATE_WRITE_MICROS = DependencyLinkHours.LATE_WRITE.toNanos() / 1000;
  /** How long a cancelled statement may take to end before its writes are answered anyway. */
  private static final Duration CANCEL_GRACE = Duration.ofSeconds(2);
  private final ArrayDeque<PendingWrite> queue = new ArrayDeque<>();
  /** In the order their batches went out: the first is the oldest write in flight. */
  private final Set<PendingWrite> writing = new LinkedHashSet<>();
  private final AtomicLong timedOut = new AtomicLong();
  private volatile SpanBatchListener listener;
  private volatile DependencyLinker linker;
  private volatile RootSpanCounter rootSpans;
  private volatile SpanMetricsFeed spanMetrics;
  private volatile PartitionAnalyzer analyzer;
  private int inFlight;
  private int queuedSpans;

  PostgresSpanWriter(Vertx vertx, Pool pool, DictionaryWriter dictionaries,
      SearchIndexBookkeeping searchIndex, SpanPartitions partitions, SpanRowMapper mapper,
      int maxConcurrency, int maxBatchSpans, Duration writeTimeout, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.pool = pool;
    this.dictionaries = dictionaries;
    this.searchIndex = searchIndex;
    this.partitions = partitions;
    this.mapper = mapper;
    this.maxConcurrency = maxConcurrency;
    this.maxBatchSpans = maxBatchSpans;
    this.writeTimeout = writeTimeout;
  }

  void setDependencyLinker(DependencyLinker linker) {
    this.linker = linker;
  }

  void setSpanMetricsFeed(SpanMetricsFeed spanMetrics) {
    this.spanMetrics = spanMetrics;
  }

  void setRootSpanCounter(RootSpanCounter rootSpans) {
    this.rootSpans = rootSpans;
  }

  void setPartitionAnalyzer(PartitionAnalyzer analyzer) {
    this.analyzer = analyzer;
  }

  void setBatchListener(SpanBatchListener listener) {
    this.listener = listener;
  }

  @Override
  public Future<Void> accept(List<ResourceSpans> resourceSpans) {
    return accept(resourceSpans, null);
  }

  @Override
  public Future<Map<Integer, Long>> positions(String consumer, String topic) {
    return pool.preparedQuery("SELECT partition, next_offset FROM source_positions"
            + " WHERE consumer = $1 AND topic = $2")
        .execute(Tuple.of(consumer, topic))
        .map(result -> {
          Map<Integer, Long> positions = new HashMap<>();
          result.forEach(row -> positions.put(row.getInteger(0), row.getLong(1)));
          return positions;
        })
        .recover(failure -> Future.failedFuture(PgErrors.classify(failure)));
  }

  @Override
  public Future<Void> accept(List<ResourceSpans> resourceSpans, SourcePositions positions) {
    return enqueue(resourceSpans, positions, false).mapEmpty();
  }

  @Override
  public Future<PartialWrite> acceptEach(List<ResourceSpans> resourceSpans) {
    return enqueue(resourceSpans, null, true)
        .map(write -> write == null ? PartialWrite.ALL_STORED : write.partialWrite());
  }

  /** Completes with the write once it is answered; with null when there is nothing to write. */
  private Future<PendingWrite> enqueue(List<ResourceSpans> resourceSpans,
      SourcePositions positions, boolean divisible) {
    List<SpanRow> rows;
    try {
      rows = mapper.map(resourceSpans);
    } catch (InvalidSpanException invalid) {
      return Future.failedFuture(invalid);
    } catch (RuntimeException bug) {
      // Raised by this request's spans alone: refusing it keeps its client from retrying a
      // request that can never be stored, and keeps the others flowing.
      LOG.warn("Could not map a request's spans to rows; refusing it", bug);
      return Future.failedFuture(new InvalidSpanException("meshtrace could not store these "
          + "spans (" + PgErrors.describe(bug) + "); the request is refused, nothing else is"));
    }
    if (rows.isEmpty() && positions == null) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    PendingWrite write = new PendingWrite(rows, done, Vertx.currentContext(), positions,
        divisible);
    synchronized (this) {
      queue.add(write);
      queuedSpans += rows.size();
    }
    write.timer = vertx.setTimer(writeTimeout.toMillis(), id -> timeOut(write));
    drain();
    return done.future().map(v -> write);
  }

  /**
   * A write the database did not commit in time is answered as storage unavailable, and is not
   * stored: if it was still queued it is not sent at all; if its statement is out, the statement
   * is cancelled and its outcome answers (cancelled: 503; committed just before: the commit's
   * answer). Only a database that answers nothing, not even the cancel, within a grace leaves
   * the answer 503 with the outcome unknown: the statement may commit once the database is
   * back, and the client's retry then stores the spans twice rather than not at all.
   */
  private void timeOut(PendingWrite write) {
    boolean wasQueued;
    synchronized (this) {
      wasQueued = queue.remove(write);
      if (wasQueued) {
        queuedSpans -= write.rows.size();
      }
    }
    if (write.done.future().isComplete()) {
      return;
    }
    if (wasQueued) {
      answerTimedOut(write, "still queued");
      return;
    }
    SqlConnection running = write.statement;
    if (running != null) {
      PgConnection.cast(running).cancelRequest().onFailure(failure -> LOG.debug(
          "Could not cancel a write's statement: {}", failure.toString()));
    }
    vertx.setTimer(CANCEL_GRACE.toMillis(), id -> {
      if (!write.done.future().isComplete()) {
        answerTimedOut(write, "in flight, the database not answering");
      }
    });
  }

  private void answerTimedOut(PendingWrite write, String where) {
    timedOut.incrementAndGet();
    LOG.warn("A write of {} spans was not committed within {} ms ({}); answering 503",
        write.rows.size(), writeTimeout.toMillis(), where);
    write.complete(new StorageUnavailableException("storage did not commit the spans within "
        + writeTimeout.toMillis() + " ms; retry later", null));
  }

  /** Spans accepted but not yet committed. */
  synchronized int pendingSpans() {
    return queuedSpans;
  }

  /** Writes answered 503 because they were not committed within the write timeout. */
  long timedOutWrites() {
    return timedOut.get();
  }

  /**
   * How long the oldest write still queued or whose statement is still out has waited (answered
   * by its timeout or not: a statement that does not return is what a stall is), zero when
   * there is none.
   */
  synchronized Duration oldestPendingWrite() {
    long oldest = Long.MAX_VALUE;
    PendingWrite queued = queue.peek();
    if (queued != null) {
      oldest = queued.acceptedNanos;
    }
    if (!writing.isEmpty()) {
      oldest = Math.min(oldest, writing.iterator().next().acceptedNanos);
    }
    return oldest == Long.MAX_VALUE ? Duration.ZERO
        : Duration.ofNanos(System.nanoTime() - oldest);
  }

  private void drain() {
    while (true) {
      List<PendingWrite> batch = new ArrayList<>();
      synchronized (this) {
        if (inFlight >= maxConcurrency || queue.isEmpty()) {
          return;
        }
        int spans = 0;
        // Always take at least one write, however large: a call is never split. At most one
        // that moves positions, whose statement can then move them in one call.
        boolean positioned = false;
        while (!queue.isEmpty()
            && (batch.isEmpty() || spans + queue.peek().rows.size() <= maxBatchSpans)
            && !(positioned && queue.peek().positions != null)) {
          PendingWrite next = queue.poll();
          positioned |= next.positions != null;
          batch.add(next);
          spans += next.rows.size();
        }
        inFlight++;
        writing.addAll(batch);
      }
      write(batch).onComplete(ar -> {
        synchronized (this) {
          inFlight--;
          for (PendingWrite write : batch) {
            queuedSpans -= write.rows.size();
            writing.remove(write);
          }
        }
        for (PendingWrite write : batch) {
          vertx.cancelTimer(write.timer);
        }
        drain();
      });
    }
  }

  /** Writes a batch and completes each of its writes; never fails itself. */
  private Future<Void> write(List<PendingWrite> batch) {
    List<SpanRow> rows = new ArrayList<>();
    SourcePositions positions = null;
    for (PendingWrite write : batch) {
      rows.addAll(write.rows);
      if (write.positions != null) {
        positions = write.positions;
      }
    }
    long started = System.nanoTime();
    return insertWithPartitions(batch, rows, positions, true).transform(ar -> {
      long nanos = System.nanoTime() - started;
      SpanBatchListener observer = listener;
      if (ar.succeeded()) {
        if (observer != null) {
          observer.batchCommitted(rows.size(), nanos);
        }
        batch.forEach(write -> write.complete(null));
        return Future.succeededFuture();
      }
      Throwable failure = ar.cause();
      if (observer != null) {
        observer.batchFailed(rows.size(), nanos, failure);
      }
      if (batch.size() > 1 && (!PgErrors.isUnavailable(failure)
          || PgErrors.isPositionConflict(failure))) {
        // Something in one write upset the database, or meshtrace: write each half on its own,
        // down to single writes, so that only the write that causes it is refused.
        LOG.warn("A batch of {} writes failed ({}); writing its halves separately", batch.size(),
            PgErrors.describe(failure));
        List<PendingWrite> first = batch.subList(0, batch.size() / 2);
        List<PendingWrite> second = batch.subList(batch.size() / 2, batch.size());
        return write(first).transform(ignored -> write(second));
      }
      if (batch.size() == 1 && batch.get(0).divisible && rows.size() > 1
          && !PgErrors.isUnavailable(failure)) {
        PendingWrite write = batch.get(0);
        LOG.warn("A write of {} spans failed ({}); writing them in halves to store all but the "
            + "ones storage refuses", rows.size(), PgErrors.describe(failure));
        return writeEach(write, rows).transform(each -> {
          write.complete(each.succeeded() ? null : PgErrors.classify(each.cause()));
          return Future.succeededFuture();
        });
      }
      RuntimeException classified = PgErrors.classify(failure);
      if (classified instanceof InvalidSpanException) {
        LOG.warn("Refused a write of {} spans that storage cannot take: {}", rows.size(),
            PgErrors.describe(failure));
      } else {
        LOG.warn("Could not store {} spans: {}", rows.size(), PgErrors.describe(failure));
      }
      batch.forEach(write -> write.complete(classified));
      return Future.succeededFuture();
    });
  }

  /**
   * Inserts the rows of one divisible write in halves, down to single rows, recording the rows
   * storage refuses; fails only when storage becomes unavailable.
   */
  private Future<Void> writeEach(PendingWrite write, List<SpanRow> rows) {
    return insertWithPartitions(List.of(write), rows, null, true).recover(failure -> {
      if (PgErrors.isUnavailable(failure)) {
        return Future.failedFuture(failure);
      }
      if (rows.size() == 1) {
        write.reject("storage refused the span: " + PgErrors.describe(failure));
        return Future.succeededFuture();
      }
      List<SpanRow> first = rows.subList(0, rows.size() / 2);
      List<SpanRow> second = rows.subList(rows.size() / 2, rows.size());
      return writeEach(write, first).compose(v -> writeEach(write, second));
    });
  }

  /** @param owners the writes whose rows these are, told the connection their insert runs on */
  private Future<Void> insertWithPartitions(List<PendingWrite> owners, List<SpanRow> rows,
      SourcePositions positions, boolean retryOnMissingPartition) {
    Set<LocalDate> days = new HashSet<>();
    for (SpanRow row : rows) {
      days.add(row.day());
    }
    // What searches rely on is recorded before the rows it describes are inserted.
    return dictionaries.resolve(rows)
        .compose(v -> searchIndex.recordBeforeInsert(rows))
        .compose(v -> partitions.ensure(days))
        .compose(v -> insert(owners, rows, positions))
        .onSuccess(v -> {
          DependencyLinker links = linker;
          if (links != null) {
            links.committed(rows);
          }
          RootSpanCounter roots = rootSpans;
          if (roots != null) {
            roots.committed(rows);
          }
          SpanMetricsFeed metrics = spanMetrics;
          if (metrics != null) {
            metrics.committed(rows);
          }
          PartitionAnalyzer analyses = analyzer;
          if (analyses != null) {
            analyses.committed(rows);
          }
        })
        .recover(failure -> {
          if (retryOnMissingPartition && PgErrors.isMissingPartition(failure)) {
            // A partition this process believed in was dropped (retention, or by hand).
            return partitions.refresh().compose(known -> insertWithPartitions(owners, rows,
                positions, false));
          }
          return Future.failedFuture(failure);
        });
  }

  private Future<Void> insert(List<PendingWrite> owners, List<SpanRow> rows,
      SourcePositions positions) {
    int n = rows.size();
    Long[] start = new Long[n];
    Long[] duration = new Long[n];
    UUID[] traceId = new UUID[n];
    Integer[] operationId = new Integer[n];
    Integer[] attributeSetId = new Integer[n];
    Integer[] sourceId = new Integer[n];
    Boolean[] failed = new Boolean[n];
    Buffer[] payload = new Buffer[n];
    TreeSet<TraceDay> traceDays = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      SpanRow row = rows.get(i);
      start[i] = row.startMicros;
      duration[i] = row.durationMicros;
      traceId[i] = row.traceId;
      operationId[i] = row.operationId;
      attributeSetId[i] = row.attributeSetId;
      sourceId[i] = row.sourceId;
      failed[i] = row.error();
      payload[i] = Buffer.buffer(row.payload(dictionaries::keyId));
      if (row.indexedTagHashes.length == 0) {
        traceDays.add(new TraceDay(row.traceId, row.day(), 0));
      }
      for (long hash : row.indexedTagHashes) {
        traceDays.add(new TraceDay(row.traceId, row.day(), hash));
      }
    }
    TreeSet<TenantHour> late = lateHours(rows);
    String[] lateTenants = new String[late.size()];
    Long[] lateHours = new Long[late.size()];
    int h = 0;
    for (TenantHour hour : late) {
      lateTenants[h] = hour.tenant();
      lateHours[h++] = hour.hourNumber();
    }
    UUID[] dayTraces = new UUID[traceDays.size()];
    LocalDate[] days = new LocalDate[traceDays.size()];
    Long[] tagHashes = new Long[traceDays.size()];
    int i = 0;
    for (TraceDay traceDay : traceDays) {
      dayTraces[i] = traceDay.traceId();
      days[i] = traceDay.day();
      tagHashes[i++] = traceDay.tagHash();
    }
    Tuple arguments = Tuple.tuple().addValue(start).addValue(duration).addValue(traceId)
        .addValue(operationId).addValue(attributeSetId)
        .addValue(sourceId).addValue(failed).addValue(payload).addValue(dayTraces)
        .addValue(days)
        .addValue(tagHashes)
        .addValue(positions == null ? "" : positions.consumer())
        .addValue(positions == null ? "" : positions.topic())
        .addValue(partitionsOf(positions))
        .addValue(offsetsOf(positions, true))
        .addValue(offsetsOf(positions, false))
        .addValue(lateTenants)
        .addValue(lateHours);
    return pool.withConnection(connection -> {
      owners.forEach(write -> write.statement = connection);
      return connection.preparedQuery(INSERT_SPANS).execute(arguments)
          .onComplete(done -> owners.forEach(write -> write.statement = null));
    }).mapEmpty();
  }

  /**
   * The hours, each with its tenant, into which the rows write {@link
   * DependencyLinkHours#LATE_WRITE} or more after they closed: the write marks their dependency
   * links for linking again. Sorted,
   * so that concurrent writes lock the hours' rows in one order.
   */
  private TreeSet<TenantHour> lateHours(List<SpanRow> rows) {
    long nowMicros = clock.millis() * 1000;
    TreeSet<TenantHour> late = new TreeSet<>();
    for (SpanRow row : rows) {
      long hourNumber = Math.floorDiv(row.startMicros, HOUR_MICROS);
      if ((hourNumber + 1) * HOUR_MICROS + LATE_WRITE_MICROS <= nowMicros) {
        late.add(new TenantHour(row.tenant(), hourNumber));
      }
    }
    return late;
  }

  private record TenantHour(String tenant, long hourNumber) implements Comparable<TenantHour> {
    @Override
    public int compareTo(TenantHour other) {
      int c = tenant.compareTo(other.tenant);
      return c != 0 ? c : Long.compare(hourNumber, other.hourNumber);
    }
  }

  /** In partition order: concurrent movers of one consumer's rows lock them in one order. */
  private static Integer[] partitionsOf(SourcePositions positions) {
    return positions == null ? new Integer[0]
        : new TreeSet<>(positions.from().keySet()).toArray(new Integer[0]);
  }

  private static Long[] offsetsOf(SourcePositions positions, boolean from) {
    if (positions == null) {
      return new Long[0];
    }
    Integer[] partitions = partitionsOf(positions);
    Long[] offsets = new Long[partitions.length];
    for (int i = 0; i < partitions.length; i++) {
      offsets[i] = (from ? positions.from() : positions.to()).get(partitions[i]);
    }
    return offsets;
  }

  /** Sorted as the primary key: uuid as PostgreSQL sorts it (unsigned bytes), day, hash. */
  private record TraceDay(UUID traceId, LocalDate day, long tagHash)
      implements Comparable<TraceDay> {
    @Override
    public int compareTo(TraceDay other) {
      int c = compareUuids(traceId, other.traceId);
      if (c == 0) {
        c = day.compareTo(other.day);
      }
      return c != 0 ? c : Long.compare(tagHash, other.tagHash);
    }
  }

  private static int compareUuids(UUID a, UUID b) {
    int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
    return c != 0 ? c
        : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
  }
}
