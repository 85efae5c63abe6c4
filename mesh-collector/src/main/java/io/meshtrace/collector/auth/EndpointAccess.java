package io.meshtrace.collector.auth;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.net.RFC3986;

/**
 * Which {@link Access} each endpoint of a listener asks for, by method and path (for gRPC the
 * path is {@code /package.Service/Method}). The table, as mesh-collector/README.md shows it:
 *
 * <ul>
 *   <li>query (16686): {@code /api/sampling/history} and sampling admin writes admin, the
 *       objectives' admin API ({@code PUT}/{@code DELETE /api/slo/objectives/...}, {@code
 *       /api/slo/history}) admin, the archive ({@code /api/archive/...}) admin, other {@code
 *       /api/...} ({@code POST /api/transform} too, which stores nothing) (Jaeger v1, v3, {@code /api/me}, the
 *       strategies as served, {@code /api/slo}) read, the UI's pages and {@code /static/...}
 *       open;
 *   <li>zipkin (9411): {@code POST /api/v2/spans}, {@code POST /api/v1/spans} ingest, the rest
 *       (the Zipkin v2 query API) read;
 *   <li>otlpHttp (4318), otlpGrpc (4317), jaegerHttp (14268, intake and {@code /api/sampling}),
 *       samplingGrpc (14250, PostSpans and SamplingManager): ingest, but CORS preflights on
 *       otlpHttp are open (browsers send them without credentials);
 *   <li>samplingHttp (5778): the admin API under {@code /api/sampling/} as on the query port,
 *       remote sampling ({@code /sampling}, {@code /api/sampling}, {@code /}) ingest;
 *   <li>admin (14269): {@code /healthz}, {@code /readyz} open (probes), {@code /metrics} and
 *       the rest read.
 * </ul>
 *
 * <p>Paths are normalised as vertx-web's router does before matching ({@code /api/x/../sampling
 * /history} is the history), so that no spelling of a path reaches a route under a weaker rule.
 */
@FunctionalInterface
public interface EndpointAccess {
  Access of(HttpMethod method, String path);

  /** The rule of one listener, by its {@code --ports-file} name. */
  static EndpointAccess forListener(String listener) {
    return switch (listener) {
      case "query" -> (method, path) -> path.startsWith(SAMPLING_ADMIN) ? samplingAdmin(method,
          path) : path.startsWith(SLO_ADMIN) ? sloAdmin(method, path)
          : path.startsWith(ARCHIVE) ? Access.ADMIN
          : path.equals("/api") || path.startsWith("/api/") ? Access.READ : Access.OPEN;
      case "zipkin" -> (method, path) -> method == HttpMethod.POST
          && (path.equals("/api/v2/spans") || path.equals("/api/v1/spans"))
          ? Access.INGEST : Access.READ;
      case "otlpHttp" -> (method, path) -> method == HttpMethod.OPTIONS ? Access.OPEN
          : Access.INGEST;
      case "otlpGrpc", "jaegerHttp", "samplingGrpc" -> (method, path) -> Access.INGEST;
      case "samplingHttp" -> (method, path) -> path.startsWith(SAMPLING_ADMIN)
          ? samplingAdmin(method, path) : Access.INGEST;
      case "admin" -> (method, path) -> path.equals("/healthz") || path.equals("/readyz")
          ? Access.OPEN : Access.READ;
      default -> throw new IllegalArgumentException("no access rules for listener " + listener);
    };
  }

  /**
   * Jaeger's archive ({@code POST}, and meshtrace's {@code DELETE}, {@code
   * /api/archive/{traceID}}): writes on the query port, which keep data beyond retention or
   * remove it, so admin as the other writes there.
   */
  String ARCHIVE = "/api/archive/";

  /** The admin API's paths: {@code /api/sampling} alone is remote sampling. */
  String SAMPLING_ADMIN = "/api/sampling/";

  /** The objectives' admin API and {@code /api/slo} ({@code GET /api/slo} alone is a read). */
  String SLO_ADMIN = "/api/slo/";

  private static Access sloAdmin(HttpMethod method, String path) {
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    return !read || path.startsWith(SLO_ADMIN + "history") ? Access.ADMIN : Access.READ;
  }

  private static Access samplingAdmin(HttpMethod method, String path) {
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    return !read || path.startsWith(SAMPLING_ADMIN + "history") ? Access.ADMIN : Access.READ;
  }

  /**
   * The path as the router matches it: dot segments removed, unreserved characters decoded,
   * double slashes single. A path the router cannot normalise either is returned as it is (the
   * router then fails the request, serving nothing).
   */
  static String normalize(String path) {
    if (path == null) {
      return "/";
    }
    try {
      return RFC3986.normalizePath(path);
    } catch (IllegalArgumentException e) {
      return path;
    }
  }
}
