package io.meshtrace.collector.auth;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The (user, password) pairs bcrypt recently confirmed, so that a client sending basic auth on
 * every request (Grafana does) costs one SHA-256 rather than one bcrypt per request. Keyed by a
 * SHA-256 of the user, the password and the stored hash: no password is kept, and a password
 * changed in the file misses the cache at once. Bounded (least recently used out first) and
 * expiring; only successes are kept, so a guessed password is always checked by bcrypt.
 */
final class VerifiedPasswords {
  private final int capacity;
  private final long ttlMillis;
  private final Clock clock;
  private final Map<String, Long> expiresAt;

  VerifiedPasswords(int capacity, Duration ttl, Clock clock) {
    this.capacity = capacity;
    this.ttlMillis = ttl.toMillis();
    this.clock = clock;
    this.expiresAt = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
        return size() > VerifiedPasswords.this.capacity;
      }
    };
  }

  /** The key of a presented pair against the hash in the file. */
  static String key(String user, String password, String storedHash) {
    byte[] joined = (user + '\0' + password + '\0' + storedHash).getBytes(StandardCharsets.UTF_8);
    return HexFormat.of().formatHex(Credentials.sha256(joined));
  }

  synchronized boolean contains(String key) {
    Long expiry = expiresAt.get(key);
    if (expiry == null) {
      return false;
    }
    if (expiry <= clock.millis()) {
      expiresAt.remove(key);
      return false;
    }
    return true;
  }

  synchronized void add(String key) {
    expiresAt.put(key, clock.millis() + ttlMillis);
  }

  synchronized int size() {
    return expiresAt.size();
  }
}
