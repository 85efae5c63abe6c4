package io.meshtrace.collector.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * Checks basic-auth passwords against the bcrypt hashes of the credentials file. bcrypt takes
 * tens of milliseconds by design, so it runs on a small pool of its own, never on an event loop,
 * and successes are remembered for a while ({@link VerifiedPasswords}). A password for an
 * unknown user is checked against a made-up hash all the same, so that the time taken does not
 * tell which users exist.
 */
final class PasswordVerifier {
  /** Enough for Grafana and people; past it an attacker only queues. */
  private static final int THREADS = 2;
  private static final int MAX_WAITING = 256;
  private static final int CACHE_ENTRIES = 10_000;
  private static final Duration CACHE_TTL = Duration.ofMinutes(5);
  /** bcrypt of a random password nobody knows, at the usual cost. */
  private static final String UNKNOWN_USER_HASH = BCrypt.hashpw("meshtrace unknown user",
      BCrypt.gensalt(10));

  private final WorkerExecutor workers;
  private final VerifiedPasswords verified;
  private final AtomicInteger waiting = new AtomicInteger();

  PasswordVerifier(Vertx vertx, Clock clock) {
    this.workers = vertx.createSharedWorkerExecutor("meshtrace-bcrypt", THREADS);
    this.verified = new VerifiedPasswords(CACHE_ENTRIES, CACHE_TTL, clock);
  }

  /**
   * Whether {@code password} is the user's.
   *
   * @param user null for an unknown user: the answer is false, after as long as for a known one
   * @return completes at once for a remembered success; fails with an {@link
   *     AuthenticationFailedException} (rate limited) when too many checks wait already
   */
  Future<Boolean> verify(String name, String password, Credentials.User user) {
    String storedHash = user == null ? UNKNOWN_USER_HASH : user.passwordHash();
    String key = VerifiedPasswords.key(name, password, storedHash);
    if (user != null && verified.contains(key)) {
      return Future.succeededFuture(true);
    }
    if (waiting.incrementAndGet() > MAX_WAITING) {
      waiting.decrementAndGet();
      return Future.failedFuture(new AuthenticationFailedException(new Refusal(
          Refusal.Reason.RATE_LIMITED, "too many password checks in progress; try again")));
    }
    return workers.<Boolean>executeBlocking(() -> {
      boolean matches;
      try {
        matches = BCrypt.checkpw(password, storedHash);
      } catch (IllegalArgumentException e) {
        // Over bcrypt's 72 bytes, or a hash it cannot read: not a match.
        matches = false;
      }
      return matches && user != null;
    }, false).onComplete(done -> {
      waiting.decrementAndGet();
      if (done.succeeded() && done.result()) {
        verified.add(key);
      }
    });
  }

  Future<Void> close() {
    return workers.close();
  }
}
