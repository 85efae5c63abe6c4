package io.meshtrace.controlplane.file;

import io.meshtrace.lifecycle.Component;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
 * A configuration file whose content is followed as it changes, parsed into a {@code T}: the
 * strategies file ({@code --sampling-strategies}) and the gateway routes file
 * ({@code --gateway-routes}).
 *
 * <p>The file is re-read when its directory reports a change (a {@link WatchService} on a thread
 * of its own, since waiting for events blocks) and every reload interval (for file systems that
 * report nothing, such as some network mounts). Reading and parsing run as ordered blocking tasks
 * on one context, so two reloads never overlap and no event loop waits on the disk; content equal
 * to the last read is not parsed again.
 *
 * <p>A file that fails to read or parse leaves the last good value in service: {@link
 * Listener#failed} hears of it once per distinct problem (the same broken content re-read is not
 * news), and {@link #problem()} says what is wrong until a good file replaces it. The first load
 * has no last good value to keep, so it fails {@link #start()}.
 *
 * @param <T> what the content is parsed into
 */
public final class FollowedFile<T> implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(FollowedFile.class);
  /** Editors save in steps (truncate, write; or write a temp file and rename): let them finish. */
  private static final long SETTLE_MILLIS = 100;

  /** Turns the file's bytes into a value. */
  @FunctionalInterface
  public interface Parser<T> {
    /**
     * @throws Exception when the content cannot be used; its message is the problem as people
     *     read it, with the field and line it is about
     */
    T parse(byte[] content) throws Exception;
  }

  /**
   * What the user of the file does when it changes: log, count, publish. Called on the
   * follower's context, one call at a time, after {@link #current()} and {@link #problem()} say
   * the same.
   */
  public interface Listener<T> {
    /** A new value is in service: the first load ({@code reloaded} false) or a reload. */
    void loaded(T value, boolean reloaded);

    /** The file could not be used; the last good value stays in service. */
    void failed(String problem);
  }

  private final Vertx vertx;
  private final Context context;
  private final String name;
  private final Path file;
  private final Duration reloadInterval;
  private final Parser<T> parser;
  private final Listener<T> listener;

  private volatile T current;
  private volatile Instant loadedAt;
  private volatile String problem;
  // Touched only by the ordered blocking tasks of `context`, one at a time.
  private byte[] lastSeen;
  // Touched only on `context`'s event loop.
  private long periodicTimer = -1;
  private long settleTimer = -1;
  private volatile WatchService watchService;
  private volatile boolean stopped;

  /**
   * @param name what the file is, for logs and start-up errors ({@code sampling strategies file})
   * @param reloadInterval how often the file is re-read whatever the watch reports; zero for
   *     never (changes are then seen through the watch only)
   */
  public FollowedFile(Vertx vertx, String name, Path file, Duration reloadInterval,
      Parser<T> parser, Listener<T> listener) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.name = name;
    this.file = file;
    this.reloadInterval = reloadInterval;
    this.parser = parser;
    this.listener = listener;
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Loads the file and starts following it.
   *
   * @return fails with an {@link UnusableFileException} when the file cannot be read or parsed
   */
  @Override
  public Future<Void> start() {
    return context.<Void>executeBlocking(() -> {
      byte[] content = read(file);
      T value;
      try {
        value = parser.parse(content);
      } catch (Exception e) {
        throw new UnusableFileException(file, problemOf(e));
      }
      accept(content, value, false);
      watchDirectories();
      return null;
    }).onSuccess(v -> context.runOnContext(ignored -> startTimer()));
  }

  /** The value of the last good content; null before {@link #start()} succeeded. */
  public T current() {
    return current;
  }

  /** When the value in service was loaded. */
  public Instant loadedAt() {
    return loadedAt;
  }

  /** What is wrong with the file as last read; null when it was good. */
  public String problem() {
    return problem;
  }

  public Path file() {
    return file;
  }

  /**
   * Reads the file now and serves it if it changed and is good.
   *
   * @return whether a new value is in service
   */
  public Future<Boolean> reload() {
    return context.executeBlocking(this::reloadIfChanged);
  }

  private boolean reloadIfChanged() {
    if (stopped) {
      return false;
    }
    byte[] content;
    try {
      content = read(file);
    } catch (UnusableFileException e) {
      lastSeen = null; // whatever comes back next is news
      fail(e.problem());
      return false;
    }
    if (Arrays.equals(content, lastSeen)) {
      return false;
    }
    lastSeen = content;
    try {
      accept(content, parser.parse(content), true);
      return true;
    } catch (Exception e) {
      fail(problemOf(e));
      return false;
    }
  }

  private void accept(byte[] content, T value, boolean reloaded) {
    lastSeen = content;
    loadedAt = Instant.now();
    current = value;
    problem = null;
    listener.loaded(value, reloaded);
  }

  private void fail(String failure) {
    if (failure.equals(problem)) {
      return; // the same broken file as last time: said already
    }
    problem = failure;
    listener.failed(failure);
  }

  /**
   * Reads {@code file} whole; blocks on the disk.
   *
   * @throws UnusableFileException when it cannot be read: {@code cannot read FILE: no such file}
   */
  public static byte[] read(Path file) throws UnusableFileException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new UnusableFileException(file, "cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new UnusableFileException(file, "cannot read " + file + ": "
          + e.getClass().getSimpleName() + " " + e.getMessage());
    }
  }

  private static String problemOf(Exception e) {
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  private void startTimer() {
    if (!reloadInterval.isZero() && !stopped) {
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
      Thread watcher = new Thread(() -> watch(service), "meshtrace-file-watch-"
          + file.getFileName());
      watcher.setDaemon(true);
      watcher.start();
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn("Cannot watch {} for changes ({}); it is re-read every {} instead", file,
          e.getMessage(), reloadInterval);
    }
  }

  private void watch(WatchService service) {
    while (!stopped) {
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

  /** Stops following the file; {@link #current()} keeps answering with the last good value. */
  @Override
  public Future<Void> stop() {
    stopped = true;
    WatchService service = watchService;
    if (service != null) {
      try {
        service.close(); // does not block: it wakes the watch thread, which then ends
      } catch (IOException e) {
        LOG.debug("Closing the watch of {}: {}", file, e.getMessage());
      }
    }
    Promise<Void> timersCancelled = Promise.promise();
    context.runOnContext(v -> {
      if (periodicTimer >= 0) {
        vertx.cancelTimer(periodicTimer);
      }
      if (settleTimer >= 0) {
        vertx.cancelTimer(settleTimer);
      }
      timersCancelled.complete();
    });
    return timersCancelled.future();
  }
}
