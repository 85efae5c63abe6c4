package io.meshtrace.bench;

import io.meshtrace.examples.generator.GeneratedTrace;
import io.meshtrace.examples.generator.OtlpSpans;
import io.meshtrace.examples.generator.TraceGenerator;
import io.meshtrace.examples.generator.WorkloadOptions;
import io.meshtrace.examples.generator.ZipkinSpans;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Sends Envoy-shaped spans as fast as the server takes them (closed loop, one request in flight
 * per connection) or at a fixed rate (open loop, latency measured from each request's scheduled
 * time so that a stalled server is not hidden), and reports acknowledged and committed spans per
 * second, ack latency percentiles, and the server's CPU time and peak memory.
 *
 * <p>The spans are trace-generator's ({@link #workload}): traces of exactly
 * {@code --spans-per-trace} spans (10: edge-gateway, frontend, cart, checkout in a chain, 7
 * spans, and 3 calls to PostgreSQL or Kafka), reported by the Istio sidecars alone, so that
 * every span carries Envoy's 20 tags (22 on the root), with 128-bit trace IDs and 2 % of traces
 * failing; Zipkin bodies are its {@code ZipkinSpans} as JSON v2, OTLP bodies its
 * {@code OtlpSpans} (a resource per service), both of the same spans.
 *
 * <pre>
 * java -jar bench/target/meshtrace-bench.jar --target zipkin --url http://127.0.0.1:9411 \
 *     --connections 2 --requests 3000 --spans-per-request 100 \
 *     --pg-url postgresql://meshtrace:PASSWORD@127.0.0.1:PORT/postgres --server-pids PID
 * </pre>
 *
 * Targets: {@code zipkin} (POST /api/v2/spans, JSON), {@code otlp-http} (POST /v1/traces,
 * protobuf), {@code otlp-grpc} (TraceService/Export), {@code jaeger-http} (POST /api/traces, a
 * Thrift binary Batch of one service's spans, as Jaeger's clients send them:
 * {@link JaegerThriftSpans}). {@code --rate SPANS_PER_SECOND} switches
 * to the open loop; {@code --unique-requests N} builds N distinct bodies and cycles through them;
 * {@code --spans-per-request} must be a multiple of {@code --spans-per-trace}; {@code --url A,B}
 * sends requests to several servers in turn (collectors behind one address in a deployment);
 * {@code --request-timeout SECONDS} fails an HTTP request that gets no answer for that long;
 * {@code --headers k:v,k2:v2} adds headers (gRPC metadata) to every request, for example a
 * tenant or {@code authorization}; an {@code https} URL connects over TLS, trusting the PEM
 * certificates of {@code --ca-file} (gRPC negotiates HTTP/2 by ALPN).
 */
public final class LoadGenerator {
  private static final ServiceMethod<Buffer, Buffer> EXPORT = ServiceMethod.client(
      ServiceName.create("opentelemetry.proto.collector.trace.v1.TraceService"), "Export",
      GrpcMessageEncoder.IDENTITY, GrpcMessageDecoder.IDENTITY);

  private final Map<String, String> args;
  /** HTTP targets: a request with no answer for this long fails; 0 waits for ever. */
  private final long requestTimeoutMillis;
  private final String target;
  private final int connections;
  private final int requests;
  private final int warmup;
  private final int spansPerRequest;
  private final int spansPerTrace;
  private final double rate;
  private final boolean gzip;
  /** --tenant: sent as X-Scope-OrgID, for a server with --tenancy true; null sends none. */
  private final String tenant;
  /** {@code --url}: one server, or several separated by commas that requests go to in turn. */
  private final List<URI> urls;
  private final java.util.concurrent.atomic.AtomicInteger nextUrl =
      new java.util.concurrent.atomic.AtomicInteger();
  /** The trace IDs in each body (but Jaeger's), for {@code --acked-file}. */
  private final List<List<String>> bodyTraceIds = new ArrayList<>();
  /** {@code --headers}: sent with every request. */
  private final Map<String, String> headers = new LinkedHashMap<>();
  private Vertx vertx;
  private HttpClientAgent http;
  private GrpcClient grpc;

