package io.meshtrace.lifecycle;

import io.vertx.core.Future;

/**
 * A runnable part of a meshtrace process. Started once and stopped once, by {@link Components};
 * neither may block the calling thread (blocking work goes to {@code executeBlocking}).
 */
public interface Component {
  /** What it is, for logs and start-up errors: {@code zipkin listener}, {@code xds server}. */
  String name();

  /** Starts it; fails with what went wrong, which the start-up error then names. */
  Future<Void> start();

  /**
   * Stops it: stops taking work, finishes or abandons what is in progress, frees what it holds.
   * Called only after {@link #start()} succeeded.
   */
  Future<Void> stop();
}
