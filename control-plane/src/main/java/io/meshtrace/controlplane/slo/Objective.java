package io.meshtrace.controlplane.slo;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.Objects;

/**
 * One service level objective: a share of a service's calls (or one operation's) of one span
 * kind that must be good over a rolling window. Built only by {@link ObjectivesFile}, which
 * checks every field, so that an instance is always one that can be computed and rendered.
 *
 * @param name unique among the objectives served; a Prometheus label value and a URL segment
 * @param description free text, or null
 * @param operation null for every operation of the service
 * @param spanKind OTLP's span kind number (2 = server, the default)
 * @param tenant the tenant whose traffic it is about; null for each tenant's own traffic (and
 *     the only traffic there is without tenancy)
 * @param thresholdMs for {@link Indicator#LATENCY}: the longest good call, in milliseconds, one
 *     of the exported histogram's bucket bounds; null for availability
 * @param targetPercent the good share aimed at, in percent, above 0 and below 100
 * @param window the rolling window the target holds over, a whole number of hours
 */
public record Objective(String name, String description, String service, String operation,
    int spanKind, String tenant, Indicator indicator, BigDecimal thresholdMs,
    BigDecimal targetPercent, Duration window) {
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  public Objective {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(indicator, "indicator");
    Objects.requireNonNull(targetPercent, "targetPercent");
    Objects.requireNonNull(window, "window");
    if ((indicator == Indicator.LATENCY) != (thresholdMs != null)) {
      throw new IllegalArgumentException("a threshold is for latency objectives only");
    }
  }

  /** The good share aimed at, as a ratio: 99.9 % is 0.999. */
  public BigDecimal target() {
    return targetPercent.divide(HUNDRED, MathContext.DECIMAL64).stripTrailingZeros();
  }

  /** The bad share allowed: the error budget as a ratio, 1 − target (0.001 for 99.9 %). */
  public BigDecimal errorBudget() {
    return BigDecimal.ONE.subtract(target()).stripTrailingZeros();
  }

  /** The threshold in microseconds, as durations are stored; NaN for availability. */
  public double thresholdMicros() {
    return thresholdMs == null ? Double.NaN : thresholdMs.doubleValue() * 1000;
  }
}
