package io.meshtrace.otlp.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.meshtrace.ingest.BodyReader;
import io.meshtrace.ingest.HttpRefusal;
import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.LargeBodyDecoding;
import io.meshtrace.ingest.MemoryBudget;
import io.meshtrace.ingest.RequestBodies;
import io.meshtrace.ingest.SpanIngest;
import io.meshtrace.tenant.RequestTenant;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP: {@code POST /v1/traces} with {@code application/x-protobuf} or {@code
 * application/json}, gzip or not. Answers in the request's encoding: 200 with an
 * ExportTraceServiceResponse (with {@code partialSuccess} when spans were refused) once the rest
 * are committed, else a google.rpc.Status with the HTTP status the specification asks for
 * (400, 413, 415, 429 or 503 with {@code Retry-After}).
 */
public final class OtlpHttpReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(OtlpHttpReceiver.class);
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";
  private static final IngestSource PROTOBUF_SOURCE =
      new IngestSource("otlp_http", "protobuf", true);
  private static final IngestSource JSON_SOURCE = new IngestSource("otlp_http", "json", true);
  /** Every source this receiver reports, so that their metrics exist from start-up. */
  public static final List<IngestSource> SOURCES = List.of(PROTOBUF_SOURCE, JSON_SOURCE);

  /**
   * @param corsOrigins origins browsers may send spans from ({@code *} for any); empty turns
   *     CORS off
   */
  public record Options(long maxRequestBytes, long maxDecompressedBytes, List<String> corsOrigins) {}

  private final SpanIngest ingest;
  /** Whose spans a request sends: never a header read here. */
  private final RequestTenant tenants;
  private final Options options;
  private final MemoryBudget budget;

  public OtlpHttpReceiver(SpanIngest ingest, Options options) {
    this(ingest, options, MemoryBudget.unbounded());
  }

  /** @param budget the process's bytes in flight, which every request reserves from */
  public OtlpHttpReceiver(SpanIngest ingest, Options options, MemoryBudget budget) {
    this(ingest, options, budget, RequestTenant.NONE);
  }

  public OtlpHttpReceiver(SpanIngest ingest, Options options, MemoryBudget budget,
      RequestTenant tenants) {
    this.ingest = ingest;
    this.tenants = tenants;
    this.options = options;
    this.budget = budget;
  }

  public Router router(io.vertx.core.Vertx vertx) {
    Router router = Router.router(vertx);
    if (!options.corsOrigins().isEmpty()) {
      CorsHandler cors = CorsHandler.create()
          .allowedMethods(Set.of(HttpMethod.POST, HttpMethod.OPTIONS))
          .allowedHeaders(Set.of("Content-Type", "Content-Encoding", "Authorization",
              "X-Requested-With"))
          .maxAgeSeconds(7200);
      if (options.corsOrigins().contains("*")) {
        cors.addOriginWithRegex(".*");
      } else {
        cors.addOrigins(options.corsOrigins());
      }
      router.route("/v1/traces").handler(cors).failureHandler(ctx -> {
        // The CORS handler refuses an origin by failing the request with 403.
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        ctx.response().setStatusCode(status)
            .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
            .end(OtlpJson.print(com.google.rpc.Status.newBuilder()
                .setCode(com.google.rpc.Code.PERMISSION_DENIED.getNumber())
                .setMessage("origin " + ctx.request().getHeader("Origin")
                    + " may not send spans here; see --otlp-http-cors-origins").build()));
      });
    }
    router.post("/v1/traces").handler(this::receive).failureHandler(this::failure);
    return router;
  }

  /**
   * Read, inflate and parse (on a worker when the body is large), holding the request's bytes
   * in the budget until its spans are committed or refused; every path releases them.
   */
  private void receive(RoutingContext ctx) {
    boolean json = isJson(ctx);
    IngestSource source = json ? JSON_SOURCE : PROTOBUF_SOURCE;
    MemoryBudget.Reservation reservation = budget.open();
    String encoding = ctx.request().getHeader(HttpHeaders.CONTENT_ENCODING);
    BodyReader.read(ctx.request(), options.maxRequestBytes(), reservation)
        .compose(received -> {
          requireSupportedType(ctx);
          return LargeBodyDecoding.run(ctx.vertx().getOrCreateContext(), received.length,
              RequestBodies.isCompressed(encoding),
              () -> parse(json, received, encoding, reservation));
        })
        .onComplete(parsed -> {
          if (parsed.failed()) {
            reservation.release();
            IngestException refused = IngestException.of(parsed.cause());
            ingest.requestRefused(source, refused.reason());
            respond(ctx, json, refused);
            return;
          }
          ingest.accept(parsed.result().getResourceSpansList(), source,
                  tenants.of(ctx.request()))
              .onComplete(done -> reservation.release())
              .onSuccess(result -> send(ctx, 200, json, OtlpResponses.success(result)))
              .onFailure(failure -> respond(ctx, json, IngestException.of(failure)));
        });
  }

  /** Runs on a worker for a large body: touches nothing of the request but its bytes. */
  private ExportTraceServiceRequest parse(boolean json, byte[] received, String encoding,
      MemoryBudget.Reservation reservation) {
    byte[] body = RequestBodies.decode(received, encoding, options.maxDecompressedBytes(),
        reservation);
    ExportTraceServiceRequest request = json ? OtlpJson.parseRequest(body)
        : parseProtobuf(body);
    reservation.holdDecoded(body.length);
    return request;
  }

  private static ExportTraceServiceRequest parseProtobuf(byte[] body) {
    try {
      return OtlpProtobuf.parseRequest(body);
    } catch (InvalidProtocolBufferException e) {
      throw new IngestException(IngestException.Reason.INVALID,
          "malformed OTLP protobuf: " + e.getMessage());
    }
  }

  private static String mediaType(RoutingContext ctx) {
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    return contentType == null ? ""
        : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  /** JSON answers for JSON requests and for requests in no encoding we read. */
  private static boolean isJson(RoutingContext ctx) {
    return !mediaType(ctx).equals(PROTOBUF);
  }

  private static void requireSupportedType(RoutingContext ctx) {
    String type = mediaType(ctx);
    if (!type.equals(PROTOBUF) && !type.equals(JSON)) {
      throw new IngestException(IngestException.Reason.UNSUPPORTED_MEDIA_TYPE,
          "unsupported Content-Type '" + ctx.request().getHeader(HttpHeaders.CONTENT_TYPE)
              + "'; use application/x-protobuf or application/json");
    }
  }

  private void failure(RoutingContext ctx) {
    LOG.warn("OTLP/HTTP intake failed", ctx.failure());
    respond(ctx, isJson(ctx), new IngestException(IngestException.Reason.INTERNAL,
        "internal error"));
  }

  private static void respond(RoutingContext ctx, boolean json, IngestException refused) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return;
    }
    HttpRefusal.prepare(response, refused);
    send(ctx, refused.reason().httpStatus(), json, OtlpResponses.status(refused));
  }

  private static void send(RoutingContext ctx, int status, boolean json, Message message) {
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, json ? JSON : PROTOBUF)
        .end(json ? OtlpJson.print(message) : Buffer.buffer(message.toByteArray()));
  }
}
