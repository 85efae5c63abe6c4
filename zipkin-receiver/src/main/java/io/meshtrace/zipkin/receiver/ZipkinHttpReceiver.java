package io.meshtrace.zipkin.receiver;

import io.meshtrace.ingest.BodyReader;
import io.meshtrace.ingest.HttpRefusal;
import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.LargeBodyDecoding;
import io.meshtrace.ingest.MemoryBudget;
import io.meshtrace.ingest.RequestBodies;
import io.meshtrace.ingest.SpanIngest;
import io.meshtrace.tenant.RequestTenant;
import io.meshtrace.zipkin.codec.ZipkinJsonV2ToOtlp;
import io.meshtrace.zipkin.codec.ZipkinToOtlp;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zipkin2.codec.SpanBytesDecoder;

/**
 * Zipkin's span intake: {@code POST /api/v2/spans} (JSON or proto3) and {@code POST
 * /api/v1/spans} (JSON, as older Envoys send), gzip or not. Answers 202 only once the spans are
 * committed; a request that fails is stored not at all.
 */
public final class ZipkinHttpReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(ZipkinHttpReceiver.class);

  /**
   * @param maxRequestBytes the largest body accepted as sent (compressed or not)
   * @param maxDecompressedBytes the largest body accepted after gunzip
   */
  public record Limits(long maxRequestBytes, long maxDecompressedBytes) {}

  private enum Format {
    JSON_V2("json_v2", SpanBytesDecoder.JSON_V2),
    PROTO3("proto3", SpanBytesDecoder.PROTO3),
    JSON_V1("json_v1", SpanBytesDecoder.JSON_V1);

    final String metricName;
    final SpanBytesDecoder decoder;
    final IngestSource source;

    Format(String metricName, SpanBytesDecoder decoder) {
      this.metricName = metricName;
      this.decoder = decoder;
      this.source = new IngestSource(TRANSPORT, metricName, false);
    }
  }

  private static final String TRANSPORT = "zipkin";
  /** Requests in a content type this receiver does not read. */
  private static final IngestSource UNSUPPORTED = new IngestSource(TRANSPORT, "unsupported", false);

  /** Every source this receiver reports, so that their metrics exist from start-up. */
  public static final List<IngestSource> SOURCES = List.of(Format.JSON_V2.source,
      Format.PROTO3.source, Format.JSON_V1.source, UNSUPPORTED);

  private final SpanIngest ingest;
  /** Whose spans a request sends: never a header read here. */
  private final RequestTenant tenants;
  private final Limits limits;
  private final MemoryBudget budget;

  public ZipkinHttpReceiver(SpanIngest ingest, Limits limits) {
    this(ingest, limits, MemoryBudget.unbounded());
  }

  /** @param budget the process's bytes in flight, which every request reserves from */
  public ZipkinHttpReceiver(SpanIngest ingest, Limits limits, MemoryBudget budget) {
    this(ingest, limits, budget, RequestTenant.NONE);
  }

  public ZipkinHttpReceiver(SpanIngest ingest, Limits limits, MemoryBudget budget,
      RequestTenant tenants) {
    this.ingest = ingest;
    this.tenants = tenants;
    this.limits = limits;
    this.budget = budget;
  }

  public void mount(Router router) {
    router.post("/api/v2/spans").handler(ctx -> receive(ctx, 2)).failureHandler(this::failure);
    router.post("/api/v1/spans").handler(ctx -> receive(ctx, 1)).failureHandler(this::failure);
  }

  private record Decoded(Format format, List<ResourceSpans> spans) {}

  /**
   * Read, inflate and decode (on a worker when the body is large), holding the request's bytes
   * in the budget until its spans are committed or refused; every path releases them.
   */
  private void receive(RoutingContext ctx, int apiVersion) {
    MemoryBudget.Reservation reservation = budget.open();
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String encoding = ctx.request().getHeader(HttpHeaders.CONTENT_ENCODING);
    BodyReader.read(ctx.request(), limits.maxRequestBytes(), reservation)
        .compose(received -> LargeBodyDecoding.run(ctx.vertx().getOrCreateContext(),
            received.length, RequestBodies.isCompressed(encoding),
            () -> decode(contentType, apiVersion, received, encoding, reservation)))
        .onComplete(decoded -> {
          if (decoded.failed()) {
            reservation.release();
            IngestException refused = IngestException.of(decoded.cause());
            ingest.requestRefused(source(ctx, apiVersion), refused.reason());
            respond(ctx, refused);
            return;
          }
          if (decoded.result().spans().isEmpty()) {
            reservation.release();
            ctx.response().setStatusCode(202).end();
            return;
          }
          ingest.accept(decoded.result().spans(), decoded.result().format().source,
                  tenants.of(ctx.request()))
              .onComplete(done -> reservation.release())
              .onSuccess(result -> ctx.response().setStatusCode(202).end())
              .onFailure(failure -> respond(ctx, IngestException.of(failure)));
        });
  }

  /** Runs on a worker for a large body: touches nothing of the request but its bytes. */
  private Decoded decode(String contentType, int apiVersion, byte[] received, String encoding,
      MemoryBudget.Reservation reservation) {
    Format format = format(contentType, apiVersion);
    byte[] body = RequestBodies.decode(received, encoding, limits.maxDecompressedBytes(),
        reservation);
    if (body.length == 0) {
      throw new IngestException(IngestException.Reason.INVALID,
          "empty body: send a list of spans (an empty list is [])");
    }
    List<ResourceSpans> spans = decode(format, body);
    reservation.holdDecoded(body.length);
    return new Decoded(format, spans);
  }

  /** Where a request's spans come from, also when its content type is not one we read. */
  private static IngestSource source(RoutingContext ctx, int apiVersion) {
    try {
      return format(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE), apiVersion).source;
    } catch (IngestException unsupported) {
      return UNSUPPORTED;
    }
  }

  private static Format format(String contentType, int apiVersion) {
    String mediaType = contentType == null ? ""
        : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (mediaType.isEmpty() || mediaType.equals("application/json")) {
      return apiVersion == 2 ? Format.JSON_V2 : Format.JSON_V1;
    }
    if (apiVersion == 2
        && (mediaType.equals("application/x-protobuf") || mediaType.equals("application/protobuf"))) {
      return Format.PROTO3;
    }
    String accepted = apiVersion == 2 ? "application/json or application/x-protobuf"
        : "application/json";
    throw new IngestException(IngestException.Reason.UNSUPPORTED_MEDIA_TYPE,
        "unsupported Content-Type '" + contentType + "' for /api/v" + apiVersion
            + "/spans; use " + accepted);
  }

  /**
   * Zipkin's v2 JSON, which Envoy sends, goes straight into OTLP ({@link ZipkinJsonV2ToOtlp});
   * the other formats through zipkin2's decoders and {@link ZipkinToOtlp}.
   */
  private static List<ResourceSpans> decode(Format format, byte[] body) {
    long receivedMicros = System.currentTimeMillis() * 1000;
    try {
      if (format == Format.JSON_V2) {
        return ZipkinJsonV2ToOtlp.decode(body, receivedMicros);
      }
      return ZipkinToOtlp.translate(format.decoder.decodeList(body), receivedMicros);
    } catch (RuntimeException malformed) {
      throw new IngestException(IngestException.Reason.INVALID,
          "malformed " + format.metricName + " spans: " + malformed.getMessage());
    }
  }

  private void failure(RoutingContext ctx) {
    LOG.warn("Zipkin intake failed", ctx.failure());
    respond(ctx, new IngestException(IngestException.Reason.INTERNAL, "internal error"));
  }

  private static void respond(RoutingContext ctx, IngestException refused) {
    HttpRefusal.respondPlainText(ctx.response(), refused);
  }
}
