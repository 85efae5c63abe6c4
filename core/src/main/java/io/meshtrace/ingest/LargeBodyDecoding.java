package io.meshtrace.ingest;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.Callable;

/**
 * Where a receiver inflates and decodes a body: on its event loop when the body is small, as
 * nearly every exporter's is, on a worker when it is large. While a loop decodes a 14 MB body,
 * every other connection on it waits; a small body is decoded in less time than the hand-off to
 * a worker and back would cost.
 */
public final class LargeBodyDecoding {
  /** Bodies larger than this, as they will be decoded, go to a worker. */
  public static final long LARGE_BODY_BYTES = 1 << 20;
  /** Assumed inflation of a gzip body, to judge its size before inflating it: span JSON ~8x. */
  private static final long ASSUMED_GZIP_RATIO = 8;

  private LargeBodyDecoding() {}

  /** Whether a body of this many bytes, as received, is decoded on a worker. */
  public static boolean isLarge(long receivedBytes, boolean compressed) {
    return receivedBytes * (compressed ? ASSUMED_GZIP_RATIO : 1) > LARGE_BODY_BYTES;
  }

  /**
   * Runs {@code decode} on the loop, or on a worker (unordered: requests are independent) when
   * the body is large; either way the future completes on {@code context}, and a thrown
   * exception fails it.
   */
  public static <T> Future<T> run(Context context, long receivedBytes, boolean compressed,
      Callable<T> decode) {
    if (isLarge(receivedBytes, compressed)) {
      return context.executeBlocking(decode, false);
    }
    try {
      return Future.succeededFuture(decode.call());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }
}
