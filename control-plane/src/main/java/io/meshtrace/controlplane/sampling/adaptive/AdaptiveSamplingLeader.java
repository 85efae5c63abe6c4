package io.meshtrace.controlplane.sampling.adaptive;

import io.meshtrace.controlplane.sampling.RootSpanThroughputReader;
import io.meshtrace.storage.RootSpanThroughput;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recalculates adaptive sampling probabilities every calculation interval, on one replica only:
 * the one holding a session advisory lock on a connection of its own. The lock goes with the
 * connection, so a leader that dies or loses its database hands over at the next interval.
 * Every replica reads the result ({@link #read}).
 */
public final class AdaptiveSamplingLeader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdaptiveSamplingLeader.class);
  private static final long LOCK_KEY = 0x6164617074L; // "adapt"

  /** An operation of a service. */
  public record Operation(String service, String operation) {}

  private final Vertx vertx;
  private final Pool pool;
  private final AdaptiveSamplingSettings settings;
  private final AdaptiveProbabilityCalculator calculator;
  private final RootSpanThroughputReader throughput;
  private final Clock clock;
  private SqlConnection lockConnection;
  private long timer = -1;
  private boolean running;

  public AdaptiveSamplingLeader(Vertx vertx, Pool pool, AdaptiveSamplingSettings settings,
      RootSpanThroughputReader throughput, Clock clock) {
    this.vertx = vertx;
    this.pool = pool;
    this.settings = settings;
    this.calculator = new AdaptiveProbabilityCalculator(settings);
    this.throughput = throughput;
    this.clock = clock;
  }

  public void start() {
    timer = vertx.setPeriodic(settings.calculationInterval().toMillis(), id -> runOnce());
  }

  /** Whether this replica holds the lock. */
  public synchronized boolean isLeader() {
    return lockConnection != null;
  }

  /**
   * One round: take the lead if free, and if leading, calculate over the last interval's whole
   * minutes and store. Succeeds with whether this replica calculated.
   */
  public Future<Boolean> runOnce() {
    synchronized (this) {
      if (running) {
        return Future.succeededFuture(false);
      }
      running = true;
    }
    return lead().compose(leading -> leading ? calculate().map(true) : Future.succeededFuture(false))
        .recover(failure -> {
          LOG.warn("Adaptive sampling round failed: {}", failure.toString());
          dropLead();
          return Future.succeededFuture(false);
        })
        .onComplete(done -> {
          synchronized (this) {
            running = false;
          }
        });
  }

  private Future<Boolean> lead() {
    if (isLeader()) {
      return Future.succeededFuture(true);
    }
    return pool.getConnection().compose(conn -> conn
        .query("SELECT pg_try_advisory_lock(" + LOCK_KEY + ")").execute()
        .map(rows -> rows.iterator().next().getBoolean(0))
        .compose(locked -> {
          if (!locked) {
            return conn.close().map(false);
          }
          synchronized (this) {
            lockConnection = conn;
          }
          conn.closeHandler(v -> {
            synchronized (this) {
              if (lockConnection == conn) {
                lockConnection = null; // lost with its connection
              }
            }
          });
          LOG.info("This replica calculates adaptive sampling probabilities");
          return Future.succeededFuture(true);
        }));
  }

  private void dropLead() {
    release();
  }

  /**
   * Gives the lead up: unlocks, then hands the connection back. Closing alone would not do, as
   * a pooled connection outlives its use, and the lock with it.
   */
  public Future<Void> release() {
    SqlConnection conn;
    synchronized (this) {
      conn = lockConnection;
      lockConnection = null;
    }
    if (conn == null) {
      return Future.succeededFuture();
    }
    return conn.query("SELECT pg_advisory_unlock(" + LOCK_KEY + ")").execute()
        .<Void>mapEmpty()
        .recover(failure -> Future.succeededFuture()) // a broken connection: the lock went with it
        .eventually(conn::close);
  }

  private Future<Void> calculate() {
    Instant to = clock.instant().truncatedTo(ChronoUnit.MINUTES);
    Instant from = to.minus(settings.calculationInterval());
    double seconds = settings.calculationInterval().toMillis() / 1000.0;
    return Future.all(read(pool), throughput.read(from, to)).compose(all -> {
      Map<Operation, Double> previous = all.resultAt(0);
      List<RootSpanThroughput> counts = all.resultAt(1);
      Map<Operation, double[]> sampled = new HashMap<>();
      Map<Operation, java.util.Set<Double>> reported = new HashMap<>();
      for (RootSpanThroughput count : counts) {
        Operation key = new Operation(count.service(), count.operation());
        sampled.computeIfAbsent(key, k -> new double[1])[0] += count.rootSpans();
        java.util.Set<Double> probabilities = reported.computeIfAbsent(key, k -> new HashSet<>());
        if (count.samplerType().equals("probabilistic")) {
          probabilities.add(count.samplerParam());
        }
      }
      Map<Operation, AdaptiveProbabilityCalculator.Observed> observed = new HashMap<>();
      sampled.forEach((key, spans) -> observed.put(key, new AdaptiveProbabilityCalculator.Observed(
          spans[0] / seconds, reported.get(key))));
      Map<Operation, Double> next = calculator.calculate(previous, observed);
      return write(next);
    });
  }

  private Future<Void> write(Map<Operation, Double> probabilities) {
    if (probabilities.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Operation> keys = new ArrayList<>(probabilities.keySet());
    String[] services = keys.stream().map(Operation::service).toArray(String[]::new);
    String[] operations = keys.stream().map(Operation::operation).toArray(String[]::new);
    Double[] values = keys.stream().map(probabilities::get).toArray(Double[]::new);
    return pool.preparedQuery("""
            INSERT INTO adaptive_sampling_probabilities
              (service, operation, probability, calculated_at)
            SELECT s, o, p, $4 FROM unnest($1::text[], $2::text[], $3::float8[]) AS t(s, o, p)
            ON CONFLICT (service, operation) DO UPDATE
            SET probability = excluded.probability, calculated_at = excluded.calculated_at""")
        .execute(Tuple.tuple().addValue(services).addValue(operations).addValue(values)
            .addValue(OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)))
        .mapEmpty();
  }

  /** The stored probabilities, as every replica serves them. */
  public static Future<Map<Operation, Double>> read(Pool pool) {
    return pool.query("SELECT service, operation, probability FROM adaptive_sampling_probabilities")
        .execute().map(rows -> {
          Map<Operation, Double> probabilities = new HashMap<>();
          for (Row row : rows) {
            probabilities.put(new Operation(row.getString(0), row.getString(1)),
                row.getDouble(2));
          }
          return probabilities;
        });
  }

  @Override
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    dropLead();
  }
}
