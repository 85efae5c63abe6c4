package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttributeSplitterTest {
  static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  @Test
  void repeatingValuesAreSharedVaryingOnesBecomeTheSpansOwn() {
    AttributeSplitter splitter = new AttributeSplitter();
    for (int i = 0; i < AttributeSplitter.MAX_DISTINCT_VALUES; i++) {
      AttributeSplitter.Split split = splitter.split("svc",
          List.of(attr("zone", "a"), attr("request_id", "r" + i)));
      assertThat(split.shared()).containsExactly(true, true);
      assertThat(split.newlyVolatile()).isEmpty();
    }
    AttributeSplitter.Split past = splitter.split("svc",
        List.of(attr("zone", "a"), attr("request_id", "r-new")));
    assertThat(past.shared()).containsExactly(true, false);
    assertThat(past.newlyVolatile()).containsExactly("request_id");
    // Reported by every span until recorded, then no more.
    assertThat(splitter.split("svc", List.of(attr("request_id", "r-next"))).newlyVolatile())
        .containsExactly("request_id");
    splitter.markVolatile("svc", "request_id");
    AttributeSplitter.Split recorded = splitter.split("svc",
        List.of(attr("request_id", "r0"), attr("zone", "a")));
    assertThat(recorded.shared()).containsExactly(false, true);
    assertThat(recorded.newlyVolatile()).isEmpty();
    // Another service learns on its own.
    assertThat(splitter.split("other", List.of(attr("request_id", "r-new"))).shared())
        .containsExactly(true);
  }

  @Test
  void longValuesAreNeverShared() {
    AttributeSplitter splitter = new AttributeSplitter();
    AttributeSplitter.Split split = splitter.split("svc", List.of(attr("sql",
        "x".repeat(AttributeSplitter.MAX_SHARED_VALUE_BYTES + 1))));
    assertThat(split.shared()).containsExactly(false);
    assertThat(split.newlyVolatile()).containsExactly("sql");
  }
}
