package io.meshtrace.interop;

import io.jaegertracing.spi.Sender;
import io.jaegertracing.thrift.internal.senders.HttpSender;

/**
 * jaeger-client's {@code HttpSender} (a Thrift binary {@code Batch} in {@code POST /api/traces})
 * to the Jaeger collector's HTTP port, {@code --jaeger-http-port}.
 */
class JaegerClientHttpTest extends JaegerClientSenderTest {
  @Override
  Sender sender() throws Exception {
    return new HttpSender.Builder("http://127.0.0.1:" + server.ports().get("jaegerHttp")
        + "/api/traces").build();
  }

  @Override
  String service() {
    return "jaeger-client-http";
  }
}
