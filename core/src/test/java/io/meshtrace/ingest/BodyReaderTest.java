package io.meshtrace.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Over real HTTP: bodies with and without a length, within and past the bound. */
class BodyReaderTest {
  static final int MAX = 64 * 1024;
  Vertx vertx;
  HttpServer server;
  HttpClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(request -> {
      request.pause();
      BodyReader.read(request, MAX).onComplete(read -> {
        if (read.succeeded()) {
          request.response().end("read " + read.result().length + " bytes, last "
              + (read.result().length == 0 ? -1 : read.result()[read.result().length - 1]));
        } else {
          IngestException refused = (IngestException) read.cause();
          HttpRefusal.prepare(request.response(), refused).end(refused.getMessage());
        }
      });
    }).listen(0, "127.0.0.1").await();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  String post(byte[] body, boolean chunked, int[] status) {
    return client.request(HttpMethod.POST, server.actualPort(), "127.0.0.1", "/")
        .compose(request -> {
          if (chunked) {
            request.setChunked(true);
            for (int i = 0; i < body.length; i += 1000) {
              request.write(Buffer.buffer(Arrays.copyOfRange(body, i,
                  Math.min(body.length, i + 1000))));
            }
            request.end();
            return request.response();
          }
          return request.send(Buffer.buffer(body));
        })
        .compose(response -> {
          status[0] = response.statusCode();
          return response.body();
        })
        .await().toString();
  }

  static byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      bytes[i] = (byte) (i % 100);
    }
    return bytes;
  }

  @Test
  void readsBodiesWithAndWithoutALengthWhole() {
    int[] status = new int[1];
    assertThat(post(bytes(50_000), false, status)).isEqualTo("read 50000 bytes, last 99");
    assertThat(post(bytes(50_000), true, status)).isEqualTo("read 50000 bytes, last 99");
    assertThat(post(bytes(MAX), true, status)).isEqualTo("read 65536 bytes, last 35");
    assertThat(post(new byte[0], false, status)).isEqualTo("read 0 bytes, last -1");
    assertThat(status[0]).isEqualTo(200);
  }

  @Test
  void aBodyPastTheBoundIsRefusedWhetherItsLengthIsDeclaredOrNot() {
    int[] status = new int[1];
    assertThat(post(bytes(MAX + 1), false, status))
        .isEqualTo("request body is larger than 65536 bytes");
    assertThat(status[0]).isEqualTo(413);
    assertThat(post(bytes(MAX + 5000), true, status))
        .isEqualTo("request body is larger than 65536 bytes");
    assertThat(status[0]).isEqualTo(413);
  }
}
