package io.meshtrace.examples.services;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.util.List;

/**
 * Manual HTTP instrumentation over Vert.x, following OpenTelemetry's HTTP semantic conventions:
 * a SERVER span per request (named {@code METHOD route}) in the context extracted from the
 * request's headers, a CLIENT span per outgoing call with the context injected into its headers.
 *
 * <p>Vert.x runs many requests on one event-loop thread, so the OpenTelemetry {@link Context}
 * is passed explicitly to the handlers and calls instead of living in a thread-local across
 * callbacks; it is made current only around synchronous code.
 */
public final class HttpTracing {
  /** A request handler that is given the context of its server span. */
  @FunctionalInterface
  public interface TracedHandler {
    Future<Reply> handle(RoutingContext request, Context context);
  }

  /**
   * The propagation headers recorded on server spans as {@code http.request.header.<name>}
   * (OpenTelemetry's convention for captured headers), so that a user and a test see which
   * styles arrived and what they carried.
   */
  static final List<String> PROPAGATION_HEADERS = List.of("traceparent", "tracestate",
      "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "b3");

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
  static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
  static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private static final TextMapGetter<HttpServerRequest> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(HttpServerRequest request) {
      return request.headers().names();
    }

    @Override
    public String get(HttpServerRequest request, String key) {
      return request == null ? null : request.getHeader(key);
    }
  };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  public HttpTracing(Telemetry telemetry) {
    this.tracer = telemetry.tracer();
    this.propagator = telemetry.propagator();
  }

  public Tracer tracer() {
    return tracer;
  }

  /** Serves {@code route} with a SERVER span around {@code handler}. */
  public Handler<RoutingContext> server(String route, TracedHandler handler) {
    return request -> {
      HttpServerRequest http = request.request();
      Context parent = propagator.extract(Context.root(), http, HEADERS);
      var builder = tracer.spanBuilder(http.method().name() + " " + route)
          .setSpanKind(SpanKind.SERVER)
          .setParent(parent)
          .setAttribute(METHOD, http.method().name())
          .setAttribute(URL_PATH, http.path())
          .setAttribute(URL_SCHEME, http.scheme() == null ? "http" : http.scheme())
          .setAttribute(ROUTE, route);
      if (http.query() != null) {
        builder.setAttribute(URL_QUERY, http.query());
      }
      HostAndPort authority = http.authority();
      if (authority != null) {
        builder.setAttribute(SERVER_ADDRESS, authority.host());
        if (authority.port() > 0) {
          builder.setAttribute(SERVER_PORT, (long) authority.port());
        }
      }
      if (http.remoteAddress() != null) {
        builder.setAttribute(CLIENT_ADDRESS, http.remoteAddress().hostAddress());
      }
      if (http.getHeader("user-agent") != null) {
        builder.setAttribute(USER_AGENT, http.getHeader("user-agent"));
      }
      for (String header : PROPAGATION_HEADERS) {
        String value = http.getHeader(header);
        if (value != null) {
          builder.setAttribute(AttributeKey.stringArrayKey("http.request.header." + header),
              List.of(value));
        }
      }
      Span span = builder.startSpan();
      Context context = parent.with(span);
      Future<Reply> reply;
      try (Scope ignored = context.makeCurrent()) {
        reply = handler.handle(request, context);
      } catch (RuntimeException e) {
        reply = Future.failedFuture(e);
      }
      reply.recover(failure -> {
            span.recordException(failure); // unexpected: recorded here, where it surfaced
            return Future.succeededFuture(Reply.failed(500, failure));
          })
          .onSuccess(answer -> {
            span.setAttribute(STATUS, (long) answer.status());
            if (answer.error() != null) {
              // The handler recorded the exception on the span where it happened.
              span.setStatus(StatusCode.ERROR, answer.error().getMessage());
              span.setAttribute(ERROR_TYPE, answer.error().getClass().getName());
            } else if (answer.status() >= 500) {
              // Server spans: only 5xx are errors; a 4xx is the caller's (semantic conventions)
              span.setStatus(StatusCode.ERROR);
              span.setAttribute(ERROR_TYPE, String.valueOf(answer.status()));
            }
            // W3C Trace Context Level 2: tells the caller which trace its request made.
            String traceResponse = "00-" + span.getSpanContext().getTraceId() + "-"
                + span.getSpanContext().getSpanId() + "-"
                + span.getSpanContext().getTraceFlags().asHex();
            // Ended before the answer leaves: whoever got the answer can flush and find the span
            // (writing the body is not in it; ending after would race a caller's read-back).
            span.end();
            request.response().setStatusCode(answer.status())
                .putHeader("content-type", "application/json")
                .putHeader("traceresponse", traceResponse)
                .end(answer.body().encode());
          });
    };
  }

  /**
   * Calls {@code base + pathAndQuery} in a CLIENT span named {@code METHOD route}, child of
   * {@code parent}, with the trace context injected into the request headers in every style.
   */
  public Future<HttpResponse<Buffer>> call(Context parent, WebClient client, HttpMethod method,
      URI base, String pathAndQuery, String route, JsonObject body) {
    URI url = base.resolve(pathAndQuery);
    Span span = tracer.spanBuilder(method.name() + " " + route)
        .setSpanKind(SpanKind.CLIENT)
        .setParent(parent)
        .setAttribute(METHOD, method.name())
        .setAttribute(URL_FULL, url.toString())
        .setAttribute(SERVER_ADDRESS, url.getHost())
        .setAttribute(SERVER_PORT, (long) (url.getPort() > 0 ? url.getPort()
            : "https".equals(url.getScheme()) ? 443 : 80))
        .startSpan();
    HttpRequest<Buffer> request = client.requestAbs(method, url.toString()).timeout(10_000);
    propagator.inject(parent.with(span), request, (r, key, value) -> r.putHeader(key, value));
    Future<HttpResponse<Buffer>> response = body == null ? request.send()
        : request.sendJsonObject(body);
    return response.andThen(result -> {
      if (result.succeeded()) {
        int status = result.result().statusCode();
        span.setAttribute(STATUS, (long) status);
        if (status >= 400) { // client spans: 4xx and 5xx are errors
          span.setStatus(StatusCode.ERROR);
          span.setAttribute(ERROR_TYPE, String.valueOf(status));
        }
      } else {
        span.recordException(result.cause());
        span.setStatus(StatusCode.ERROR, result.cause().getMessage());
        span.setAttribute(ERROR_TYPE, result.cause().getClass().getName());
      }
      span.end();
    });
  }
}
