package io.meshtrace.collector.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

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

  /** @param storage held weakly, as meters hold what they read: the process holds it */
  public static <T> void writeTimeouts(MeterRegistry registry, T storage,
      ToDoubleFunction<T> timedOutWrites) {
    FunctionCounter.builder("meshtrace.storage.write.timeouts", storage, timedOutWrites)
        .description("Writes answered 503 because they were not committed within the write "
            + "timeout")
        .register(registry);
  }

  /** @param server held weakly, as meters hold what they read: the process holds it */
  public static <T> void embeddedPostgres(MeterRegistry registry, T server,
      ToDoubleFunction<T> restarts, ToDoubleFunction<T> up) {
    FunctionCounter.builder("meshtrace.embedded.postgres.restarts", server, restarts)
        .description("Restarts of the embedded PostgreSQL after it exited by itself")
        .register(registry);
    Gauge.builder("meshtrace.embedded.postgres.up", server, up)
        .description("1 while the embedded PostgreSQL runs, 0 while it is down")
        .register(registry);
  }
}
