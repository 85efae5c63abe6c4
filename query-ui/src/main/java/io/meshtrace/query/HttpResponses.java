package io.meshtrace.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Small helpers shared by the query APIs. */
public final class HttpResponses {
  /** Doubles written by Jackson's own shortest-digits writer: a metrics answer has thousands. */
  public static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

  /** Writes one JSON document. */
  @FunctionalInterface
  public interface JsonBody {
    void write(JsonGenerator json) throws IOException;
  }

  private HttpResponses() {}

  public static Buffer json(JsonBody body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      body.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  public static void sendJson(RoutingContext ctx, int status, Buffer body) {
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
        .end(body);
  }

  public static void sendText(RoutingContext ctx, int status, String text) {
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end(text + "\n");
  }
}
