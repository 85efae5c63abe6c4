package io.meshtrace.collector.config;

import io.meshtrace.time.GoDuration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Service level objectives: the file they are read from besides the admin API, and how often it
 * is re-read. Served (with {@code /api/slo} and the admin API) by the commands that run the query
 * port.
 *
 * @param file the objectives file, or null for the admin API's objectives alone; its content is
 *     checked when the server starts, which refuses to start on a missing or invalid file
 * @param reloadInterval how often the file is re-read besides the file watch; zero for never
 */
public record SloConfig(Path file, Duration reloadInterval) {

  public static final Setting<Path> SLO = Setting.path("slo", "FILE", null, "Service level "
      + "objectives (YAML: objectives, each with name, service, optional operation, spanKind "
      + "and tenant, indicator availability or latency with a threshold, target %, window), "
      + "served with their attainment and error budget on GET /api/slo; followed as it changes, "
      + "a change that breaks it keeps the last good objectives. Objectives set through the "
      + "admin API (PUT /api/slo/objectives/NAME) are served too, and win on a name both have. "
      + "Default: none, the admin API's alone.");
  public static final Setting<Duration> RELOAD_INTERVAL = Setting.duration(
      "slo-reload-interval", "10s", "How often the --slo file is re-read besides when the file "
          + "watch reports a change (0s: only then).");

  public static final List<Setting<?>> SETTINGS = List.of(SLO, RELOAD_INTERVAL);

  public SloConfig {
    if (reloadInterval.isNegative()) {
      throw new InvalidConfigException(RELOAD_INTERVAL.name(), "is "
          + GoDuration.format(reloadInterval)
          + " but must not be negative (0s: re-read only when the file watch reports a change)");
    }
  }

  public static SloConfig from(SettingValues values) {
    return new SloConfig(values.get(SLO), values.get(RELOAD_INTERVAL));
  }
}
