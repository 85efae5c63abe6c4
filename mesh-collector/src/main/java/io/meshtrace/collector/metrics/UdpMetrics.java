package io.meshtrace.collector.metrics;

import io.meshtrace.jaeger.receiver.UdpPacketObserver;
import io.meshtrace.jaeger.receiver.UdpPacketOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code meshtrace_udp_packets_total{port,outcome}}: what became of every packet the Jaeger
 * agent ports received ({@link UdpPacketOutcome}: stored, dropped_full, dropped_unavailable,
 * malformed, too_large). A port's series exist at zero from the moment it is bound. The spans in
 * the packets are counted as every source's are, by {@link IngestMetrics}.
 */
public final class UdpMetrics implements UdpPacketObserver {
  private final MeterRegistry registry;
  private final Map<Integer, Map<UdpPacketOutcome, Counter>> byPort = new ConcurrentHashMap<>();

  public UdpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void listening(int port) {
    counters(port);
  }

  @Override
  public void packet(int port, UdpPacketOutcome outcome) {
    counters(port).get(outcome).increment();
  }

  private Map<UdpPacketOutcome, Counter> counters(int port) {
    return byPort.computeIfAbsent(port, p -> {
      Map<UdpPacketOutcome, Counter> counters = new EnumMap<>(UdpPacketOutcome.class);
      for (UdpPacketOutcome outcome : UdpPacketOutcome.values()) {
        counters.put(outcome, Counter.builder("meshtrace.udp.packets")
            .description("UDP packets received on the Jaeger agent ports, by what became of them")
            .tag("port", Integer.toString(p)).tag("outcome", outcome.label())
            .register(registry));
      }
      return counters;
    });
  }
}
