package io.meshtrace.query.zipkin.conformance;

import io.meshtrace.model.TraceId;
import io.meshtrace.query.dependencies.HourlyDependencyLinker;
import io.meshtrace.query.zipkin.ZipkinAutocomplete;
import io.meshtrace.query.zipkin.ZipkinDependencies;
import io.meshtrace.query.zipkin.ZipkinNames;
import io.meshtrace.query.zipkin.ZipkinQueryParameters;
import io.meshtrace.query.zipkin.ZipkinTraceReader;
import io.meshtrace.query.zipkin.ZipkinTraceSearch;
import io.meshtrace.storage.DependencyLinkHours;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.tenant.Tenant;
import io.meshtrace.zipkin.codec.ZipkinToOtlp;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import zipkin2.Call;
import zipkin2.CheckResult;
import zipkin2.DependencyLink;
import zipkin2.Span;
import zipkin2.storage.AutocompleteTags;
import zipkin2.storage.QueryRequest;
import zipkin2.storage.ServiceAndSpanNames;
import zipkin2.storage.SpanConsumer;
import zipkin2.storage.SpanStore;
import zipkin2.storage.StorageComponent;
import zipkin2.storage.Traces;

/**
 * meshtrace's storage as a Zipkin {@link StorageComponent}, so that Zipkin's own storage tests
 * run against it. Writes go the way of the Zipkin intake (Zipkin to OTLP, then the PostgreSQL
 * writer's commit); reads go through the same classes the HTTP API uses, so the suite tests the
 * real query path. Each instance has its own empty database.
 */
final class MeshtraceZipkinStorage extends StorageComponent {
  static final class Builder extends StorageComponent.Builder {
    List<String> autocompleteKeys = List.of();

    @Override
    public Builder strictTraceId(boolean strictTraceId) {
      if (!strictTraceId) {
        throw new UnsupportedOperationException("meshtrace's trace IDs are always strict");
      }
      return this;
    }

    @Override
    public Builder searchEnabled(boolean searchEnabled) {
      if (!searchEnabled) {
        throw new UnsupportedOperationException("meshtrace's search is always enabled");
      }
      return this;
    }

    @Override
    public Builder autocompleteKeys(List<String> keys) {
      this.autocompleteKeys = List.copyOf(keys);
      return this;
    }

    @Override
    public MeshtraceZipkinStorage build() {
      return new MeshtraceZipkinStorage(autocompleteKeys);
    }
  }

  static Builder newBuilder() {
    return new Builder();
  }

  private final Vertx vertx;
  private final PostgresStorage storage;
  private final ZipkinTraceReader reader;
  private final ZipkinTraceSearch search;
  private final ZipkinNames names;
  private final ZipkinDependencies dependencies;
  private final ZipkinAutocomplete autocomplete;

