package io.meshtrace.bench;

import io.meshtrace.metrics.RedMetrics;
import io.meshtrace.metrics.SpanMetricsKey;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * RED metrics at scale (issue 19's benchmark): {@code load} writes DAYS of minute rows for
 * SERVICES x OPERATIONS server series into a meshtrace database through the storage's own
 * writer (as the aggregator hands closed minutes over: 20-60 calls a minute, log-normal
 * durations, 2 % errors, a quarter of the services sampled at 10 %), rolls the hours up with
 * the storage's own rollup, and prints the bytes a series-minute takes; {@code query} times
 * Jaeger SPM API requests against a running meshtrace on that database, one at a time.
 *
 * <pre>
 * java -cp meshtrace-bench.jar io.meshtrace.bench.SpanMetricsBenchmark load --pg-url URL \
 *     --days 7 --services 100 --operations 50 [--write false: only roll the hours up again]
 * java -cp meshtrace-bench.jar io.meshtrace.bench.SpanMetricsBenchmark query \
 *     --url http://127.0.0.1:16686 --services 100 --runs 100 [--end-ts MS]
 * </pre>
 */
public final class SpanMetricsBenchmark {
  private SpanMetricsBenchmark() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new LinkedHashMap<>();
    for (int i = 1; i < argv.length; i++) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
        throw new IllegalArgumentException("unexpected argument " + argv[i]);
      }
      args.put(argv[i].substring(2), argv[++i]);
    }
    switch (argv.length == 0 ? "" : argv[0]) {
      case "load" -> load(args);
      case "query" -> query(args);
      default -> throw new IllegalArgumentException("usage: SpanMetricsBenchmark load|query ...");
    }
  }

  static String service(int i) {
    return String.format("service-%03d", i);
  }

  static String operation(int i) {
    return String.format("GET /api/v1/resource-%02d/{id}", i);
  }

  private static void load(Map<String, String> args) throws Exception {
    int days = Integer.parseInt(args.getOrDefault("days", "7"));
    int services = Integer.parseInt(args.getOrDefault("services", "100"));
    int operations = Integer.parseInt(args.getOrDefault("operations", "50"));
    Vertx vertx = Vertx.vertx();
    PostgresStorageConfig defaults = PostgresStorageConfig.defaults(
        PgConnectOptions.fromUri(args.get("pg-url")));
    PostgresStorageConfig config = new PostgresStorageConfig(defaults.connect(),
        defaults.poolSize(), defaults.writePoolSize(), defaults.writerConcurrency(),
        defaults.maxBatchSpans(), defaults.partitionDaysAhead(), days + 1,
        defaults.maxFutureSkew(), defaults.indexedTagKeys(), defaults.timeouts(), null, false);
    PostgresStorage storage = PostgresStorage.open(vertx, config).await();
    try {
      for (int s = 0; s < services; s++) {
        storage.pool().preparedQuery("INSERT INTO services (tenant, name) VALUES ('', $1) "
            + "ON CONFLICT DO NOTHING").execute(Tuple.of(service(s))).await();
      }
      Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
      Instant start = end.minus(Duration.ofDays(days));
      long minutes = Duration.between(start, end).toMinutes();
      if ("false".equals(args.get("write"))) {
        // The minutes as they are, the hours rolled up again (after a change to the rollup).
        storage.pool().query("TRUNCATE span_metrics_hour, span_metrics_rollups").execute()
            .await();
        minutes = 0;
      }
      SplittableRandom random = new SplittableRandom(7);
      long rows = 0;
      long began = System.nanoTime();
      for (long m = 0; m < minutes; m++) {
        long minute = start.plus(Duration.ofMinutes(m)).toEpochMilli();
        TreeMap<SpanMetricsKey, RedMetrics> batch = new TreeMap<>();
        for (int s = 0; s < services; s++) {
          double weight = s % 4 == 0 ? 10 : 1;
          for (int o = 0; o < operations; o++) {
            RedMetrics metrics = new RedMetrics();
            int calls = 20 + random.nextInt(41);
            double median = 2_000 + 400 * o;
            for (int c = 0; c < calls; c++) {
              metrics.record(median * Math.exp(0.8 * gaussian(random)),
                  random.nextInt(50) == 0, weight);
            }
            batch.put(new SpanMetricsKey(minute, "", service(s), operation(o), 2), metrics);
          }
        }
        writeRetrying(storage, batch);
        rows += batch.size();
        if (m % 720 == 0) {
          System.err.printf("load: %d of %d minutes, %d rows, %.0f rows/s%n", m, minutes, rows,
              rows / ((System.nanoTime() - began) / 1e9));
        }
      }
      double writeSeconds = (System.nanoTime() - began) / 1e9;
      long rollupBegan = System.nanoTime();
      int hours = 0;
      for (int rolled; (rolled = storage.rollUpSpanMetrics().await()) > 0; ) {
        hours += rolled;
        System.err.printf("rollup: %d hours%n", hours);
      }
      double rollupSeconds = (System.nanoTime() - rollupBegan) / 1e9;
      Row sizes = storage.pool().query("""
              SELECT (SELECT count(*) FROM span_metrics_minute),
                     (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)
                      FROM pg_inherits WHERE inhparent = 'span_metrics_minute'::regclass),
                     (SELECT coalesce(sum(pg_relation_size(inhrelid)), 0)
                      FROM pg_inherits WHERE inhparent = 'span_metrics_minute'::regclass),
                     (SELECT count(*) FROM span_metrics_hour),
                     (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)
                      FROM pg_inherits WHERE inhparent = 'span_metrics_hour'::regclass),
                     (SELECT avg(length(latency)) FROM span_metrics_minute)""")
          .execute().await().iterator().next();
      long minuteRows = sizes.getLong(0);
      System.out.println(new JsonObject().put("endTs", end.toEpochMilli()).put("days", days).put("services", services)
          .put("operations", operations).put("minuteRows", minuteRows)
          .put("writeSeconds", writeSeconds).put("rowsPerSecond", rows / writeSeconds)
          .put("rollupHours", hours).put("rollupSeconds", rollupSeconds)
          .put("minuteBytesPerRowWithIndexes", (double) sizes.getLong(1) / minuteRows)
          .put("minuteBytesPerRowHeap", (double) sizes.getLong(2) / minuteRows)
          .put("latencyBytesPerRow", sizes.getNumeric(5).doubleValue())
          .put("hourRows", sizes.getLong(3))
          .put("hourBytesPerRowWithIndexes", sizes.getLong(3) == 0 ? 0
              : (double) sizes.getLong(4) / sizes.getLong(3)).encode());
    } finally {
      storage.close().await();
      vertx.close().await();
    }
  }

  /**
   * As the flusher does, a failed write is tried again (a statement timeout while PostgreSQL
   * checkpoints on a busy machine), up to five times.
   */
  private static void writeRetrying(PostgresStorage storage,
      TreeMap<SpanMetricsKey, RedMetrics> batch) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        storage.spanMetrics().write(batch).await();
        return;
      } catch (RuntimeException e) {
        if (attempt == 5) {
          throw e;
        }
        System.err.println("write failed (" + e.getMessage() + "), again");
        Thread.sleep(1000);
      }
    }
  }

  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(1 - random.nextDouble()))
        * Math.cos(2 * Math.PI * random.nextDouble());
  }

  /** The requests Jaeger UI's Monitor tab makes, and a week of hours. */
  private static void query(Map<String, String> args) throws Exception {
    URI base = URI.create(args.getOrDefault("url", "http://127.0.0.1:16686"));
    int services = Integer.parseInt(args.getOrDefault("services", "100"));
    int runs = Integer.parseInt(args.getOrDefault("runs", "100"));
    // The end of the loaded minutes when given (the load may have ended a while ago), else now.
    long now = args.containsKey("end-ts") ? Long.parseLong(args.get("end-ts"))
        : Instant.now().truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
    Map<String, String> kinds = new LinkedHashMap<>();
    kinds.put("calls-1h-by-operation", "/api/metrics/calls?groupByOperation=true&lookback="
        + 3_600_000 + "&step=60000&ratePer=600000");
    kinds.put("latencies-p95-1h-by-operation", "/api/metrics/latencies?quantile=0.95"
        + "&groupByOperation=true&lookback=3600000&step=60000&ratePer=600000");
    kinds.put("errors-24h-by-service", "/api/metrics/errors?lookback=86400000&step=300000"
        + "&ratePer=600000");
    kinds.put("calls-7d-by-operation", "/api/metrics/calls?groupByOperation=true"
        + "&lookback=604800000&step=3600000&ratePer=3600000");
    kinds.put("latencies-p99-7d-by-operation", "/api/metrics/latencies?quantile=0.99"
        + "&groupByOperation=true&lookback=604800000&step=3600000&ratePer=3600000");
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    SplittableRandom random = new SplittableRandom(3);
    for (Map.Entry<String, String> kind : kinds.entrySet()) {
      List<Double> millis = new ArrayList<>();
      long points = 0;
      for (int r = -5; r < runs; r++) {
        String url = base + kind.getValue() + "&endTs=" + now + "&service="
            + URLEncoder.encode(service(random.nextInt(services)), StandardCharsets.UTF_8);
        long began = System.nanoTime();
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(url))
            .GET().build(), HttpResponse.BodyHandlers.ofString());
        double took = (System.nanoTime() - began) / 1e6;
        if (answer.statusCode() != 200) {
          throw new IllegalStateException(url + " answered " + answer.statusCode() + ": "
              + answer.body());
        }
        if (r >= 0) {
          millis.add(took);
          points += answer.body().split("\"timestamp\"", -1).length - 1;
        }
      }
      double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      System.out.println(new JsonObject().put("kind", kind.getKey()).put("runs", runs)
          .put("p50Ms", sorted[sorted.length / 2])
          .put("p99Ms", sorted[(int) Math.ceil(sorted.length * 0.99) - 1])
          .put("maxMs", sorted[sorted.length - 1])
          .put("pointsPerAnswer", (double) points / runs).encode());
    }
  }
}
