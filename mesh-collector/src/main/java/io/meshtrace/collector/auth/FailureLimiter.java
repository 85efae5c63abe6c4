package io.meshtrace.collector.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed authentications per client address: past {@code maxFailures} within a window, the
 * client is answered 429 until the window ends, without its credentials being checked, so that
 * guessing tokens or passwords (each guess a bcrypt for meshtrace) gets nowhere. Shared by
 * every listener: guesses spread over ports count together. The address is the connection's
 * peer, not a forwarded-for header anybody can write.
 */
public final class FailureLimiter {
  /** Clients remembered at most; beyond, expired windows are swept, then new clients admitted. */
  private static final int MAX_CLIENTS = 100_000;

  private final int maxFailures;
  private final long windowMillis;
  private final Clock clock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /** The failures of one client in the window that began at {@code start}. */
  private record Window(long start, int failures) {}

  public FailureLimiter(int maxFailures, Duration window, Clock clock) {
    this.maxFailures = maxFailures;
    this.windowMillis = window.toMillis();
    this.clock = clock;
  }

  /**
   * Whether the client is locked out now.
   *
   * @return the seconds until it may try again, or 0 when it may now
   */
  public long retryAfterSeconds(String client) {
    Window window = windows.get(client);
    long now = clock.millis();
    if (window == null || window.failures() < maxFailures || now >= window.start() + windowMillis) {
      return 0;
    }
    return Math.max(1, (window.start() + windowMillis - now + 999) / 1000);
  }

  /** Counts a failed authentication of the client. */
  public void failed(String client) {
    long now = clock.millis();
    if (windows.size() >= MAX_CLIENTS && !windows.containsKey(client)) {
      sweep(now);
    }
    windows.compute(client, (key, window) -> window == null || now >= window.start() + windowMillis
        ? new Window(now, 1) : new Window(window.start(), window.failures() + 1));
  }

  private void sweep(long now) {
    for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
      if (now >= it.next().start() + windowMillis) {
        it.remove();
      }
    }
  }
}
