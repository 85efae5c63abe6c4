package io.meshtrace.jaeger.receiver;

import io.meshtrace.ingest.BodyReader;
import io.meshtrace.ingest.HttpRefusal;
import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.LargeBodyDecoding;
import io.meshtrace.ingest.MemoryBudget;
import io.meshtrace.ingest.ProblemLog;
import io.meshtrace.ingest.RequestBodies;
import io.meshtrace.ingest.SpanIngest;
import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.jaeger.codec.InvalidBatchException;
import io.meshtrace.jaeger.codec.JaegerThriftDecoder;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jaeger collector's HTTP intake, {@code POST /api/traces} (port 14268): one
 * {@code jaeger.thrift} {@code Batch} in Thrift's binary protocol, as jaeger-client's
 * {@code HttpSender} and OpenTelemetry's Jaeger Thrift exporter send it. 202 once the spans are
 * committed; a malformed batch is a 400 naming the problem, and nothing of it is stored.
 */
public final class JaegerHttpReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(JaegerHttpReceiver.class);
  public static final String PATH = "/api/traces";
  private static final String TRANSPORT = "jaeger_http";
  static final IngestSource SOURCE = new IngestSource(TRANSPORT, "thrift_binary", false);
  private static final IngestSource UNSUPPORTED = new IngestSource(TRANSPORT, "unsupported",
      false);
  /** Every source this receiver reports, so that their metrics exist from start-up. */
  public static final List<IngestSource> SOURCES = List.of(SOURCE, UNSUPPORTED);
  private static final List<String> MEDIA_TYPES = List.of("application/x-thrift",
      "application/vnd.apache.thrift.binary");

  /**
   * @param maxRequestBytes the largest body accepted as sent (compressed or not)
   * @param maxDecompressedBytes the largest body accepted after gunzip
   */
  public record Limits(long maxRequestBytes, long maxDecompressedBytes) {}

  private final SpanIngest ingest;
  /** Whose spans a request sends: never a header read here. */
  private final RequestTenant tenants;
  private final Limits limits;
  private final ProblemLog problems = new ProblemLog(LOG);

  private final MemoryBudget budget;

  public JaegerHttpReceiver(SpanIngest ingest, Limits limits) {
    this(ingest, limits, MemoryBudget.unbounded());
  }

  /** @param budget the process's bytes in flight, which every request reserves from */
  public JaegerHttpReceiver(SpanIngest ingest, Limits limits, MemoryBudget budget) {
    this(ingest, limits, budget, RequestTenant.NONE);
  }

  public JaegerHttpReceiver(SpanIngest ingest, Limits limits, MemoryBudget budget,
      RequestTenant tenants) {
    this.ingest = ingest;
    this.tenants = tenants;
    this.limits = limits;
    this.budget = budget;
  }

  public void mount(Router router) {
    router.post(PATH).handler(this::receive).failureHandler(this::failure);
  }

  /**
   * Read, inflate and decode (on a worker when the body is large), holding the request's bytes
   * in the budget until its spans are committed or refused; every path releases them.
   */
  private void receive(RoutingContext ctx) {
    MemoryBudget.Reservation reservation = budget.open();
    String encoding = ctx.request().getHeader(HttpHeaders.CONTENT_ENCODING);
    BodyReader.read(ctx.request(), limits.maxRequestBytes(), reservation)
        .onComplete(read -> {
          if (read.failed()) {
            reservation.release();
            refuse(ctx, source(ctx), IngestException.of(read.cause()));
          } else {
            handle(ctx, read.result(), encoding, reservation);
          }
        });
  }

  /** The source of a request, {@code unsupported} when its content type is not Thrift. */
  private static IngestSource source(RoutingContext ctx) {
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String mediaType = contentType == null ? ""
        : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return MEDIA_TYPES.contains(mediaType) ? SOURCE : UNSUPPORTED;
  }

  private void handle(RoutingContext ctx, byte[] received, String encoding,
      MemoryBudget.Reservation reservation) {
    if (source(ctx) == UNSUPPORTED) {
      reservation.release();
      refuse(ctx, UNSUPPORTED, new IngestException(IngestException.Reason.UNSUPPORTED_MEDIA_TYPE,
          "unsupported Content-Type '" + ctx.request().getHeader(HttpHeaders.CONTENT_TYPE)
              + "' for " + PATH + "; send a Thrift binary Batch as application/x-thrift or "
              + "application/vnd.apache.thrift.binary"));
      return;
    }
    LargeBodyDecoding.run(ctx.vertx().getOrCreateContext(), received.length,
            RequestBodies.isCompressed(encoding), () -> decode(received, encoding, reservation))
        .onComplete(decoded -> {
          if (decoded.failed()) {
            reservation.release();
            Throwable failure = decoded.cause();
            if (failure instanceof InvalidBatchException malformed) {
              problems.warn("malformed", "Refused a malformed Jaeger Thrift batch from "
                  + ctx.request().remoteAddress() + ": " + malformed.getMessage());
              failure = new IngestException(IngestException.Reason.INVALID,
                  "malformed Jaeger Thrift batch: " + malformed.getMessage());
            }
            refuse(ctx, SOURCE, IngestException.of(failure));
            return;
          }
          ingest.accept(decoded.result(), SOURCE, tenants.of(ctx.request()))
              .onComplete(done -> reservation.release())
              .onSuccess(result -> ctx.response().setStatusCode(202).end())
              .onFailure(failure -> respond(ctx, IngestException.of(failure)));
        });
  }

  /** Runs on a worker for a large body: touches nothing of the request but its bytes. */
  private List<ResourceSpans> decode(byte[] received, String encoding,
      MemoryBudget.Reservation reservation) throws InvalidBatchException {
    byte[] body = RequestBodies.decode(received, encoding, limits.maxDecompressedBytes(),
        reservation);
    List<ResourceSpans> spans = JaegerThriftDecoder.decodeBatch(body, body.length);
    reservation.holdDecoded(body.length);
    return spans;
  }

  private void refuse(RoutingContext ctx, IngestSource source, IngestException refused) {
    ingest.requestRefused(source, refused.reason());
    respond(ctx, refused);
  }

  private void failure(RoutingContext ctx) {
    LOG.warn("Jaeger HTTP intake failed", ctx.failure());
    respond(ctx, new IngestException(IngestException.Reason.INTERNAL, "internal error"));
  }

  private static void respond(RoutingContext ctx, IngestException refused) {
    HttpRefusal.respondPlainText(ctx.response(), refused);
  }
}
