package io.meshtrace.controlplane.slo.admin;

import io.meshtrace.controlplane.slo.Objective;
import io.meshtrace.controlplane.slo.ObjectivesStatus;
import io.meshtrace.controlplane.slo.SloObserver;
import io.meshtrace.lifecycle.Component;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newest version of the admin API's objectives this process knows, kept as the sampling
 * admin API's is: a change made through this process is {@link #apply applied} at once; one
 * made through another replica is picked up by polling the newest version number every
 * {@value #POLL_MILLIS} ms (one indexed read). If storage cannot be read, the last version
 * read stays in service and {@link #status()} says why.
 */
public final class ApiObjectivePoller implements Component {
  static final long POLL_MILLIS = 500;
  private static final Logger LOG = LoggerFactory.getLogger(ApiObjectivePoller.class);
  private static final String SOURCE = "api";

  private final Vertx vertx;
  private final ApiObjectiveVersions store;
  private final SloObserver observer;
  private volatile ObjectiveVersion current;
  private volatile String failure;
  private volatile boolean polling;
  private volatile long timer = -1;

  public ApiObjectivePoller(Vertx vertx, ApiObjectiveVersions store, SloObserver observer) {
    this.vertx = vertx;
    this.store = store;
    this.observer = observer;
  }

  @Override
  public String name() {
    return "service level objectives admin API versions poller";
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
  public ObjectiveVersion current() {
    return current;
  }

  /** The newest version's objectives, the same list until another version comes. */
  public List<Objective> objectives() {
    ObjectiveVersion known = current;
    return known == null ? List.of() : known.objectives();
  }

  public ObjectivesStatus status() {
    ObjectiveVersion known = current;
    String version = known == null ? "none set" : "version " + known.version() + " ("
        + known.objectives().size() + " objectives)";
    String failed = failure;
    return failed == null ? new ObjectivesStatus(false, "admin API " + version)
        : new ObjectivesStatus(true, "admin API objectives cannot be read, " + version
            + " is still served: " + failed);
  }

  /** A version this process just stored: served now, not at the next poll. */
  public void apply(ObjectiveVersion version) {
    synchronized (this) {
      ObjectiveVersion known = current;
      if (known == null || version.version() > known.version()) {
        current = version;
        observer.objectivesLoaded(SOURCE);
      }
    }
  }

  private void poll() {
    if (polling) {
      return; // a slow database: one poll at a time
    }
    polling = true;
    ObjectiveVersion known = current;
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
              LOG.info("Admin API service level objectives readable again");
            }
            failure = null;
          } else {
            if (failure == null) {
              LOG.warn("Cannot read admin API service level objectives; serving the last "
                  + "read: {}", done.cause().toString());
              observer.objectivesLoadFailed(SOURCE);
            }
            failure = String.valueOf(done.cause().getMessage());
          }
        });
  }
}
