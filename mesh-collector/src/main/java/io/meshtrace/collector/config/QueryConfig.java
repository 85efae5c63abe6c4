package io.meshtrace.collector.config;

import io.meshtrace.time.GoDuration;
import java.time.Duration;
import java.util.List;

/**
 * How the query APIs and the UI present traces.
 *
 * @param maxClockSkewAdjustment the largest clock-skew shift the query APIs apply; zero (the
 *     default, as in Jaeger) disables shifting, leaving a warning on skewed spans
 */
public record QueryConfig(Duration maxClockSkewAdjustment) {

  public static final Setting<Duration> MAX_CLOCK_SKEW_ADJUSTMENT = Setting.duration(
      "max-clock-skew-adjustment", "0s", "Largest shift the query APIs apply to a span whose "
          + "host's clock disagrees with its parent's (500ms, 2s, or seconds); 0s, as in "
          + "Jaeger, only warns.");

  public static final List<Setting<?>> SETTINGS = List.of(MAX_CLOCK_SKEW_ADJUSTMENT);

  public QueryConfig {
    if (maxClockSkewAdjustment.isNegative()) {
      throw new InvalidConfigException(MAX_CLOCK_SKEW_ADJUSTMENT.name(), "is "
          + GoDuration.format(maxClockSkewAdjustment)
          + " but must not be negative (0s disables adjustment)");
    }
  }

  public static QueryConfig from(SettingValues values) {
    return new QueryConfig(values.get(MAX_CLOCK_SKEW_ADJUSTMENT));
  }
}
