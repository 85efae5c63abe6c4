package io.meshtrace.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ComponentsTest {
  final Vertx vertx = Vertx.vertx();
  final List<String> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  Component component(String name, Future<Void> start, Future<Void> stop) {
    return new Component() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Future<Void> start() {
        events.add("start " + name);
        return start;
      }

      @Override
      public Future<Void> stop() {
        events.add("stop " + name);
        return stop;
      }
    };
  }

  Component ok(String name) {
    return component(name, Future.succeededFuture(), Future.succeededFuture());
  }

  @Test
  void startsInOrderAndStopsInReverse() {
    Components components = new Components(vertx, Duration.ofSeconds(1));
    components.start(List.of(ok("storage"), ok("pipeline"))).await();
    components.start(ok("listener")).await();
    assertThat(components.started()).extracting(Component::name)
        .containsExactly("storage", "pipeline", "listener");
    components.stop().await();
    assertThat(events).containsExactly("start storage", "start pipeline", "start listener",
        "stop listener", "stop pipeline", "stop storage");
  }

  @Test
  void aFailedStartNamesTheComponentAndStopsWhatStarted() {
    Components components = new Components(vertx, Duration.ofSeconds(1));
    Future<Void> start = components.start(List.of(ok("storage"),
        component("xds server", Future.failedFuture("port 18000 is in use"),
            Future.succeededFuture()),
        ok("never")));
    assertThatThrownBy(start::await).isInstanceOf(ComponentStartException.class)
        .hasMessage("cannot start xds server: port 18000 is in use");
    assertThat(events).containsExactly("start storage", "start xds server", "stop storage");
  }

  @Test
  void aStopThatFailsOrHangsDoesNotHoldUpTheOthers() {
    Components components = new Components(vertx, Duration.ofMillis(200));
    Promise<Void> never = Promise.promise();
    components.start(List.of(ok("first"),
        component("failing", Future.succeededFuture(), Future.failedFuture("broken")),
        component("hanging", Future.succeededFuture(), never.future()))).await();
    components.stop().await();
    assertThat(events).endsWith("stop hanging", "stop failing", "stop first");
  }

  @Test
  void nothingStartsOnceStopping() {
    Components components = new Components(vertx, Duration.ofSeconds(1));
    components.stop().await();
    assertThatThrownBy(() -> components.start(ok("late")).await())
        .hasMessageContaining("cannot start late");
    assertThat(events).isEmpty();
  }
}
