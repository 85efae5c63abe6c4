package io.meshtrace.collector.faults;

import static io.meshtrace.collector.server.TestServers.get;
import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.storage.postgres.embedded.TestFiles;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded PostgreSQL killed under a running meshtrace comes back by itself, and every span
 * acknowledged before, during and after is there; when it cannot come back, {@code /healthz}
 * says so, so that an orchestrator restarts meshtrace.
 */
class EmbeddedPostgresSupervisionTest {
  Path dataDir;
  MeshtraceServer server;

  @BeforeEach
  void start() throws Exception {
    dataDir = Files.createTempDirectory("meshtrace-supervised-");
    server = TestServers.withEmbeddedPostgres(dataDir, "--embedded-pg-recovery-timeout", "3s");
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
    TestFiles.deleteRecursively(dataDir);
  }

  @Test
  void aKilledPostgresIsRestartedAndAnUnrecoverableOneMakesTheProcessUnhealthy()
      throws Exception {
    List<String> acknowledged = new ArrayList<>();
    acknowledged.add(sendUntil(status -> status == 202, Duration.ofSeconds(5)));

    server.embeddedPostgres().postmaster().destroyForcibly();
    // Answered meanwhile, and by itself back within seconds.
    long killed = System.nanoTime();
    String sent = sendUntil(status -> status == 202, Duration.ofSeconds(60));
    long recoveredMillis = (System.nanoTime() - killed) / 1_000_000;
    acknowledged.add(sent);
    assertThat(get(url(server, "admin", "/healthz")).statusCode()).isEqualTo(200);
    assertThat(readyWithin(Duration.ofSeconds(10))).isTrue();
    // The supervisor counts the restart once its own check of the new server is done, which
    // can be a moment after the pool has reconnected and ingest is answered.
    assertThat(metricWithin("meshtrace_embedded_postgres_restarts_total", 1.0,
        Duration.ofSeconds(10))).isEqualTo(1.0);
    assertThat(metric("meshtrace_embedded_postgres_up")).isEqualTo(1.0);
    System.out.println("embedded PostgreSQL killed: ingest back after " + recoveredMillis + " ms");

    // Now it cannot start: its cluster is missing a file. Past the recovery timeout the
    // process is unhealthy; with the file back, it recovers and is healthy again.
    Path version = dataDir.resolve("postgres/PG_VERSION");
    Path moved = dataDir.resolve("PG_VERSION.moved");
    Files.move(version, moved);
    ProcessHandle postmaster = server.embeddedPostgres().postmaster();
    postmaster.destroyForcibly();
    postmaster.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(sendOnce()).isEqualTo(503);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    HttpResponse<String> health = get(url(server, "admin", "/healthz"));
    while (health.statusCode() == 200 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      health = get(url(server, "admin", "/healthz"));
    }
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).contains("the embedded PostgreSQL has been down")
        .contains("--embedded-pg-recovery-timeout");
    assertThat(metric("meshtrace_embedded_postgres_up")).isEqualTo(0.0);

    Files.move(moved, version);
    acknowledged.add(sendUntil(status -> status == 202, Duration.ofSeconds(60)));
    // Healthy again once the supervisor has seen it up (a moment after it answers).
    long healthy = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (get(url(server, "admin", "/healthz")).statusCode() != 200
        && System.nanoTime() < healthy) {
      Thread.sleep(100);
    }
    assertThat(get(url(server, "admin", "/healthz")).statusCode()).isEqualTo(200);

    for (String traceId : acknowledged) {
      assertThat(get(url(server, "zipkin", "/api/v2/trace/" + traceId)).statusCode())
          .as("acknowledged trace %s", traceId).isEqualTo(200);
    }
  }

  private boolean readyWithin(Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (get(url(server, "admin", "/readyz")).statusCode() == 200) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  /** The metric once it has the value, or its value when {@code within} has passed. */
  private double metricWithin(String name, double wanted, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    double value = metric(name);
    while (value != wanted && System.nanoTime() < deadline) {
      Thread.sleep(100);
      value = metric(name);
    }
    return value;
  }

  private double metric(String name) throws Exception {
    for (String line : get(url(server, "admin", "/metrics")).body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1));
      }
    }
    throw new AssertionError("no " + name);
  }

  private String lastTraceId;

  /** Sends one span; the answer's status (every request is answered: never a hang). */
  private int sendOnce() throws Exception {
    lastTraceId = Long.toHexString(ThreadLocalRandom.current().nextLong() | 1L << 62);
    String body = "[{\"traceId\":\"" + lastTraceId + "\",\"id\":\"1\",\"name\":\"op\","
        + "\"timestamp\":" + ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())
        + ",\"duration\":10,\"localEndpoint\":{\"serviceName\":\"supervised\"}}]";
    HttpResponse<String> answer = post(url(server, "zipkin", "/api/v2/spans"),
        "application/json", body.getBytes(StandardCharsets.UTF_8));
    assertThat(answer.statusCode()).as(answer.body()).isIn(202, 503);
    return answer.statusCode();
  }

  /** Sends spans until one is answered as wanted; returns its trace ID. */
  private String sendUntil(Predicate<Integer> wanted, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      if (wanted.test(sendOnce())) {
        return lastTraceId;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not answered as wanted within " + within);
      }
      Thread.sleep(100);
    }
  }
}
