package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import zipkin2.Span;
import zipkin2.reporter.AsyncReporter;
import zipkin2.reporter.BytesEncoder;
import zipkin2.reporter.Encoding;
import zipkin2.reporter.InMemoryReporterMetrics;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/** Sends spans with the real zipkin-reporter client, the way instrumented services do. */
public final class ZipkinReporters {
  private ZipkinReporters() {}

  /**
   * Reports the spans and returns once the server has answered every message. The reporter runs
   * without its background flusher ({@code messageTimeout 0}), so {@code flush()} sends in this
   * thread and waits for the answer, which meshtrace gives only after the commit.
   */
  public static void send(String url, Encoding encoding, BytesEncoder<Span> encoder,
      List<Span> spans) throws IOException {
    InMemoryReporterMetrics metrics = new InMemoryReporterMetrics();
    try (URLConnectionSender sender = URLConnectionSender.newBuilder().endpoint(url)
            .encoding(encoding).build();
        AsyncReporter<Span> reporter = AsyncReporter.builder(sender)
            .metrics(metrics)
            .messageTimeout(0, TimeUnit.MILLISECONDS)
            .build(encoder)) {
      spans.forEach(reporter::report);
      reporter.flush();
    }
    assertThat(metrics.spans()).isEqualTo(spans.size());
    assertThat(metrics.spansDropped()).as("spans dropped").isZero();
    assertThat(metrics.messagesDropped()).as("messages dropped").isZero();
  }
}
