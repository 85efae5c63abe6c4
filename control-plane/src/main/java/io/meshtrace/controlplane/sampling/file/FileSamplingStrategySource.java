package io.meshtrace.controlplane.sampling.file;

import io.meshtrace.controlplane.file.FollowedFile;
import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strategies from a file ({@code --sampling-strategies}) that follow its changes: a {@link
 * FollowedFile} (the watch, the reload interval, the last good strategies kept while the file is
 * broken), which this source logs, counts and describes for {@code /readyz}.
 */
public final class FileSamplingStrategySource implements SamplingStrategySource, Component {
  private static final Logger LOG = LoggerFactory.getLogger(FileSamplingStrategySource.class);
  private static final String SOURCE = "file";

  private final FollowedFile<SamplingStrategyFile.Loaded> followed;
  private final SamplingObserver observer;
  private volatile Status status;

  /**
   * @param reloadInterval how often the file is re-read whatever the watch reports; zero for
   *     never (changes are then seen through the watch only)
   */
  public FileSamplingStrategySource(Vertx vertx, Path file, Duration reloadInterval,
      double defaultProbability, SamplingObserver observer) {
    this.observer = observer;
    this.followed = new FollowedFile<>(vertx, "sampling strategies file", file, reloadInterval,
        content -> parse(content, defaultProbability), new FollowedFile.Listener<>() {
          @Override
          public void loaded(SamplingStrategyFile.Loaded loaded, boolean reloaded) {
            accept(loaded, reloaded);
          }

          @Override
          public void failed(String problem) {
            fail(problem);
          }
        });
  }

  private static SamplingStrategyFile.Loaded parse(byte[] content, double defaultProbability)
      throws InvalidSamplingStrategiesException {
    try {
      return SamplingStrategyFile.parse(content, defaultProbability);
    } catch (InvalidSamplingStrategiesException e) {
      // Told apart from a file that cannot be read at all.
      throw new InvalidSamplingStrategiesException(List.of("not a valid strategies document: "
          + e.getMessage()));
    }
  }

  @Override
  public String name() {
    return followed.name();
  }

  /**
   * Loads the file and starts following it.
   *
   * @return fails with {@link io.meshtrace.controlplane.file.UnusableFileException} when the
   *     file cannot be read or is not a valid document
   */
  @Override
  public Future<Void> start() {
    return followed.start();
  }

  /** Stops following the file; {@link #current()} keeps answering. */
  @Override
  public Future<Void> stop() {
    return followed.stop();
  }

  @Override
  public SamplingStrategies current() {
    SamplingStrategyFile.Loaded loaded = followed.current();
    return loaded == null ? null : loaded.strategies();
  }

  @Override
  public Status status() {
    return status;
  }

  public Path file() {
    return followed.file();
  }

  /**
   * Reads the file now and serves it if it changed and is valid.
   *
   * @return whether new strategies are served
   */
  public Future<Boolean> reload() {
    return followed.reload();
  }

  private void accept(SamplingStrategyFile.Loaded loaded, boolean reloaded) {
    int services = loaded.strategies().services().size();
    status = new Status(false, "file " + file() + ", loaded " + followed.loadedAt() + " ("
        + services + " services with their own strategy)");
    LOG.info("Sampling strategies {} from {}: {} services with their own strategy",
        reloaded ? "reloaded" : "loaded", file(), services);
    for (String warning : loaded.warnings()) {
      LOG.warn("Sampling strategies in {}: {}", file(), warning);
    }
    observer.strategiesLoaded(SOURCE);
  }

  private void fail(String problem) {
    status = new Status(true, "file " + file() + " is broken, so the strategies loaded "
        + followed.loadedAt() + " are still served: " + problem);
    LOG.error("Sampling strategies file {} not reloaded, the last good strategies (loaded {}) "
        + "are still served: {}", file(), followed.loadedAt(), problem);
    observer.strategiesLoadFailed(SOURCE);
  }
}
