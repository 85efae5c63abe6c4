package io.meshtrace.collector.config;

import io.meshtrace.time.GoDuration;
import java.time.Duration;
import java.util.List;

/**
 * How the query APIs and the UI present traces.
 *
 * @param maxClockSkewAdjustment the largest clock-skew shift the query APIs apply; zero (the
 *     default, as in Jaeger) disables shifting, leaving a warning on skewed spans
 * @param autocompleteKeys the tag keys Zipkin's autocomplete API offers, with their values
 *     (Zipkin's {@code AUTOCOMPLETE_KEYS}); none by default, as in Zipkin
 * @param hourlyDependencyLinks whether closed hours' dependency links are linked once and
 *     stored (on by default); off, every window is linked on read, as Zipkin's in-memory storage
 *     does, and windows of more than 200,000 traces read the links counted at ingest
 */
public record QueryConfig(Duration maxClockSkewAdjustment, List<String> autocompleteKeys,
    boolean hourlyDependencyLinks) {

  public static final Setting<Duration> MAX_CLOCK_SKEW_ADJUSTMENT = Setting.duration(
      "max-clock-skew-adjustment", "0s", "Largest shift the query APIs apply to a span whose "
          + "host's clock disagrees with its parent's (500ms, 2s, or seconds); 0s, as in "
          + "Jaeger, only warns.");

  public static final Setting<List<String>> AUTOCOMPLETE_KEYS = Setting.list(
      "autocomplete-keys", "KEYS", "", "Tag keys, comma-separated, that Zipkin's "
          + "/api/v2/autocompleteKeys offers and whose stored values /api/v2/autocompleteValues "
          + "lists (Zipkin's AUTOCOMPLETE_KEYS); none by default, as in Zipkin.");

  public static final Setting<Boolean> HOURLY_DEPENDENCY_LINKS = Setting.bool(
      "hourly-dependency-links", true, "Link each closed hour's traces into dependency links "
          + "once, 15 minutes after it closed, and read long windows from those hours (one "
          + "replica links); false links every window on read, which for windows of more than "
          + "200,000 traces means the approximate links counted at ingest.");

  public static final List<Setting<?>> SETTINGS = List.of(MAX_CLOCK_SKEW_ADJUSTMENT,
      AUTOCOMPLETE_KEYS, HOURLY_DEPENDENCY_LINKS);

  public QueryConfig {
    if (maxClockSkewAdjustment.isNegative()) {
      throw new InvalidConfigException(MAX_CLOCK_SKEW_ADJUSTMENT.name(), "is "
          + GoDuration.format(maxClockSkewAdjustment)
          + " but must not be negative (0s disables adjustment)");
    }
    autocompleteKeys = List.copyOf(autocompleteKeys == null ? List.of() : autocompleteKeys);
    for (String key : autocompleteKeys) {
      if (key.length() > 256) {
        throw new InvalidConfigException(AUTOCOMPLETE_KEYS.name(), "'" + key.substring(0, 40)
            + "...' is not a tag key (1 to 256 characters)");
      }
    }
    if (autocompleteKeys.stream().distinct().count() != autocompleteKeys.size()) {
      throw new InvalidConfigException(AUTOCOMPLETE_KEYS.name(), "names a key twice: "
          + String.join(",", autocompleteKeys));
    }
  }

  public static QueryConfig from(SettingValues values) {
    return new QueryConfig(values.get(MAX_CLOCK_SKEW_ADJUSTMENT), values.get(AUTOCOMPLETE_KEYS),
        values.get(HOURLY_DEPENDENCY_LINKS));
  }
}
