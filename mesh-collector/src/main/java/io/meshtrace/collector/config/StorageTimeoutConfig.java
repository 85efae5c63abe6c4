package io.meshtrace.collector.config;

import io.meshtrace.storage.postgres.PostgresTimeouts;
import io.meshtrace.time.GoDuration;
import java.time.Duration;
import java.util.List;

/**
 * How long meshtrace waits for PostgreSQL before it answers that storage is unavailable, and how
 * long the embedded server may stay down before the process calls itself unhealthy.
 *
 * @param connectTimeout a new connection that is not established by then fails
 * @param statementTimeout PostgreSQL cancels a statement running longer ({@code statement_timeout})
 * @param idleTimeout a pooled connection unused this long is closed
 * @param writeTimeout a write not committed by then is answered 503, and {@code /readyz} fails
 *     while writes are older than this
 * @param embeddedRecoveryTimeout how long the embedded PostgreSQL may take to come back after it
 *     exited before {@code /healthz} fails, so that an orchestrator restarts meshtrace
 */
public record StorageTimeoutConfig(Duration connectTimeout, Duration statementTimeout,
    Duration idleTimeout, Duration writeTimeout, Duration embeddedRecoveryTimeout) {

  private static final PostgresTimeouts DEFAULTS = PostgresTimeouts.DEFAULTS;

  public static final Setting<Duration> PG_CONNECT_TIMEOUT = Setting.duration(
      "pg-connect-timeout", GoDuration.format(DEFAULTS.connect()), "A new connection to PostgreSQL not established by then fails.");
  public static final Setting<Duration> PG_STATEMENT_TIMEOUT = Setting.duration(
      "pg-statement-timeout", GoDuration.format(DEFAULTS.statement()), "PostgreSQL cancels a statement of meshtrace's that runs "
          + "longer (statement_timeout).");
  public static final Setting<Duration> PG_IDLE_TIMEOUT = Setting.duration("pg-idle-timeout",
      GoDuration.format(DEFAULTS.idle()), "A pooled PostgreSQL connection unused this long is closed.");
  public static final Setting<Duration> STORAGE_WRITE_TIMEOUT = Setting.duration(
      "storage-write-timeout", GoDuration.format(DEFAULTS.write()), "A write of spans not committed by then is answered 503 "
          + "(the client retries), and /readyz fails while writes wait longer.");
  public static final Setting<Duration> EMBEDDED_PG_RECOVERY_TIMEOUT = Setting.duration(
      "embedded-pg-recovery-timeout", "60s", "How long the embedded PostgreSQL may take to come "
          + "back after it exited before /healthz fails (so that an orchestrator restarts "
          + "meshtrace); it is restarted meanwhile.");

  public static final List<Setting<?>> SETTINGS = List.of(PG_CONNECT_TIMEOUT,
      PG_STATEMENT_TIMEOUT, PG_IDLE_TIMEOUT, STORAGE_WRITE_TIMEOUT, EMBEDDED_PG_RECOVERY_TIMEOUT);

  public StorageTimeoutConfig {
    positive(PG_CONNECT_TIMEOUT, connectTimeout);
    positive(PG_STATEMENT_TIMEOUT, statementTimeout);
    positive(PG_IDLE_TIMEOUT, idleTimeout);
    positive(STORAGE_WRITE_TIMEOUT, writeTimeout);
    positive(EMBEDDED_PG_RECOVERY_TIMEOUT, embeddedRecoveryTimeout);
  }

  private static void positive(Setting<Duration> setting, Duration value) {
    if (value.isNegative() || value.isZero() || value.toMillis() == 0) {
      throw new InvalidConfigException(setting.name(), "is " + GoDuration.format(value)
          + " but must be at least 1ms");
    }
  }

  public static StorageTimeoutConfig from(SettingValues values) {
    return new StorageTimeoutConfig(values.get(PG_CONNECT_TIMEOUT),
        values.get(PG_STATEMENT_TIMEOUT), values.get(PG_IDLE_TIMEOUT),
        values.get(STORAGE_WRITE_TIMEOUT), values.get(EMBEDDED_PG_RECOVERY_TIMEOUT));
  }

  /** What the storage module applies to its connections and writes. */
  public PostgresTimeouts postgresTimeouts() {
    return new PostgresTimeouts(connectTimeout, statementTimeout, idleTimeout, writeTimeout);
  }
}
