package io.meshtrace.collector.config;

import java.util.List;
import java.util.Objects;

/**
 * How the Jaeger agent's UDP ports read packets. UDP is not acknowledged: these bound what a
 * burst or slow storage costs (whole packets, counted), they cannot make it cost nothing.
 *
 * @param sockets sockets per port sharing it (SO_REUSEPORT), each with its own reader thread
 * @param queuePackets packets per socket whose spans may wait for storage; more are dropped
 * @param maxPacketBytes larger packets are dropped as too large
 * @param socketBufferBytes the kernel's receive buffer per socket (capped by the system's
 *     {@code net.core.rmem_max}); 0 keeps the system's default
 */
public record JaegerUdpConfig(int sockets, int queuePackets, int maxPacketBytes,
    int socketBufferBytes) {

  public static final Setting<Integer> SOCKETS = Setting.integer("jaeger-udp-sockets", "N", 2,
      "Sockets (and reader threads) per Jaeger UDP port.");
  public static final Setting<Integer> QUEUE_PACKETS = Setting.integer(
      "jaeger-udp-queue-packets", "N", 1000, "Packets per UDP socket whose spans may wait for "
          + "storage at once; a packet arriving past it is dropped whole and counted "
          + "(meshtrace_udp_packets_total{outcome=\"dropped_full\"}).");
  public static final Setting<Integer> MAX_PACKET_BYTES = Setting.integer(
      "jaeger-udp-max-packet-bytes", "BYTES", 65_000, "Larger UDP packets are dropped and "
          + "counted as too_large (Jaeger's clients send at most 65,000 bytes).");
  public static final Setting<Long> SOCKET_BUFFER_BYTES = Setting.byteSize(
      "jaeger-udp-socket-buffer-bytes", "4MiB", "The kernel's receive buffer per UDP socket, "
          + "which absorbs bursts; the system caps it at net.core.rmem_max. 0 keeps the "
          + "system's default.");

  public static final List<Setting<?>> SETTINGS = List.of(SOCKETS, QUEUE_PACKETS,
      MAX_PACKET_BYTES, SOCKET_BUFFER_BYTES);

  public JaegerUdpConfig {
    Validate.atLeast(SOCKETS, sockets, 1);
    Validate.atLeast(QUEUE_PACKETS, queuePackets, 1);
    Validate.atLeast(MAX_PACKET_BYTES, maxPacketBytes, 512);
    if (maxPacketBytes > 65_507) {
      throw new InvalidConfigException(MAX_PACKET_BYTES.name(), "is " + maxPacketBytes
          + "; no UDP datagram is larger than 65507 bytes");
    }
    Validate.atLeast(SOCKET_BUFFER_BYTES, socketBufferBytes, 0);
  }

  public static JaegerUdpConfig from(SettingValues values) {
    Objects.requireNonNull(values);
    long buffer = values.get(SOCKET_BUFFER_BYTES);
    if (buffer > Integer.MAX_VALUE) {
      throw new InvalidConfigException(SOCKET_BUFFER_BYTES.name(), "must be below 2 GiB");
    }
    return new JaegerUdpConfig(values.get(SOCKETS), values.get(QUEUE_PACKETS),
        values.get(MAX_PACKET_BYTES), (int) buffer);
  }
}
