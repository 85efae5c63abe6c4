package io.meshtrace.query;

import io.meshtrace.storage.StorageUnavailableException;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answering a request from a storage future, so that every failure still gets an answer. A
 * failure's own message is never sent: it may be the database's (an SQL error, a server's
 * text), which tells a client nothing it can act on and tells an attacker about the schema. The
 * client gets a fixed message for the status; the log gets the cause in full.
 */
public final class StoreReplies {
  private static final Logger LOG = LoggerFactory.getLogger(StoreReplies.class);

  /** The answer to a read storage could not do; the UI shows "Storage is unavailable". */
  public static final String STORAGE_UNAVAILABLE = "storage unavailable";
  /** The answer to a failure of meshtrace's own (a bug): nothing about it is the client's. */
  public static final String INTERNAL_ERROR = "internal error";

  /** Writes an error answer in the calling API's format. */
  @FunctionalInterface
  public interface ErrorSender {
    void send(RoutingContext ctx, int status, String message);
  }

  private StoreReplies() {}

  /**
   * Runs {@code onSuccess} with the result; a failure is answered by {@link #fail}, in the API's
   * error format.
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
      fail(ctx, failure, errors);
    });
  }

  /**
   * 400 with the parameter's problem for a {@link BadQueryParameterException} (its text is
   * meshtrace's own), 503 "storage unavailable" when storage failed, else 500 "internal error".
   */
  public static void fail(RoutingContext ctx, Throwable failure, ErrorSender errors) {
    int status;
    String message;
    if (failure instanceof BadQueryParameterException bad) {
      status = 400;
      message = bad.getMessage();
      LOG.debug("Query {} refused: {}", ctx.request().path(), message);
    } else if (failure instanceof StorageUnavailableException) {
      status = 503;
      message = STORAGE_UNAVAILABLE;
      LOG.warn("Query {} failed: storage unavailable", ctx.request().path(), failure);
    } else {
      status = 500;
      message = INTERNAL_ERROR;
      LOG.error("Query {} failed", ctx.request().path(), failure);
    }
    if (!ctx.response().ended()) {
      errors.send(ctx, status, message);
    }
  }
}
