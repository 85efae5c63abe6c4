package io.meshtrace.storage.postgres;

import io.meshtrace.metrics.SamplingProbability;
import io.meshtrace.storage.RootSpanThroughput;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts committed root spans per minute, service and operation, with the sampler they report,
 * into {@code root_span_throughput}: what adaptive sampling learns traffic from. A root span is
 * one without a parent: where a trace starts, and so where its sampling decision was made.
 *
 * <p>The decision is read from Jaeger's tags ({@code sampler.type}, {@code sampler.param}, set
 * by Jaeger's clients and by OpenTelemetry's Jaeger remote sampler when it rate-limits) or from
 * OpenTelemetry's consistent-probability threshold in the W3C trace state ({@code ot=th:…}).
 */
final class RootSpanCounter {
  private static final Logger LOG = LoggerFactory.getLogger(RootSpanCounter.class);

  private record Key(long minuteMillis, String tenant, String service, String operation,
      String samplerType, double samplerParam) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Long.compare(minuteMillis, o.minuteMillis);
      c = c != 0 ? c : tenant.compareTo(o.tenant);
      c = c != 0 ? c : service.compareTo(o.service);
      c = c != 0 ? c : operation.compareTo(o.operation);
      c = c != 0 ? c : samplerType.compareTo(o.samplerType);
      return c != 0 ? c : Double.compare(samplerParam, o.samplerParam);
    }
  }

  private final Pool pool;
  private final PendingCounts<Key> counts = new PendingCounts<>(1);

  RootSpanCounter(Pool pool) {
    this.pool = pool;
  }

  /** Sees the rows of a committed batch. */
  void committed(List<SpanRow> rows) {
    for (SpanRow row : rows) {
      if (row.parentId != null) {
        continue;
      }
      String type = "";
      double param = -1;
      for (KeyValue attribute : row.span.getAttributesList()) {
        if (attribute.getKeyBytes().equals(SamplingProbability.SAMPLER_TYPE_KEY)) {
          type = attribute.getValue().getStringValue();
        } else if (attribute.getKeyBytes().equals(SamplingProbability.SAMPLER_PARAM_KEY)) {
          param = SamplingProbability.number(attribute.getValue());
        }
      }
      if (type.isEmpty()) {
        double probability = SamplingProbability.otelThreshold(row.span.getTraceState());
        if (probability >= 0) {
          type = "probabilistic";
          param = probability;
        }
      }
      long minute = Math.floorDiv(row.startMicros / 1000, 60_000L) * 60_000L;
      counts.add(new Key(minute, row.source.service().tenant(), row.source.serviceName(),
          row.operationName, type, param), 1);
    }
  }

  /** Adds the counts gathered so far to the table. */
  Future<Void> flush() {
    return counts.flush(batch -> {
      int n = batch.size();
      OffsetDateTime[] minutes = new OffsetDateTime[n];
      String[] tenants = new String[n];
      String[] services = new String[n];
      String[] operations = new String[n];
      String[] types = new String[n];
      Double[] params = new Double[n];
      Long[] spans = new Long[n];
      int i = 0;
      for (Map.Entry<Key, long[]> e : batch.entrySet()) {
        minutes[i] = OffsetDateTime.ofInstant(Instant.ofEpochMilli(e.getKey().minuteMillis()),
            ZoneOffset.UTC);
        tenants[i] = e.getKey().tenant();
        services[i] = e.getKey().service();
        operations[i] = e.getKey().operation();
        types[i] = e.getKey().samplerType();
        params[i] = e.getKey().samplerParam();
        spans[i++] = e.getValue()[0];
      }
      return pool.preparedQuery("""
              INSERT INTO root_span_throughput
                (minute, tenant, service, operation, sampler_type, sampler_param, root_spans)
              SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[],
                                   $5::text[], $6::float8[], $7::bigint[])
              ON CONFLICT (minute, tenant, service, operation, sampler_type, sampler_param)
              DO UPDATE
              SET root_spans = root_span_throughput.root_spans + excluded.root_spans""")
          .execute(Tuple.tuple().addValue(minutes).addValue(tenants).addValue(services)
              .addValue(operations)
              .addValue(types).addValue(params).addValue(spans))
          .mapEmpty();
    }, failure -> LOG.warn("Could not write root span throughput: {}",
        PgErrors.describe(failure)));
  }

  /**
   * The counts of the minutes in [from, to), oldest first, every tenant's together: sampling
   * strategies are mesh-wide, by service name, and a service that two tenants run is sampled
   * for the traffic of both.
   */
  Future<List<RootSpanThroughput>> read(Instant from, Instant to) {
    return pool.preparedQuery("""
            SELECT minute, service, operation, sampler_type, sampler_param,
                   sum(root_spans)::bigint
            FROM root_span_throughput WHERE minute >= $1 AND minute < $2
            GROUP BY minute, service, operation, sampler_type, sampler_param
            ORDER BY minute, service, operation, sampler_type, sampler_param""")
        .execute(Tuple.of(OffsetDateTime.ofInstant(from, ZoneOffset.UTC),
            OffsetDateTime.ofInstant(to, ZoneOffset.UTC)))
        .map(rows -> {
          List<RootSpanThroughput> result = new ArrayList<>(rows.size());
          for (Row row : rows) {
            result.add(new RootSpanThroughput(row.getOffsetDateTime(0).toInstant(),
                row.getString(1), row.getString(2), row.getString(3), row.getDouble(4),
                row.getLong(5)));
          }
          return result;
        });
  }
}
