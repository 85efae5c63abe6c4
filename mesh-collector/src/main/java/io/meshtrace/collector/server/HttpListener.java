package io.meshtrace.collector.server;

import io.meshtrace.lifecycle.Listener;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener served by several event loops: a verticle instance per loop, each with its
 * own handler, all sharing one listening socket. Vert.x shares a socket between servers that
 * listen on the same positive port, or on the same negative port, which means "one random port
 * for all of them"; port 0 would give every instance a different port, so a requested 0 becomes
 * a negative port unique to this listener.
 */
public final class HttpListener implements Listener {
  private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);
  private static final AtomicInteger RANDOM_PORT_KEYS = new AtomicInteger();

  private final Vertx vertx;
  private final String name;
  private final String bind;
  private final int port;
  private final int instances;
  private final HttpServerOptions options;
  private final Function<Vertx, Handler<HttpServerRequest>> handler;
  private final ConnectionLimit connections;
  private final ServerTls tls;
  private final AtomicInteger bound = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  /** How long stopping waits for requests in progress; zero until the listener drains. */
  private volatile Duration answerWithin = Duration.ZERO;
  private volatile String deploymentId;

  /**
   * @param name what it serves, the key of {@code --ports-file} ({@code zipkin})
   * @param port the port to listen on, 0 for a free one
   * @param instances event loops serving it
   * @param handler builds the request handler (a router, a gRPC server) for one instance
   * @param connections the bound on its open connections, shared by every instance
   * @param tls its TLS, already applied to {@code options}, started before it listens; null
   *     for a plain listener
   */
  HttpListener(Vertx vertx, String name, String bind, int port, int instances,
      HttpServerOptions options, Function<Vertx, Handler<HttpServerRequest>> handler,
      ConnectionLimit connections, ServerTls tls) {
    this.vertx = vertx;
    this.name = name;
    this.bind = bind;
    this.port = port;
    this.instances = instances;
    this.options = options;
    this.handler = handler;
    this.connections = connections;
    this.tls = tls;
  }

  /** Options every listener starts from. */
  public static HttpServerOptions defaultOptions() {
    return new HttpServerOptions()
        .setReuseAddress(true)
        .setTcpNoDelay(true)
        .setCompressionSupported(true)
        .setIdleTimeout(120);
  }

  @Override
  public String name() {
    return name + " listener";
  }

  /** What it serves, as {@code --ports-file} names it ({@code zipkin}, {@code otlpGrpc}). */
  public String key() {
    return name;
  }

  @Override
  public Future<Void> start() {
    int listenPort = port != 0 ? port : -RANDOM_PORT_KEYS.incrementAndGet();
    Future<Void> secured = tls == null ? Future.succeededFuture() : tls.start();
    return secured.compose(v -> vertx.deployVerticle(
            () -> new ListenerVerticle(name, bind, listenPort, options, handler, connections,
                tls, bound, draining, () -> answerWithin),
            new DeploymentOptions().setInstances(instances))
        .recover(failure -> tls == null ? Future.failedFuture(failure)
            : tls.stop().transform(stopped -> Future.failedFuture(failure))))
        .<Void>map(id -> {
          deploymentId = id;
          return null;
        })
        .recover(failure -> Future.failedFuture(
            failure instanceof io.meshtrace.collector.config.InvalidConfigException ? failure
                : new IllegalStateException("cannot listen on " + bind + ":" + port + ": "
                    + failure.getMessage(), failure)));
  }

  @Override
  public int port() {
    return bound.get();
  }

  @Override
  public void drain(Duration answerWithin) {
    this.answerWithin = answerWithin;
    draining.set(true);
  }

  /**
   * Closes the socket; requests in progress on its connections are answered first, for as long
   * as {@link #drain} allowed (HTTP/2 clients get a GOAWAY), then cut.
   */
  @Override
  public Future<Void> stop() {
    String id = deploymentId;
    Future<Void> closed = id == null ? Future.succeededFuture() : vertx.undeploy(id);
    return tls == null ? closed : closed.transform(done -> tls.stop());
  }

  private static final class ListenerVerticle extends VerticleBase {
    private final String name;
    private final String bind;
    private final int port;
    private final HttpServerOptions options;
    private final Function<Vertx, Handler<HttpServerRequest>> handler;
    private final ConnectionLimit connections;
    private final ServerTls tls;
    private final AtomicInteger bound;
    private final AtomicBoolean draining;
    private final Supplier<Duration> answerWithin;
    private HttpServer server;

    ListenerVerticle(String name, String bind, int port, HttpServerOptions options,
        Function<Vertx, Handler<HttpServerRequest>> handler, ConnectionLimit connections,
        ServerTls tls, AtomicInteger bound, AtomicBoolean draining,
        Supplier<Duration> answerWithin) {
      this.name = name;
      this.bind = bind;
      this.port = port;
      this.options = options;
      this.handler = handler;
      this.connections = connections;
      this.tls = tls;
      this.bound = bound;
      this.draining = draining;
      this.answerWithin = answerWithin;
    }

    @Override
    public Future<?> start() {
      Handler<HttpServerRequest> requests = handler.apply(vertx);
      HttpServer created = vertx.createHttpServer(new HttpServerOptions(options));
      if (tls != null) {
        created.exceptionHandler(this::connectionFailed);
      }
      return created
          .connectionHandler(connections)
          .requestHandler(request -> {
            if (draining.get() && request.version() != HttpVersion.HTTP_2) {
              // The client's next request then opens a new connection, which a load balancer
              // sends to another replica, or which is refused once this one has stopped; a
              // request sent on a connection just as it closes would get no answer at all.
              request.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            }
            requests.handle(request);
          })
          .listen(port, bind)
          .onSuccess(listening -> {
            server = listening;
            bound.set(listening.actualPort());
          });
    }

    /**
     * A client that sends plain text to a TLS port, offers TLS 1.1 or no trusted certificate
     * fails its handshake: counted and logged in one line at debug, not as Vert.x's unhandled
     * exception with its stack trace, so that a scanner cannot flood the log.
     */
    private void connectionFailed(Throwable failure) {
      boolean handshake = false;
      for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
        handshake |= cause instanceof SSLException;
      }
      if (handshake) {
        tls.metrics().handshakeFailed();
        LOG.debug("{} listener: TLS handshake failed: {}", name, failure.toString());
      } else {
        LOG.debug("{} listener: connection failed: {}", name, failure.toString());
      }
    }

    @Override
    public Future<?> stop() {
      HttpServer listening = server;
      return listening == null ? Future.succeededFuture()
          : listening.shutdown(answerWithin.get().toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
