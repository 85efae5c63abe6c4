package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Two event loops splitting spans of one service at once: a value one of them has just added is
 * not a new value to the other. (It was: a key of two values, http.method, turned volatile under
 * 8 connections, and Envoy's node_id with it, 20 bytes a span more on disk.)
 */
class AttributeSplitterConcurrencyTest {
  @Test
  void aKeyWithTwoValuesStaysSharedUnderConcurrentSplits() throws Exception {
    AttributeSplitter splitter = new AttributeSplitter();
    Set<String> volatileKeys = ConcurrentHashMap.newKeySet();
    ByteString key = ByteString.copyFromUtf8("http.method");
    Runnable work = () -> {
      for (int i = 0; i < 200_000; i++) {
        byte[] body = ("xx" + (i % 2 == 0 ? "GET" : "POST") + "yy").getBytes(StandardCharsets.UTF_8);
        ByteString view = UnsafeByteOperations.unsafeWrap(body, 2, body.length - 4);
        KeyValue attribute = KeyValue.newBuilder().setKeyBytes(key)
            .setValue(AnyValue.newBuilder().setStringValueBytes(view)).build();
        volatileKeys.addAll(splitter.split("edge-gateway", List.of(attribute)).newlyVolatile());
      }
    };
    Thread a = new Thread(work);
    Thread b = new Thread(work);
    a.start();
    b.start();
    a.join();
    b.join();
    assertThat(volatileKeys).isEmpty();
  }
}
