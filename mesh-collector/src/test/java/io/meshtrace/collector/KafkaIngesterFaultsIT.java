package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.kafka.KafkaBroker;
import io.meshtrace.kafka.KafkaSinkSettings;
import io.meshtrace.kafka.KafkaSpanSink;
import io.meshtrace.kafka.SpanRecordEncoding;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.storage.postgres.embedded.EmbeddedPostgres;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingester as it runs, {@code java -jar meshtrace.jar ingester}, against a real broker and
 * PostgreSQL, through the faults it must survive unattended: one of two ingesters killed with
 * {@code kill -9} while it stores (its partitions move to the other, then back when it returns)
 * and PostgreSQL stopped under two ingesters, one of which dies meanwhile (the lag grows, its
 * partitions move to a member that cannot store yet, then it drains). Every span a collector's
 * sink had acknowledged is stored exactly once.
 */
class KafkaIngesterFaultsIT {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final int SPANS_PER_TRACE = 3;
  static KafkaBroker broker;
  static Vertx vertx;

  @TempDir
  Path dir;
  final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (vertx != null) {
      vertx.close().await();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @AfterEach
  void stopIngesters(org.junit.jupiter.api.TestInfo test) throws Exception {
    for (Process process : processes) {
      process.destroy();
      process.waitFor(60, TimeUnit.SECONDS);
    }
    // The ingesters' logs, kept where a failure can be read after the temporary directory goes.
    Path logs = Path.of("target", "kafka-faults-it", test.getTestMethod().orElseThrow().getName());
    Files.createDirectories(logs);
    try (var files = Files.list(dir)) {
      for (Path log : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        Files.copy(log, logs.resolve(log.getFileName()),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Test
  void oneOfTwoIngestersKilledWhileStoringEverySpanStoredOnce() throws Exception {
    broker.createTopic("kill-drill", 6);
    PgConnectOptions database = TestPostgres.freshDatabase();
    String pgUrl = url(database);
    Ingester first = start("first", pgUrl, "kill-drill");
    Ingester second = start("second", pgUrl, "kill-drill");
    PostgresStorage storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(database)).await();
    KafkaSpanSink sink = sink("kill-drill");
    try {
      await(() -> first.holdsPartitions() && second.holdsPartitions(),
          "both ingesters hold partitions", 120);
      List<TraceId> acknowledged = new ArrayList<>();
      // 3000 traces at about 200 a second: the kill lands while both are storing.
      Thread writer = new Thread(() -> write(sink, acknowledged, 0x1000, 3000, 20));
      writer.start();
      await(() -> first.stored() >= 100, "the first ingester storing", 60);
      first.process.destroyForcibly();
      assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(2000);
      Ingester again = start("first-again", pgUrl, "kill-drill");
      writer.join(TimeUnit.MINUTES.toMillis(3));
      assertThat(acknowledged).hasSize(3000);
      assertEveryTraceStoredOnce(storage, acknowledged);
      // Both members hold partitions again, and each read what the other had not stored.
      await(() -> again.stored() > 0 || second.stored() > 0, "stored after the kill", 30);
    } finally {
      sink.stop().await(30, TimeUnit.SECONDS);
      storage.close().await();
    }
  }

  @Test
  void postgresStoppedUnderAnIngesterTheLagGrowsThenDrains() throws Exception {
    broker.createTopic("pg-drill", 4);
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dir.resolve("pg"),
        EmbeddedPostgres.defaultBinariesCache())) {
      PgConnectOptions database = postgres.connectOptions();
      Ingester ingester = start("ingester", url(database), "pg-drill");
      Ingester other = start("other", url(database), "pg-drill");
      await(() -> ingester.holdsPartitions() && other.holdsPartitions(),
          "both ingesters hold partitions", 120);
      KafkaSpanSink sink = sink("pg-drill");
      List<TraceId> acknowledged = new ArrayList<>();
      try {
        write(sink, acknowledged, 0x2000, 200, 20);
        await(() -> ingester.stored() + other.stored() >= 200, "the first 200 stored", 60);

        postgres.stopServer();
        write(sink, acknowledged, 0x3000, 600, 20);
        await(() -> ingester.lag() + other.lag() >= 600, "the lag grows to 600 records", 60);
        assertThat(ingester.status("/readyz")).isEqualTo(503);
        // A rebalance while storage is down: the other member dies, its partitions move to a
        // member that is retrying its batch and cannot read their positions yet.
        long storedBefore = ingester.stored();
        other.process().destroyForcibly();
        Thread.sleep(10_000);
        assertThat(ingester.stored()).as("nothing stored while PostgreSQL is down")
            .isEqualTo(storedBefore);

        postgres.startServer();
        try {
          await(() -> ingester.lag() == 0 && ingester.holdsAll(4), "the lag drains to 0", 120);
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "\nlag " + ingester.lag() + ", stored "
              + ingester.stored() + "; the ingester's log:\n"
              + Files.readString(dir.resolve("ingester.log")), e);
        }
        PostgresStorage storage = PostgresStorage.open(vertx,
            PostgresStorageConfig.defaults(database)).await();
        try {
          assertEveryTraceStoredOnce(storage, acknowledged);
        } finally {
          storage.close().await();
        }
        assertThat(ingester.status("/readyz")).isEqualTo(200);
      } finally {
        sink.stop().await(30, TimeUnit.SECONDS);
        for (Process process : processes) {
          process.destroy();
          process.waitFor(60, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static void assertEveryTraceStoredOnce(PostgresStorage storage, List<TraceId> traces)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    for (TraceId trace : traces) {
      while (spans(storage, trace) < SPANS_PER_TRACE) {
        assertThat(System.nanoTime()).as("trace %s stored within 120 s", trace)
            .isLessThan(deadline);
        Thread.sleep(200);
      }
    }
    Thread.sleep(2000); // a moment for anything stored twice to show
    for (TraceId trace : traces) {
      assertThat(spans(storage, trace)).as("spans of trace %s", trace)
          .isEqualTo(SPANS_PER_TRACE);
    }
  }

  private static int spans(PostgresStorage storage, TraceId trace) {
    return storage.spanStore().getTrace(trace).await().stream()
        .flatMap(r -> r.getScopeSpansList().stream()).mapToInt(ScopeSpans::getSpansCount).sum();
  }

  private static KafkaSpanSink sink(String topic) throws Exception {
    KafkaSpanSink sink = new KafkaSpanSink(vertx, new KafkaSinkSettings(
        broker.bootstrapServers(), topic, SpanRecordEncoding.OTLP_PROTO, "lz4",
        Duration.ofSeconds(10), 32L << 20, 2));
    sink.start().await(30, TimeUnit.SECONDS);
    return sink;
  }

  /** Traces of 3 spans, {@code perCall} to a sink call; only the acknowledged are listed. */
  private static void write(KafkaSpanSink sink, List<TraceId> acknowledged, long first,
      int count, int perCall) {
    for (int t = 0; t < count; t += perCall) {
      List<ResourceSpans> batch = new ArrayList<>();
      List<TraceId> traces = new ArrayList<>();
      long now = System.currentTimeMillis() * 1_000_000L;
      for (int i = t; i < Math.min(count, t + perCall); i++) {
        TraceId trace = new TraceId(0xd1, first + i);
        traces.add(trace);
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        for (int s = 1; s <= SPANS_PER_TRACE; s++) {
          scope.addSpans(Span.newBuilder().setTraceId(trace.toBytes())
              .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(s).array()))
              .setName("op-" + s).setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1000));
        }
        batch.add(ResourceSpans.newBuilder().setResource(Resource.newBuilder()
            .addAttributes(KeyValue.newBuilder().setKey("service.name")
                .setValue(AnyValue.newBuilder().setStringValue("drill"))))
            .addScopeSpans(scope).build());
      }
      try {
        sink.accept(batch).await(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError("the sink did not answer in 30 s", e);
      }
      synchronized (acknowledged) {
        acknowledged.addAll(traces);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private Ingester start(String name, String pgUrl, String topic) throws Exception {
    Path portsFile = dir.resolve(name + "-ports.json");
    Path log = dir.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-jar", System.getProperty("meshtrace.jar"), "ingester", "--bind", "127.0.0.1",
        "--admin-port", "0", "--ports-file", portsFile.toString(), "--pg-url", pgUrl,
        "--kafka-brokers", broker.bootstrapServers(), "--kafka-topic", topic,
        "--kafka-group", topic + "-ingesters", "--kafka-session-timeout", "6s")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = builder.start();
    processes.add(process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(portsFile)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError(name + " did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    return new Ingester(process, new JsonObject(Files.readString(portsFile)).getInteger("admin"));
  }

  private static String url(PgConnectOptions options) {
    return TestPostgres.url(options);
  }

  private static void await(BooleanSupplier condition, String what, int seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** One ingester process, seen through its admin port. */
  private record Ingester(Process process, int adminPort) {
    private static final Pattern STORED = Pattern.compile(
        "meshtrace_kafka_records_total\\{outcome=\"stored\"\\} ([0-9.E]+)");
    private static final Pattern LAG = Pattern.compile(
        "meshtrace_kafka_consumer_lag\\{partition=\"\\d+\"\\} ([0-9.E]+)");

    long stored() {
      Matcher matcher = STORED.matcher(metrics());
      return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }

    /** Records behind over the partitions held; -1 while it holds none. */
    long lag() {
      Matcher matcher = LAG.matcher(metrics());
      long lag = -1;
      while (matcher.find()) {
        lag = Math.max(lag, 0) + (long) Double.parseDouble(matcher.group(1));
      }
      return lag;
    }

    /** Whether it holds partitions 0 to {@code count - 1}. */
    boolean holdsAll(int count) {
      String partitions = java.util.stream.IntStream.range(0, count).mapToObj(Integer::toString)
          .collect(java.util.stream.Collectors.joining(", ", "holding [", "]"));
      try {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
            + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).body()
            .contains(partitions);
      } catch (Exception e) {
        return false;
      }
    }

    boolean holdsPartitions() {
      try {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
            + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).body()
            .contains("holding [");
      } catch (Exception e) {
        return false;
      }
    }

    int status(String path) throws Exception {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String metrics() {
      if (!process.isAlive()) {
        return "";
      }
      try {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
            + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      } catch (Exception e) {
        return "";
      }
    }
  }
}