  private MeshtraceZipkinStorage(List<String> autocompleteKeys) {
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase())).await();
    reader = new ZipkinTraceReader(storage.spanStore());
    search = new ZipkinTraceSearch(storage.spanStore());
    names = new ZipkinNames(storage.spanStore());
    dependencies = new ZipkinDependencies(storage.spanStore());
    autocomplete = new ZipkinAutocomplete(storage.spanStore(), autocompleteKeys);
  }

  /**
   * Links every closed hour that the spans start in and that is due, as {@link
   * HourlyDependencyLinker} does, so that reads take those hours' stored links.
   */
  void linkDueHoursOf(List<Span> spans) {
    HourlyDependencyLinker linker = new HourlyDependencyLinker(vertx,
        storage.dependencyLinkHours(), storage.spanStores(),
        storage.dependencyLinkingLeadership(), storage::keptSince, Clock.systemUTC());
    java.util.Set<Instant> hours = new java.util.TreeSet<>();
    for (Span span : spans) {
      long micros = span.timestampAsLong();
      if (micros == 0 && !span.annotations().isEmpty()) {
        micros = span.annotations().get(0).timestamp();
      }
      if (micros != 0) {
        hours.add(Instant.EPOCH.plus(micros, ChronoUnit.MICROS).truncatedTo(ChronoUnit.HOURS));
      }
    }
    Instant due = Instant.now().minus(DependencyLinkHours.LINK_DELAY).minus(Duration.ofHours(1));
    for (Instant hour : hours) {
      if (!hour.isAfter(due)) {
        linker.linkHour(Tenant.DEFAULT, hour).await();
        linkedHours++;
      }
    }
  }

  /** How many hours {@link #linkDueHoursOf} linked. */
  int linkedHours;

  @Override
  public SpanConsumer spanConsumer() {
    // As the Zipkin intake: a span without timestamp starts when it was received.
    return spans -> new FutureCall<>(() -> storage.spanSink()
        .accept(ZipkinToOtlp.translate(spans, System.currentTimeMillis() * 1000)));
  }

  @Override
  public SpanStore spanStore() {
    return new SpanStore() {
      @Override
      public Call<List<List<Span>>> getTraces(QueryRequest request) {
        return new FutureCall<>(() -> search.search(request));
      }

      @Override
      public Call<List<Span>> getTrace(String traceId) {
        return traces().getTrace(traceId);
      }

      @Override
      public Call<List<String>> getServiceNames() {
        return serviceAndSpanNames().getServiceNames();
      }

      @Override
      public Call<List<String>> getSpanNames(String serviceName) {
        return serviceAndSpanNames().getSpanNames(serviceName);
      }

      @Override
      public Call<List<DependencyLink>> getDependencies(long endTs, long lookback) {
        // Zipkin checks these when the call is made, not when it runs.
        if (endTs <= 0) {
          throw new IllegalArgumentException("endTs <= 0");
        }
        if (lookback <= 0) {
          throw new IllegalArgumentException("lookback <= 0");
        }
        // Nothing to flush first: links are computed from the stored spans when read.
        return new FutureCall<>(() -> dependencies.links(endTs, lookback));
      }
    };
  }

  @Override
  public Traces traces() {
    return new Traces() {
      @Override
      public Call<List<Span>> getTrace(String traceId) {
        TraceId id = ZipkinQueryParameters.traceId(traceId);
        return new FutureCall<>(() -> reader.trace(id));
      }

      @Override
      public Call<List<List<Span>>> getTraces(Iterable<String> traceIds) {
        List<TraceId> ids = new ArrayList<>();
        traceIds.forEach(id -> ids.add(ZipkinQueryParameters.traceId(id)));
        return new FutureCall<>(() -> reader.traces(ids));
      }
    };
  }

  @Override
  public ServiceAndSpanNames serviceAndSpanNames() {
    return new ServiceAndSpanNames() {
      @Override
      public Call<List<String>> getServiceNames() {
        return new FutureCall<>(names::serviceNames);
      }

      @Override
      public Call<List<String>> getRemoteServiceNames(String serviceName) {
        return new FutureCall<>(() -> names.remoteServiceNames(serviceName));
      }

      @Override
      public Call<List<String>> getSpanNames(String serviceName) {
        return new FutureCall<>(() -> names.spanNames(serviceName));
      }
    };
  }

  @Override
  public AutocompleteTags autocompleteTags() {
    return new AutocompleteTags() {
      @Override
      public Call<List<String>> getKeys() {
        return new FutureCall<>(autocomplete::keys);
      }

      @Override
      public Call<List<String>> getValues(String key) {
        return new FutureCall<>(() -> autocomplete.values(key));
      }
    };
  }

  @Override
  public CheckResult check() {
    try {
      storage.ping().await();
      return CheckResult.OK;
    } catch (RuntimeException e) {
      return CheckResult.failed(e);
    }
  }

  @Override
  public void close() {
    storage.close().await();
    vertx.close().await();
  }
}
