package io.meshtrace.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshtrace.ingest.IngestLimits;
import io.meshtrace.ingest.IngestObserver;
import io.meshtrace.ingest.IngestPipeline;
import io.meshtrace.ingest.IngestSource;
import io.meshtrace.storage.SpanSink;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpanTenantTest {
  private static final long NOW = System.currentTimeMillis() * 1_000_000L;
  private static final IngestSource SOURCE = new IngestSource("test", "test", false);

  @Test
  void theDefaultTenantLeavesSpansAsTheyAre() {
    List<ResourceSpans> spans = List.of(resourceSpans("shop"));
    assertThat(SpanTenant.assign(spans, Tenant.DEFAULT)).isSameAs(spans);
    assertThat(SpanTenant.of(spans.get(0))).isEqualTo(Tenant.DEFAULT);
  }

  @Test
  void aTenantIsMarkedReadAndStrippedAgain() {
    ResourceSpans marked = SpanTenant.assign(resourceSpans("shop"), Tenant.of("team-a"));
    assertThat(SpanTenant.of(marked)).isEqualTo(Tenant.of("team-a"));
    assertThat(SpanTenant.strip(marked)).isEqualTo(resourceSpans("shop"));
    assertThat(SpanTenant.assign(marked, Tenant.of("team-a"))).isSameAs(marked);
  }

  @Test
  void aMarkTheClientSentIsReplacedOrRemoved() {
    ResourceSpans spoofed = resourceSpans("shop").toBuilder().setResource(
        resourceSpans("shop").getResource().toBuilder().addAttributes(mark("team-b"))
            .addAttributes(mark("team-c"))).build();
    ResourceSpans asA = SpanTenant.assign(spoofed, Tenant.of("team-a"));
    assertThat(SpanTenant.of(asA)).isEqualTo(Tenant.of("team-a"));
    assertThat(asA.getResource().getAttributesList())
        .filteredOn(a -> a.getKey().equals(SpanTenant.KEY)).hasSize(1);
    assertThat(SpanTenant.assign(spoofed, Tenant.DEFAULT)).isEqualTo(resourceSpans("shop"));
  }

  @Test
  void thePipelineHandsTheSinkSpansMarkedAsTheRequestsTenantOnly() {
    List<List<ResourceSpans>> written = new ArrayList<>();
    SpanSink sink = spans -> {
      written.add(spans);
      return Future.succeededFuture();
    };
    IngestPipeline pipeline = new IngestPipeline(sink, span -> null,
        new IngestLimits(100, 128, 8192, 1000), IngestObserver.NONE);
    ResourceSpans spoofed = resourceSpans("shop").toBuilder().setResource(
        resourceSpans("shop").getResource().toBuilder().addAttributes(mark("team-b"))).build();

    pipeline.accept(List.of(spoofed), SOURCE, Tenant.of("team-a"));
    pipeline.accept(List.of(spoofed), SOURCE);

    assertThat(written).hasSize(2);
    assertThat(SpanTenant.of(written.get(0).get(0))).isEqualTo(Tenant.of("team-a"));
    assertThat(written.get(1).get(0)).isEqualTo(resourceSpans("shop"));
  }

  private static KeyValue mark(String tenant) {
    return KeyValue.newBuilder().setKey(SpanTenant.KEY)
        .setValue(AnyValue.newBuilder().setStringValue(tenant)).build();
  }

  private static ResourceSpans resourceSpans(String service) {
    long now = NOW;
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
            .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                14, 15, 16}))
            .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
            .setName("get").setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1000)))
        .build();
  }
}
