package io.meshtrace.collector.config;

import io.meshtrace.time.GoDuration;
import io.meshtrace.tls.TlsFiles;
import io.meshtrace.tls.UnusableTlsFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * TLS on the TCP listeners: PEM files for all of them ({@code --tls-cert}, {@code --tls-key},
 * {@code --tls-client-ca} for mTLS) and, per listener, files in their place or {@code none}
 * ({@code --query-tls-cert}, {@code --otlp-grpc-tls-client-ca none}). The Jaeger agent's UDP
 * ports stay plain: its protocol has no TLS.
 *
 * @param certificate the chain every listener serves; null for plain listeners
 * @param key its private key
 * @param clientCa the CAs client certificates must chain to; null for no client certificates
 * @param overrides per listener, what replaces the above; every listener has an entry
 * @param reloadInterval how often the files are re-read; zero for never
 */
public record TlsConfig(Path certificate, Path key, Path clientCa,
    Map<TcpListener, Overrides> overrides, Duration reloadInterval) {

  /** The per-listener value that turns TLS, or client certificates, off for that listener. */
  public static final String NONE = "none";

  public static final Setting<Path> TLS_CERT = Setting.path("tls-cert", "FILE", null,
      "PEM certificate chain (leaf first) served by every TCP listener over TLS 1.2 or 1.3, "
          + "with --tls-key (PKCS#8, or RSA/EC PRIVATE KEY as cert-manager writes); both are "
          + "re-read every --tls-reload-interval and served from the next handshake. Per "
          + "listener, --<listener>-tls-cert and -key replace them (<listener> as in "
          + "--<listener>-port; none keeps that one plain). The Jaeger UDP ports stay plain. "
          + "Default: none, every listener plain.");
  public static final Setting<Path> TLS_KEY = Setting.path("tls-key", "FILE", null,
      "The private key of --tls-cert (PEM).");
  public static final Setting<Path> TLS_CLIENT_CA = Setting.path("tls-client-ca", "FILE", null,
      "PEM CA bundle: every TLS listener then requires a client certificate issued by it "
          + "(mTLS). --<listener>-tls-client-ca replaces it for one listener, none requiring no "
          + "client certificate there (for example ingest ports that SDKs reach, or admin for "
          + "kubelet probes, which present none). Default: no client certificates.");
  public static final Setting<Duration> TLS_RELOAD_INTERVAL = Setting.duration(
      "tls-reload-interval", "10s", "How often the TLS files are re-read (by content, so "
          + "cert-manager's symbolic-link swaps are seen). Files that cannot be served are "
          + "logged and counted (meshtrace_tls_reloads_total{outcome=\"failed\"}) and the last "
          + "good certificate stays in service. 0 for never.");

  /** A listener's own files, each null when not given (the shared setting applies). */
  public record Overrides(Path certificate, Path key, Path clientCa) {}

  /** The settings of one listener's overrides. */
  public record ListenerSettings(Setting<Path> certificate, Setting<Path> key,
      Setting<Path> clientCa) {}

  /** Per listener, its override settings. */
  public static final Map<TcpListener, ListenerSettings> LISTENER_SETTINGS = listenerSettings();

  public static final List<Setting<?>> SETTINGS = settings();

  public TlsConfig {
    overrides = Collections.unmodifiableMap(new EnumMap<>(overrides));
    if (none(certificate) || none(key) || none(clientCa)) {
      throw new InvalidConfigException((none(certificate) ? TLS_CERT : none(key) ? TLS_KEY
          : TLS_CLIENT_CA).name(), "'none' is for a listener's own setting, such as "
          + LISTENER_SETTINGS.get(TcpListener.ADMIN).certificate().name()
          + "; leave this one unset for plain listeners");
    }
    pair(TLS_CERT, certificate, TLS_KEY, key);
    if (clientCa != null && certificate == null) {
      throw new InvalidConfigException(TLS_CLIENT_CA.name(), "client certificates need TLS: "
          + "set " + TLS_CERT.flag() + " and " + TLS_KEY.flag() + " too");
    }
    for (TcpListener listener : TcpListener.values()) {
      ListenerSettings settings = LISTENER_SETTINGS.get(listener);
      Overrides own = overrides.get(listener);
      if (own == null) {
        throw new IllegalArgumentException("no TLS overrides for " + listener);
      }
      if (none(own.certificate())) {
        if (own.key() != null && !none(own.key())) {
          throw new InvalidConfigException(settings.key().name(), "is set but "
              + settings.certificate().flag() + " is none (that listener is plain)");
        }
        if (own.clientCa() != null && !none(own.clientCa())) {
          throw new InvalidConfigException(settings.clientCa().name(), "is set but "
              + settings.certificate().flag() + " is none (that listener is plain)");
        }
        continue;
      }
      if (none(own.key())) {
        throw new InvalidConfigException(settings.key().name(), "'none' is for "
            + settings.certificate().flag() + ", which turns that listener's TLS off");
      }
      pair(settings.certificate(), own.certificate(), settings.key(), own.key());
      if (own.clientCa() != null && !none(own.clientCa()) && own.certificate() == null
          && certificate == null) {
        throw new InvalidConfigException(settings.clientCa().name(), "client certificates "
            + "need TLS: set " + settings.certificate().flag() + " or " + TLS_CERT.flag());
      }
    }
    if (reloadInterval.isNegative()) {
      throw new InvalidConfigException(TLS_RELOAD_INTERVAL.name(), "is "
          + GoDuration.format(reloadInterval) + " but must be 0 (never) or more");
    }
  }

  public static TlsConfig from(SettingValues values) {
    Map<TcpListener, Overrides> overrides = new EnumMap<>(TcpListener.class);
    LISTENER_SETTINGS.forEach((listener, settings) -> overrides.put(listener, new Overrides(
        values.get(settings.certificate()), values.get(settings.key()),
        values.get(settings.clientCa()))));
    return new TlsConfig(values.get(TLS_CERT), values.get(TLS_KEY), values.get(TLS_CLIENT_CA),
        overrides, values.get(TLS_RELOAD_INTERVAL));
  }

  /**
   * What a listener serves: its own files, else the shared ones; null when it is plain.
   */
  public ListenerTls forListener(TcpListener listener) {
    ListenerSettings settings = LISTENER_SETTINGS.get(listener);
    Overrides own = overrides.get(listener);
    if (none(own.certificate()) || (own.certificate() == null && certificate == null)) {
      return null;
    }
    boolean ownPair = own.certificate() != null;
    boolean ownCa = own.clientCa() != null;
    Path ca = ownCa ? (none(own.clientCa()) ? null : own.clientCa()) : clientCa;
    return new ListenerTls(listener,
        new TlsFiles(ownPair ? own.certificate() : certificate, ownPair ? own.key() : key, ca),
        ownPair ? settings.certificate() : TLS_CERT, ownPair ? settings.key() : TLS_KEY,
        ownCa ? settings.clientCa() : TLS_CLIENT_CA);
  }

  /**
   * One listener's TLS, with the settings its files came from (for start-up errors).
   */
  public record ListenerTls(TcpListener listener, TlsFiles files,
      Setting<Path> certificateSetting, Setting<Path> keySetting, Setting<Path> clientCaSetting) {
    /** The setting that named the file a problem is about. */
    public Setting<Path> settingOf(UnusableTlsFileException.Part part) {
      return switch (part) {
        case CERTIFICATE -> certificateSetting;
        case KEY -> keySetting;
        case CLIENT_CA -> clientCaSetting;
      };
    }
  }

  private static void pair(Setting<Path> certSetting, Path cert, Setting<Path> keySetting,
      Path key) {
    if (cert != null && key == null) {
      throw new InvalidConfigException(keySetting.name(), "is needed with "
          + certSetting.flag() + ": the private key of that certificate");
    }
    if (cert == null && key != null) {
      throw new InvalidConfigException(certSetting.name(), "is needed with "
          + keySetting.flag() + ": the certificate of that key");
    }
  }

  private static boolean none(Path path) {
    return path != null && path.toString().equals(NONE);
  }

  private static Map<TcpListener, ListenerSettings> listenerSettings() {
    Map<TcpListener, ListenerSettings> settings = new EnumMap<>(TcpListener.class);
    for (TcpListener listener : TcpListener.values()) {
      String prefix = listener.settingPrefix();
      String port = listener.portSetting().flag();
      settings.put(listener, new ListenerSettings(
          Setting.path(prefix + "-tls-cert", "FILE|none", null, "The certificate chain of the "
              + port + " listener, in place of " + TLS_CERT.flag() + "; none keeps it plain."),
          Setting.path(prefix + "-tls-key", "FILE", null, "The private key of "
              + "--" + prefix + "-tls-cert."),
          Setting.path(prefix + "-tls-client-ca", "FILE|none", null, "Client CAs of the "
              + port + " listener, in place of " + TLS_CLIENT_CA.flag() + "; none requires no "
              + "client certificate there.")));
    }
    return Collections.unmodifiableMap(settings);
  }

  private static List<Setting<?>> settings() {
    List<Setting<?>> all = new ArrayList<>(List.of(TLS_CERT, TLS_KEY, TLS_CLIENT_CA,
        TLS_RELOAD_INTERVAL));
    LISTENER_SETTINGS.values().forEach(listener -> all.addAll(List.of(listener.certificate(),
        listener.key(), listener.clientCa())));
    return List.copyOf(all);
  }
}
