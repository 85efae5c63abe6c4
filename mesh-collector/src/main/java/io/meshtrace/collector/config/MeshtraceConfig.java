package io.meshtrace.collector.config;

import io.meshtrace.time.GoDuration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every setting of a meshtrace process, read once at start-up from flags, {@code MESHTRACE_*}
 * environment variables and the YAML config file (in that order of precedence), and validated
 * here; nothing else reads configuration.
 *
 * @param pgUrl {@code postgresql://user:pass@host:port/db}, or null for the embedded server
 * @param maxClockSkewAdjustment the largest clock-skew shift the query APIs apply; zero (the
 *     default, as in Jaeger) disables shifting, leaving a warning on skewed spans
 * @param samplingStrategies Jaeger strategies file, or null for Jaeger's built-in default (every
 *     service probabilistic at {@code samplingDefaultProbability}); its content is checked when
 *     the server starts, which refuses to start on a missing or invalid file
 * @param samplingStrategiesReloadInterval how often the strategies file is re-read besides the
 *     file watch; zero for never
 * @param samplingDefaultProbability Jaeger's {@code default_sampling_probability}: the
 *     probability of services without a strategy when no file is given, and of strategy entries
 *     without a type
 * @param adminToken the bearer token the sampling admin API's writes need; null refuses every
 *     write. Not in {@link #toString()}.
 * @param xdsPort the ADS port of the xDS server for the edge-gateway Envoy
 * @param xdsNodeCluster the Envoy {@code node.cluster} the xDS server configures; other nodes
 *     get nothing
 * @param gatewayRoutes the gateway routes file; null runs no xDS server. Its content is checked
 *     when the server starts, which refuses to start on a missing or invalid file
 */
public record MeshtraceConfig(
    Mode mode,
    String bind,
    int zipkinPort,
    int otlpGrpcPort,
    int otlpHttpPort,
    int queryPort,
    int samplingHttpPort,
    int samplingGrpcPort,
    int adminPort,
    Path portsFile,
    Path dataDir,
    String pgUrl,
    int pgPoolSize,
    int writerConcurrency,
    int maxBatchSpans,
    int retentionDays,
    int partitionsAhead,
    List<String> indexedTagKeys,
    long maxRequestBytes,
    long maxDecompressedBytes,
    int maxSpansPerRequest,
    int maxAttributesPerSpan,
    int maxAttributeValueLength,
    int maxSpansInFlight,
    List<String> otlpHttpCorsOrigins,
    int httpEventLoops,
    Duration maxClockSkewAdjustment,
    Path samplingStrategies,
    Duration samplingStrategiesReloadInterval,
    double samplingDefaultProbability,
    String adminToken,
    boolean adaptiveSampling,
    double adaptiveTargetSamplesPerSecond,
    int xdsPort,
    String xdsNodeCluster,
    Path gatewayRoutes) {

  public MeshtraceConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(dataDir, "dataDir");
    if (bind.isBlank()) {
      throw new InvalidConfigException("bind", "must be an address, for example 0.0.0.0");
    }
    port("zipkin-port", zipkinPort);
    port("otlp-grpc-port", otlpGrpcPort);
    port("otlp-http-port", otlpHttpPort);
    port("query-port", queryPort);
    port("sampling-http-port", samplingHttpPort);
    port("sampling-grpc-port", samplingGrpcPort);
    port("admin-port", adminPort);
    port("xds-port", xdsPort);
    Map<Integer, String> used = new LinkedHashMap<>();
    Map<String, Integer> listeners = listenerPorts(mode, zipkinPort, otlpGrpcPort,
        otlpHttpPort, queryPort, samplingHttpPort, samplingGrpcPort, adminPort);
    if (mode.runsSampling() && gatewayRoutes != null) {
      listeners.put("xds-port", xdsPort);
    }
    for (Map.Entry<String, Integer> listener : listeners.entrySet()) {
      int port = listener.getValue();
      if (port != 0 && used.containsKey(port)) {
        throw new InvalidConfigException(listener.getKey(), "is " + port + ", the same as "
            + used.get(port) + "; every listener needs its own port");
      }
      used.put(port, listener.getKey());
    }
    if (pgUrl != null && !pgUrl.startsWith("postgresql://") && !pgUrl.startsWith("postgres://")) {
      throw new InvalidConfigException("pg-url",
          "must look like postgresql://user:password@host:5432/database");
    }
    atLeast("pg-pool-size", pgPoolSize, 2);
    atLeast("writer-concurrency", writerConcurrency, 1);
    if (writerConcurrency >= pgPoolSize) {
      throw new InvalidConfigException("writer-concurrency", "is " + writerConcurrency
          + " but must be less than pg-pool-size (" + pgPoolSize
          + ") so that reads still get a connection");
    }
    atLeast("max-batch-spans", maxBatchSpans, 1);
    atLeast("retention-days", retentionDays, 1);
    atLeast("partitions-ahead", partitionsAhead, 0);
    indexedTagKeys = List.copyOf(Objects.requireNonNull(indexedTagKeys));
    for (String key : indexedTagKeys) {
      if (key.isBlank() || key.length() > 256) {
        throw new InvalidConfigException("indexed-tag-keys", "'" + key
            + "' is not an attribute key (1 to 256 characters)");
      }
    }
    atLeast("max-request-bytes", maxRequestBytes, 1024);
    if (maxDecompressedBytes < maxRequestBytes) {
      throw new InvalidConfigException("max-decompressed-bytes",
          "must be at least max-request-bytes (" + maxRequestBytes + ")");
    }
    if (maxDecompressedBytes > Integer.MAX_VALUE - 16) {
      throw new InvalidConfigException("max-decompressed-bytes", "must be below 2 GiB");
    }
    atLeast("max-spans-per-request", maxSpansPerRequest, 1);
    atLeast("max-attributes-per-span", maxAttributesPerSpan, 1);
    atLeast("max-attribute-value-length", maxAttributeValueLength, 16);
    atLeast("max-spans-in-flight", maxSpansInFlight, 1);
    if (maxSpansInFlight < maxSpansPerRequest) {
      throw new InvalidConfigException("max-spans-in-flight", "is " + maxSpansInFlight
          + " but must be at least max-spans-per-request (" + maxSpansPerRequest
          + "), or a full request could never be taken");
    }
    otlpHttpCorsOrigins = List.copyOf(Objects.requireNonNull(otlpHttpCorsOrigins));
    for (String origin : otlpHttpCorsOrigins) {
      if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
        throw new InvalidConfigException("otlp-http-cors-origins", "'" + origin
            + "' is not an origin like https://app.example.com (or * for any)");
      }
    }
    atLeast("http-event-loops", httpEventLoops, 1);
    Objects.requireNonNull(maxClockSkewAdjustment, "maxClockSkewAdjustment");
    if (maxClockSkewAdjustment.isNegative()) {
      throw new InvalidConfigException("max-clock-skew-adjustment", "is "
          + GoDuration.format(maxClockSkewAdjustment)
          + " but must not be negative (0s disables adjustment)");
    }
    Objects.requireNonNull(samplingStrategiesReloadInterval, "samplingStrategiesReloadInterval");
    if (samplingStrategiesReloadInterval.isNegative()) {
      throw new InvalidConfigException("sampling-strategies-reload-interval", "is "
          + GoDuration.format(samplingStrategiesReloadInterval)
          + " but must not be negative (0s: re-read only when the file watch reports a change)");
    }
    if (!(adaptiveTargetSamplesPerSecond > 0) || Double.isInfinite(adaptiveTargetSamplesPerSecond)) {
      throw new InvalidConfigException("adaptive-target-samples-per-second", "is "
          + adaptiveTargetSamplesPerSecond + " but must be a number above 0");
    }
    if (xdsNodeCluster == null || xdsNodeCluster.isBlank()) {
      throw new InvalidConfigException("xds-node-cluster", "must be the Envoy node cluster "
          + "to configure, for example edge-gateway");
    }
    if (!(samplingDefaultProbability >= 0 && samplingDefaultProbability <= 1)) {
      throw new InvalidConfigException("sampling-default-probability", "is "
          + samplingDefaultProbability + " but a probability is in [0,1]");
    }
  }

  /** The ports of the listeners this mode runs, by setting name. */
  private static Map<String, Integer> listenerPorts(Mode mode, int zipkin, int otlpGrpc,
      int otlpHttp, int query, int samplingHttp, int samplingGrpc, int admin) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    if (mode.runsZipkin()) {
      ports.put("zipkin-port", zipkin);
    }
    if (mode.runsIngest()) {
      ports.put("otlp-grpc-port", otlpGrpc);
      ports.put("otlp-http-port", otlpHttp);
    }
    if (mode.runsQuery()) {
      ports.put("query-port", query);
    }
    if (mode.runsSampling()) {
      ports.put("sampling-http-port", samplingHttp);
      ports.put("sampling-grpc-port", samplingGrpc);
    }
    ports.put("admin-port", admin);
    return ports;
  }

  /** Whether this process runs the xDS server: a sampling mode, with a gateway routes file. */
  public boolean runsXds() {
    return mode.runsSampling() && gatewayRoutes != null;
  }

  public boolean embeddedPostgres() {
    return pgUrl == null;
  }

  /** Every setting, but the admin token only as whether there is one. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("MeshtraceConfig[");
    java.lang.reflect.RecordComponent[] components = getClass().getRecordComponents();
    for (int i = 0; i < components.length; i++) {
      Object value;
      try {
        value = components[i].getAccessor().invoke(this);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (components[i].getName().equals("adminToken") && value != null) {
        value = "(set)";
      }
      text.append(i == 0 ? "" : ", ").append(components[i].getName()).append('=').append(value);
    }
    return text.append(']').toString();
  }

  private static void port(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new InvalidConfigException(name, "is " + port + "; a port is 0 to 65535 (0 picks a free one)");
    }
  }

  private static void atLeast(String name, long value, long min) {
    if (value < min) {
      throw new InvalidConfigException(name, "is " + value + " but must be at least " + min);
    }
  }
}
