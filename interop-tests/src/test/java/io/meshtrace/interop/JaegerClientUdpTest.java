package io.meshtrace.interop;

import io.jaegertracing.spi.Sender;
import io.jaegertracing.thrift.internal.senders.UdpSender;

/**
 * jaeger-client's {@code UdpSender} (Thrift compact, {@code Agent.emitBatch}) to the Jaeger
 * agent's compact port, {@code --jaeger-compact-port}.
 */
class JaegerClientUdpTest extends JaegerClientSenderTest {
  @Override
  Sender sender() throws Exception {
    return new UdpSender("127.0.0.1", server.ports().get("jaegerCompact"), 0);
  }

  @Override
  String service() {
    return "jaeger-client-udp";
  }
}
