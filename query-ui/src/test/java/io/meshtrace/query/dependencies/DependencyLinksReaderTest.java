package io.meshtrace.query.dependencies;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.storage.postgres.PostgresStorage;
import io.meshtrace.storage.postgres.PostgresStorageConfig;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.zipkin.codec.ZipkinToOtlp;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import zipkin2.codec.SpanBytesDecoder;

/** Windows within the bound are linked on read; larger ones read the links counted at ingest. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DependencyLinksReaderTest {
  /** frontend calls cart; sent twice, as a retrying reporter may. */
  static final String TRACE = """
      [{"traceId":"00000000000000a1","id":"00000000000000a1","kind":"SERVER","name":"get /",
        "timestamp":1699999970000000,"duration":9000,"localEndpoint":{"serviceName":"frontend"}},
       {"traceId":"00000000000000a1","parentId":"00000000000000a1","id":"00000000000000a2",
        "kind":"CLIENT","name":"get /cart","timestamp":1699999970001000,"duration":5000,
        "localEndpoint":{"serviceName":"frontend"}},
       {"traceId":"00000000000000a1","parentId":"00000000000000a1","id":"00000000000000a2",
        "kind":"SERVER","name":"get /cart","timestamp":1699999970002000,"duration":3000,
        "localEndpoint":{"serviceName":"cart"},"shared":true}]""";
  static final Instant START = Instant.parse("2023-11-14T22:00:00Z");
  static final Instant END = Instant.parse("2023-11-14T23:00:00Z");

  Vertx vertx;
  PostgresStorage storage;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    storage = PostgresStorage.open(vertx,
        PostgresStorageConfig.defaults(TestPostgres.freshDatabase()),
        Clock.fixed(Instant.parse("2023-11-14T23:00:00Z"), ZoneOffset.UTC)).await();
    for (int i = 0; i < 2; i++) {
      storage.spanSink().accept(ZipkinToOtlp.translate(SpanBytesDecoder.JSON_V2.decodeList(
          TRACE.getBytes(StandardCharsets.UTF_8)), System.currentTimeMillis() * 1000)).await();
    }
    storage.flushDependencyLinks().await();
  }

  @AfterAll
  void stop() {
    storage.close().await();
    vertx.close().await();
  }

  @Test
  void aWindowWithinTheBoundIsLinkedOnReadCountingATraceSentTwiceOnce() {
    DependencyLinksReader.Links links = new DependencyLinksReader(storage.spanStore())
        .links(START, END).await();
    assertThat(links.links()).singleElement().satisfies(link -> {
      assertThat(link.parent()).isEqualTo("frontend");
      assertThat(link.child()).isEqualTo("cart");
      assertThat(link.callCount()).isEqualTo(1);
    });
  }

  @Test
  void aWindowOfMoreTracesThanTheBoundReadsTheLinksCountedAtIngest() {
    DependencyLinksReader.Links links = new DependencyLinksReader(storage.spanStore(), 0)
        .links(START, END).await();
    // As stored: the spans of both sends counted.
    assertThat(links.asStored()).containsExactlyElementsOf(
        storage.spanStore().getDependencies(START, END).await());
    assertThat(links.links()).singleElement().satisfies(link -> {
      assertThat(link.parent()).isEqualTo("frontend");
      assertThat(link.child()).isEqualTo("cart");
      assertThat(link.callCount()).isEqualTo(2);
    });
  }
}
