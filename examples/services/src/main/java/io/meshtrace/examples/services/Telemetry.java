package io.meshtrace.examples.services;

import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.extension.trace.jaeger.sampler.JaegerRemoteSampler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One service's OpenTelemetry SDK, set up as the OpenTelemetry guides show, with meshtrace as
 * the backend:
 * <ul>
 *   <li>sampling: {@code ParentBased(root: SamplerDecisionTags(JaegerRemoteSampler))} — roots
 *       are sampled by the strategy meshtrace's control plane serves for this service over gRPC
 *       (:14250, polled), children follow their parent's decision, and the root span says which
 *       strategy sampled it ({@code sampler.type}, {@code sampler.param});
 *   <li>propagation: W3C {@code traceparent}/{@code baggage} and B3 multi-header
 *       ({@code X-B3-TraceId}, ...), all injected on outgoing calls and all extracted on
 *       incoming ones, so that callers using either style (Envoy speaks B3) join the trace;
 *   <li>export: OTLP/HTTP protobuf to :4318 ({@code /v1/traces}) — or, for the service that
 *       reports like Envoy, Zipkin v2 JSON to :9411 through zipkin-reporter.
 * </ul>
 */
public final class Telemetry implements AutoCloseable {
  /** How spans leave the process. */
  public enum Export { OTLP_HTTP, ZIPKIN }

  private static final Sampler INITIAL = Sampler.parentBased(Sampler.traceIdRatioBased(0.001));

  private final OpenTelemetrySdk sdk;
  private final JaegerRemoteSampler remoteSampler;
  private final SamplerDecisionTags samplerTags;
  private final Export export;

  private Telemetry(OpenTelemetrySdk sdk, JaegerRemoteSampler remoteSampler,
      SamplerDecisionTags samplerTags, Export export) {
    this.sdk = sdk;
    this.remoteSampler = remoteSampler;
    this.samplerTags = samplerTags;
    this.export = export;
  }

  public static Telemetry create(ServiceConfig config, Export export) {
    // Until the first strategy arrives, Jaeger's default: 0.1% of new traces.
    JaegerRemoteSampler remote = JaegerRemoteSampler.builder()
        .setEndpoint(config.samplingEndpoint().toString())
        .setServiceName(config.service())
        .setPollingInterval(config.samplingPollInterval())
        .setInitialSampler(INITIAL)
        .build();
    SamplerDecisionTags tagged = new SamplerDecisionTags(remote);
    SpanExporter exporter = switch (export) {
      case OTLP_HTTP -> OtlpHttpSpanExporter.builder()
          .setEndpoint(config.otlpEndpoint().toString())
          .setTimeout(Duration.ofSeconds(10))
          .build();
      case ZIPKIN -> new ZipkinReporterSpanExporter(config.zipkinEndpoint().toString());
    };
    SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), config.service(),
            AttributeKey.stringKey("service.namespace"), "meshtrace-demo"))))
        .setSampler(Sampler.parentBased(tagged))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter)
            .setScheduleDelay(Duration.ofMillis(500))
            .build())
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(),
            W3CBaggagePropagator.getInstance(),
            B3Propagator.injectingMultiHeaders())))
        .build();
    return new Telemetry(sdk, remote, tagged, export);
  }

  public Tracer tracer() {
    return sdk.getTracer("io.meshtrace.examples.services", "0.1.0");
  }

  public TextMapPropagator propagator() {
    return sdk.getPropagators().getTextMapPropagator();
  }

  public Export export() {
    return export;
  }

  /** The strategy a new trace rooted at {@code operation} would be sampled with now. */
  public Optional<SamplerDecisionTags.Strategy> samplingStrategy(String operation) {
    return samplerTags.inForce(operation);
  }

  /** Exports every ended span; completes when meshtrace acknowledged them. */
  public CompletableResultCode flush() {
    return sdk.getSdkTracerProvider().forceFlush();
  }

  @Override
  public void close() {
    sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
    remoteSampler.close();
  }
}
