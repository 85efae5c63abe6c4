package io.meshtrace.storage;

import io.vertx.core.Context;
import io.vertx.core.Promise;

/**
 * Completes a sink's answer on the context of the call that asked for it: sinks finish their
 * work on their own threads (a database connection's loop, a Kafka sender), and a receiver's
 * continuation must run on its own event loop, not theirs.
 */
public final class CallerContext {
  private CallerContext() {}

  /** @param context the caller's context, or null when it called from outside Vert.x */
  public static void complete(Promise<Void> done, Context context, Throwable failure) {
    Runnable finish = failure == null ? () -> done.tryComplete() : () -> done.tryFail(failure);
    if (context != null) {
      context.runOnContext(v -> finish.run());
    } else {
      finish.run();
    }
  }
}
