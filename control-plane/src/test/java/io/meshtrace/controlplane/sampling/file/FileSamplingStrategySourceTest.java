package io.meshtrace.controlplane.sampling.file;

import static io.meshtrace.controlplane.file.FollowedFileTest.awaitTrue;
import static io.meshtrace.controlplane.file.FollowedFileTest.replace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.controlplane.file.UnusableFileException;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSamplingStrategySourceTest {
  static final String FOO_08 = """
      {"service_strategies": [{"service": "foo", "type": "probabilistic", "param": 0.8}]}""";
  static final String FOO_09 = FOO_08.replace("0.8", "0.9");

  @TempDir
  Path dir;
  Path file;
  Vertx vertx;
  final CountingObserver observer = new CountingObserver();
  FileSamplingStrategySource source;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    file = dir.resolve("strategies.json");
    Files.writeString(file, FOO_08);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (source != null) {
      source.stop().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aMissingOrBrokenFileStopsTheStart() throws Exception {
    Path nope = dir.resolve("nope.json");
    assertThatThrownBy(() -> start(nope, Duration.ofSeconds(10)))
        .isInstanceOf(UnusableFileException.class)
        .hasMessage(nope + ": cannot read " + nope + ": no such file");
    Files.writeString(file, "{\"service_strategies\": [{\"service\": \"a\", \"type\": \"nope\"}]}");
    assertThatThrownBy(() -> start(file, Duration.ofSeconds(10)))
        .isInstanceOf(UnusableFileException.class)
        .hasMessage(file + ": not a valid strategies document: service_strategies[0].type: "
            + "unknown type 'nope'; expected probabilistic or ratelimiting (line 1, column 50)");
    assertThat(observer.loaded.get()).isZero();
    assertThat(observer.failed.get()).isZero();
  }

  @Test
  void aChangeIsServedWithinTheReloadInterval() throws Exception {
    source = start(file, Duration.ofMillis(200));
    assertThat(probability(source.current(), "foo")).isEqualTo(0.8);
    assertThat(source.status().degraded()).isFalse();
    assertThat(source.status().detail()).startsWith("file " + file + ", loaded ");

    Files.writeString(file, FOO_09);
    long started = System.nanoTime();
    awaitTrue(() -> probability(source.current(), "foo") == 0.9);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    // The new strategies are published before the observer hears of them.
    awaitTrue(() -> observer.loaded.get() >= 2);
    assertThat(observer.loaded.get()).isEqualTo(2);
  }

  @Test
  void theWatchServesAChangeWithoutAnyReloadInterval() throws Exception {
    source = start(file, Duration.ZERO);
    Files.writeString(file, FOO_09);
    awaitTrue(() -> probability(source.current(), "foo") == 0.9);

    // Replaced by rename, as editors and Kubernetes ConfigMap volumes do.
    replace(file, FOO_08.replace("0.8", "0.7"));
    awaitTrue(() -> probability(source.current(), "foo") == 0.7);
  }

  @Test
  void aBrokenFileKeepsTheLastGoodStrategiesAndSaysWhy() throws Exception {
    source = start(file, Duration.ofMillis(50));
    // Replaced whole (as editors and ConfigMaps do), so that no read sees it half written and
    // the count below is exact.
    replace(file, """
        {"service_strategies": [
          {"service": "foo", "type": "probabilistic", "param": 1.5}]}""");
    awaitTrue(() -> source.status().degraded());
    assertThat(source.status().detail())
        .startsWith("file " + file + " is broken, so the strategies loaded ")
        .endsWith(" are still served: not a valid strategies document: "
            + "service_strategies[0].param: probability 1.5 is outside [0,1] (line 2, column 56)");
    assertThat(probability(source.current(), "foo")).isEqualTo(0.8);
    // The same broken content is counted once, however often it is re-read.
    Thread.sleep(300);
    assertThat(observer.failed.get()).isEqualTo(1);

    replace(file, "{");
    awaitTrue(() -> observer.failed.get() == 2);
    assertThat(source.status().detail()).contains("not valid JSON: line 1, column 2");
    Files.delete(file);
    awaitTrue(() -> observer.failed.get() == 3);
    assertThat(source.status().detail()).endsWith("cannot read " + file + ": no such file");
    assertThat(probability(source.current(), "foo")).isEqualTo(0.8);

    replace(file, FOO_09);
    awaitTrue(() -> !source.status().degraded());
    assertThat(probability(source.current(), "foo")).isEqualTo(0.9);
  }

  @Test
  void anUnchangedFileIsNotReloaded() throws Exception {
    source = start(file, Duration.ofHours(1));
    assertThat(source.reload().await(10, TimeUnit.SECONDS)).isFalse();
    Files.writeString(file, FOO_09);
    // The watch may have got there first; either way the change is served exactly once.
    source.reload().await(10, TimeUnit.SECONDS);
    awaitTrue(() -> probability(source.current(), "foo") == 0.9);
    awaitTrue(() -> observer.loaded.get() >= 2);
    Thread.sleep(300); // a second load, if there were one, would show by now
    assertThat(observer.loaded.get()).isEqualTo(2);
  }

  private FileSamplingStrategySource start(Path path, Duration interval) throws Exception {
    FileSamplingStrategySource started = new FileSamplingStrategySource(vertx, path, interval,
        SamplingStrategies.JAEGER_DEFAULT_PROBABILITY, observer);
    try {
      started.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
    return started;
  }

  static double probability(SamplingStrategies strategies, String service) {
    return strategies.forService(service).getProbabilisticSampling().getSamplingRate();
  }

  static final class CountingObserver implements SamplingObserver {
    final AtomicInteger loaded = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public void strategiesLoaded(String source) {
      loaded.incrementAndGet();
    }

    @Override
    public void strategiesLoadFailed(String source) {
      failed.incrementAndGet();
    }
  }
}
