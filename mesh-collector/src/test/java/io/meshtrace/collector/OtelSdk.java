package io.meshtrace.collector;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.concurrent.TimeUnit;

/**
 * An OpenTelemetry SDK tracer provider that exports through a real OTLP exporter and also keeps
 * what it exported, so that tests can compare what meshtrace stored with what was sent.
 */
public final class OtelSdk implements AutoCloseable {
  public final InMemorySpanExporter sent = InMemorySpanExporter.create();
  public final SdkTracerProvider provider;

  public OtelSdk(String serviceName, SpanExporter otlp) {
    provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), serviceName,
            io.opentelemetry.api.common.AttributeKey.stringKey("deployment.environment"), "test"))))
        .addSpanProcessor(SimpleSpanProcessor.create(otlp))
        .addSpanProcessor(SimpleSpanProcessor.create(sent))
        .build();
  }

  /** Waits until every ended span has been exported; fails if the exporter reported failure. */
  public void flush() {
    if (!provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()) {
      throw new AssertionError("the OTLP exporter reported a failed export");
    }
  }

  @Override
  public void close() {
    provider.shutdown().join(30, TimeUnit.SECONDS);
  }
}
