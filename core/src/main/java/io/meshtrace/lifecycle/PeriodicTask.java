package io.meshtrace.lifecycle;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work done every interval (partition maintenance, writing counts gathered at ingest), as a
 * component: started, it runs the task on a timer, one run at a time (a slow run is not
 * overlapped, the next tick is skipped); stopped, it cancels the timer and, if asked, runs the
 * task once more after the last run, so that nothing gathered is left behind. A failed run is
 * logged and the next tick tries again.
 */
public final class PeriodicTask implements Component {
  private static final Logger LOG = LoggerFactory.getLogger(PeriodicTask.class);

  private final Vertx vertx;
  private final String name;
  private final Duration every;
  private final Supplier<Future<?>> task;
  private final boolean againAtStop;
  private long timer = -1;
  private Future<?> running = Future.succeededFuture();

  /** @param againAtStop whether stopping runs the task a last time */
  public PeriodicTask(Vertx vertx, String name, Duration every, Supplier<Future<?>> task,
      boolean againAtStop) {
    this.vertx = vertx;
    this.name = name;
    this.every = every;
    this.task = task;
    this.againAtStop = againAtStop;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized Future<Void> start() {
    timer = vertx.setPeriodic(Math.max(1, every.toMillis()), id -> tick());
    return Future.succeededFuture();
  }

  private synchronized void tick() {
    if (!running.isComplete()) {
      return;
    }
    running = run();
  }

  private Future<?> run() {
    Future<?> run;
    try {
      run = task.get();
    } catch (RuntimeException e) {
      run = Future.failedFuture(e);
    }
    return run.onFailure(failure -> LOG.warn("{} failed; it runs again in {} s: {}", name,
        every.toSeconds(), failure.toString()));
  }

  @Override
  public Future<Void> stop() {
    Future<?> last;
    synchronized (this) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      last = running;
    }
    Future<?> finished = last.transform(done -> Future.succeededFuture());
    return (againAtStop ? finished.transform(done -> run()) : finished).mapEmpty();
  }
}
