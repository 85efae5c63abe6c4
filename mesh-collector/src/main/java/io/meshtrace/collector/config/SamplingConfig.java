package io.meshtrace.collector.config;

import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.time.GoDuration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where the sampling strategies served come from.
 *
 * @param strategiesFile Jaeger strategies file, or null for Jaeger's built-in default (every
 *     service probabilistic at {@code defaultProbability}); its content is checked when the
 *     server starts, which refuses to start on a missing or invalid file
 * @param reloadInterval how often the strategies file is re-read besides the file watch; zero
 *     for never
 * @param defaultProbability Jaeger's {@code default_sampling_probability}: the probability of
 *     services without a strategy when no file is given, and of strategy entries without a type
 * @param adminToken the bearer token the sampling admin API's writes need; null refuses every
 *     write. Not in {@link #toString()}.
 * @param adaptive whether adaptive sampling serves the services the strategies leave to it
 * @param adaptiveTargetSamplesPerSecond traces a second adaptive sampling aims at per operation
 */
public record SamplingConfig(Path strategiesFile, Duration reloadInterval,
    double defaultProbability, String adminToken, boolean adaptive,
    double adaptiveTargetSamplesPerSecond) {

  public static final Setting<Path> SAMPLING_STRATEGIES = Setting.path("sampling-strategies",
      "FILE", null, "Sampling strategies file in Jaeger's format (default_strategy, "
          + "service_strategies, operation_strategies), followed as it changes; a change that "
          + "breaks it keeps the last good strategies. Default: none, every service "
          + "probabilistic at --sampling-default-probability.");
  public static final Setting<Duration> RELOAD_INTERVAL = Setting.duration(
      "sampling-strategies-reload-interval", "10s", "How often the strategies file (and the "
          + "gateway routes and credentials files) is re-read besides when the file watch "
          + "reports a change (0s: only then).");
  public static final Setting<Double> DEFAULT_PROBABILITY = Setting.number(
      "sampling-default-probability", "P", SamplingStrategies.JAEGER_DEFAULT_PROBABILITY,
      "Jaeger's default sampling probability: for every service when no strategies file is "
          + "given, and for strategies without a type.");
  public static final Setting<Boolean> ADAPTIVE_SAMPLING = Setting.bool("adaptive-sampling",
      false, "Adaptive sampling (Jaeger's algorithm): probabilities per operation that bring "
          + "each to --adaptive-target-samples-per-second, for services the strategies leave to "
          + "it (no entry, or an entry without a type).");
  public static final Setting<Double> ADAPTIVE_TARGET = Setting.number(
      "adaptive-target-samples-per-second", "N", 1, "Traces a second adaptive sampling aims at "
          + "for each operation.");
  public static final Setting<String> ADMIN_TOKEN = Setting.text("admin-token", "TOKEN", null,
      "Bearer token that the admin APIs' writes (sampling strategies, service level "
          + "objectives) require (Authorization: Bearer TOKEN); better given as "
          + "MESHTRACE_ADMIN_TOKEN than on the command line. Default: none, and then the APIs "
          + "refuse every change (with --auth-file or --oidc-issuer: role admin instead).");

  public static final List<Setting<?>> SETTINGS = List.of(SAMPLING_STRATEGIES, RELOAD_INTERVAL,
      DEFAULT_PROBABILITY, ADAPTIVE_SAMPLING, ADAPTIVE_TARGET, ADMIN_TOKEN);

  public SamplingConfig {
    if (reloadInterval.isNegative()) {
      throw new InvalidConfigException(RELOAD_INTERVAL.name(), "is "
          + GoDuration.format(reloadInterval)
          + " but must not be negative (0s: re-read only when the file watch reports a change)");
    }
    if (!(defaultProbability >= 0 && defaultProbability <= 1)) {
      throw new InvalidConfigException(DEFAULT_PROBABILITY.name(), "is " + defaultProbability
          + " but a probability is in [0,1]");
    }
    if (!(adaptiveTargetSamplesPerSecond > 0) || Double.isInfinite(adaptiveTargetSamplesPerSecond)) {
      throw new InvalidConfigException(ADAPTIVE_TARGET.name(), "is "
          + adaptiveTargetSamplesPerSecond + " but must be a number above 0");
    }
  }

  public static SamplingConfig from(SettingValues values) {
    return new SamplingConfig(values.get(SAMPLING_STRATEGIES), values.get(RELOAD_INTERVAL),
        values.get(DEFAULT_PROBABILITY), values.get(ADMIN_TOKEN), values.get(ADAPTIVE_SAMPLING),
        values.get(ADAPTIVE_TARGET));
  }

  /** The admin token only as whether there is one. */
  @Override
  public String toString() {
    return "SamplingConfig[strategiesFile=" + strategiesFile + ", reloadInterval="
        + reloadInterval + ", defaultProbability=" + defaultProbability + ", adminToken="
        + (adminToken == null ? null : "(set)") + ", adaptive=" + adaptive
        + ", adaptiveTargetSamplesPerSecond=" + adaptiveTargetSamplesPerSecond + "]";
  }
}
