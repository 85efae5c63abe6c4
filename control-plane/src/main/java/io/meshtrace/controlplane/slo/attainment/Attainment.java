package io.meshtrace.controlplane.slo.attainment;

import io.meshtrace.controlplane.slo.ServedObjective;
import io.meshtrace.controlplane.slo.alerts.BurnRateAlert;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * How an objective is doing: its calls over its window and over the short burn-rate windows.
 * The ratios follow the SRE workbook: the error budget is the bad share the target allows (1 −
 * target), the budget left is 1 − (bad share / error budget) and goes below 0 once the budget is
 * spent, and a burn rate is the bad share of a window over the error budget (1 spends the budget
 * exactly over the window; 14.4 spends 2 % of a 30-day budget in an hour).
 *
 * @param from where the window's data starts: its start, rounded down to the hour (the window
 *     is read from hourly rollups)
 * @param coveredByRetention false when retention dropped the start of the window, so the
 *     counts cover only what is kept
 * @param burnWindows the calls over each window of {@link BurnRateAlert#WINDOWS}, up to now
 */
public record Attainment(ServedObjective served, Instant from, Instant to,
    boolean coveredByRetention, boolean sampled, CallCounts window,
    Map<Duration, CallCounts> burnWindows) {

  /** One of the workbook's alerts for this objective: its factor, and whether it fires now. */
  public record AlertState(BurnRateAlert alert, double factor, boolean firing) {}

  public double errorBudget() {
    return served.objective().errorBudget().doubleValue();
  }

  /** The good share over the window; null without calls. */
  public Double attainment() {
    return window.total() > 0 ? 1 - window.badRatio() : null;
  }

  /** The share of the error budget left; below 0 when overspent, null without calls. */
  public Double errorBudgetRemaining() {
    return window.total() > 0 ? 1 - window.badRatio() / errorBudget() : null;
  }

  /** The burn rate over some calls; null without calls. */
  public Double burnRate(CallCounts calls) {
    return calls.total() > 0 ? calls.badRatio() / errorBudget() : null;
  }

  /** The burn rate over one of {@link BurnRateAlert#WINDOWS}; null without calls. */
  public Double burnRate(Duration window) {
    CallCounts calls = burnWindows.get(window);
    return calls == null ? null : burnRate(calls);
  }

  /**
   * The workbook's alerts as the rendered PrometheusRule has them for this objective, each
   * firing when the burn rates over both its windows are above its factor.
   */
  public List<AlertState> alerts() {
    Duration objectiveWindow = served.objective().window();
    return BurnRateAlert.WORKBOOK.stream().map(alert -> {
      double factor = alert.factor(objectiveWindow).doubleValue();
      Double longBurn = burnRate(alert.longWindow());
      Double shortBurn = burnRate(alert.shortWindow());
      return new AlertState(alert, factor, longBurn != null && shortBurn != null
          && longBurn > factor && shortBurn > factor);
    }).toList();
  }

  /** {@code no_data}, {@code exhausted} (no budget left) or {@code ok}. */
  public String status() {
    Double left = errorBudgetRemaining();
    return left == null ? "no_data" : left <= 0 ? "exhausted" : "ok";
  }
}
