package io.meshtrace.storage.postgres;

import io.meshtrace.lifecycle.Component;
import io.meshtrace.lifecycle.PeriodicTask;
import io.meshtrace.metrics.SpanMetricsAggregator;
import io.meshtrace.metrics.SpanMetricsExport;
import io.meshtrace.metrics.SpanMetricsStore;
import io.meshtrace.storage.DependencyLinkHours;
import io.meshtrace.storage.RootSpanThroughput;
import io.meshtrace.storage.SpanChecker;
import io.meshtrace.storage.PositionedSpanSink;
import io.meshtrace.storage.SpanSink;
import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.SpanStores;
import io.meshtrace.storage.archive.ArchivedTraceReads;
import io.meshtrace.storage.archive.TraceArchives;
import io.meshtrace.tenant.Tenant;
import io.meshtrace.storage.postgres.sampling.AdvisoryLockLeadership;
import io.meshtrace.storage.postgres.sampling.PostgresAdaptiveProbabilityStore;
import io.meshtrace.storage.postgres.sampling.PostgresStrategyDocumentLog;
import io.meshtrace.storage.postgres.slo.PostgresObjectiveDocumentLog;
import io.meshtrace.storage.slo.ObjectiveDocumentLog;
import io.meshtrace.storage.sampling.AdaptiveProbabilityStore;
import io.meshtrace.storage.sampling.Leadership;
import io.meshtrace.storage.sampling.StrategyDocumentLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL storage, with two connection pools: one for writing spans and what goes with
 * them (dictionaries, partitions, counts, maintenance), whose sessions commit synchronously, and
 * one for reads (query APIs, sampling's state), so that a storm of searches cannot starve ingest.
 * {@link #open} applies pending migrations and makes sure partitions exist before anything is
 * served; {@link #components()} keep it in shape while it is open.
 */
public final class PostgresStorage {
  static final long LINK_FLUSH_MILLIS = 5_000;
  static final Duration MAINTENANCE_INTERVAL = Duration.ofHours(1);
  /** Beyond the statement timeout, so that the server cancels a slow read first. */
  static final Duration READ_TIMEOUT_MARGIN = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final Pool pool;
  private final Pool readPool;
  private final PostgresStorageConfig config;
  private final Clock clock;
  private final SearchIndexBookkeeping searchIndex;
  private final SpanPartitions partitions;
  private final PostgresSpanWriter writer;
  private final SpanStores stores;
  private final SpanStore store;
  private final TraceArchives archives;
  private final SpanRowMapper mapper;
  private final DependencyLinker linker;
  private final RootSpanCounter rootSpans;
  private final PartitionAnalyzer analyzer;
  private final PartitionMaintainer maintainer;
  private final PostgresStrategyDocumentLog strategyDocuments;
  private final PostgresObjectiveDocumentLog objectiveDocuments;
  private final PostgresAdaptiveProbabilityStore adaptiveProbabilities;
  private final PostgresSpanMetrics spanMetrics;
  /** Null when this process does not count the spans it stores. */
  private final SpanMetricsAggregator spanMetricsAggregator;
  private final SpanMetricsExport spanMetricsExport;
  private final SpanMetricsFlusher spanMetricsFlusher;

  private PostgresStorage(Vertx vertx, Pool pool, Pool readPool, PostgresStorageConfig config,
      Clock clock) {
    this.vertx = vertx;
    this.pool = pool;
    this.readPool = readPool;
    this.config = config;
    this.clock = clock;
    AttributeSplitter splitter = new AttributeSplitter();
    this.searchIndex = new SearchIndexBookkeeping(pool, splitter);
    DictionaryReader dictionaryReader = new DictionaryReader(pool);
    DictionaryWriter dictionaryWriter = new DictionaryWriter(pool, dictionaryReader, searchIndex);
    this.partitions = new SpanPartitions(pool);
    this.mapper = new SpanRowMapper(clock, Duration.ofDays(config.retentionDays()),
        config.maxFutureSkew(), splitter, config.indexedTagKeys(), config.spanMetrics() != null);
    this.writer = new PostgresSpanWriter(vertx, pool, dictionaryWriter, searchIndex, partitions,
        mapper, config.writerConcurrency(), config.maxBatchSpans(), config.timeouts().write(),
        clock);
    DictionaryReader readDictionaries = new DictionaryReader(readPool);
    PostgresTraceSearch search = new PostgresTraceSearch(readPool, readDictionaries,
        config.indexedTagKeys());
    Duration readTimeout = config.timeouts().statement().plus(READ_TIMEOUT_MARGIN);
    this.archives = tenant -> new PostgresTraceArchive(pool, readPool, tenant);
    // A store is a few references: one per request costs less than a cache of them would. Its
    // traces by ID include the tenant's archived copies, so that every API finds an archived
    // trace after retention dropped its days; the bound covers both reads.
    this.stores = tenant -> new BoundedSpanStore(new ArchivedTraceReads(
        new PostgresSpanStore(readPool, readDictionaries, search, tenant),
        archives.forTenant(tenant)), readTimeout);
    this.store = stores.forTenant(Tenant.DEFAULT);
    this.linker = new DependencyLinker(pool, dictionaryWriter, clock);
    SpanMetricsAggregator.Settings metricsSettings = config.spanMetrics();
    this.spanMetrics = new PostgresSpanMetrics(pool, readPool, clock, metricsSettings != null
        ? metricsSettings.closeAfter() : PostgresStorageConfig.DEFAULT_SPAN_METRICS.closeAfter());
    this.maintainer = new PartitionMaintainer(pool, partitions, spanMetrics, clock,
        config.partitionDaysAhead(), config.retentionDays());
    this.spanMetricsExport = metricsSettings != null && config.exportSpanMetrics()
        ? new SpanMetricsExport() : null;
    this.spanMetricsAggregator = metricsSettings == null ? null
        : new SpanMetricsAggregator(metricsSettings, clock::millis, spanMetricsExport);
    this.spanMetricsFlusher = spanMetricsAggregator == null ? null
        : new SpanMetricsFlusher(vertx, spanMetricsAggregator, spanMetrics,
            () -> maintainer.firstKeptDay().atStartOfDay().toInstant(ZoneOffset.UTC));
    if (spanMetricsAggregator != null) {
      writer.setSpanMetricsFeed(new SpanMetricsFeed(spanMetricsAggregator));
    }
    writer.setDependencyLinker(linker);
    this.rootSpans = new RootSpanCounter(pool);
    writer.setRootSpanCounter(rootSpans);
    // On the read pool: the write pool keeps one connection beside the inserts for dictionary
    // entries, which an ANALYZE (a quarter of a second at 500,000 rows) must not hold up.
    this.analyzer = new PartitionAnalyzer(readPool);
    writer.setPartitionAnalyzer(analyzer);
    this.strategyDocuments = new PostgresStrategyDocumentLog(readPool);
    this.objectiveDocuments = new PostgresObjectiveDocumentLog(readPool);
    this.adaptiveProbabilities = new PostgresAdaptiveProbabilityStore(readPool);
  }

  public static Future<PostgresStorage> open(Vertx vertx, PostgresStorageConfig config) {
    return open(vertx, config, Clock.systemUTC());
  }

  public static Future<PostgresStorage> open(Vertx vertx, PostgresStorageConfig config,
      Clock clock) {
    PostgresTimeouts timeouts = config.timeouts();
    Pool pool = pool(vertx, config, "meshtrace-postgres-write", config.writePoolSize(), true);
    Pool readPool = pool(vertx, config, "meshtrace-postgres-read", config.poolSize(), false);
    PostgresStorage storage = new PostgresStorage(vertx, pool, readPool, config, clock);
    return DurabilityCheck.run(pool)
        .compose(v -> SchemaMigrator.migrate(pool))
        .compose(v -> storage.partitions.refresh())
        .compose(v -> storage.searchIndex.loadVolatileKeys())
        .compose(v -> storage.linker.loadServiceNames())
        .compose(v -> storage.maintain())
        .map(v -> storage)
        .recover(failure -> pool.close().eventually(readPool::close)
            .transform(ignored -> Future.failedFuture(ServerCertificateCheck.explained(failure))));
  }

  /**
   * A pool whose every wait is bounded: connecting, waiting for a connection, each statement
   * ({@code statement_timeout}, and {@code idle_in_transaction_session_timeout} for sessions
   * left in a transaction), unused connections; TCP keepalive finds peers that vanished.
   */
  private static Pool pool(Vertx vertx, PostgresStorageConfig config, String name, int size,
      boolean writes) {
    PostgresTimeouts timeouts = config.timeouts();
    PgConnectOptions connect = new PgConnectOptions(config.connect())
        .addProperty("application_name", name)
        .addProperty("statement_timeout", Long.toString(timeouts.statement().toMillis()))
        .addProperty("idle_in_transaction_session_timeout",
            Long.toString(timeouts.statement().toMillis()))
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(256)
        .setPipeliningLimit(256);
    if (writes) {
      // Session parameters win over the server's configuration: whatever postgresql.conf, a
      // role or a database says, meshtrace's commits wait for the WAL flush, so that an
      // acknowledged span is durable. DurabilityCheck verifies it took.
      connect.addProperty("synchronous_commit", "on");
    }
    return PgBuilder.pool()
        .with(new PoolOptions()
            .setMaxSize(size)
            .setName(name)
            .setShared(false)
            .setEventLoopSize(2)
            .setConnectionTimeout((int) Math.max(1, timeouts.connect().toMillis()))
            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
            .setIdleTimeout((int) Math.max(1, timeouts.idle().toSeconds()))
            .setIdleTimeoutUnit(TimeUnit.SECONDS)
            .setMaxWaitQueueSize(10_000))
        .with(new NetClientOptions()
            .setConnectTimeout((int) Math.max(1, timeouts.connect().toMillis()))
            .setTcpKeepAlive(true))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  /**
   * What keeps storage in shape while it is open, to start after {@link #open} (which runs
   * partition maintenance once, so that today's partitions exist before the first write):
   * partition maintenance every hour, and writing the dependency links and root span counts
   * gathered at ingest every few seconds, once more when stopped.
   */
  public List<Component> components() {
    List<Component> components = new java.util.ArrayList<>(List.of(
        new PeriodicTask(vertx, "partition maintenance", MAINTENANCE_INTERVAL, this::maintain,
            false),
        new PeriodicTask(vertx, "dependency link and root span counts",
            Duration.ofMillis(LINK_FLUSH_MILLIS),
            () -> linker.flush().compose(flushed -> rootSpans.flush()), true)));
    if (spanMetricsFlusher != null) {
      components.add(spanMetricsFlusher);
    }
    return List.copyOf(components);
  }

  /** Creates partitions ahead and drops the days past retention. */
  Future<Void> maintain() {
    return maintainer.run();
  }

  PartitionMaintainer partitionMaintainer() {
    return maintainer;
  }

  /** For tests and tools: runs partition maintenance now. */
  public Future<Void> runMaintenance() {
    return maintain();
  }

  public SpanSink spanSink() {
    return writer;
  }

  /** The same sink, for ingesters: spans and their Kafka positions in one transaction. */
  public PositionedSpanSink positionedSpanSink() {
    return writer;
  }

  public SpanStores spanStores() {
    return stores;
  }

  /**
   * Each tenant's archived traces ({@code archived_traces}, which retention never touches); the
   * stores of {@link #spanStores()} read them with the span tables.
   */
  public TraceArchives traceArchives() {
    return archives;
  }

  /** The default tenant's spans: with tenancy off, every span. */
  public SpanStore spanStore() {
    return store;
  }

  /** The writer's own per-span check, for receivers that refuse single spans. */
  public SpanChecker spanChecker() {
    return mapper.checker();
  }

  /**
   * Succeeds when the database answers a trivial query on the writer's pool and no write has
   * waited longer than the write timeout: a database that answers {@code SELECT 1} but cannot
   * commit (a full disk, a lock, a hang) is not ready.
   */
  public Future<Void> ping() {
    Duration oldest = writer.oldestPendingWrite();
    if (oldest.compareTo(config.timeouts().write()) > 0) {
      return Future.failedFuture("writes stalled: the oldest has waited " + oldest.toMillis()
          + " ms, more than the write timeout of " + config.timeouts().write().toMillis()
          + " ms");
    }
    return pool.query("SELECT 1").execute().mapEmpty();
  }

  /** ANALYZE statements run on partitions as the writer filled them (PartitionAnalyzer). */
  public long partitionAnalyses() {
    return analyzer.analyses();
  }

  /** Whether the writer's ANALYZE of a partition is running, for tests. */
  boolean partitionAnalyseRunning() {
    return analyzer.running();
  }

  /** ANALYZE statements on partitions that failed. */
  public long partitionAnalyseFailures() {
    return analyzer.failures();
  }

  /** Seconds spent in ANALYZE statements on partitions. */
  public double partitionAnalyseSeconds() {
    return analyzer.nanos() / 1e9;
  }

  /** Spans handed to the writer and not yet committed. */
  public int pendingSpans() {
    return writer.pendingSpans();
  }

  /** Writes answered 503 because they were not committed within the write timeout. */
  public long timedOutWrites() {
    return writer.timedOutWrites();
  }

  public void setBatchListener(SpanBatchListener listener) {
    writer.setBatchListener(listener);
  }

  /** The writer's pool, for code in this module's tests and for storage-level tools. */
  public Pool pool() {
    return pool;
  }

  /** The readers' pool. */
  public Pool readPool() {
    return readPool;
  }

  /** Writes the dependency counts gathered so far; the timer does it every few seconds. */
  public Future<Void> flushDependencyLinks() {
    return linker.flush();
  }

  /** Writes the root span counts gathered so far; the timer does it every few seconds. */
  public Future<Void> flushRootSpanThroughput() {
    return rootSpans.flush();
  }

  /**
   * Root spans counted per minute, service, operation and reported sampler, for the minutes in
   * [from, to), oldest first, summed over every replica: what adaptive sampling learns from.
   */
  public Future<List<RootSpanThroughput>> rootSpanThroughput(Instant from, Instant to) {
    return rootSpans.read(from, to);
  }

  /** RED metrics of the stored spans, as every replica wrote them. */
  public SpanMetricsStore spanMetrics() {
    return spanMetrics;
  }

  /** What this process counted since start-up, for /metrics; null when not exported. */
  public SpanMetricsExport spanMetricsExport() {
    return spanMetricsExport;
  }

  /** What this process counts; null when it does not count the spans it stores. */
  public SpanMetricsAggregator spanMetricsAggregator() {
    return spanMetricsAggregator;
  }

  /** RED metrics writes that failed and were kept for the next try. */
  public long spanMetricsFailedWrites() {
    return spanMetricsFlusher == null ? 0 : spanMetricsFlusher.failedWrites();
  }

  /**
   * For tests and tools: writes every minute counted so far, closed or not, and rolls up the
   * hours that are due.
   */
  public Future<Void> flushSpanMetrics() {
    if (spanMetricsFlusher == null) {
      return Future.succeededFuture();
    }
    return spanMetricsFlusher.flushAll();
  }

  /** For tests and tools: rolls up the hours that are due now. */
  public Future<Integer> rollUpSpanMetrics() {
    return spanMetrics.rollUp(maintainer.firstKeptDay().atStartOfDay()
        .toInstant(ZoneOffset.UTC));
  }

  /** The admin API's sampling strategies documents. */
  public StrategyDocumentLog strategyDocumentLog() {
    return strategyDocuments;
  }

  /** The admin API's service level objectives documents. */
  public ObjectiveDocumentLog objectiveDocumentLog() {
    return objectiveDocuments;
  }

  /**
   * The oldest instant whose spans and RED metrics retention keeps: the start of the first
   * kept day (UTC). What is older has been, or is about to be, dropped.
   */
  public Instant keptSince() {
    return maintainer.firstKeptDay().atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /** Dependency links linked once per closed hour, for the query side's linker. */
  public DependencyLinkHours dependencyLinkHours() {
    return new PostgresDependencyLinkHours(pool);
  }

  /** A new claim on linking the closed hours' dependency links: one replica links them. */
  public Leadership dependencyLinkingLeadership() {
    return new AdvisoryLockLeadership(pool, AdvisoryLockLeadership.DEPENDENCY_LINKING);
  }

  /** Adaptive sampling's probabilities, shared by every replica. */
  public AdaptiveProbabilityStore adaptiveProbabilities() {
    return adaptiveProbabilities;
  }

  /**
   * A new claim on the lead of adaptive sampling's calculation, for the one component of this
   * process that calculates; replicas sharing the database compete for it.
   */
  public Leadership adaptiveSamplingLeadership() {
    return new AdvisoryLockLeadership(pool, AdvisoryLockLeadership.ADAPTIVE_SAMPLING);
  }

  /** Writes what counts are left (when {@link #components()} did not run) and closes the pool. */
  public Future<Void> close() {
    return linker.flush().compose(v -> rootSpans.flush()).compose(v -> flushSpanMetrics())
        .eventually(pool::close)
        .eventually(readPool::close);
  }
}
