package io.meshtrace.jaeger.receiver;

import io.meshtrace.ingest.BodyReader;
import io.meshtrace.ingest.HttpRefusal;
import io.meshtrace.ingest.IngestException;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.ingest.ProblemLog;
import io.meshtrace.ingest.RequestBodies;
import io.meshtrace.ingest.SpanIngest;
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
  private final Limits limits;
  private final ProblemLog problems = new ProblemLog(LOG);

  public JaegerHttpReceiver(SpanIngest ingest, Limits limits) {
    this.ingest = ingest;
    this.limits = limits;
  }

  public void mount(Router router) {
    router.post(PATH).handler(this::receive).failureHandler(this::failure);
  }

  private void receive(RoutingContext ctx) {
    BodyReader.read(ctx.request(), limits.maxRequestBytes())
        .onSuccess(body -> handle(ctx, body))
        .onFailure(failure -> refuse(ctx, source(ctx), IngestException.of(failure)));
  }

  /** The source of a request, {@code unsupported} when its content type is not Thrift. */
  private static IngestSource source(RoutingContext ctx) {
    String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String mediaType = contentType == null ? ""
        : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return MEDIA_TYPES.contains(mediaType) ? SOURCE : UNSUPPORTED;
  }

  private void handle(RoutingContext ctx, byte[] received) {
    if (source(ctx) == UNSUPPORTED) {
      refuse(ctx, UNSUPPORTED, new IngestException(IngestException.Reason.UNSUPPORTED_MEDIA_TYPE,
          "unsupported Content-Type '" + ctx.request().getHeader(HttpHeaders.CONTENT_TYPE)
              + "' for " + PATH + "; send a Thrift binary Batch as application/x-thrift or "
              + "application/vnd.apache.thrift.binary"));
      return;
    }
    List<ResourceSpans> spans;
    try {
      byte[] body = RequestBodies.decode(received,
          ctx.request().getHeader(HttpHeaders.CONTENT_ENCODING), limits.maxDecompressedBytes());
      spans = JaegerThriftDecoder.decodeBatch(body, body.length);
    } catch (IngestException refused) {
      refuse(ctx, SOURCE, refused);
      return;
    } catch (InvalidBatchException malformed) {
      problems.warn("malformed", "Refused a malformed Jaeger Thrift batch from "
          + ctx.request().remoteAddress() + ": " + malformed.getMessage());
      refuse(ctx, SOURCE, new IngestException(IngestException.Reason.INVALID,
          "malformed Jaeger Thrift batch: " + malformed.getMessage()));
      return;
    }
    ingest.accept(spans, SOURCE)
        .onSuccess(result -> ctx.response().setStatusCode(202).end())
        .onFailure(failure -> respond(ctx, IngestException.of(failure)));
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
