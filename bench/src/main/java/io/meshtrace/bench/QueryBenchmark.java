package io.meshtrace.bench;

import io.meshtrace.examples.generator.GeneratedTrace;
import io.meshtrace.examples.generator.TraceGenerator;
import io.meshtrace.examples.generator.WorkloadOptions;
import io.meshtrace.examples.generator.ZipkinSpans;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import zipkin2.codec.SpanBytesEncoder;

/**
 * The query benchmark: {@code load} fills a server with trace-generator's traces of
 * {@link #workload} over the last hours (Zipkin v2 JSON, in time order, as a mesh would send
 * them) and writes a sample of what it sent; {@code query} then times the searches people make,
 * one request at a time, through the Jaeger v1 API ({@code --api jaeger}) or Zipkin's v2 API
 * ({@code --api zipkin}), and checks every answer (a trace by id has all its spans, a request-id
 * search finds its one trace), printing one JSON object per kind of query. The services and
 * operations it searches for are the workload's, of the load's seed ({@code --load-seed}, 1 as
 * the load's {@code --seed}).
 *
 * <pre>
 * java -cp meshtrace-bench.jar io.meshtrace.bench.QueryBenchmark load --url http://127.0.0.1:9411 \
 *     --spans 5000000 --hours 26 --end-micros E --samples samples.jsonl
 * java -cp meshtrace-bench.jar io.meshtrace.bench.QueryBenchmark query --api jaeger \
 *     --url http://127.0.0.1:16686 --samples samples.jsonl --end-micros E --runs 200
 * </pre>
 *
 * <p>{@code query --seconds S} asks the kinds in turn for S seconds instead, without a warm-up.
 */
public final class QueryBenchmark {
  private static final long HOUR_MICROS = 3_600_000_000L;

  private QueryBenchmark() {}

