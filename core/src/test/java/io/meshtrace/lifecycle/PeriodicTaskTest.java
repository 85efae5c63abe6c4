package io.meshtrace.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PeriodicTaskTest {
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void runsEveryIntervalAndOnceMoreWhenStoppedIfAsked() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    PeriodicTask task = new PeriodicTask(vertx, "counts", Duration.ofMillis(20), () -> {
      runs.incrementAndGet();
      return Future.succeededFuture();
    }, true);
    task.start().await();
    while (runs.get() < 3) {
      Thread.sleep(5);
    }
    task.stop().await();
    int stopped = runs.get();
    Thread.sleep(100);
    assertThat(runs.get()).as("no run after the last one at stop").isEqualTo(stopped);
  }

  @Test
  void aSlowRunIsNotOverlappedAndAFailedOneDoesNotStopTheSchedule() throws Exception {
    AtomicInteger started = new AtomicInteger();
    Promise<Void> slow = Promise.promise();
    PeriodicTask task = new PeriodicTask(vertx, "maintenance", Duration.ofMillis(10), () -> {
      int run = started.incrementAndGet();
      if (run == 1) {
        return slow.future();
      }
      return run == 2 ? Future.failedFuture("database gone") : Future.succeededFuture();
    }, false);
    task.start().await();
    Thread.sleep(100);
    assertThat(started.get()).as("ticks while the first run is slow are skipped").isEqualTo(1);
    slow.complete();
    while (started.get() < 4) {
      Thread.sleep(5);
    }
    task.stop().await();
  }
}
