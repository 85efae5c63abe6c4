package io.meshtrace.jaeger.receiver;

import java.util.Locale;

/** What became of one UDP packet: the {@code outcome} label of {@code meshtrace_udp_packets}. */
public enum UdpPacketOutcome {
  /** Its spans were committed (spans refused for their content are counted as spans). */
  STORED,
  /** Dropped unread: the socket's packets waiting for storage were at the bound. */
  DROPPED_FULL,
  /** Read, and then storage failed or could not be reached: its spans are lost. */
  DROPPED_UNAVAILABLE,
  /** Not an {@code Agent.emitBatch} message meshtrace can read. */
  MALFORMED,
  /** Larger than {@code --jaeger-udp-max-packet-bytes}. */
  TOO_LARGE;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
