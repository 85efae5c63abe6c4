package io.meshtrace.collector.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The open connections of one listener, at most a bound, counted across the event loops that
 * serve it. A connection past the bound is closed as it opens, before it can send a request:
 * each connection costs buffers and, over HTTP/2, up to the stream limit of requests in flight,
 * so their number is what keeps a flood of clients from holding memory the byte budget never
 * sees.
 *
 * <p>It is the server's connection handler, and so the first to see a connection: it sets the
 * connection's close handler, which no other part of meshtrace sets.
 */
public final class ConnectionLimit implements Handler<HttpConnection> {
  private final int maxConnections;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder refused = new LongAdder();

  public ConnectionLimit(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  @Override
  public void handle(HttpConnection connection) {
    if (open.incrementAndGet() > maxConnections) {
      open.decrementAndGet();
      refused.increment();
      connection.close();
      return;
    }
    connection.closeHandler(v -> open.decrementAndGet());
  }

  public int maxConnections() {
    return maxConnections;
  }

  /** Connections open now. */
  public int open() {
    return open.get();
  }

  /** Connections closed as they opened, since start-up. */
  public long refused() {
    return refused.sum();
  }
}
