package io.meshtrace.controlplane.slo.file;

import static io.meshtrace.controlplane.file.FollowedFileTest.awaitTrue;
import static io.meshtrace.controlplane.file.FollowedFileTest.replace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.SloObserver;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --slo file followed as it changes: reloads, the last good objectives kept, counted. */
class FileObjectivesTest {
  static final String AT_999 = """
      objectives:
        - name: checkout-availability
          service: checkout
          indicator: availability
          target: 99.9
      """;
  static final String AT_995 = AT_999.replace("99.9", "99.5");

  @TempDir
  Path dir;
  Path file;
  Vertx vertx;
  final CountingObserver observer = new CountingObserver();
  FileObjectives source;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    file = dir.resolve("slo.yaml");
    Files.writeString(file, AT_999);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (source != null) {
      source.stop().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aMissingOrInvalidFileStopsTheStartNamingFieldAndLine() throws Exception {
    Path nope = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> start(nope, Duration.ofSeconds(10)))
        .isInstanceOf(UnusableFileException.class)
        .hasMessage(nope + ": cannot read " + nope + ": no such file");
    Files.writeString(file, AT_999.replace("99.9", "100"));
    assertThatThrownBy(() -> start(file, Duration.ofSeconds(10)))
        .isInstanceOf(UnusableFileException.class)
        .hasMessage(file + ": not valid objectives: objectives[0].target: 100 is not a "
            + "percentage above 0 and below 100 (100 would leave no error budget to burn) "
            + "(line 5, column 13)");
    assertThat(observer.loaded.get()).isZero();
  }

  @Test
  void aChangeIsServedAndABrokenOneKeepsTheLastGoodObjectives() throws Exception {
    source = start(file, Duration.ofMillis(100));
    assertThat(target(source.current())).isEqualTo("99.9");
    assertThat(source.status().degraded()).isFalse();
    assertThat(source.status().detail()).startsWith("file " + file + ", loaded ")
        .endsWith(" (1 objectives)");

    replace(file, AT_995);
    awaitTrue(() -> target(source.current()).equals("99.5"));
    awaitTrue(() -> observer.loaded.get() == 2);

    // Replaced whole (as editors and ConfigMaps do), so that no read sees it half written and
    // the count below is exact.
    replace(file, AT_995.replace("availability", "latency"));
    awaitTrue(() -> source.status().degraded());
    assertThat(source.status().detail())
        .startsWith("file " + file + " is broken, so the objectives loaded ")
        .endsWith(" are still served: not valid objectives: objectives[0].threshold: missing; "
            + "a latency objective needs the longest duration a good call may take, one of "
            + "2ms, 4ms, 6ms, 8ms, 10ms, 50ms, 100ms, 200ms, 400ms, 800ms, 1s, 1.4s, 2s, 5s, "
            + "10s, 15s (line 4, column 16)");
    assertThat(target(source.current())).isEqualTo("99.5");
    Thread.sleep(300); // re-read a few times: the same broken content is counted once
    assertThat(observer.failed.get()).isEqualTo(1);

    Files.delete(file);
    awaitTrue(() -> observer.failed.get() == 2);
    assertThat(source.status().detail()).endsWith("cannot read " + file + ": no such file");
    assertThat(target(source.current())).isEqualTo("99.5");

    replace(file, AT_999);
    awaitTrue(() -> !source.status().degraded());
    assertThat(target(source.current())).isEqualTo("99.9");
    // The status is set before the observer hears of the load (both on the reading thread).
    awaitTrue(() -> observer.loaded.get() == 3);
    Thread.sleep(300);
    assertThat(observer.loaded.get()).isEqualTo(3);
  }

  @Test
  void theWatchServesAChangeWithoutAnyReloadInterval() throws Exception {
    source = start(file, Duration.ZERO);
    replace(file, AT_995);
    awaitTrue(() -> target(source.current()).equals("99.5"));
  }

  private FileObjectives start(Path path, Duration interval) throws Exception {
    FileObjectives started = new FileObjectives(vertx, path, interval, false, observer);
    try {
      started.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
    return started;
  }

  static String target(List<Objective> objectives) {
    return objectives.get(0).targetPercent().toPlainString();
  }

  static final class CountingObserver implements SloObserver {
    final AtomicInteger loaded = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public void objectivesLoaded(String source) {
      loaded.incrementAndGet();
    }

    @Override
    public void objectivesLoadFailed(String source) {
      failed.incrementAndGet();
    }
  }
}
