package io.meshtrace.controlplane.sampling.file;

import io.meshtrace.controlplane.sampling.InvalidSamplingStrategiesException;
import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strategies from a file ({@code --sampling-strategies}) that follow its changes. The file is
 * re-read when its directory reports a change (a {@link WatchService} on a thread of its own,
 * since waiting for events blocks) and every reload interval (for file systems that report
 * nothing, such as some network mounts). Reading and parsing run as ordered blocking tasks on one
 * context, so two reloads never overlap and no event loop waits on the disk.
 *
 * <p>A file that fails to read or parse leaves the last good strategies in service: the failure
 * is logged with its line and field, counted once per distinct broken content, and shown by
 * {@link #status()} until a good file replaces it. The first load has no last good strategies to
 * keep, so it fails {@link #start}.
 */
public final class FileSamplingStrategySource implements SamplingStrategySource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FileSamplingStrategySource.class);
  /** Editors save in steps (truncate, write; or write a temp file and rename): let them finish. */
  private static final long SETTLE_MILLIS = 100;
  private static final String SOURCE = "file";

  private final Vertx vertx;
  private final Context context;
  private final Path file;
  private final Duration reloadInterval;
  private final double defaultProbability;
  private final SamplingObserver observer;

  private volatile SamplingStrategies current;
  private volatile Status status;
  // Touched only by the ordered blocking tasks of `context`, one at a time.
  private byte[] lastSeen;
  private String lastFailure;
  private Instant loadedAt;
  // Touched only on `context`'s event loop.
  private long periodicTimer = -1;
  private long settleTimer = -1;
  private volatile WatchService watchService;
  private volatile boolean closed;

  private FileSamplingStrategySource(Vertx vertx, Path file, Duration reloadInterval,
      double defaultProbability, SamplingObserver observer) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.file = file;
    this.reloadInterval = reloadInterval;
    this.defaultProbability = defaultProbability;
    this.observer = observer;
  }

  /**
   * Loads the file and starts following it.
   *
   * @param reloadInterval how often the file is re-read whatever the watch reports; zero for
   *     never (changes are then seen through the watch only)
   * @return fails with {@link InvalidSamplingStrategiesException} when the file cannot be read
   *     or is not a valid document
   */
  public static Future<FileSamplingStrategySource> start(Vertx vertx, Path file,
      Duration reloadInterval, double defaultProbability, SamplingObserver observer) {
    FileSamplingStrategySource source = new FileSamplingStrategySource(vertx, file,
        reloadInterval, defaultProbability, observer);
    return source.context.executeBlocking(() -> {
      SamplingStrategyFile.Loaded loaded = SamplingStrategyFile.load(file, defaultProbability);
      source.accept(loaded, false);
      return source;
    }).compose(started -> started.context.executeBlocking(() -> {
      started.watchDirectories();
      return started;
    })).onSuccess(started -> started.context.runOnContext(v -> started.startTimer()));
  }

  @Override
  public SamplingStrategies current() {
    return current;
  }

  @Override
  public Status status() {
    return status;
  }

  public Path file() {
    return file;
  }

  /**
   * Reads the file now and serves it if it changed and is valid.
   *
   * @return whether new strategies are served
   */
  public Future<Boolean> reload() {
    return context.executeBlocking(this::reloadIfChanged);
  }

  private boolean reloadIfChanged() {
    if (closed) {
      return false;
    }
    byte[] content;
    try {
      content = SamplingStrategyFile.read(file);
    } catch (InvalidSamplingStrategiesException e) {
      lastSeen = null; // whatever comes back next is news
      fail(e.getMessage());
      return false;
    }
    if (Arrays.equals(content, lastSeen)) {
      return false;
    }
    lastSeen = content;
    try {
      accept(SamplingStrategyFile.parse(content, defaultProbability), true);
      return true;
    } catch (InvalidSamplingStrategiesException e) {
      fail("not a valid strategies document: " + e.getMessage());
      return false;
    }
  }

  private void accept(SamplingStrategyFile.Loaded loaded, boolean reloaded) {
    lastSeen = loaded.content();
    lastFailure = null;
    loadedAt = Instant.now();
    current = loaded.strategies();
    status = new Status(false, "file " + file + ", loaded " + loadedAt + " ("
        + loaded.strategies().services().size() + " services with their own strategy)");
    LOG.info("Sampling strategies {} from {}: {} services with their own strategy",
        reloaded ? "reloaded" : "loaded", file, loaded.strategies().services().size());
    for (String warning : loaded.warnings()) {
      LOG.warn("Sampling strategies in {}: {}", file, warning);
    }
    observer.strategiesLoaded(SOURCE);
  }

  private void fail(String failure) {
    if (failure.equals(lastFailure)) {
      return; // the same broken file as last time: said and counted already
    }
    lastFailure = failure;
    status = new Status(true, "file " + file + " is broken, so the strategies loaded "
        + loadedAt + " are still served: " + failure);
    LOG.error("Sampling strategies file {} not reloaded, the last good strategies (loaded {}) "
        + "are still served: {}", file, loadedAt, failure);
    observer.strategiesLoadFailed(SOURCE);
  }

  private void startTimer() {
    if (!reloadInterval.isZero() && !closed) {
      periodicTimer = vertx.setPeriodic(Math.max(1, reloadInterval.toMillis()), id -> reload());
    }
  }

  /**
   * Watches the file's directory, and the directory of the file it links to if it is a link: a
   * Kubernetes ConfigMap volume replaces the file by swapping a symbolic link to a new directory,
   * which shows as events beside the file, not on it. Any event leads to a re-read; the content
   * comparison makes that cheap when the file did not change.
   */
  private void watchDirectories() {
    Set<Path> directories = new LinkedHashSet<>();
    directories.add(file.toAbsolutePath().getParent());
    try {
      directories.add(file.toRealPath().getParent());
    } catch (IOException e) {
      // The first load read it a moment ago; the reload interval still covers it.
    }
    try {
      WatchService service = file.getFileSystem().newWatchService();
      for (Path directory : directories) {
        directory.register(service, StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
      }
      watchService = service;
      Thread watcher = new Thread(() -> watch(service), "meshtrace-sampling-file-watch");
      watcher.setDaemon(true);
      watcher.start();
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn("Cannot watch {} for changes ({}); it is re-read every {} instead", file,
          e.getMessage(), reloadInterval);
    }
  }

  private void watch(WatchService service) {
    while (!closed) {
      WatchKey key;
      try {
        key = service.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      key.pollEvents();
      if (!key.reset()) {
        LOG.warn("{} can no longer be watched (its directory went away); it is re-read every {}",
            file, reloadInterval);
      }
      context.runOnContext(v -> settleThenReload());
    }
  }

  private void settleThenReload() {
    if (settleTimer >= 0) {
      vertx.cancelTimer(settleTimer);
    }
    settleTimer = vertx.setTimer(SETTLE_MILLIS, id -> {
      settleTimer = -1;
      reload();
    });
  }

  /** Stops following the file; {@link #current()} keeps answering. */
  @Override
  public void close() {
    closed = true;
    context.runOnContext(v -> {
      if (periodicTimer >= 0) {
        vertx.cancelTimer(periodicTimer);
      }
      if (settleTimer >= 0) {
        vertx.cancelTimer(settleTimer);
      }
    });
    WatchService service = watchService;
    if (service != null) {
      try {
        service.close();
      } catch (IOException e) {
        LOG.debug("Closing the watch of {}: {}", file, e.getMessage());
      }
    }
  }
}
