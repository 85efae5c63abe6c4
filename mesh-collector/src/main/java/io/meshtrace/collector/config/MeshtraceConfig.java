package io.meshtrace.collector.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every setting of a meshtrace process, read once at start-up from flags, {@code MESHTRACE_*}
 * environment variables and the YAML config file (in that order of precedence), grouped in a
 * record per concern, each validated as it is built; nothing else reads configuration. What
 * involves several concerns (no two running listeners on one port) is checked here.
 */
public record MeshtraceConfig(Mode mode, ListenerConfig listeners, StorageConfig storage,
    StorageTimeoutConfig storageTimeouts, ShutdownConfig shutdown, KafkaConfig kafka, IngestConfig ingest, JaegerUdpConfig jaegerUdp, QueryConfig query,
    SamplingConfig sampling, XdsConfig xds, TlsConfig tls, AuthConfig auth,
    TenancyConfig tenancy, SpanMetricsConfig spanMetrics, SloConfig slo,
    EmbeddedPostgresConfig embeddedPostgres) {

  /** Every server setting, in the order of the help text. */
  public static final List<Setting<?>> SETTINGS = every(ListenerConfig.SETTINGS,
      StorageConfig.SETTINGS, EmbeddedPostgresConfig.SETTINGS, StorageTimeoutConfig.SETTINGS,
      ShutdownConfig.SETTINGS,
      KafkaConfig.SETTINGS, IngestConfig.SETTINGS,
      JaegerUdpConfig.SETTINGS,
      QueryConfig.SETTINGS, SamplingConfig.SETTINGS, XdsConfig.SETTINGS, TlsConfig.SETTINGS,
      AuthConfig.SETTINGS, TenancyConfig.SETTINGS, SpanMetricsConfig.SETTINGS,
      SloConfig.SETTINGS);

  public MeshtraceConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(listeners, "listeners");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(storageTimeouts, "storageTimeouts");
    Objects.requireNonNull(shutdown, "shutdown");
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(ingest, "ingest");
    if (mode.runsIngester() && (kafka.brokers() == null || kafka.brokers().isBlank())) {
      throw new InvalidConfigException(KafkaConfig.KAFKA_BROKERS.name(),
          "is needed by the ingester, for example kafka:9092");
    }
    if (kafka.toKafka() && mode != Mode.COLLECTOR) {
      throw new InvalidConfigException(KafkaConfig.SPAN_SINK.name(), "kafka is for the collector "
          + "command; " + mode.command() + " stores its spans in PostgreSQL");
    }
    Objects.requireNonNull(jaegerUdp, "jaegerUdp");
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(sampling, "sampling");
    Objects.requireNonNull(xds, "xds");
    Objects.requireNonNull(tls, "tls");
    if (runsXds(mode, xds)) {
      checkNodeIdentities(xds, tls);
    }
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(tenancy, "tenancy");
    Objects.requireNonNull(spanMetrics, "spanMetrics");
    Objects.requireNonNull(slo, "slo");
    Objects.requireNonNull(embeddedPostgres, "embeddedPostgres");
    if (!kafka.toKafka()) {
      embeddedPostgres.checkPoolsFit(storage);
    }
    if (tenancy.enabled() && tenancy.jaegerUdpTenant().isDefault() && mode.runsIngest()
        && (listeners.jaegerCompactPort() != ListenerConfig.OFF
            || listeners.jaegerBinaryPort() != ListenerConfig.OFF)) {
      throw new InvalidConfigException(TenancyConfig.JAEGER_UDP_TENANT.name(), "is needed with "
          + "--" + TenancyConfig.TENANCY.name() + " true while the Jaeger agent UDP ports are on "
          + "(UDP carries no tenant header): name their tenant, or turn them off with --"
          + ListenerConfig.JAEGER_COMPACT_PORT.name() + " -1 --"
          + ListenerConfig.JAEGER_BINARY_PORT.name() + " -1");
    }
    Map<Integer, String> used = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> listener
        : listenerPorts(mode, listeners, runsXds(mode, xds) ? xds : null).entrySet()) {
      int port = listener.getValue();
      if (port != 0 && used.containsKey(port)) {
        throw new InvalidConfigException(listener.getKey(), "is " + port + ", the same as "
            + used.get(port) + "; every listener needs its own port");
      }
      used.put(port, listener.getKey());
    }
    if (mode.runsIngest() && listeners.jaegerCompactPort() > 0
        && listeners.jaegerCompactPort() == listeners.jaegerBinaryPort()) {
      throw new InvalidConfigException(ListenerConfig.JAEGER_BINARY_PORT.name(), "is "
          + listeners.jaegerBinaryPort() + ", the same UDP port as "
          + ListenerConfig.JAEGER_COMPACT_PORT.name() + "; each protocol needs its own port");
    }
  }

  public static MeshtraceConfig from(Mode mode, SettingValues values) {
    return new MeshtraceConfig(mode, ListenerConfig.from(values), StorageConfig.from(values),
        StorageTimeoutConfig.from(values), ShutdownConfig.from(values),
        KafkaConfig.from(values), IngestConfig.from(values), JaegerUdpConfig.from(values),
        QueryConfig.from(values), SamplingConfig.from(values),
        XdsConfig.from(values), TlsConfig.from(values), AuthConfig.from(values),
        TenancyConfig.from(values), SpanMetricsConfig.from(values), SloConfig.from(values),
        EmbeddedPostgresConfig.from(values));
  }

  /**
   * Client certificates on the xDS listener are only worth having with the rule that says which
   * may claim which node cluster; the rule is meaningless without them.
   */
  private static void checkNodeIdentities(XdsConfig xds, TlsConfig tls) {
    TlsConfig.ListenerTls xdsTls = tls.forListener(TcpListener.XDS);
    boolean mutual = xdsTls != null && xdsTls.files().mutual();
    if (mutual && xds.nodeIdentities() == null) {
      throw new InvalidConfigException(XdsConfig.NODE_IDENTITIES.name(), "is needed with client "
          + "certificates on the xDS listener (" + xdsTls.clientCaSetting().flag() + "): which "
          + "certificate may speak for which node cluster, for example " + xds.nodeCluster()
          + "=spiffe://cluster.local/ns/istio-system/sa/" + xds.nodeCluster());
    }
    if (!mutual && xds.nodeIdentities() != null) {
      throw new InvalidConfigException(XdsConfig.NODE_IDENTITIES.name(), "needs client "
          + "certificates on the xDS listener to check: set " + TlsConfig.TLS_CLIENT_CA.flag()
          + " or " + TlsConfig.LISTENER_SETTINGS.get(TcpListener.XDS).clientCa().flag()
          + " (with a certificate)");
    }
    if (mutual && !xds.nodeIdentities().clusters().contains(xds.nodeCluster())) {
      throw new InvalidConfigException(XdsConfig.NODE_IDENTITIES.name(), "names no identity "
          + "for the served node cluster '" + xds.nodeCluster() + "' ("
          + XdsConfig.NODE_CLUSTER.flag() + "), so no Envoy could be configured");
    }
  }

  /** The TCP listeners this process runs, with the files each serves TLS from. */
  public Map<TcpListener, TlsConfig.ListenerTls> tlsListeners() {
    Map<TcpListener, TlsConfig.ListenerTls> served = new LinkedHashMap<>();
    for (String portSetting : listenerPorts(mode, listeners, runsXds() ? xds : null).keySet()) {
      for (TcpListener listener : TcpListener.values()) {
        TlsConfig.ListenerTls files = tls.forListener(listener);
        if (listener.portSetting().name().equals(portSetting) && files != null) {
          served.put(listener, files);
        }
      }
    }
    return served;
  }

  /** Whether this process needs PostgreSQL: all but a collector that writes to Kafka. */
  public boolean usesPostgres() {
    return !kafka.toKafka();
  }

  /** Whether this process runs the xDS server: a sampling mode, with a gateway routes file. */
  public boolean runsXds() {
    return runsXds(mode, xds);
  }

  private static boolean runsXds(Mode mode, XdsConfig xds) {
    return mode.runsSampling() && xds.gatewayRoutes() != null;
  }

  /**
   * The TCP ports of the listeners this mode runs, by setting name (the Jaeger agent's UDP
   * ports may share a number with a TCP port).
   */
  private static Map<String, Integer> listenerPorts(Mode mode, ListenerConfig listeners,
      XdsConfig xds) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    if (mode.runsZipkin()) {
      ports.put(ListenerConfig.ZIPKIN_PORT.name(), listeners.zipkinPort());
    }
    if (mode.runsIngest()) {
      ports.put(ListenerConfig.OTLP_GRPC_PORT.name(), listeners.otlpGrpcPort());
      ports.put(ListenerConfig.OTLP_HTTP_PORT.name(), listeners.otlpHttpPort());
      if (listeners.jaegerHttpPort() != ListenerConfig.OFF) {
        ports.put(ListenerConfig.JAEGER_HTTP_PORT.name(), listeners.jaegerHttpPort());
      }
    }
    if (mode.runsQuery()) {
      ports.put(ListenerConfig.QUERY_PORT.name(), listeners.queryPort());
    }
    if (mode.runsSampling()) {
      ports.put(ListenerConfig.SAMPLING_HTTP_PORT.name(), listeners.samplingHttpPort());
    }
    if (mode.runsSampling() || mode.runsIngest()) {
      ports.put(ListenerConfig.SAMPLING_GRPC_PORT.name(), listeners.samplingGrpcPort());
    }
    if (xds != null) {
      ports.put(XdsConfig.XDS_PORT.name(), xds.port());
    }
    ports.put(ListenerConfig.ADMIN_PORT.name(), listeners.adminPort());
    return ports;
  }

  @SafeVarargs
  private static List<Setting<?>> every(List<Setting<?>>... groups) {
    List<Setting<?>> all = new ArrayList<>();
    for (List<Setting<?>> group : groups) {
      all.addAll(group);
    }
    return List.copyOf(all);
  }
}
