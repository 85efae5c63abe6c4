package io.meshtrace.collector.faults;

import static io.meshtrace.collector.server.TestServers.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.storage.postgres.TestPostgres;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A stop under load from four keep-alive connections: {@code /readyz} turns 503 while requests
 * are still served; the senders stop as they would once a load balancer took the endpoint out;
 * requests still waiting for their commit when the drain ends are answered before the listeners
 * close; no request goes unanswered and every acknowledged span is stored.
 */
class GracefulStopTest {
  private static final int SENDERS = 4;

  @Test
  void everyRequestInFlightIsAnsweredAndEveryAcknowledgedSpanStored() throws Exception {
    String pgUrl = TestPostgres.freshDatabaseUrl();
    MeshtraceServer server = TestServers.startOn(pgUrl, "all-in-one", "--shutdown-drain", "2s");
    String spans = TestServers.url(server, "zipkin", "/api/v2/spans");
    String readyz = TestServers.url(server, "admin", "/readyz");

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
    Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
    Queue<String> unanswered = new ConcurrentLinkedQueue<>();
    AtomicBoolean sending = new AtomicBoolean(true);
    ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
    for (int i = 0; i < SENDERS; i++) {
      senders.submit(() -> {
        while (sending.get()) {
          String traceId = Long.toHexString(ThreadLocalRandom.current().nextLong() | 1L << 62);
          try {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(spans))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(traceId), StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
            answers.computeIfAbsent(answer.statusCode(), s -> new AtomicInteger())
                .incrementAndGet();
            if (answer.statusCode() == 202) {
              acknowledged.add(traceId);
            }
          } catch (IOException lost) {
            unanswered.add(traceId + ": " + lost);
          }
        }
        return null;
      });
    }
    Thread.sleep(1_000);
    Thread stopping = new Thread(server::stop, "stop");
    long stopAsked = System.nanoTime();
    stopping.start();
    // Unready at once (as soon as the stopping thread has run: within a fraction of the
    // drain), while the listeners still serve.
    HttpResponse<String> ready = get(readyz);
    while (ready.statusCode() == 200 && System.nanoTime() - stopAsked < 500_000_000L) {
      Thread.sleep(10);
      ready = get(readyz);
    }
    int acknowledgedWhenUnready = acknowledged.size();
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("starting or stopping");
    // Then, as once a load balancer has taken the endpoint out, no new requests; but four
    // wait on a commit that the table lock holds beyond the end of the drain.
    Thread.sleep(1_000);
    sending.set(false);
    senders.shutdown();
    assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(acknowledged.size()).as("still serving while draining")
        .isGreaterThan(acknowledgedWhenUnready);
    SqlConnection locker = server.storage().pool().getConnection().await();
    Transaction lock = locker.begin().await();
    locker.query("LOCK TABLE spans IN ACCESS EXCLUSIVE MODE").execute().await();
    List<String> heldTraces = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String traceId = Long.toHexString(ThreadLocalRandom.current().nextLong() | 1L << 62);
      heldTraces.add(traceId);
      held.add(client.sendAsync(HttpRequest.newBuilder(URI.create(spans))
          .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body(traceId), StandardCharsets.UTF_8))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    Thread.sleep(2_000); // past the end of the drain: the listeners are closing
    lock.rollback().eventually(locker::close).await();
    for (int i = 0; i < held.size(); i++) {
      HttpResponse<String> answer = held.get(i).get(30, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
      acknowledged.add(heldTraces.get(i));
    }
    stopping.join(TimeUnit.SECONDS.toMillis(60));
    long stopMillis = (System.nanoTime() - stopAsked) / 1_000_000;
    assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create(spans))
        .POST(HttpRequest.BodyPublishers.ofString("[]")).build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);

    System.out.println("stop took " + stopMillis + " ms; answers " + answers
        + ", unanswered " + unanswered.size() + ", acknowledged " + acknowledged.size());
    assertThat(unanswered).as("requests sent without an answer").isEmpty();
    assertThat(stopMillis).isGreaterThanOrEqualTo(3_000);

    MeshtraceServer reader = TestServers.startOn(pgUrl, "query");
    try {
      List<String> missing = acknowledged.stream().filter(traceId -> {
        try {
          return get(TestServers.url(reader, "query", "/api/traces/" + traceId)).statusCode()
              != 200;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).toList();
      assertThat(missing).as("acknowledged and not stored").isEmpty();
    } finally {
      reader.stop();
    }
  }

  private static String body(String traceId) {
    return "[{\"traceId\":\"" + traceId + "\",\"id\":\"1\",\"name\":\"op\",\"timestamp\":"
        + ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())
        + ",\"duration\":10,\"localEndpoint\":{\"serviceName\":\"stopping\"}}]";
  }
}
