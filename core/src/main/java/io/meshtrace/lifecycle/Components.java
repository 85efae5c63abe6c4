package io.meshtrace.lifecycle;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts components one after the other, each once the one before it is up, and stops them in
 * the reverse order: a component may rely on everything started before it, while it runs and
 * while it stops. A failed start stops what had started and fails with a {@link
 * ComponentStartException} naming the component.
 */
public final class Components {
  private static final Logger LOG = LoggerFactory.getLogger(Components.class);

  private final Vertx vertx;
  private final Duration stopTimeout;
  private final Deque<Component> started = new ArrayDeque<>();
  private boolean stopping;

  /** @param stopTimeout how long one component may take to stop before the next is stopped */
  public Components(Vertx vertx, Duration stopTimeout) {
    this.vertx = vertx;
    this.stopTimeout = stopTimeout;
  }

  /** Starts {@code components} in order after those started before. */
  public synchronized Future<Void> start(List<? extends Component> components) {
    Future<Void> all = Future.succeededFuture();
    for (Component component : components) {
      all = all.compose(v -> start(component));
    }
    return all.recover(failure -> stop().transform(stopped -> Future.failedFuture(failure)));
  }

  /** Starts one component after those started before. */
  public Future<Void> start(Component component) {
    synchronized (this) {
      if (stopping) {
        return Future.failedFuture(new ComponentStartException(component.name(),
            new IllegalStateException("the process is stopping")));
      }
    }
    long begun = System.nanoTime();
    Future<Void> start;
    try {
      start = component.start();
    } catch (RuntimeException e) {
      start = Future.failedFuture(e);
    }
    return start.transform(done -> {
      if (done.failed()) {
        Throwable cause = done.cause();
        return Future.failedFuture(cause instanceof ComponentStartException ? cause
            : new ComponentStartException(component.name(), cause));
      }
      synchronized (this) {
        started.push(component);
      }
      LOG.debug("Started {} in {} ms", component.name(), (System.nanoTime() - begun) / 1_000_000);
      return Future.succeededFuture();
    });
  }

  /** The components started so far, in start order. */
  public synchronized List<Component> started() {
    List<Component> inOrder = new ArrayList<>(started);
    java.util.Collections.reverse(inOrder);
    return inOrder;
  }

  /**
   * Stops every started component, the last started first. A component that fails or takes
   * longer than the stop timeout is logged and left behind; the others still stop. Never fails.
   */
  public Future<Void> stop() {
    synchronized (this) {
      stopping = true;
    }
    return stopNext();
  }

  private Future<Void> stopNext() {
    Component component;
    synchronized (this) {
      component = started.poll();
    }
    if (component == null) {
      return Future.succeededFuture();
    }
    Promise<Void> stopped = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, stopTimeout.toMillis()), id -> {
      if (stopped.tryFail("did not stop within " + stopTimeout.toMillis() + " ms")) {
        LOG.warn("{} did not stop within {} ms; going on", component.name(),
            stopTimeout.toMillis());
      }
    });
    Future<Void> stop;
    try {
      stop = component.stop();
    } catch (RuntimeException e) {
      stop = Future.failedFuture(e);
    }
    stop.onComplete(done -> {
      vertx.cancelTimer(timer);
      if (done.failed() && stopped.tryFail(done.cause())) {
        LOG.warn("{} did not stop cleanly: {}", component.name(), done.cause().toString());
      } else {
        stopped.tryComplete();
      }
    });
    return stopped.future().transform(ignored -> stopNext());
  }
}
