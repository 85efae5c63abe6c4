package io.meshtrace.examples.generator;

import java.time.Duration;

/**
 * How an overloaded answer is retried: after the server's hint (Retry-After, gRPC RetryInfo)
 * when it gives one, else after an exponential backoff; never longer than {@code maxDelay}.
 */
public record RetryPolicy(int maxRetries, Duration firstDelay, Duration maxDelay) {
  /** Ten retries from 100 ms, at most 10 s apart: rides out a minute-long overload. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(10, Duration.ofMillis(100),
      Duration.ofSeconds(10));

  /** The pause before retry number {@code retry} (0 for the first), given the server's hint. */
  public Duration delay(int retry, Duration hint) {
    Duration delay = hint != null && !hint.isNegative()
        ? hint : firstDelay.multipliedBy(1L << Math.min(retry, 20));
    return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
  }
}
