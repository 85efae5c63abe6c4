package io.meshtrace.controlplane.sampling.admin;

import io.meshtrace.controlplane.sampling.SamplingObserver;
import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newest version of the admin API's strategies this process knows. A change made through
 * this process is {@link #apply applied} at once; one made through another replica is picked
 * up by polling the newest version number every {@value #POLL_MILLIS} ms, within the second the
 * issue asks for, for one indexed read a poll. If storage cannot be read, the last version read
 * stays in service and {@link #failure()} says why.
 */
public final class AdminVersionPoller implements Component {
  static final long POLL_MILLIS = 500;
  private static final Logger LOG = LoggerFactory.getLogger(AdminVersionPoller.class);

  private final Vertx vertx;
  private final AdminStrategyVersions store;
  private final SamplingObserver observer;
  private volatile SamplingStrategyVersion current;
  private volatile String failure;
  private volatile boolean polling;
  private volatile long timer = -1;

  public AdminVersionPoller(Vertx vertx, AdminStrategyVersions store, SamplingObserver observer) {
    this.vertx = vertx;
    this.store = store;
    this.observer = observer;
  }

  @Override
  public String name() {
    return "sampling admin API versions poller";
  }

  /** Reads the newest version, then polls; fails when storage cannot be read at all. */
  @Override
  public Future<Void> start() {
    return store.latest().map(latest -> {
      current = latest;
      timer = vertx.setPeriodic(POLL_MILLIS, id -> poll());
      return null;
    });
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** The newest version this process knows; null when none was ever made. */
  public SamplingStrategyVersion current() {
    return current;
  }

  /** Why the last poll failed; null when it succeeded. */
  public String failure() {
    return failure;
  }

  /** A version this process just stored: served now, not at the next poll. */
  public void apply(SamplingStrategyVersion version) {
    synchronized (this) {
      SamplingStrategyVersion known = current;
      if (known == null || version.version() > known.version()) {
        current = version;
        observer.strategiesLoaded("api");
      }
    }
  }

  private void poll() {
    if (polling) {
      return; // a slow database: one poll at a time
    }
    polling = true;
    SamplingStrategyVersion known = current;
    store.latestVersionNumber()
        .compose(newest -> newest > (known == null ? 0 : known.version())
            ? store.latest().onSuccess(latest -> {
                if (latest != null) {
                  apply(latest);
                }
              }).mapEmpty()
            : Future.succeededFuture())
        .onComplete(done -> {
          polling = false;
          if (done.succeeded()) {
            if (failure != null) {
              LOG.info("Admin API sampling strategies readable again");
            }
            failure = null;
          } else {
            if (failure == null) {
              LOG.warn("Cannot read admin API sampling strategies; serving the last read: {}",
                  done.cause().toString());
              observer.strategiesLoadFailed("api");
            }
            failure = String.valueOf(done.cause().getMessage());
          }
        });
  }
}
