package io.meshtrace.query;

import io.meshtrace.storage.SpanStore;
import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A query API served over real HTTP from real storage (a fresh database in the test
 * PostgreSQL), with a fixed clock so that default time windows and expected documents are
 * literal.
 */
public final class QueryApiServer implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  public final Clock clock;
  public final Vertx vertx;
  public final PostgresStorage storage;
  private final HttpServer server;

  /** A status and the body parsed as JSON (a JsonObject or JsonArray). */
  public record Response(int status, String contentType, Object json, String text) {}

  /** Mounts the API under test on the router, reading from the store, with the test clock. */
  @FunctionalInterface
  public interface Mount {
    void mount(Router router, SpanStore store, Clock clock);
  }

  /** Mounts the API under test with the whole storage (its archives too) at hand. */
  @FunctionalInterface
  public interface StorageMount {
    void mount(Router router, PostgresStorage storage, Clock clock);
  }

  public QueryApiServer(Instant now, Mount mount) {
    this(now, mount, null);
  }

  private QueryApiServer(Instant now, Mount mount, StorageMount storageMount) {
    clock = Clock.fixed(now, ZoneOffset.UTC);
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase()), clock).await();
    Router router = Router.router(vertx);
    if (mount != null) {
      mount.mount(router, storage.spanStore(), clock);
    } else {
      storageMount.mount(router, storage, clock);
    }
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
  }

  /** A server whose API is mounted with the whole storage. */
  public static QueryApiServer withStorage(Instant now, StorageMount mount) {
    return new QueryApiServer(now, null, mount);
  }

  /**
   * Drops every partition of {@code spans}, as retention drops the days past it: nothing is left
   * in the span tables.
   */
  public void dropSpanPartitions() {
    storage.pool().query("""
        DO $$ DECLARE p regclass; BEGIN
          FOR p IN SELECT inhrelid::regclass FROM pg_inherits
                   WHERE inhparent = 'spans'::regclass LOOP
            EXECUTE 'ALTER TABLE spans DETACH PARTITION ' || p;
            EXECUTE 'DROP TABLE ' || p;
          END LOOP;
        END $$""").execute().await();
  }

  /** Stores spans through the real writer and commits the dependency links they make. */
  public void store(ResourceSpans... spans) {
    storage.spanSink().accept(List.of(spans)).await();
    storage.flushDependencyLinks().await();
  }

  /** The URL of a path (with its query string, already encoded) on this server. */
  public String url(String pathAndQuery) {
    return "http://127.0.0.1:" + server.actualPort() + pathAndQuery;
  }

  /** GET a path with its query string as given (already encoded). */
  public Response get(String pathAndQuery) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
            URI.create(url(pathAndQuery)))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    Object json;
    try {
      json = Json.decodeValue(response.body());
    } catch (RuntimeException notJson) {
      json = null;
    }
    return new Response(response.statusCode(),
        response.headers().firstValue("content-type").orElse(""), json, response.body());
  }

  /** A request with a body (null for none), its answer as {@link #get} gives it. */
  public Response send(String method, String pathAndQuery, String contentType, byte[] body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(pathAndQuery)))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<String> response = HTTP.send(request.build(),
        HttpResponse.BodyHandlers.ofString());
    Object json;
    try {
      json = Json.decodeValue(response.body());
    } catch (RuntimeException notJson) {
      json = null;
    }
    return new Response(response.statusCode(),
        response.headers().firstValue("content-type").orElse(""), json, response.body());
  }

  @Override
  public void close() {
    server.close().await();
    storage.close().await();
    vertx.close().await();
  }
}
