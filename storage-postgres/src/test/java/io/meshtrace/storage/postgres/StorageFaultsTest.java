package io.meshtrace.storage.postgres;

import static io.meshtrace.storage.postgres.PostgresStorageTest.randomTraceId;
import static io.meshtrace.storage.postgres.PostgresStorageTest.resourceSpans;
import static io.meshtrace.storage.postgres.PostgresStorageTest.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.model.TraceId;
import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.PartialWrite;
import io.meshtrace.storage.StorageUnavailableException;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.meshtrace.storage.postgres.embedded.TestFiles;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What storage does when one request's spans upset the database, when the database hangs, when
 * reads take every connection, and when commits would not be durable.
 */
class StorageFaultsTest {
  static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static PostgresStorageConfig config(PgConnectOptions connect, int poolSize,
      int writePoolSize, int writerConcurrency, PostgresTimeouts timeouts) {
    PostgresStorageConfig defaults = PostgresStorageConfig.defaults(connect);
    return new PostgresStorageConfig(connect, poolSize, writePoolSize, writerConcurrency,
        defaults.maxBatchSpans(), defaults.partitionDaysAhead(), defaults.retentionDays(),
        defaults.maxFutureSkew(), defaults.indexedTagKeys(), timeouts, defaults.spanMetrics(),
        defaults.exportSpanMetrics());
  }

  private static List<ResourceSpans> trace(TraceId traceId, String operation) {
    long start = PostgresStorageTest.nowNanos();
    return List.of(resourceSpans("faults", span(traceId, 1, 0, operation, start,
        start + 1_000_000)));
  }

  @Test
  void aWriteThatUpsetsTheDatabaseIsRefusedAloneAndTheRestOfItsBatchCommits() {
    PgConnectOptions db = TestPostgres.freshDatabase();
    PostgresStorage storage = PostgresStorage.open(vertx,
        config(db, 2, 2, 1, PostgresTimeouts.DEFAULTS), Clock.systemUTC()).await();
    try {
      PoisonSpans.refuse(storage.pool());

      // One insert at a time: the first request goes out alone, the next 20 wait and go
      // together in one batch, the poison in its middle.
      List<TraceId> traces = new ArrayList<>();
      List<Future<Void>> writes = new ArrayList<>();
      for (int i = 0; i < 21; i++) {
        TraceId traceId = randomTraceId();
        traces.add(traceId);
        writes.add(storage.spanSink().accept(trace(traceId, i == 11 ? "poison" : "op" + i)));
      }
      Future.join(writes).otherwiseEmpty().await();

      // A caller that can report single spans (OTLP's partial success) keeps the rest of its
      // request.
      TraceId mixed = randomTraceId();
      long start = PostgresStorageTest.nowNanos();
      PartialWrite partial = storage.spanSink().acceptEach(List.of(resourceSpans("faults",
          span(mixed, 1, 0, "root", start, start + 1000),
          span(mixed, 2, 1, "poison", start, start + 1000),
          span(mixed, 3, 1, "child", start, start + 1000)))).await();
      assertThat(partial.rejectedSpans()).isEqualTo(1);
      assertThat(partial.firstRejection()).contains("poison span");
      assertThat(storage.spanStore().getTrace(mixed).await().stream()
          .mapToInt(rs -> rs.getScopeSpans(0).getSpansCount()).sum()).isEqualTo(2);

      for (int i = 0; i < 21; i++) {
        Future<Void> write = writes.get(i);
        if (i == 11) {
          assertThat(write.cause()).isInstanceOf(InvalidSpanException.class)
              .hasMessageContaining("poison span");
          assertThat(storage.spanStore().getTrace(traces.get(i)).await()).isEmpty();
        } else {
          assertThat(write.succeeded()).as("write %d: %s", i, write.cause()).isTrue();
          assertThat(storage.spanStore().getTrace(traces.get(i)).await()).hasSize(1);
        }
      }
    } finally {
      storage.close().await();
    }
  }

