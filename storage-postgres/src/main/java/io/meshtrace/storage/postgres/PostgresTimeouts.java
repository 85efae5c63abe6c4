package io.meshtrace.storage.postgres;

import java.time.Duration;
import java.util.Objects;

/**
 * What bounds every wait on PostgreSQL, so that a database that hangs gets answers of 503 rather
 * than none.
 *
 * @param connect establishing a connection
 * @param statement {@code statement_timeout} of every session: PostgreSQL cancels longer ones
 * @param idle a pooled connection unused this long is closed
 * @param write a write of spans not committed by then fails as storage unavailable
 */
public record PostgresTimeouts(Duration connect, Duration statement, Duration idle,
    Duration write) {
  public static final PostgresTimeouts DEFAULTS = new PostgresTimeouts(Duration.ofSeconds(5),
      Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(10));

  public PostgresTimeouts {
    Objects.requireNonNull(connect, "connect");
    Objects.requireNonNull(statement, "statement");
    Objects.requireNonNull(idle, "idle");
    Objects.requireNonNull(write, "write");
  }
}
