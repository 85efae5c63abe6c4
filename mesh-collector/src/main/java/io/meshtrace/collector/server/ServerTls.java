package io.meshtrace.collector.server;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.TcpListener;
import io.meshtrace.collector.config.TlsConfig;
import io.meshtrace.collector.metrics.TlsMetrics;
import io.meshtrace.lifecycle.Component;
import io.meshtrace.tls.ServedTls;
import io.meshtrace.tls.TlsMaterial;
import io.meshtrace.tls.UnusableTlsFileException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.time.Duration;
import java.util.Set;

/**
 * The TLS of one listener as this process runs it: the {@link ServedTls} following the files the
 * settings name, its meters, and the start-up check that turns unusable files into an invalid
 * setting naming the setting that gave them.
 */
final class ServerTls implements Component {
  private final TlsConfig.ListenerTls settings;
  private final ServedTls served;
  private final TlsMetrics.Listener metrics;

  ServerTls(Vertx vertx, TlsConfig.ListenerTls settings, Duration reloadInterval,
      TlsMetrics metrics) {
    this.settings = settings;
    // The xDS server's grpc-java transport does not report failed handshakes.
    this.metrics = metrics.listener(settings.listener().key(),
        settings.listener() != TcpListener.XDS);
    this.served = new ServedTls(vertx, settings.listener().key() + " listener", settings.files(),
        reloadInterval, this.metrics);
  }

  /**
   * Reads and checks a listener's files; blocks. For the check of every file before anything
   * starts.
   *
   * @throws InvalidConfigException naming the setting of the file that cannot be served
   */
  static void check(TlsConfig.ListenerTls settings) {
    try {
      TlsMaterial.load(settings.files());
    } catch (UnusableTlsFileException e) {
      throw invalid(settings, e);
    }
  }

  ServedTls served() {
    return served;
  }

  TlsMetrics.Listener metrics() {
    return metrics;
  }

  /**
   * Vert.x's server options for this TLS: TLS 1.2 and 1.3 only, ALPN (gRPC needs h2; HTTP
   * clients may choose), the swapping key manager, and for mTLS the swapping trust manager with
   * client certificates required.
   */
  HttpServerOptions apply(HttpServerOptions options) {
    options.setSsl(true)
        .setUseAlpn(true)
        .setEnabledSecureTransportProtocols(Set.copyOf(TlsMaterial.PROTOCOLS))
        .setKeyCertOptions(KeyCertOptions.wrap(served.keyManager()));
    if (served.mutual()) {
      options.setTrustOptions(TrustOptions.wrap(served.trustManager()))
          .setClientAuth(ClientAuth.REQUIRED);
    }
    return options;
  }

  @Override
  public String name() {
    return served.name();
  }

  @Override
  public Future<Void> start() {
    return served.start().recover(failure -> Future.failedFuture(
        failure instanceof UnusableTlsFileException unusable ? invalid(settings, unusable)
            : failure));
  }

  @Override
  public Future<Void> stop() {
    return served.stop();
  }

  private static InvalidConfigException invalid(TlsConfig.ListenerTls settings,
      UnusableTlsFileException e) {
    return new InvalidConfigException(settings.settingOf(e.part()).name(), e.getMessage()
        + " (the " + settings.listener().key() + " listener's TLS)");
  }
}
