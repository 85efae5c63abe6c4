package io.meshtrace.collector.metrics;

import io.meshtrace.collector.auth.AuthObserver;
import io.meshtrace.collector.auth.Refusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code meshtrace_auth_failures_total{listener,reason}}: refused requests, by listener and
 * {@link Refusal.Reason} ({@code missing_credentials}, {@code invalid_credentials},
 * {@code missing_role}, {@code rate_limited}), every pair at zero from the moment the listener's
 * guard exists; {@code meshtrace_auth_file_reloads_total{outcome}} ({@code loaded},
 * {@code failed}: an edit that broke the credentials file, whose last good content is kept).
 */
public final class AuthMetrics implements AuthObserver {
  private final MeterRegistry registry;
  private final Map<String, Map<Refusal.Reason, Counter>> byListener = new ConcurrentHashMap<>();
  private final Counter loaded;
  private final Counter failed;

  public AuthMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.loaded = reloads("loaded");
    this.failed = reloads("failed");
  }

  private Counter reloads(String outcome) {
    return Counter.builder("meshtrace.auth.file.reloads")
        .description("Loads of the credentials file (--auth-file), by outcome")
        .tag("outcome", outcome).register(registry);
  }

  @Override
  public void listenerGuarded(String listener) {
    counters(listener);
  }

  @Override
  public void refused(String listener, Refusal.Reason reason) {
    counters(listener).get(reason).increment();
  }

  @Override
  public void credentialsFileLoaded() {
    loaded.increment();
  }

  @Override
  public void credentialsFileFailed() {
    failed.increment();
  }

  private Map<Refusal.Reason, Counter> counters(String listener) {
    return byListener.computeIfAbsent(listener, name -> {
      Map<Refusal.Reason, Counter> counters = new EnumMap<>(Refusal.Reason.class);
      for (Refusal.Reason reason : Refusal.Reason.values()) {
        counters.put(reason, Counter.builder("meshtrace.auth.failures")
            .description("Requests refused by authentication, by listener and reason")
            .tag("listener", name).tag("reason", reason.label()).register(registry));
      }
      return counters;
    });
  }
}
