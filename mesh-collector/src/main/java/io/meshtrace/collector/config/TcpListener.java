package io.meshtrace.collector.config;

/**
 * The TCP listeners a process may run, each named as {@code --ports-file} names it and with the
 * setting of its port, whose name without {@code -port} prefixes the listener's own settings
 * ({@code --query-port}, {@code --query-tls-cert}). The Jaeger agent's UDP ports are not here.
 */
public enum TcpListener {
  ZIPKIN("zipkin", ListenerConfig.ZIPKIN_PORT),
  OTLP_GRPC("otlpGrpc", ListenerConfig.OTLP_GRPC_PORT),
  OTLP_HTTP("otlpHttp", ListenerConfig.OTLP_HTTP_PORT),
  JAEGER_HTTP("jaegerHttp", ListenerConfig.JAEGER_HTTP_PORT),
  QUERY("query", ListenerConfig.QUERY_PORT),
  SAMPLING_HTTP("samplingHttp", ListenerConfig.SAMPLING_HTTP_PORT),
  SAMPLING_GRPC("samplingGrpc", ListenerConfig.SAMPLING_GRPC_PORT),
  XDS("xds", XdsConfig.XDS_PORT),
  ADMIN("admin", ListenerConfig.ADMIN_PORT);

  private final String key;
  private final Setting<Integer> port;

  TcpListener(String key, Setting<Integer> port) {
    this.key = key;
    this.port = port;
  }

  /** The key of {@code --ports-file}, and the listener's name in logs and metrics. */
  public String key() {
    return key;
  }

  public Setting<Integer> portSetting() {
    return port;
  }

  /** What its own settings start with: {@code otlp-grpc} for {@code --otlp-grpc-tls-cert}. */
  public String settingPrefix() {
    return port.name().substring(0, port.name().length() - "-port".length());
  }

  /** The listener of a {@code --ports-file} key. */
  public static TcpListener ofKey(String key) {
    for (TcpListener listener : values()) {
      if (listener.key.equals(key)) {
        return listener;
      }
    }
    throw new IllegalArgumentException("no TCP listener " + key);
  }
}
