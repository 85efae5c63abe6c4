package io.meshtrace.query;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answering a request from a storage future, so that every failure still gets an answer. */
public final class StoreReplies {
  private static final Logger LOG = LoggerFactory.getLogger(StoreReplies.class);

  /** Writes an error answer in the calling API's format. */
  @FunctionalInterface
  public interface ErrorSender {
    void send(RoutingContext ctx, int status, String message);
  }

  private StoreReplies() {}

  /**
   * Runs {@code onSuccess} with the result; a storage failure (or a bug while answering) is
   * 503 when storage cannot be reached, else 500, in the API's error format.
   */
  public static <T> void reply(RoutingContext ctx, Future<T> result, Consumer<T> onSuccess,
      ErrorSender errors) {
    result.onComplete(done -> {
      Throwable failure = done.cause();
      if (failure == null) {
        try {
          onSuccess.accept(done.result());
          return;
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      LOG.warn("Query {} failed: {}", ctx.request().path(), failure.toString());
      if (!ctx.response().ended()) {
        errors.send(ctx, HttpResponses.statusOf(failure), String.valueOf(failure.getMessage()));
      }
    });
  }
}
