package io.meshtrace.query.zipkin.conformance;

import io.vertx.core.Future;
import java.io.IOException;
import java.util.function.Supplier;
import zipkin2.Call;
import zipkin2.Callback;

/**
 * A zipkin2 {@link Call} over a Vert.x future. The future is only created when the call runs,
 * as Zipkin's contract wants (no I/O when a call is assembled), and each clone runs it anew.
 */
final class FutureCall<V> extends Call.Base<V> {
  private final Supplier<Future<V>> work;

  FutureCall(Supplier<Future<V>> work) {
    this.work = work;
  }

  @Override
  protected V doExecute() throws IOException {
    try {
      return work.get().await();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  @Override
  protected void doEnqueue(Callback<V> callback) {
    work.get().onComplete(callback::onSuccess, callback::onError);
  }

  @Override
  public Call<V> clone() {
    return new FutureCall<>(work);
  }
}