  @Test
  void aHungDatabaseGetsWritesAnswered503WithinTheWriteTimeoutAndRecovers() throws Exception {
    Path dir = Files.createTempDirectory("meshtrace-hung-pg-");
    EmbeddedPostgres pg = EmbeddedPostgres.start(dir, EmbeddedPostgres.defaultBinariesCache());
    PgConnectOptions connect = pg.connectOptions();
    PostgresTimeouts timeouts = new PostgresTimeouts(Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofSeconds(1));
    PostgresStorage storage = PostgresStorage.open(vertx,
        config(connect, 2, 3, 2, timeouts), Clock.systemUTC()).await();
    try {
      storage.spanSink().accept(trace(randomTraceId(), "before")).await();
      storage.spanStore().getServiceNames().await(); // a read connection is open
      signalAll(pg, "STOP");
      try {
        long began = System.nanoTime();
        Future<Void> hung = storage.spanSink().accept(trace(randomTraceId(), "hung"));
        Throwable failure = hung.transform(ar -> Future.succeededFuture(ar.cause()))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - began) / 1_000_000;
        assertThat(failure).isInstanceOf(StorageUnavailableException.class)
            .hasMessageContaining("did not commit the spans within 1000 ms");
        // The write timeout, then the grace for a cancel the stopped server cannot answer.
        assertThat(millis).isLessThan(8_000);
        assertThat(storage.timedOutWrites()).isEqualTo(1);
        // Reads are answered too: by the pool's connection timeout when a connection has to be
        // made, past the statement timeout (which a stopped server cannot apply) otherwise.
        long readBegan = System.nanoTime();
        Throwable read = storage.spanStore().getServiceNames()
            .transform(ar -> Future.succeededFuture(ar.cause()))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(read).isInstanceOf(StorageUnavailableException.class);
        assertThat((System.nanoTime() - readBegan) / 1_000_000).isLessThan(6_000);
        // Its statement is still out: /readyz's check sees the stall.
        assertThat(storage.ping().toCompletionStage().toCompletableFuture()
            .handle((ok, error) -> error).get(10, TimeUnit.SECONDS))
            .hasMessageContaining("writes stalled");
      } finally {
        signalAll(pg, "CONT");
      }
      TraceId after = randomTraceId();
      awaitWrite(storage, trace(after, "after"), Duration.ofSeconds(30));
      assertThat(storage.spanStore().getTrace(after).await()).hasSize(1);
      assertThat(storage.ping().toCompletionStage().toCompletableFuture()
          .handle((ok, error) -> error).get(10, TimeUnit.SECONDS)).isNull();
    } finally {
      storage.close().await();
      pg.close();
      TestFiles.deleteRecursively(dir);
    }
  }

  @Test
  void aWriteTimedOutOnASlowDatabaseIsCancelledSoThatItsAnswer503IsExact() throws Exception {
    PostgresTimeouts timeouts = new PostgresTimeouts(Duration.ofSeconds(5),
        Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(1));
    PostgresStorage storage = PostgresStorage.open(vertx,
        config(TestPostgres.freshDatabase(), 2, 3, 2, timeouts), Clock.systemUTC()).await();
    try {
      storage.spanSink().accept(trace(randomTraceId(), "before")).await();
      // A database that answers but cannot commit now: a lock held by another session.
      SqlConnection locker = storage.pool().getConnection().await();
      io.vertx.sqlclient.Transaction lock = locker.begin().await();
      locker.query("LOCK TABLE spans IN ACCESS EXCLUSIVE MODE").execute().await();
      TraceId slow = randomTraceId();
      Throwable failure;
      try {
        failure = storage.spanSink().accept(trace(slow, "slow"))
            .transform(ar -> Future.succeededFuture(ar.cause()))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } finally {
        lock.rollback().eventually(locker::close).await();
      }
      assertThat(failure).isInstanceOf(StorageUnavailableException.class);
      // Answered 503 and not committed behind the client's back: its retry stores it once.
      Thread.sleep(500);
      assertThat(storage.spanStore().getTrace(slow).await()).isEmpty();
      TraceId after = randomTraceId();
      storage.spanSink().accept(trace(after, "after")).await();
      assertThat(storage.spanStore().getTrace(after).await()).hasSize(1);
    } finally {
      storage.close().await();
    }
  }

  @Test
  void readsHoldingEveryReadConnectionDoNotStopWrites() {
    PostgresStorage storage = PostgresStorage.open(vertx,
        config(TestPostgres.freshDatabase(), 2, 3, 2, PostgresTimeouts.DEFAULTS),
        Clock.systemUTC()).await();
    List<SqlConnection> held = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        held.add(storage.readPool().getConnection().await());
      }
      TraceId traceId = randomTraceId();
      storage.spanSink().accept(trace(traceId, "while-reads-wait")).toCompletionStage()
          .toCompletableFuture().join();
      held.forEach(connection -> connection.close().await());
      held.clear();
      assertThat(storage.spanStore().getTrace(traceId).await()).hasSize(1);
    } finally {
      held.forEach(connection -> connection.close().await());
      storage.close().await();
    }
  }

  @Test
  void writesCommitSynchronouslyWhateverTheServerSaysAndAsynchronousCommitsAreRefused() {
    PgConnectOptions db = TestPostgres.freshDatabase();
    Pool admin = PgBuilder.pool().connectingTo(db).using(vertx).build();
    try {
      admin.query("ALTER DATABASE " + db.getDatabase() + " SET synchronous_commit = off")
          .execute().await();
    } finally {
      admin.close().await();
    }
    PostgresStorage storage = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(db))
        .await();
    try {
      assertThat(storage.pool().query("SHOW synchronous_commit").execute().await().iterator()
          .next().getString(0)).isEqualTo("on");
      assertThat(storage.readPool().query("SHOW synchronous_commit").execute().await()
          .iterator().next().getString(0)).isEqualTo("off");
    } finally {
      storage.close().await();
    }

    // As a connection pooler that drops session parameters would leave it.
    Pool dropped = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions(db)).using(vertx).build();
    try {
      Throwable refused = DurabilityCheck.run(dropped).transform(ar ->
          Future.succeededFuture(ar.cause())).await();
      assertThat(refused).hasMessageContaining("synchronous_commit = off")
          .hasMessageContaining("acknowledged span could be lost");
    } finally {
      dropped.close().await();
    }
  }

  private static void awaitWrite(PostgresStorage storage, List<ResourceSpans> spans,
      Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      Future<Void> write = storage.spanSink().accept(spans);
      Throwable failure = write.transform(ar -> Future.succeededFuture(ar.cause()))
          .toCompletionStage().toCompletableFuture().join();
      if (failure == null) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("writes did not recover", failure);
      }
      Thread.sleep(200);
    }
  }

  /** SIGSTOP or SIGCONT to the postmaster and every backend: a database that hangs. */
  static void signalAll(EmbeddedPostgres pg, String signal) throws Exception {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal,
        Long.toString(pg.postmaster().pid())));
    pg.postmaster().descendants().forEach(p -> command.add(Long.toString(p.pid())));
    assertThat(new ProcessBuilder(command).inheritIO().start().waitFor()).isZero();
  }

}
