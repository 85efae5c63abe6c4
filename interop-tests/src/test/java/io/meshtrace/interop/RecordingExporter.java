package io.meshtrace.interop;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An exporter that keeps the spans it was given and the result of each export. */
final class RecordingExporter implements SpanExporter {
  private final SpanExporter delegate;
  final List<SpanData> spans = new CopyOnWriteArrayList<>();
  final List<CompletableResultCode> results = new CopyOnWriteArrayList<>();

  RecordingExporter(SpanExporter delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> batch) {
    spans.addAll(batch);
    CompletableResultCode result = delegate.export(batch);
    results.add(result);
    return result;
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }
}
