package io.meshtrace.controlplane.slo.alerts;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;

/**
 * One of the SRE workbook's multi-window, multi-burn-rate alerts ("Alerting on SLOs", table
 * 5-8): it fires when the bad share over both its long and its short window is above {@link
 * #factor} times the error budget. The short window (1/12 of the long) makes the alert stop
 * soon after the burning does.
 *
 * <p>The workbook's factors are for a 30-day window: 14.4 spends 2 % of the budget in an hour,
 * 6 spends 5 % in 6 hours, 3 and 1 spend 10 % in a day and in 3 days. For another window the
 * factor is scaled so that the alert fires after the same share of <em>that</em> window's
 * budget is spent: factor = share × window / long window (a 28-day window pages at 13.44×
 * over 1h), as Sloth does.
 *
 * @param page whether it pages someone (else it makes a ticket)
 * @param budgetShare the share of the window's error budget spent over the long window when
 *     the alert fires
 */
public record BurnRateAlert(boolean page, Duration longWindow, Duration shortWindow,
    BigDecimal budgetShare) {
  /** The workbook's four, most urgent first. */
  public static final List<BurnRateAlert> WORKBOOK = List.of(
      new BurnRateAlert(true, Duration.ofHours(1), Duration.ofMinutes(5), new BigDecimal("0.02")),
      new BurnRateAlert(true, Duration.ofHours(6), Duration.ofMinutes(30), new BigDecimal("0.05")),
      new BurnRateAlert(false, Duration.ofDays(1), Duration.ofHours(2), new BigDecimal("0.1")),
      new BurnRateAlert(false, Duration.ofDays(3), Duration.ofHours(6), new BigDecimal("0.1")));

  /** Every window an alert looks at, shortest first: what the rules record. */
  public static final List<Duration> WINDOWS = WORKBOOK.stream()
      .flatMap(alert -> java.util.stream.Stream.of(alert.shortWindow(), alert.longWindow()))
      .distinct().sorted().toList();

  /**
   * The burn rate at which it fires for an objective over {@code window}: the workbook's for
   * 30 days, scaled for others, to 4 decimal places.
   */
  public BigDecimal factor(Duration window) {
    BigDecimal scaled = budgetShare.multiply(BigDecimal.valueOf(window.toMinutes()))
        .divide(BigDecimal.valueOf(longWindow.toMinutes()), 4, RoundingMode.HALF_EVEN)
        .stripTrailingZeros();
    return scaled.scale() < 0 ? scaled.setScale(0) : scaled;
  }

  /** {@code critical} for a page, {@code warning} for a ticket: what Alertmanager routes on. */
  public String severity() {
    return page ? "critical" : "warning";
  }
}
