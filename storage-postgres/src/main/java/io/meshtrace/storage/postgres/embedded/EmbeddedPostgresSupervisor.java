package io.meshtrace.storage.postgres.embedded;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restarts the embedded PostgreSQL when it exits by itself (a {@code kill -9}, the OOM killer, a
 * crash), as an init system would, with backoff while it does not come up. Meanwhile storage
 * answers 503 and clients retry; once it is back, pools reconnect to the same port.
 *
 * <p>Its own thread: checking and restarting block (the restart for seconds), and there is one
 * server per process.
 */
public final class EmbeddedPostgresSupervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresSupervisor.class);
  private static final long CHECK_MILLIS = 200;
  private static final long FIRST_BACKOFF_MILLIS = 250;
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final EmbeddedPostgres server;
  private final Thread thread;
  private final AtomicLong restarts = new AtomicLong();
  /** System.nanoTime() when it was seen down, or 0 while it runs. */
  private volatile long downSinceNanos;
  private volatile boolean closed;

  public EmbeddedPostgresSupervisor(EmbeddedPostgres server) {
    this.server = server;
    this.thread = new Thread(this::supervise, "embedded-postgres-supervisor");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** Restarts done since start. */
  public long restarts() {
    return restarts.get();
  }

  /** How long the server has been down, zero while it runs. */
  public Duration downFor() {
    long since = downSinceNanos;
    return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
  }

  private void supervise() {
    long backoff = FIRST_BACKOFF_MILLIS;
    while (!closed) {
      if (!server.exited()) {
        backoff = FIRST_BACKOFF_MILLIS;
        pause(CHECK_MILLIS);
        continue;
      }
      if (downSinceNanos == 0) {
        downSinceNanos = System.nanoTime();
      }
      try {
        server.restartAfterExit();
        if (!server.exited()) {
          restarts.incrementAndGet();
          LOG.info("PostgreSQL is back after {} ms down", downFor().toMillis());
          downSinceNanos = 0;
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("PostgreSQL did not come back ({}); trying again in {} ms", e.getMessage(),
            backoff);
        pause(backoff);
        backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
      }
    }
  }

  private void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      closed = true;
    }
  }

  /** Stops supervising (before the server is closed, so that its stop is not taken for a crash). */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(70).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
