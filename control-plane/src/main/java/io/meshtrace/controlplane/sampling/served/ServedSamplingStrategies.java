package io.meshtrace.controlplane.sampling.served;

import io.meshtrace.controlplane.sampling.ObservedTraffic;
import io.meshtrace.controlplane.sampling.SamplingStrategies;
import io.meshtrace.controlplane.sampling.SamplingStrategiesOverlay;
import io.meshtrace.controlplane.sampling.SamplingStrategySource;
import io.meshtrace.controlplane.sampling.admin.AdminVersionPoller;
import io.meshtrace.controlplane.sampling.admin.SamplingStrategyVersion;
import java.util.function.Supplier;

/**
 * What the mesh's clients are served, composed from every input: the base strategies (the
 * strategies file, or Jaeger's built-in default), the admin API's document over them ({@link
 * SamplingStrategiesOverlay}), the observed traffic that rate limits become probabilities of,
 * and adaptive sampling's probabilities, resolved by Jaeger's rules and beyond them ({@link
 * SamplingStrategies#resolve(io.meshtrace.controlplane.sampling.SamplingStrategiesDocument,
 * double, ObservedTraffic, SamplingStrategies.Adaptive)}).
 *
 * <p>One resolution serves both kinds of client. SDKs, which rate-limit, are served {@link
 * SamplingStrategies#forService}; a proxy that cannot rate-limit (the edge-gateway Envoy) is
 * served {@link SamplingStrategies#forServiceWithoutRateLimiting}, the same strategy with a
 * whole-service rate limit as a probability of the service's traffic. So a rate limit becomes a
 * probability in one place, for both.
 *
 * <p>Each input publishes immutable values, so whether anything changed is a question of
 * identity: {@link #current()} resolves again only when one of its inputs is another object, and
 * the remote sampling endpoints and the xDS server can call it as often as they like.
 */
public final class ServedSamplingStrategies implements SamplingStrategySource {
  private final SamplingStrategySource base;
  private final AdminVersionPoller adminApi;
  private final Supplier<ObservedTraffic> traffic;
  private final Supplier<SamplingStrategies.Adaptive> adaptive;
  private volatile Combined combined;

  /** The last combination served, and what it was made of. */
  private record Combined(SamplingStrategies base, SamplingStrategyVersion api,
      ObservedTraffic traffic, SamplingStrategies.Adaptive adaptive,
      SamplingStrategies served) {
    boolean madeOf(SamplingStrategies base, SamplingStrategyVersion api, ObservedTraffic traffic,
        SamplingStrategies.Adaptive adaptive) {
      return this.base == base && this.api == api && this.traffic == traffic
          && this.adaptive == adaptive;
    }
  }

  /**
   * @param adminApi null when there is no admin API
   * @param traffic returns null while no traffic is known: rate limits are then served as
   *     Jaeger serves them
   * @param adaptive returns null when adaptive sampling is off or nothing was calculated yet
   */
  public ServedSamplingStrategies(SamplingStrategySource base, AdminVersionPoller adminApi,
      Supplier<ObservedTraffic> traffic, Supplier<SamplingStrategies.Adaptive> adaptive) {
    this.base = base;
    this.adminApi = adminApi;
    this.traffic = traffic;
    this.adaptive = adaptive;
  }

  @Override
  public SamplingStrategies current() {
    SamplingStrategies baseStrategies = base.current();
    SamplingStrategyVersion apiVersion = adminApi == null ? null : adminApi.current();
    ObservedTraffic observed = traffic.get();
    SamplingStrategies.Adaptive calculated = adaptive.get();
    Combined last = combined;
    if (last != null && last.madeOf(baseStrategies, apiVersion, observed, calculated)) {
      return last.served();
    }
    SamplingStrategies served = apiVersion == null && observed == null && calculated == null
        ? baseStrategies
        : SamplingStrategies.resolve(apiVersion == null ? baseStrategies.document()
            : SamplingStrategiesOverlay.combine(baseStrategies.document(), apiVersion.document()),
            baseStrategies.defaultProbability(), observed, calculated);
    combined = new Combined(baseStrategies, apiVersion, observed, calculated, served);
    return served;
  }

  @Override
  public Status status() {
    Status baseStatus = base.status();
    String failure = adminApi == null ? null : adminApi.failure();
    if (failure == null) {
      return baseStatus;
    }
    SamplingStrategyVersion version = adminApi.current();
    return new Status(true, "admin API changes cannot be read (" + failure
        + "); serving version " + (version == null ? "none" : version.version()) + "; "
        + baseStatus.detail());
  }
}
