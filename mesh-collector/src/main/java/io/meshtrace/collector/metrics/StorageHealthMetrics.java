package io.meshtrace.collector.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * How storage weathers faults:
 * <ul>
 *   <li>{@code meshtrace_storage_write_timeouts_total}: writes answered 503 because PostgreSQL
 *       did not commit them within {@code --storage-write-timeout}
 *   <li>{@code meshtrace_embedded_postgres_restarts_total}, {@code meshtrace_embedded_postgres_up}:
 *       the embedded server's restarts after it exited by itself, and whether it runs now (only
 *       without {@code --pg-url})
 * </ul>
 */
public final class StorageHealthMetrics {
  private StorageHealthMetrics() {}

  public static void writeTimeouts(MeterRegistry registry, LongSupplier timedOutWrites) {
    FunctionCounter.builder("meshtrace.storage.write.timeouts", timedOutWrites,
            LongSupplier::getAsLong)
        .description("Writes answered 503 because they were not committed within the write "
            + "timeout")
        .register(registry);
  }

  public static void embeddedPostgres(MeterRegistry registry, LongSupplier restarts,
      BooleanSupplier up) {
    FunctionCounter.builder("meshtrace.embedded.postgres.restarts", restarts,
            LongSupplier::getAsLong)
        .description("Restarts of the embedded PostgreSQL after it exited by itself")
        .register(registry);
    Gauge.builder("meshtrace.embedded.postgres.up", () -> up.getAsBoolean() ? 1 : 0)
        .description("1 while the embedded PostgreSQL runs, 0 while it is down")
        .register(registry);
  }
}