  /**
   * The workload: a shop of 14 services (with seed 1, 13 of them on the edge gateway's 5
   * routes; 4 deep, fan-out 2, about 13.5 spans a trace) reported by the Istio sidecars alone,
   * so that every span carries Envoy's 20 tags (with {@code guid:x-request-id}, one per trace);
   * 2 % of traces fail (a 500 or 503 up to the edge, {@code error=true}), 1 % have one call
   * held up by 1-3 s, which {@code service_min_duration_1s_24h} finds.
   */
  static TraceGenerator workload(long seed) {
    return new TraceGenerator(new WorkloadOptions(14, 4, 2, 0.02, 0.01, seed)
        .withInstrumentation(WorkloadOptions.Instrumentation.SIDECARS_ONLY)
        .withOutlierDelayMicros(1_000_000));
  }

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0) {
      throw new IllegalArgumentException("usage: QueryBenchmark load|query --flag value ...");
    }
    Map<String, String> args = new LinkedHashMap<>();
    for (int i = 1; i < argv.length; i++) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + argv[i]);
      }
      String key = argv[i].substring(2);
      boolean flag = i + 1 >= argv.length || argv[i + 1].startsWith("--");
      args.put(key, flag ? "true" : argv[++i]);
    }
    switch (argv[0]) {
      case "load" -> load(args);
      case "query" -> query(args);
      default -> throw new IllegalArgumentException("unknown command " + argv[0]);
    }
  }

  // --- load ----------------------------------------------------------------------------

  private static void load(Map<String, String> args) throws Exception {
    URI url = URI.create(args.getOrDefault("url", "http://127.0.0.1:9411"));
    long targetSpans = Long.parseLong(args.getOrDefault("spans", "5000000"));
    double hours = Double.parseDouble(args.getOrDefault("hours", "26"));
    long endMicros = Long.parseLong(args.getOrDefault("end-micros",
        Long.toString(System.currentTimeMillis() * 1000)));
    int connections = Integer.parseInt(args.getOrDefault("connections", "4"));
    int spansPerRequest = Integer.parseInt(args.getOrDefault("spans-per-request", "100"));
    int sampleEvery = Integer.parseInt(args.getOrDefault("sample-every", "50"));
    Path samplesFile = Path.of(args.getOrDefault("samples", "samples.jsonl"));
    long seed = Long.parseLong(args.getOrDefault("seed", "1"));

    // Space the traces' starts evenly so that the last one starts at the end. Their sizes vary
    // (13.5 spans on average): count them first. An estimate of 15 once piled the 10 % of spans
    // it was short by onto one instant at the end, where every search over the last hour then
    // had to walk through them.
    TraceGenerator generator = workload(seed);
    long expectedTraces = tracesFor(targetSpans, generator);
    long spanMicros = (long) (hours * HOUR_MICROS);
    double stepMicros = (double) spanMicros / Math.max(1, expectedTraces - 1);
    long firstStart = endMicros - spanMicros;

    // java.net.http, not Vert.x's client: against Zipkin's server the Vert.x client left every
    // request of a window unanswered after some ten thousand spans, both sides idle.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    AtomicLong sent = new AtomicLong();
    AtomicLong retries = new AtomicLong();
    long started = System.nanoTime();
    long traces = 0;
    long sentSpans = 0;
    long lastReport = started;
    try (BufferedWriter samples = Files.newBufferedWriter(samplesFile)) {
      List<java.util.concurrent.CompletableFuture<Void>> inFlight = new ArrayList<>();
      // A window of requests in flight per connection keeps the connections busy while the
      // next bodies are built.
      java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(connections * 2);
      while (sentSpans < targetSpans) {
        List<GeneratedTrace> body = new ArrayList<>();
        int bodySpans = 0;
        while (bodySpans < spansPerRequest && sentSpans + bodySpans < targetSpans) {
          long start = firstStart + Math.round(traces * stepMicros);
          GeneratedTrace trace = generator.trace(traces, start);
          if (traces % sampleEvery == 0) {
            samples.write(new JsonObject().put("traceId", trace.traceId())
                .put("requestId", trace.root().tags().get("guid:x-request-id"))
                .put("startMicros", trace.root().startMicros())
                .put("service", trace.root().service()).put("operation", trace.root().name())
                .put("spans", trace.spans().size()).put("failed", trace.error())
                .put("slow", trace.outlier()).encode());
            samples.newLine();
          }
          body.add(trace);
          bodySpans += trace.spans().size();
          traces++;
        }
        sentSpans += bodySpans;
        byte[] encoded = SpanBytesEncoder.JSON_V2.encodeList(ZipkinSpans.of(body));
        int count = bodySpans;
        window.acquire();
        java.util.concurrent.CompletableFuture<Void> done = post(http, url, encoded, retries, 0)
            .whenComplete((ok, failure) -> {
              window.release();
              if (failure == null) {
                sent.addAndGet(count);
              }
            });
        inFlight.add(done);
        inFlight.removeIf(java.util.concurrent.CompletableFuture::isDone);
        long now = System.nanoTime();
        if (now - lastReport > 10_000_000_000L) {
          lastReport = now;
          System.err.printf("%,d spans acknowledged, %,.0f spans/s%n", sent.get(),
              sent.get() / ((now - started) / 1e9));
        }
      }
      java.util.concurrent.CompletableFuture.allOf(
          inFlight.toArray(new java.util.concurrent.CompletableFuture[0])).get();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.println(new JsonObject().put("spans", sent.get()).put("traces", traces)
        .put("seconds", Math.round(seconds)).put("spansPerSecond", Math.round(sent.get() / seconds))
        .put("retries", retries.get()).put("firstStartMicros", firstStart)
        .put("endMicros", endMicros).encode());
  }

  /** How many of the generator's traces the load sends: whole traces until the target. */
  private static long tracesFor(long targetSpans, TraceGenerator generator) {
    long spans = 0;
    long traces = 0;
    while (spans < targetSpans) {
      spans += generator.trace(traces, 0).spans().size();
      traces++;
    }
    return traces;
  }

  /** POSTs until the server acknowledges; 429, 503 and lost connections are waited out. */
  private static java.util.concurrent.CompletableFuture<Void> post(HttpClient http, URI url,
      byte[] body, AtomicLong retries, int attempt) {
    HttpRequest request = HttpRequest.newBuilder(url.resolve("/api/v2/spans"))
        .header("content-type", "application/json").timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle((response, failure) -> {
          int status = failure == null ? response.statusCode() : -1;
          if (status / 100 == 2) {
            return java.util.concurrent.CompletableFuture.<Void>completedFuture(null);
          }
          if (status / 100 == 4 && status != 429) {
            return java.util.concurrent.CompletableFuture.<Void>failedFuture(
                new IllegalStateException("refused with " + status));
          }
          if (attempt >= 100) {
            return java.util.concurrent.CompletableFuture.<Void>failedFuture(
                new IllegalStateException("gave up after 100 attempts: "
                    + (failure != null ? failure : status)));
          }
          retries.incrementAndGet();
          return java.util.concurrent.CompletableFuture.supplyAsync(() -> null,
                  java.util.concurrent.CompletableFuture.delayedExecutor(200,
                      java.util.concurrent.TimeUnit.MILLISECONDS))
              .thenCompose(v -> post(http, url, body, retries, attempt + 1));
        })
        .thenCompose(f -> f);
  }

  // --- query ---------------------------------------------------------------------------

  /** One kind of query: how to ask it and how to check the answer. */
  private record Kind(String name, Function<Random, Request> next) {}

  /** A request, with the number of results it must return (or -1 for any). */
  private record Request(String path, int expectedResults) {}

  private static void query(Map<String, String> args) throws Exception {
    String api = args.getOrDefault("api", "jaeger");
    URI base = URI.create(args.getOrDefault("url", "http://127.0.0.1:16686"));
    int runs = Integer.parseInt(args.getOrDefault("runs", "200"));
    int warmup = Integer.parseInt(args.getOrDefault("warmup", "100"));
    long endMicros = Long.parseLong(args.get("end-micros"));
    int limit = Integer.parseInt(args.getOrDefault("limit", "20"));
    long seed = Long.parseLong(args.getOrDefault("seed", "7"));
    Duration timeout = Duration.ofSeconds(Long.parseLong(args.getOrDefault("timeout", "60")));
    List<String> only = args.containsKey("kinds")
        ? Arrays.asList(args.get("kinds").split(",")) : null;
    TraceGenerator workload = workload(Long.parseLong(args.getOrDefault("load-seed", "1")));

    List<JsonObject> samples = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args.getOrDefault("samples", "samples.jsonl")))) {
      samples.add(new JsonObject(line));
    }
    List<String[]> serviceOperations = workload.topology().operations().stream()
        .map(o -> new String[] {o.service().name(), o.spanName()}).toList();
    // the services a trace reaches (with a large mesh and a small fan-out, not all of them)
    List<String> services = serviceOperations.stream().map(so -> so[0]).distinct().toList();
    long queryEnd = endMicros + 60_000_000L;
    QueryApi q = api.equals("zipkin") ? new ZipkinApi(queryEnd, limit) : new JaegerApi(queryEnd, limit);

    List<Kind> kinds = List.of(
        new Kind("trace_by_id", r -> {
          JsonObject s = samples.get(r.nextInt(samples.size()));
          return new Request(q.trace(s.getString("traceId")), s.getInteger("spans"));
        }),
        new Kind("service_operation_1h", r -> {
          String[] so = serviceOperations.get(r.nextInt(serviceOperations.size()));
          return new Request(q.search(so[0], so[1], null, null, null, HOUR_MICROS), -1);
        }),
        new Kind("service_operation_24h", r -> {
          String[] so = serviceOperations.get(r.nextInt(serviceOperations.size()));
          return new Request(q.search(so[0], so[1], null, null, null, 24 * HOUR_MICROS), -1);
        }),
        new Kind("service_tag_status_503_24h", r -> {
          String service = services.get(r.nextInt(services.size()));
          return new Request(q.search(service, null, "http.status_code", "503", null,
              24 * HOUR_MICROS), -1);
        }),
        new Kind("service_error_24h", r -> {
          String service = services.get(r.nextInt(services.size()));
          return new Request(q.search(service, null, "error", "true", null, 24 * HOUR_MICROS), -1);
        }),
        new Kind("tag_request_id_24h", r -> {
          // A sample from the last 24 hours: its request ID names exactly one trace.
          JsonObject s;
          do {
            s = samples.get(r.nextInt(samples.size()));
          } while (s.getLong("startMicros") < endMicros - 23 * HOUR_MICROS);
          return new Request(q.search(null, null, "guid:x-request-id", s.getString("requestId"),
              null, 24 * HOUR_MICROS), 1);
        }),
        new Kind("service_min_duration_1s_24h", r -> {
          String service = services.get(r.nextInt(services.size()));
          return new Request(q.search(service, null, null, null, 1_000_000L, 24 * HOUR_MICROS), -1);
        }));

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    List<Measured> selected = new ArrayList<>();
    for (Kind kind : kinds) {
      if (only == null || only.contains(kind.name())) {
        selected.add(new Measured(kind, new Random(seed + kind.name().hashCode())));
      }
    }
    if (args.containsKey("seconds")) {
      // For a fixed time from now, no warm-up, the kinds in turn: what a server answers in its
      // first seconds (the fresh-partition drill: right after a load, before anything analysed
      // the partition).
      long deadline = System.nanoTime() + (long) (Double.parseDouble(args.get("seconds")) * 1e9);
      while (System.nanoTime() < deadline) {
        for (Measured measured : selected) {
          measured.run(client, base, q, timeout, true);
        }
      }
    } else {
      for (Measured measured : selected) {
        for (int i = -warmup; i < runs; i++) {
          measured.run(client, base, q, timeout, i >= 0);
        }
      }
    }
    for (Measured measured : selected) {
      System.out.println(measured.summary(api, base, limit).encode());
    }
  }

  /** One kind of query's requests and what they took. */
  private static final class Measured {
    final Kind kind;
    final Random random;
    final List<Long> nanos = new ArrayList<>();
    final List<Integer> results = new ArrayList<>();
    int errors;
    int wrong;
    String firstProblem;
    long bytes;

    Measured(Kind kind, Random random) {
      this.kind = kind;
      this.random = random;
    }

    void run(HttpClient client, URI base, QueryApi q, Duration timeout, boolean record)
        throws InterruptedException {
      Request request = kind.next().apply(random);
      HttpRequest http = HttpRequest.newBuilder(base.resolve(request.path())).timeout(timeout)
          .GET().build();
      long t0 = System.nanoTime();
      int status;
      String body;
      try {
        HttpResponse<String> response = client.send(http, HttpResponse.BodyHandlers.ofString());
        status = response.statusCode();
        body = response.body();
      } catch (IOException e) {
        status = -1;
        body = e.toString();
      }
      long elapsed = System.nanoTime() - t0;
      if (!record) {
        return;
      }
      nanos.add(elapsed);
      bytes += body.length();
      if (status != 200) {
        errors++;
        results.add(-1);
        if (firstProblem == null) {
          firstProblem = status + " " + request.path() + ": "
              + body.substring(0, Math.min(300, body.length()));
        }
        return;
      }
      int count = kind.name().equals("trace_by_id") ? q.spanCount(body) : q.traceCount(body);
      results.add(count);
      if (request.expectedResults() >= 0 && count != request.expectedResults()) {
        wrong++;
        if (firstProblem == null) {
          firstProblem = "expected " + request.expectedResults() + " results, got " + count
              + " for " + request.path();
        }
      }
    }

    JsonObject summary(String api, URI base, int limit) {
      long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
      int[] sortedResults = results.stream().mapToInt(Integer::intValue).sorted().toArray();
      int runs = sorted.length;
      JsonObject out = new JsonObject().put("api", api).put("url", base.toString())
          .put("kind", kind.name()).put("runs", runs).put("limit", limit);
      if (runs > 0) {
        out.put("p50Ms", ms(percentile(sorted, 0.50))).put("p90Ms", ms(percentile(sorted, 0.90)))
            .put("p99Ms", ms(percentile(sorted, 0.99))).put("maxMs", ms(sorted[runs - 1]))
            .put("medianResults", sortedResults[runs / 2])
            .put("zeroResults", Arrays.stream(sortedResults).filter(c -> c == 0).count())
            .put("meanResponseBytes", bytes / runs);
      }
      out.put("errors", errors).put("wrongAnswers", wrong);
      if (firstProblem != null) {
        out.put("firstProblem", firstProblem);
      }
      return out;
    }
  }

  private static long percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 10_000.0) / 100.0;
  }

  static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** How one API spells the queries, and how to count its answers. */
  private interface QueryApi {
    String trace(String traceId);

    String search(String service, String operation, String tagKey, String tagValue,
        Long minDurationMicros, long lookbackMicros);

    int traceCount(String body);

    int spanCount(String body);
  }

  /** Jaeger's v1 JSON API, as Grafana's Jaeger data source calls it. */
  private record JaegerApi(long endMicros, int limit) implements QueryApi {
    public String trace(String traceId) {
      return "/api/traces/" + traceId;
    }

    public String search(String service, String operation, String tagKey, String tagValue,
        Long minDurationMicros, long lookbackMicros) {
      StringBuilder path = new StringBuilder("/api/traces?limit=").append(limit)
          .append("&start=").append(endMicros - lookbackMicros).append("&end=").append(endMicros);
      if (service != null) {
        path.append("&service=").append(enc(service));
      }
      if (operation != null) {
        path.append("&operation=").append(enc(operation));
      }
      if (tagKey != null) {
        path.append("&tags=").append(enc(new JsonObject().put(tagKey, tagValue).encode()));
      }
      if (minDurationMicros != null) {
        path.append("&minDuration=").append(minDurationMicros / 1000).append("ms");
      }
      return path.toString();
    }

    public int traceCount(String body) {
      return new JsonObject(body).getJsonArray("data").size();
    }

    public int spanCount(String body) {
      JsonArray data = new JsonObject(body).getJsonArray("data");
      return data.isEmpty() ? 0 : data.getJsonObject(0).getJsonArray("spans").size();
    }
  }

  /** Zipkin's v2 API, as Zipkin's UI and Grafana's Zipkin data source call it. */
  private record ZipkinApi(long endMicros, int limit) implements QueryApi {
    public String trace(String traceId) {
      return "/api/v2/trace/" + traceId;
    }

    public String search(String service, String operation, String tagKey, String tagValue,
        Long minDurationMicros, long lookbackMicros) {
      StringBuilder path = new StringBuilder("/api/v2/traces?limit=").append(limit)
          .append("&endTs=").append(endMicros / 1000)
          .append("&lookback=").append(lookbackMicros / 1000);
      if (service != null) {
        path.append("&serviceName=").append(enc(service));
      }
      if (operation != null) {
        path.append("&spanName=").append(enc(operation));
      }
      if (tagKey != null) {
        // Zipkin's error tag holds a message: asking for the key alone finds every failure.
        path.append("&annotationQuery=").append(enc(tagKey.equals("error") ? tagKey
            : tagKey + "=" + tagValue));
      }
      if (minDurationMicros != null) {
        path.append("&minDuration=").append(minDurationMicros);
      }
      return path.toString();
    }

    public int traceCount(String body) {
      return new JsonArray(body).size();
    }

    public int spanCount(String body) {
      return new JsonArray(body).size();
    }
  }
}
