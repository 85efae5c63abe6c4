package io.meshtrace.jaeger.receiver;

/** Told what became of every packet an agent port received (the metrics). */
public interface UdpPacketObserver {
  /** The port is bound: every outcome's series can exist from now, at zero. */
  void listening(int port);

  void packet(int port, UdpPacketOutcome outcome);
}
