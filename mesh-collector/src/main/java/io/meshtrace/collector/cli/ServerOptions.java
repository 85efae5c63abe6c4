package io.meshtrace.collector.cli;

import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.Mode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The settings of the server commands. Each flag {@code --some-name} can also be set by the
 * environment variable {@code MESHTRACE_SOME_NAME} or the key {@code some-name} in the file given
 * by {@code --config}; a flag wins over the environment, which wins over the file.
 */
public final class ServerOptions {
  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML file of settings, keys named like the flags without dashes in front "
          + "(zipkin-port: 9411).")
  Path config;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
      description = "Address every listener binds to. Default: ${DEFAULT-VALUE}.")
  String bind;

  @Option(names = "--zipkin-port", paramLabel = "PORT", defaultValue = "9411",
      description = "Zipkin span intake (POST /api/v2/spans, /api/v1/spans) and Zipkin v2 query "
          + "API. 0 picks a free port. Default: ${DEFAULT-VALUE}.")
  int zipkinPort;

  @Option(names = "--otlp-grpc-port", paramLabel = "PORT", defaultValue = "4317",
      description = "OTLP/gRPC intake (TraceService/Export). Default: ${DEFAULT-VALUE}.")
  int otlpGrpcPort;

  @Option(names = "--otlp-http-port", paramLabel = "PORT", defaultValue = "4318",
      description = "OTLP/HTTP intake (POST /v1/traces, protobuf or JSON). "
          + "Default: ${DEFAULT-VALUE}.")
  int otlpHttpPort;

  @Option(names = "--otlp-http-cors-origins", paramLabel = "ORIGINS", split = ",",
      description = "Origins that browser SDKs may send OTLP/HTTP from, comma-separated, "
          + "or * for any. Default: none (CORS off).")
  List<String> otlpHttpCorsOrigins = new ArrayList<>();

  @Option(names = "--query-port", paramLabel = "PORT", defaultValue = "16686",
      description = "Jaeger query API and UI. Default: ${DEFAULT-VALUE}.")
  int queryPort;

  @Option(names = "--sampling-http-port", paramLabel = "PORT", defaultValue = "5778",
      description = "Jaeger remote sampling over HTTP: GET /sampling?service= (proto JSON), "
          + "/api/sampling, and / (the legacy JSON of old Jaeger clients). "
          + "Default: ${DEFAULT-VALUE}.")
  int samplingHttpPort;

  @Option(names = "--sampling-grpc-port", paramLabel = "PORT", defaultValue = "14250",
      description = "Jaeger remote sampling over gRPC (jaeger.api_v2.SamplingManager), as the "
          + "OpenTelemetry SDKs' Jaeger remote sampler calls it. Default: ${DEFAULT-VALUE}.")
  int samplingGrpcPort;

  @Option(names = "--sampling-strategies", paramLabel = "FILE",
      description = "Sampling strategies file in Jaeger's format (default_strategy, "
          + "service_strategies, operation_strategies), followed as it changes; a change that "
          + "breaks it keeps the last good strategies. Default: none, every service "
          + "probabilistic at --sampling-default-probability.")
  Path samplingStrategies;

  @Option(names = "--sampling-strategies-reload-interval", paramLabel = "DURATION",
      defaultValue = "10s", converter = GoDurationConverter.class,
      description = "How often the strategies file is re-read besides when the file watch "
          + "reports a change (0s: only then). Default: ${DEFAULT-VALUE}.")
  Duration samplingStrategiesReloadInterval;

  @Option(names = "--sampling-default-probability", paramLabel = "P", defaultValue = "0.001",
      description = "Jaeger's default sampling probability: for every service when no "
          + "strategies file is given, and for strategies without a type. "
          + "Default: ${DEFAULT-VALUE}.")
  double samplingDefaultProbability;

  @Option(names = "--adaptive-sampling", paramLabel = "true|false", defaultValue = "false",
      arity = "1",
      description = "Adaptive sampling (Jaeger's algorithm): probabilities per operation that "
          + "bring each to --adaptive-target-samples-per-second, for services the strategies "
          + "leave to it (no entry, or an entry without a type). Default: ${DEFAULT-VALUE}.")
  boolean adaptiveSampling;

  @Option(names = "--adaptive-target-samples-per-second", paramLabel = "N", defaultValue = "1",
      description = "Traces a second adaptive sampling aims at for each operation. "
          + "Default: ${DEFAULT-VALUE}.")
  double adaptiveTargetSamplesPerSecond;

  @Option(names = "--admin-token", paramLabel = "TOKEN",
      description = "Bearer token that the sampling admin API's writes require "
          + "(Authorization: Bearer TOKEN); better given as MESHTRACE_ADMIN_TOKEN than on the "
          + "command line. Default: none, and then the API refuses every change.")
  String adminToken;

  @Option(names = "--xds-port", paramLabel = "PORT", defaultValue = "18000",
      description = "xDS (ADS) for the edge-gateway Envoy, when --gateway-routes is given "
          + "(all-in-one, control-plane). 0 picks a free port. Default: ${DEFAULT-VALUE}.")
  int xdsPort;

  @Option(names = "--xds-node-cluster", paramLabel = "CLUSTER", defaultValue = "edge-gateway",
      description = "The Envoy node cluster (--service-cluster, node.cluster) the xDS server "
          + "configures; it is also the service whose sampling strategies the routes get. "
          + "Other nodes get nothing. Default: ${DEFAULT-VALUE}.")
  String xdsNodeCluster;

  @Option(names = "--gateway-routes", paramLabel = "FILE",
      description = "The edge gateway's routes (YAML: listener, collector, routes, clusters), "
          + "served over xDS with per-route sampling from the strategies and followed as it "
          + "changes. Default: none, and then no xDS server runs.")
  Path gatewayRoutes;

  @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "14269",
      description = "/healthz, /readyz and /metrics (Prometheus). Default: ${DEFAULT-VALUE}.")
  int adminPort;

  @Option(names = "--ports-file", paramLabel = "FILE",
      description = "Once every listener is up, write the bound ports here as JSON, "
          + "for example {\"zipkin\":9411,\"otlpGrpc\":4317,\"otlpHttp\":4318,"
          + "\"query\":16686,\"samplingHttp\":5778,\"samplingGrpc\":14250,\"xds\":18000,"
          + "\"admin\":14269}; "
          + "a key per listener that runs.")
  Path portsFile;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./meshtrace-data",
      description = "Where the embedded PostgreSQL keeps its data (unused with --pg-url). "
          + "Default: ${DEFAULT-VALUE}.")
  Path dataDir;

  @Option(names = "--pg-url", paramLabel = "URL",
      description = "Use this PostgreSQL server instead of the embedded one: "
          + "postgresql://user:password@host:5432/database.")
  String pgUrl;

  @Option(names = "--pg-pool-size", paramLabel = "N", defaultValue = "6",
      description = "Connections to PostgreSQL. Default: ${DEFAULT-VALUE}.")
  int pgPoolSize;

  @Option(names = "--writer-concurrency", paramLabel = "N", defaultValue = "2",
      description = "Span inserts in flight at once; spans arriving meanwhile are committed "
          + "together in the next insert. Default: ${DEFAULT-VALUE}.")
  int writerConcurrency;

  @Option(names = "--max-batch-spans", paramLabel = "N", defaultValue = "5000",
      description = "Most spans in one insert (a larger single request is never split). "
          + "Default: ${DEFAULT-VALUE}.")
  int maxBatchSpans;

  @Option(names = "--retention-days", paramLabel = "DAYS", defaultValue = "7",
      description = "Days of spans kept; older spans are refused. Default: ${DEFAULT-VALUE}.")
  int retentionDays;

  @Option(names = "--partitions-ahead", paramLabel = "DAYS", defaultValue = "2",
      description = "Daily partitions created ahead of today. Default: ${DEFAULT-VALUE}.")
  int partitionsAhead;

  @Option(names = "--max-request-bytes", paramLabel = "SIZE", defaultValue = "16MiB",
      converter = ByteSizeConverter.class,
      description = "Largest request body accepted, as sent. Default: ${DEFAULT-VALUE}.")
  long maxRequestBytes;

  @Option(names = "--max-decompressed-bytes", paramLabel = "SIZE", defaultValue = "64MiB",
      converter = ByteSizeConverter.class,
      description = "Largest request body accepted after gunzip; a larger one is refused "
          + "without inflating it all. Default: ${DEFAULT-VALUE}.")
  long maxDecompressedBytes;

  @Option(names = "--max-spans-per-request", paramLabel = "N", defaultValue = "20000",
      description = "A request with more spans is refused whole. Default: ${DEFAULT-VALUE}.")
  int maxSpansPerRequest;

  @Option(names = "--max-attributes-per-span", paramLabel = "N", defaultValue = "128",
      description = "Attributes kept per span, event, link and resource; the rest are dropped "
          + "and counted. Default: ${DEFAULT-VALUE}.")
  int maxAttributesPerSpan;

  @Option(names = "--max-attribute-value-length", paramLabel = "N", defaultValue = "8192",
      description = "Longer attribute values are cut to this many characters and counted. "
          + "Default: ${DEFAULT-VALUE}.")
  int maxAttributeValueLength;

  @Option(names = "--max-spans-in-flight", paramLabel = "N", defaultValue = "200000",
      description = "Spans accepted and not yet committed at most; past it requests get 429 or "
          + "RESOURCE_EXHAUSTED with a retry hint. Default: ${DEFAULT-VALUE}.")
  int maxSpansInFlight;

  @Option(names = "--indexed-tag-keys", paramLabel = "KEYS", split = ",",
      defaultValue = "guid:x-request-id",
      description = "Span attribute keys whose values are indexed per trace, for fast searches "
          + "by values that name one request (empty for none). Each costs about 100 bytes a "
          + "trace and value. Default: ${DEFAULT-VALUE}.")
  List<String> indexedTagKeys = new ArrayList<>();

  @Option(names = "--max-clock-skew-adjustment", paramLabel = "DURATION", defaultValue = "0s",
      converter = GoDurationConverter.class,
      description = "Largest shift the query APIs apply to a span whose host's clock disagrees "
          + "with its parent's (500ms, 2s, or seconds); 0s, as in Jaeger, only warns. "
          + "Default: ${DEFAULT-VALUE}.")
  Duration maxClockSkewAdjustment;

  @Option(names = "--http-event-loops", paramLabel = "N",
      defaultValue = "2",
      description = "Event loops serving each HTTP listener. Default: ${DEFAULT-VALUE}.")
  int httpEventLoops;

  MeshtraceConfig toConfig(Mode mode) {
    return new MeshtraceConfig(mode, bind, zipkinPort, otlpGrpcPort, otlpHttpPort, queryPort,
        samplingHttpPort, samplingGrpcPort, adminPort, portsFile, dataDir, blankToNull(pgUrl), pgPoolSize, writerConcurrency,
        maxBatchSpans, retentionDays, partitionsAhead,
        indexedTagKeys.stream().map(String::trim).filter(k -> !k.isEmpty()).toList(),
        maxRequestBytes, maxDecompressedBytes,
        maxSpansPerRequest, maxAttributesPerSpan, maxAttributeValueLength, maxSpansInFlight,
        otlpHttpCorsOrigins.stream().map(String::trim).filter(o -> !o.isEmpty()).toList(),
        httpEventLoops, maxClockSkewAdjustment, samplingStrategies,
        samplingStrategiesReloadInterval, samplingDefaultProbability, blankToNull(adminToken),
        adaptiveSampling, adaptiveTargetSamplesPerSecond, xdsPort, xdsNodeCluster,
        gatewayRoutes);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
