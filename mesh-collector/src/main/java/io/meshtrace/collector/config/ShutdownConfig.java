package io.meshtrace.collector.config;

import io.meshtrace.time.GoDuration;
import java.time.Duration;
import java.util.List;

/**
 * How meshtrace stops on SIGTERM: unready first, still serving for {@code drain} (the time an
 * orchestrator takes to stop sending it traffic), then it closes its listeners, answering what is
 * in flight, and commits what it acknowledged; all of it within {@code timeout}.
 *
 * @param drain how long listeners keep serving after {@code /readyz} turned 503
 * @param timeout the longest the whole stop may take; past it (or on a second SIGTERM) the process
 *     exits at once
 */
public record ShutdownConfig(Duration drain, Duration timeout) {

  public static final Setting<Duration> SHUTDOWN_DRAIN = Setting.duration("shutdown-drain", "5s",
      "After SIGTERM, how long listeners keep serving while /readyz is 503, so that load "
          + "balancers (Kubernetes endpoints) stop sending traffic first.");
  public static final Setting<Duration> SHUTDOWN_TIMEOUT = Setting.duration("shutdown-timeout",
      "25s", "The longest a stop may take, drain included; past it, or on a second SIGTERM, "
          + "meshtrace exits at once (keep it under the pod's terminationGracePeriodSeconds).");

  public static final List<Setting<?>> SETTINGS = List.of(SHUTDOWN_DRAIN, SHUTDOWN_TIMEOUT);

  public ShutdownConfig {
    if (drain.isNegative()) {
      throw new InvalidConfigException(SHUTDOWN_DRAIN.name(), "is " + GoDuration.format(drain)
          + " but must not be negative (0s closes at once)");
    }
    if (timeout.compareTo(drain) <= 0) {
      throw new InvalidConfigException(SHUTDOWN_TIMEOUT.name(), "is "
          + GoDuration.format(timeout) + " but must be longer than " + SHUTDOWN_DRAIN.name()
          + " (" + GoDuration.format(drain) + ")");
    }
  }

  public static ShutdownConfig from(SettingValues values) {
    return new ShutdownConfig(values.get(SHUTDOWN_DRAIN), values.get(SHUTDOWN_TIMEOUT));
  }
}
