package io.meshtrace.collector.metrics;

import io.meshtrace.tls.ServedTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TLS listeners' meters, each listener's from the moment it is set up. Prometheus names:
 *
 * <ul>
 *   <li>{@code meshtrace_tls_reloads_total{listener,outcome}}: changed certificate files served
 *       ({@code reloaded}) or refused, the last good ones kept ({@code failed}; the log line
 *       next to it says why)
 *   <li>{@code meshtrace_tls_certificate_expiry_timestamp_seconds{listener}}: when the served
 *       certificate expires, for an alert before it does
 *   <li>{@code meshtrace_tls_handshake_failures_total{listener}}: connections that did not
 *       complete a handshake (plain text sent to a TLS port, an old protocol, a client
 *       certificate missing or not trusted); on the Vert.x listeners, not on xDS, whose
 *       grpc-java transport does not report them
 * </ul>
 */
public final class TlsMetrics {
  private final MeterRegistry registry;

  public TlsMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * One listener's observer; its series exist at zero from now.
   *
   * @param handshakes whether its failed handshakes are counted (reported to {@link
   *     Listener#handshakeFailed})
   */
  public Listener listener(String listener, boolean handshakes) {
    return new Listener(listener, handshakes);
  }

  /** The meters of one TLS listener. */
  public final class Listener implements ServedTls.Observer {
    private final Counter reloaded;
    private final Counter failed;
    private final Counter handshakeFailures;
    private final AtomicLong expiry = new AtomicLong();

    private Listener(String listener, boolean handshakes) {
      reloaded = reloads(listener, "reloaded");
      failed = reloads(listener, "failed");
      handshakeFailures = !handshakes ? null : Counter.builder("meshtrace.tls.handshake.failures")
          .description("Connections to a TLS listener that did not complete a handshake")
          .tag("listener", listener).register(registry);
      Gauge.builder("meshtrace.tls.certificate.expiry.timestamp.seconds", expiry, AtomicLong::get)
          .description("When the certificate a TLS listener serves expires (Unix seconds)")
          .tag("listener", listener).register(registry);
    }

    @Override
    public void loaded(X509Certificate certificate, boolean wasReload) {
      expiry.set(certificate.getNotAfter().toInstant().getEpochSecond());
      if (wasReload) {
        reloaded.increment();
      }
    }

    @Override
    public void failed(String problem) {
      failed.increment();
    }

    public void handshakeFailed() {
      if (handshakeFailures != null) {
        handshakeFailures.increment();
      }
    }
  }

  private Counter reloads(String listener, String outcome) {
    return Counter.builder("meshtrace.tls.reloads")
        .description("Changed TLS files of a listener, served (reloaded) or refused with the "
            + "last good ones kept (failed)")
        .tag("listener", listener).tag("outcome", outcome).register(registry);
  }
}
