package io.meshtrace.collector.metrics;

import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestObserver;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.SpanRejection;
import io.meshtrace.storage.postgres.SpanBatchListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The ingest meters. Prometheus names (Micrometer adds {@code _total} to counters and
 * {@code _seconds} to timers):
 *
 * <ul>
 *   <li>{@code meshtrace_spans_received_total{transport,format}}: spans in requests that were
 *       decoded
 *   <li>{@code meshtrace_spans_accepted_total{transport,format}}: spans committed
 *   <li>{@code meshtrace_spans_rejected_total{transport,format,reason}}: spans not stored, by
 *       {@link SpanRejection} ({@code invalid_id}, {@code too_old}, {@code overloaded},
 *       {@code unavailable}, ...)
 *   <li>{@code meshtrace_requests_refused_total{transport,format,reason}}: requests refused
 *       before their spans were counted (malformed, too large, unsupported media type)
 *   <li>{@code meshtrace_attributes_dropped_total}, {@code
 *       meshtrace_attribute_values_truncated_total}: the attribute limits at work
 *   <li>{@code meshtrace_strings_cleaned_total}: strings stored with U+FFFD in place of NUL
 *       characters or malformed UTF-8, which PostgreSQL's text cannot hold
 *   <li>{@code meshtrace_links_dropped_total}: span links whose IDs have the wrong length
 *   <li>{@code meshtrace_spans_in_flight}: spans accepted and not yet committed
 *   <li>{@code meshtrace_storage_batch_spans}: spans per insert (group commit)
 *   <li>{@code meshtrace_storage_commit_seconds{outcome}}: insert latency
 * </ul>
 *
 * <p>Every series of a source the receivers declare exists from start-up, at zero, with every
 * reason: {@code rate()} and alert rules then work before the first span or refusal.
 */
public final class IngestMetrics implements IngestObserver, SpanBatchListener {
  /** The buckets of every write-latency timer: a commit to PostgreSQL, a Kafka transaction. */
  static final Duration[] WRITE_LATENCY_OBJECTIVES = {Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(1000)};
  private final MeterRegistry registry;
  private final Counter attributesDropped;
  private final Counter valuesTruncated;
  private final Counter stringsCleaned;
  private final Counter linksDropped;
  private final DistributionSummary batchSpans;
  private final Timer commitOk;
  private final Timer commitFailed;
  private final Map<IngestSource, SourceMeters> bySource = new ConcurrentHashMap<>();

  /** The counters of one source, looked up once rather than in the registry per request. */
  private final class SourceMeters {
    final Counter received;
    final Counter accepted;
    final Map<SpanRejection, Counter> rejected = new EnumMap<>(SpanRejection.class);
    final Map<IngestException.Reason, Counter> refused =
        new EnumMap<>(IngestException.Reason.class);

    SourceMeters(IngestSource source) {
      received = counter("meshtrace.spans.received", "Spans in decoded requests", source, null);
      accepted = counter("meshtrace.spans.accepted", "Spans committed to storage", source, null);
      for (SpanRejection reason : SpanRejection.values()) {
        rejected.put(reason, counter("meshtrace.spans.rejected", "Spans not stored, by reason",
            source, reason.label()));
      }
      for (IngestException.Reason reason : IngestException.Reason.values()) {
        refused.put(reason, counter("meshtrace.requests.refused",
            "Requests refused before their spans were counted", source,
            reason.name().toLowerCase(Locale.ROOT)));
      }
    }
  }

  public IngestMetrics(MeterRegistry registry, Supplier<Number> spansInFlight) {
    this.registry = registry;
    this.attributesDropped = Counter.builder("meshtrace.attributes.dropped")
        .description("Attributes dropped because a span, event, link or resource had too many")
        .register(registry);
    this.valuesTruncated = Counter.builder("meshtrace.attribute.values.truncated")
        .description("Attribute values cut to the maximum length").register(registry);
    this.stringsCleaned = Counter.builder("meshtrace.strings.cleaned")
        .description("Strings stored with U+FFFD in place of NUL characters or malformed UTF-8")
        .register(registry);
    this.linksDropped = Counter.builder("meshtrace.links.dropped")
        .description("Span links dropped because their trace or span ID has the wrong length")
        .register(registry);
    this.batchSpans = DistributionSummary.builder("meshtrace.storage.batch.spans")
        .description("Spans per insert statement").baseUnit("spans")
        .serviceLevelObjectives(1, 10, 100, 500, 1000, 2000, 5000, 10000)
        .register(registry);
    this.commitOk = commitTimer("ok");
    this.commitFailed = commitTimer("failed");
    Gauge.builder("meshtrace.spans.in.flight", spansInFlight)
        .description("Spans accepted and not yet committed").register(registry);
  }

  /** Creates every series of these sources at zero. */
  public void registerSources(Collection<IngestSource> sources) {
    sources.forEach(this::meters);
  }

  private SourceMeters meters(IngestSource source) {
    return bySource.computeIfAbsent(source, SourceMeters::new);
  }

  private Timer commitTimer(String outcome) {
    return Timer.builder("meshtrace.storage.commit")
        .description("Time to insert and commit one batch of spans")
        .tag("outcome", outcome)
        .serviceLevelObjectives(WRITE_LATENCY_OBJECTIVES)
        .register(registry);
  }

  @Override
  public void received(IngestSource source, long spans) {
    meters(source).received.increment(spans);
  }

  @Override
  public void accepted(IngestSource source, long spans) {
    meters(source).accepted.increment(spans);
  }

  @Override
  public void rejected(IngestSource source, SpanRejection reason, long spans) {
    if (spans > 0) {
      meters(source).rejected.get(reason).increment(spans);
    }
  }

  @Override
  public void requestRefused(IngestSource source, IngestException.Reason reason) {
    meters(source).refused.get(reason).increment();
  }

  @Override
  public void attributesDropped(long count) {
    attributesDropped.increment(count);
  }

  @Override
  public void valuesTruncated(long count) {
    valuesTruncated.increment(count);
  }

  @Override
  public void stringsCleaned(long count) {
    stringsCleaned.increment(count);
  }

  @Override
  public void linksDropped(long count) {
    linksDropped.increment(count);
  }

  @Override
  public void batchCommitted(int spans, long nanos) {
    batchSpans.record(spans);
    commitOk.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void batchFailed(int spans, long nanos, Throwable failure) {
    commitFailed.record(nanos, TimeUnit.NANOSECONDS);
  }

  private Counter counter(String name, String description, IngestSource source, String reason) {
    Counter.Builder builder = Counter.builder(name).description(description)
        .tag("transport", source.transport()).tag("format", source.format());
    if (reason != null) {
      builder.tag("reason", reason);
    }
    return builder.register(registry);
  }
}
