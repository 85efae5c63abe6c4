package io.meshtrace.controlplane.sampling;

import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value read from storage when started and then every interval, for the strategies to be
 * served from without waiting for storage. A failed read is logged and keeps the last one in
 * service: storage that is down for a while must not change what is served.
 *
 * @param <T> what is read
 */
public abstract class Poller<T> implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(Poller.class);

  private final Vertx vertx;
  private final Duration interval;
  private final String what;
  private volatile T current;
  private volatile long timer = -1;

  /** @param what what is read, for the log: {@code root span throughput} */
  protected Poller(Vertx vertx, Duration interval, String what) {
    this.vertx = vertx;
    this.interval = interval;
    this.what = what;
  }

  /** One read from storage. */
  protected abstract Future<T> fetch();

  /** Reads once (a failure is logged, not fatal: there is nothing to keep yet), then polls. */
  @Override
  public final Future<Void> start() {
    return read().onComplete(done -> timer = vertx.setPeriodic(interval.toMillis(),
        id -> read()));
  }

  @Override
  public final Future<Void> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** What was last read; null before a read succeeded. */
  public final T current() {
    return current;
  }

  /** Reads now; a failure keeps the last read. */
  private Future<Void> read() {
    return fetch()
        .map(read -> {
          current = read;
          return (Void) null;
        })
        .recover(failure -> {
          LOG.warn("Cannot read {}; keeping the last read: {}", what, failure.toString());
          return Future.succeededFuture();
        });
  }
}
