package io.meshtrace.interop;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.exceptions.SenderException;
import io.jaegertracing.spi.Sender;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A jaeger-client sender that keeps what the real one threw: {@code RemoteReporter} only counts
 * failures, and a test should say that the server refused a batch rather than time out.
 */
final class RecordingSender implements Sender {
  private final Sender delegate;
  final List<SenderException> failures = new CopyOnWriteArrayList<>();

  RecordingSender(Sender delegate) {
    this.delegate = delegate;
  }

  @Override
  public int append(JaegerSpan span) throws SenderException {
    try {
      return delegate.append(span);
    } catch (SenderException e) {
      failures.add(e);
      throw e;
    }
  }

  @Override
  public int flush() throws SenderException {
    try {
      return delegate.flush();
    } catch (SenderException e) {
      failures.add(e);
      throw e;
    }
  }

  @Override
  public int close() throws SenderException {
    try {
      return delegate.close();
    } catch (SenderException e) {
      failures.add(e);
      throw e;
    }
  }
}
