package io.meshtrace.bench;

import com.google.protobuf.ByteString;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Spans written into an hour closed long ago (a Kafka backlog replayed, a client that held its
 * spans) against spans of now, through the storage's own writer, side by side in one run:
 * every late batch bumps its hour's version for the dependency linker in its insert, and
 * concurrent late batches into one hour meet on that row. Each round writes {@code batches}
 * calls of {@code spans} spans all at once, first of now, then two hours old; prints a line per
 * round and a summary with the medians and their ratio.
 *
 * <pre>
 * java -cp meshtrace-bench.jar io.meshtrace.bench.LateWriteBenchmark --pg-url URL \
 *     [--rounds 7] [--batches 200] [--spans 500]
 * </pre>
 */
public final class LateWriteBenchmark {
  private LateWriteBenchmark() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new LinkedHashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
        throw new IllegalArgumentException("unexpected argument " + argv[i]);
      }
      args.put(argv[i].substring(2), argv[++i]);
    }
    int rounds = Integer.parseInt(args.getOrDefault("rounds", "7"));
    int batches = Integer.parseInt(args.getOrDefault("batches", "200"));
    int spans = Integer.parseInt(args.getOrDefault("spans", "500"));
    Vertx vertx = Vertx.vertx();
    PostgresStorage storage = PostgresStorage.open(vertx, PostgresStorageConfig.defaults(
        PgConnectOptions.fromUri(args.get("pg-url")))).await();
    SplittableRandom random = new SplittableRandom(11);
    List<Double> current = new ArrayList<>();
    List<Double> late = new ArrayList<>();
    try {
      for (int round = 0; round < rounds; round++) {
        for (long ageHours : new long[] {0, 2}) {
          double rate = write(storage, random, batches, spans, ageHours);
          (ageHours == 0 ? current : late).add(rate);
          System.out.println(new JsonObject().put("round", round).put("ageHours", ageHours)
              .put("spansPerSecond", rate).encode());
        }
      }
    } finally {
      storage.close().await();
      vertx.close().await();
    }
    // The first round warms the JIT and PostgreSQL's caches: not counted.
    double currentMedian = median(current.subList(1, current.size()));
    double lateMedian = median(late.subList(1, late.size()));
    System.out.println(new JsonObject().put("summary", true).put("rounds", rounds - 1)
        .put("currentSpansPerSecond", currentMedian).put("lateSpansPerSecond", lateMedian)
        .put("lateOverCurrent", lateMedian / currentMedian).encode());
  }

  /** Writes the batches at once, their spans {@code ageHours} old; spans committed a second. */
  private static double write(PostgresStorage storage, SplittableRandom random, int batches,
      int spans, long ageHours) {
    long base = System.currentTimeMillis() * 1_000_000L - ageHours * 3_600_000_000_000L
        - 60_000_000_000L;
    List<List<ResourceSpans>> requests = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      ScopeSpans.Builder scope = ScopeSpans.newBuilder();
      for (int i = 0; i < spans; i++) {
        long start = base + (b * (long) spans + i) * 1_000L;
        byte[] trace = new byte[16];
        for (int k = 0; k < 16; k++) {
          trace[k] = (byte) random.nextInt(256);
        }
        trace[0] |= 1;
        scope.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(trace))
            .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 1}))
            .setName("GET /late").setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 1_000_000));
      }
      requests.add(List.of(ResourceSpans.newBuilder().setResource(Resource.newBuilder()
          .addAttributes(KeyValue.newBuilder().setKey("service.name")
              .setValue(AnyValue.newBuilder().setStringValue("late-writes"))))
          .addScopeSpans(scope).build()));
    }
    long began = System.nanoTime();
    List<Future<Void>> writes = new ArrayList<>();
    for (List<ResourceSpans> request : requests) {
      writes.add(storage.spanSink().accept(request));
    }
    Future.all(writes).await();
    return batches * (double) spans / ((System.nanoTime() - began) / 1e9);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
