package io.meshtrace.storage.postgres.sampling;

import io.meshtrace.storage.sampling.AdaptiveProbabilityStore;
import io.meshtrace.storage.sampling.ServiceOperation;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Adaptive sampling's probabilities in {@code adaptive_sampling_probabilities} (migration V4). */
public final class PostgresAdaptiveProbabilityStore implements AdaptiveProbabilityStore {
  private final Pool pool;

  public PostgresAdaptiveProbabilityStore(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<Map<ServiceOperation, Double>> read() {
    return pool.query("SELECT service, operation, probability FROM adaptive_sampling_probabilities")
        .execute().map(rows -> {
          Map<ServiceOperation, Double> probabilities = new HashMap<>();
          for (Row row : rows) {
            probabilities.put(new ServiceOperation(row.getString(0), row.getString(1)),
                row.getDouble(2));
          }
          return probabilities;
        });
  }

  @Override
  public Future<Void> write(Map<ServiceOperation, Double> probabilities, Instant calculatedAt) {
    if (probabilities.isEmpty()) {
      return Future.succeededFuture();
    }
    List<ServiceOperation> keys = new ArrayList<>(probabilities.keySet());
    String[] services = keys.stream().map(ServiceOperation::service).toArray(String[]::new);
    String[] operations = keys.stream().map(ServiceOperation::operation).toArray(String[]::new);
    Double[] values = keys.stream().map(probabilities::get).toArray(Double[]::new);
    return pool.preparedQuery("""
            INSERT INTO adaptive_sampling_probabilities
              (service, operation, probability, calculated_at)
            SELECT s, o, p, $4 FROM unnest($1::text[], $2::text[], $3::float8[]) AS t(s, o, p)
            ON CONFLICT (service, operation) DO UPDATE
            SET probability = excluded.probability, calculated_at = excluded.calculated_at""")
        .execute(Tuple.tuple().addValue(services).addValue(operations).addValue(values)
            .addValue(OffsetDateTime.ofInstant(calculatedAt, ZoneOffset.UTC)))
        .mapEmpty();
  }
}