  private LoadGenerator(Map<String, String> args) {
    this.args = args;
    this.target = args.getOrDefault("target", "zipkin");
    this.connections = Integer.parseInt(args.getOrDefault("connections", "2"));
    this.requests = Integer.parseInt(args.getOrDefault("requests", "2000"));
    this.warmup = Integer.parseInt(args.getOrDefault("warmup", "200"));
    this.spansPerRequest = Integer.parseInt(args.getOrDefault("spans-per-request", "100"));
    this.spansPerTrace = Integer.parseInt(args.getOrDefault("spans-per-trace", "10"));
    this.rate = Double.parseDouble(args.getOrDefault("rate", "0"));
    this.requestTimeoutMillis = (long) (Double.parseDouble(
        args.getOrDefault("request-timeout", "0")) * 1000);
    this.gzip = args.containsKey("gzip");
    this.tenant = args.get("tenant");
    this.urls = Arrays.stream(args.getOrDefault("url", "http://127.0.0.1:9411").split(","))
        .map(URI::create).toList();
    for (String header : args.getOrDefault("headers", "").split(",")) {
      if (!header.isBlank()) {
        int colon = header.indexOf(':');
        if (colon < 1) {
          throw new IllegalArgumentException("--headers takes name:value pairs separated by "
              + "commas, not " + header);
        }
        headers.put(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
      }
    }
    if (spansPerTrace < WorkloadOptions.MIN_SPANS_PER_TRACE || spansPerRequest < 1
        || spansPerRequest % spansPerTrace != 0) {
      throw new IllegalArgumentException("--spans-per-trace must be at least "
          + WorkloadOptions.MIN_SPANS_PER_TRACE + " and --spans-per-request a multiple of it");
    }
  }

  /**
   * The ingest workload: 4 services in a chain, 2 % of traces failing, no outliers, exactly
   * {@code spansPerTrace} spans a trace, every span reported by an Envoy sidecar.
   */
  static WorkloadOptions workload(long seed, int spansPerTrace) {
    return new WorkloadOptions(4, 4, 3, 0.02, 0, seed).withSpansPerTrace(spansPerTrace)
        .withInstrumentation(WorkloadOptions.Instrumentation.SIDECARS_ONLY);
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new LinkedHashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + argv[i]);
      }
      String key = argv[i].substring(2);
      boolean flag = i + 1 >= argv.length || argv[i + 1].startsWith("--");
      args.put(key, flag ? "true" : argv[++i]);
    }
    new LoadGenerator(args).run();
  }

  private void run() throws Exception {
    int unique = Math.min(requests + warmup,
        Integer.parseInt(args.getOrDefault("unique-requests", Integer.toString(requests + warmup))));
    long buildStart = System.nanoTime();
    List<Buffer> bodies = buildBodies(unique, Long.parseLong(args.getOrDefault("seed", "1")));
    long bodyBytes = bodies.stream().mapToLong(Buffer::length).sum();
    System.err.printf("built %d bodies (%.1f MB, %d spans each) in %d ms%n", bodies.size(),
        bodyBytes / 1e6, spansPerRequest, (System.nanoTime() - buildStart) / 1_000_000);

    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    if (target.equals("otlp-grpc")) {
      // One stream per connection and `connections` connections, like the HTTP targets.
      grpc = GrpcClient.client(vertx, vertx.createHttpClient(tls(new HttpClientOptions()
              .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
              .setHttp2MultiplexingLimit(1).setTcpNoDelay(true)),
          new PoolOptions().setHttp2MaxSize(connections)));
    } else {
      http = vertx.createHttpClient(tls(new HttpClientOptions().setKeepAlive(true)
              .setTcpNoDelay(true)),
          new PoolOptions().setHttp1MaxSize(connections).setHttp2MaxSize(connections));
    }
    Pool pg = args.containsKey("pg-url") ? PgBuilder.pool()
        .connectingTo(PgConnectOptions.fromUri(args.get("pg-url"))).using(vertx).build() : null;
    String countSql = args.getOrDefault("count-sql", "SELECT count(*) FROM spans");
    List<Long> pids = args.containsKey("server-pids") ? Arrays.stream(
        args.get("server-pids").split(",")).map(Long::parseLong).toList() : List.of();

    Result warm = send(bodies, 0, warmup, 0).toCompletionStage().toCompletableFuture().get();
    if (warm.failures > 0) {
      System.err.println("warm-up had " + warm.failures + " failed requests: " + warm.firstError);
    }
    long countBefore = pg == null ? -1 : count(pg, countSql);
    // A process's own CPU, and with its descendants: the embedded PostgreSQL is a child of the
    // meshtrace JVM, and its backends are children of the postmaster.
    double[] cpuBefore = pids.stream().mapToDouble(ProcStats::ownCpuSeconds).toArray();
    double[] treeBefore = pids.stream().mapToDouble(ProcStats::cpuSeconds).toArray();
    double ownCpuBefore = ProcStats.cpuSeconds(ProcessHandle.current().pid());
    long started = System.nanoTime();
    Result result = send(bodies, warmup, requests, rate).toCompletionStage().toCompletableFuture()
        .get();
    long acked = System.nanoTime();
    double[] cpuAfter = pids.stream().mapToDouble(ProcStats::ownCpuSeconds).toArray();
    double[] treeAfter = pids.stream().mapToDouble(ProcStats::cpuSeconds).toArray();
    double ownCpu = ProcStats.cpuSeconds(ProcessHandle.current().pid()) - ownCpuBefore;
    long ackedSpans = (long) result.ok * spansPerRequest;
    long committedAt = -1;
    long committedSpans = -1;
    if (pg != null) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(
          Long.parseLong(args.getOrDefault("verify-timeout", "900")));
      while (true) {
        // The count's snapshot is taken when the query starts: if it sees every span, every
        // span was committed by then, however long counting a large table takes.
        long snapshot = System.nanoTime();
        committedSpans = count(pg, countSql) - countBefore;
        if (committedSpans >= ackedSpans || System.nanoTime() > deadline) {
          committedAt = snapshot;
          break;
        }
        Thread.sleep(25);
      }
    }

    double seconds = (acked - started) / 1e9;
    JsonObject out = new JsonObject()
        .put("target", target).put("url", args.get("url")).put("connections", connections)
        .put("requests", requests).put("spansPerRequest", spansPerRequest)
        .put("spansPerTrace", spansPerTrace).put("gzip", gzip)
        .put("rateTarget", rate)
        .put("okRequests", result.ok).put("failedRequests", result.failures)
        .put("outcomes", new JsonObject(new LinkedHashMap<>(result.outcomes)))
        .put("ackedSpansPerSecond", Math.round(ackedSpans / seconds))
        .put("latencyMs", result.latencies())
        .put("loadGeneratorCpuCores", Math.round(ownCpu / seconds * 100) / 100.0);
    if (committedAt > 0) {
      out.put("committedSpans", committedSpans)
          .put("committedSpansPerSecond", Math.round(committedSpans / ((committedAt - started) / 1e9)))
          .put("commitLagMs", Math.max(0, Math.round((committedAt - acked) / 1e6)));
    }
    JsonObject servers = new JsonObject();
    for (int i = 0; i < pids.size(); i++) {
      long pid = pids.get(i);
      double cpu = cpuAfter[i] - cpuBefore[i];
      double tree = treeAfter[i] - treeBefore[i];
      servers.put(Long.toString(pid), new JsonObject()
          .put("cpuSeconds", Math.round(cpu * 100) / 100.0)
          .put("cpuCores", Math.round(cpu / seconds * 100) / 100.0)
          .put("cpuMicrosPerSpan", Math.round(cpu * 1e7 / Math.max(1, ackedSpans)) / 10.0)
          .put("treeCpuCores", Math.round(tree / seconds * 100) / 100.0)
          .put("treeCpuMicrosPerSpan", Math.round(tree * 1e7 / Math.max(1, ackedSpans)) / 10.0)
          .put("peakRssMiB", Math.round(ProcStats.peakRssMiB(pid)))
          .put("treeRssMiB", Math.round(ProcStats.treeRssMiB(pid))));
    }
    if (!pids.isEmpty()) {
      out.put("servers", servers);
    }
    if (result.firstError != null) {
      out.put("firstError", result.firstError);
    }
    if (args.containsKey("acked-file")) {
      writeAckedTraces(java.nio.file.Path.of(args.get("acked-file")), result);
    }
    System.out.println(out.encode());
    if (pg != null) {
      pg.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  /**
   * The trace IDs of every acknowledged request, one a line as PostgreSQL's uuid reads them
   * (64-bit IDs padded, as meshtrace stores them), so that a drill can look for each.
   */
  private void writeAckedTraces(java.nio.file.Path file, Result result) throws IOException {
    if (bodyTraceIds.isEmpty()) {
      throw new IllegalArgumentException("--acked-file needs --target zipkin, otlp-http or "
          + "otlp-grpc");
    }
    StringBuilder lines = new StringBuilder();
    for (int i = result.acknowledged.nextSetBit(0); i >= 0;
        i = result.acknowledged.nextSetBit(i + 1)) {
      for (String traceId : bodyTraceIds.get((warmup + i) % bodyTraceIds.size())) {
        String hex = "0".repeat(32 - traceId.length()) + traceId;
        lines.append(hex, 0, 8).append('-').append(hex, 8, 12).append('-')
            .append(hex, 12, 16).append('-').append(hex, 16, 20).append('-')
            .append(hex, 20, 32).append('\n');
      }
    }
    java.nio.file.Files.writeString(file, lines);
  }

  private static long count(Pool pg, String sql) {
    return pg.query(sql).execute().toCompletionStage().toCompletableFuture().join()
        .iterator().next().getLong(0);
  }

  private List<Buffer> buildBodies(int count, long seed) throws IOException {
    TraceGenerator generator = new TraceGenerator(workload(seed, spansPerTrace));
    int tracesPerBody = spansPerRequest / spansPerTrace;
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    if (target.equals("jaeger-http")) {
      return jaegerBodies(generator, count, tracesPerBody, now);
    }
    List<Buffer> bodies = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      List<GeneratedTrace> traces = new ArrayList<>(tracesPerBody);
      for (int t = 0; t < tracesPerBody; t++) {
        traces.add(generator.trace((long) i * tracesPerBody + t, now - 60_000_000 + i * 1_000L));
      }
      bodyTraceIds.add(traces.stream().map(GeneratedTrace::traceId).toList());
      byte[] body = switch (target) {
        case "zipkin" -> SpanBytesEncoder.JSON_V2.encodeList(ZipkinSpans.of(traces));
        case "otlp-http", "otlp-grpc" -> OtlpSpans.of(traces).toByteArray();
        default -> throw new IllegalArgumentException("unknown --target " + target);
      };
      bodies.add(Buffer.buffer(gzip && !target.equals("otlp-grpc") ? gzip(body) : body));
    }
    return bodies;
  }

  /**
   * Jaeger's HTTP bodies: a Batch is one process's spans, so each body holds
   * {@code spansPerRequest} spans of one service, as each service's client would send them.
   */
  private List<Buffer> jaegerBodies(TraceGenerator generator, int count, int tracesPerBody,
      long now) throws IOException {
    List<Buffer> bodies = new ArrayList<>(count);
    Map<String, io.jaegertracing.thriftjava.Process> processes = new LinkedHashMap<>();
    Map<String, List<io.jaegertracing.thriftjava.Span>> pending = new LinkedHashMap<>();
    long trace = 0;
    try {
      for (int i = 0; bodies.size() < count; i++) {
        List<GeneratedTrace> traces = new ArrayList<>(tracesPerBody);
        for (int t = 0; t < tracesPerBody; t++) {
          traces.add(generator.trace(trace++, now - 60_000_000 + i * 1_000L));
        }
        JaegerThriftSpans.byService(OtlpSpans.of(traces).getResourceSpansList(), processes)
            .forEach((service, spans) -> pending.computeIfAbsent(service,
                s -> new ArrayList<>()).addAll(spans));
        for (Map.Entry<String, List<io.jaegertracing.thriftjava.Span>> service
            : pending.entrySet()) {
          List<io.jaegertracing.thriftjava.Span> spans = service.getValue();
          while (spans.size() >= spansPerRequest && bodies.size() < count) {
            List<io.jaegertracing.thriftjava.Span> batch = spans.subList(0, spansPerRequest);
            byte[] body = JaegerThriftSpans.httpBody(processes.get(service.getKey()), batch);
            bodies.add(Buffer.buffer(gzip ? gzip(body) : body));
            batch.clear();
          }
        }
      }
    } catch (org.apache.thrift.TException e) {
      throw new IOException(e);
    }
    return bodies;
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  /** Outcome of a run. */
  private static final class Result {
    final long[] latencyNanos;
    /** Which requests were acknowledged, by index in the run. */
    final java.util.BitSet acknowledged;
    /** How requests ended: ok, http_STATUS, refused (never connected), no_answer (sent, and
     * the connection closed or reset before an answer), or other. */
    final Map<String, Integer> outcomes = new java.util.TreeMap<>();
    int ok;
    int failures;
    String firstError;

    Result(int requests) {
      latencyNanos = new long[requests];
      acknowledged = new java.util.BitSet(requests);
    }

    synchronized void record(int index, long nanos, String error) {
      latencyNanos[index] = nanos;
      outcomes.merge(outcome(error), 1, Integer::sum);
      if (error == null) {
        ok++;
        acknowledged.set(index);
      } else {
        failures++;
        if (firstError == null) {
          firstError = error;
        }
      }
    }

    private static String outcome(String error) {
      if (error == null) {
        return "ok";
      }
      if (error.length() > 4 && error.charAt(3) == ':' && Character.isDigit(error.charAt(0))) {
        return "http_" + error.substring(0, 3);
      }
      String lower = error.toLowerCase(java.util.Locale.ROOT);
      if (lower.contains("connection refused")) {
        return "refused";
      }
      if (lower.contains("closed") || lower.contains("reset") || lower.contains("broken pipe")) {
        return "no_answer";
      }
      return "other";
    }

    JsonObject latencies() {
      long[] sorted = latencyNanos.clone();
      Arrays.sort(sorted);
      return new JsonObject()
          .put("p50", ms(percentile(sorted, 0.50)))
          .put("p90", ms(percentile(sorted, 0.90)))
          .put("p99", ms(percentile(sorted, 0.99)))
          .put("max", ms(sorted.length == 0 ? 0 : sorted[sorted.length - 1]));
    }

    private static long percentile(long[] sorted, double p) {
      return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1,
          (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
      return Math.round(nanos / 10_000.0) / 100.0;
    }
  }

  /** Sends {@code count} requests starting at body {@code offset} (cycling through bodies). */
  private Future<Result> send(List<Buffer> bodies, int offset, int count, double spansPerSecond) {
    Result result = new Result(count);
    Promise<Result> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    if (count == 0) {
      return Future.succeededFuture(result);
    }
    Runnable finishOne = () -> {
      if (finished.incrementAndGet() == count) {
        done.complete(result);
      }
    };
    if (spansPerSecond <= 0) {
      for (int c = 0; c < Math.min(connections, count); c++) {
        vertx.runOnContext(v -> closedLoop(bodies, offset, count, next, result, finishOne));
      }
    } else {
      long start = System.nanoTime();
      double requestsPerNano = spansPerSecond / spansPerRequest / 1e9;
      AtomicLong timer = new AtomicLong();
      vertx.runOnContext(v -> timer.set(vertx.setPeriodic(1, id -> {
        long due = Math.min(count, (long) ((System.nanoTime() - start) * requestsPerNano) + 1);
        while (next.get() < due) {
          int index = next.getAndIncrement();
          long scheduled = start + (long) (index / requestsPerNano);
          sendOne(bodies.get((offset + index) % bodies.size())).onComplete(ar -> {
            result.record(index, System.nanoTime() - scheduled, ar.succeeded() ? null
                : ar.cause().getMessage());
            finishOne.run();
          });
        }
        if (next.get() >= count) {
          vertx.cancelTimer(id);
        }
      })));
    }
    return done.future();
  }

  private void closedLoop(List<Buffer> bodies, int offset, int count, AtomicInteger next,
      Result result, Runnable finishOne) {
    int index = next.getAndIncrement();
    if (index >= count) {
      return;
    }
    long sent = System.nanoTime();
    sendOne(bodies.get((offset + index) % bodies.size())).onComplete(ar -> {
      result.record(index, System.nanoTime() - sent, ar.succeeded() ? null
          : ar.cause().getMessage());
      finishOne.run();
      closedLoop(bodies, offset, count, next, result, finishOne);
    });
  }

  /** TLS when the URLs say {@code https}, trusting {@code --ca-file}. */
  private HttpClientOptions tls(HttpClientOptions options) {
    if (!"https".equals(urls.get(0).getScheme())) {
      return options;
    }
    options.setSsl(true).setUseAlpn(true);
    if (args.containsKey("ca-file")) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(args.get("ca-file")));
    }
    return options;
  }

  /** One request; fails unless the server acknowledged it. */
  private Future<Void> sendOne(Buffer body) {
    URI url = urls.get(Math.floorMod(nextUrl.getAndIncrement(), urls.size()));
    if (target.equals("otlp-grpc")) {
      return grpc.request(SocketAddress.inetSocketAddress(url.getPort(), url.getHost()), EXPORT)
          .compose(request -> {
            if (gzip) {
              request.encoding("gzip");
            }
            headers.forEach(request.headers()::set);
            if (tenant != null) {
              request.headers().set("x-scope-orgid", tenant);
            }
            return request.send(body);
          })
          .compose(response -> response.last().transform(ar -> response.status() == GrpcStatus.OK
              ? Future.succeededFuture()
              : Future.failedFuture(response.status() + ": " + response.statusMessage())));
    }
    String path = switch (target) {
      case "zipkin" -> "/api/v2/spans";
      case "jaeger-http" -> "/api/traces";
      default -> "/v1/traces";
    };
    String contentType = switch (target) {
      case "zipkin" -> "application/json";
      case "jaeger-http" -> "application/x-thrift";
      default -> "application/x-protobuf";
    };
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(url.resolve(path).toString())
        .putHeader("Content-Type", contentType);
    if (requestTimeoutMillis > 0) {
      // Fails a request that gets no answer for this long, so that a run against a server that
      // stopped answering still ends with its counts (the failure counted as "io").
      request.setIdleTimeout(requestTimeoutMillis);
    }
    if (gzip) {
      request.putHeader("Content-Encoding", "gzip");
    }
    headers.forEach(request::putHeader);
    if (tenant != null) {
      request.putHeader("X-Scope-OrgID", tenant);
    }
    return http.request(request)
        .compose(req -> req.send(body))
        .compose(response -> response.body().compose(answer -> response.statusCode() / 100 == 2
            ? Future.succeededFuture()
            : Future.failedFuture(response.statusCode() + ": " + answer.toString())));
  }
}
