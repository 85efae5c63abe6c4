package io.meshtrace.collector.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where the listeners listen. Which of them run depends on the {@link Mode}; every one that
 * runs needs its own port ({@link MeshtraceConfig} checks).
 *
 * @param bind the address every listener binds to
 * @param httpEventLoops event loops serving each intake and query HTTP listener
 * @param portsFile where to write the bound ports once every listener is up, or null
 * @param maxConnections open connections per HTTP and gRPC listener; more are closed at once
 * @param maxConcurrentStreams HTTP/2 streams (gRPC calls) one connection may have open at once
 */
public record ListenerConfig(String bind, int zipkinPort, int otlpGrpcPort, int otlpHttpPort,
    int jaegerCompactPort, int jaegerBinaryPort, int jaegerHttpPort, int queryPort,
    int samplingHttpPort, int samplingGrpcPort, int adminPort, int httpEventLoops,
    Path portsFile, int maxConnections, int maxConcurrentStreams) {
  /** A Jaeger port set to this runs no listener. */
  public static final int OFF = -1;

  public static final Setting<String> BIND = Setting.text("bind", "ADDRESS", "0.0.0.0",
      "Address every listener binds to.");
  public static final Setting<Integer> ZIPKIN_PORT = Setting.port("zipkin-port", 9411,
      "Zipkin span intake (POST /api/v2/spans, /api/v1/spans) and Zipkin v2 query API. 0 picks "
          + "a free port.");
  public static final Setting<Integer> OTLP_GRPC_PORT = Setting.port("otlp-grpc-port", 4317,
      "OTLP/gRPC intake (TraceService/Export).");
  public static final Setting<Integer> OTLP_HTTP_PORT = Setting.port("otlp-http-port", 4318,
      "OTLP/HTTP intake (POST /v1/traces, protobuf or JSON).");
  public static final Setting<Integer> JAEGER_COMPACT_PORT = Setting.port("jaeger-compact-port",
      6831, "Jaeger agent intake over UDP, Thrift compact (Agent.emitBatch), as jaeger-client's "
          + "UdpSender sends it. Not acknowledged: see --jaeger-udp-queue-packets. -1 turns it "
          + "off.");
  public static final Setting<Integer> JAEGER_BINARY_PORT = Setting.port("jaeger-binary-port",
      6832, "Jaeger agent intake over UDP, Thrift binary. -1 turns it off.");
  public static final Setting<Integer> JAEGER_HTTP_PORT = Setting.port("jaeger-http-port",
      14268, "Jaeger collector intake over HTTP: POST /api/traces (a Thrift binary Batch); "
          + "GET /api/sampling?service= where this process serves sampling. -1 turns it off.");
  public static final Setting<Integer> QUERY_PORT = Setting.port("query-port", 16686,
      "Jaeger query API and UI.");
  public static final Setting<Integer> SAMPLING_HTTP_PORT = Setting.port("sampling-http-port",
      5778, "Jaeger remote sampling over HTTP: GET /sampling?service= (proto JSON), "
          + "/api/sampling, and / (the legacy JSON of old Jaeger clients).");
  public static final Setting<Integer> SAMPLING_GRPC_PORT = Setting.port("sampling-grpc-port",
      14250, "Jaeger's collector gRPC port: remote sampling (jaeger.api_v2.SamplingManager), "
          + "as the OpenTelemetry SDKs' Jaeger remote sampler calls it, where this process "
          + "serves sampling; span intake (jaeger.api_v2.CollectorService/PostSpans) where it "
          + "ingests.");
  public static final Setting<Integer> ADMIN_PORT = Setting.port("admin-port", 14269,
      "/healthz, /readyz and /metrics (Prometheus).");
  public static final Setting<Integer> HTTP_EVENT_LOOPS = Setting.integer("http-event-loops",
      "N", 2, "Event loops serving each HTTP listener.");
  public static final Setting<Path> PORTS_FILE = Setting.path("ports-file", "FILE", null,
      "Once every listener is up, write the bound ports here as JSON, for example "
          + "{\"zipkin\":9411,\"otlpGrpc\":4317,\"otlpHttp\":4318,\"jaegerCompact\":6831,"
          + "\"jaegerBinary\":6832,\"jaegerHttp\":14268,\"query\":16686,\"samplingHttp\":5778,"
          + "\"samplingGrpc\":14250,\"xds\":18000,\"admin\":14269}; a key "
          + "per listener that runs.");

  public static final Setting<Integer> MAX_CONNECTIONS = Setting.integer("max-connections", "N",
      4096, "Open connections per HTTP and gRPC listener; a connection past it is closed as it "
          + "opens, and counted (meshtrace_connections_refused_total).");
  public static final Setting<Integer> MAX_CONCURRENT_STREAMS = Setting.integer(
      "max-concurrent-streams", "N", 100, "HTTP/2 streams (gRPC calls) one connection may have "
          + "open at once, announced in the connection's initial settings.");

  public static final List<Setting<?>> SETTINGS = List.of(BIND, ZIPKIN_PORT, OTLP_GRPC_PORT,
      OTLP_HTTP_PORT, JAEGER_COMPACT_PORT, JAEGER_BINARY_PORT, JAEGER_HTTP_PORT, QUERY_PORT,
      SAMPLING_HTTP_PORT, SAMPLING_GRPC_PORT, ADMIN_PORT, HTTP_EVENT_LOOPS, PORTS_FILE,
      MAX_CONNECTIONS, MAX_CONCURRENT_STREAMS);

  public ListenerConfig {
    if (bind == null || bind.isBlank()) {
      throw new InvalidConfigException(BIND.name(), "must be an address, for example 0.0.0.0");
    }
    Validate.port(ZIPKIN_PORT, zipkinPort);
    Validate.port(OTLP_GRPC_PORT, otlpGrpcPort);
    Validate.port(OTLP_HTTP_PORT, otlpHttpPort);
    Validate.portOrOff(JAEGER_COMPACT_PORT, jaegerCompactPort);
    Validate.portOrOff(JAEGER_BINARY_PORT, jaegerBinaryPort);
    Validate.portOrOff(JAEGER_HTTP_PORT, jaegerHttpPort);
    Validate.port(QUERY_PORT, queryPort);
    Validate.port(SAMPLING_HTTP_PORT, samplingHttpPort);
    Validate.port(SAMPLING_GRPC_PORT, samplingGrpcPort);
    Validate.port(ADMIN_PORT, adminPort);
    Validate.atLeast(HTTP_EVENT_LOOPS, httpEventLoops, 1);
    Validate.atLeast(MAX_CONNECTIONS, maxConnections, 1);
    Validate.atLeast(MAX_CONCURRENT_STREAMS, maxConcurrentStreams, 1);
  }

  public static ListenerConfig from(SettingValues values) {
    Objects.requireNonNull(values);
    return new ListenerConfig(values.get(BIND), values.get(ZIPKIN_PORT),
        values.get(OTLP_GRPC_PORT), values.get(OTLP_HTTP_PORT), values.get(JAEGER_COMPACT_PORT),
        values.get(JAEGER_BINARY_PORT), values.get(JAEGER_HTTP_PORT), values.get(QUERY_PORT),
        values.get(SAMPLING_HTTP_PORT), values.get(SAMPLING_GRPC_PORT), values.get(ADMIN_PORT),
        values.get(HTTP_EVENT_LOOPS), values.get(PORTS_FILE), values.get(MAX_CONNECTIONS),
        values.get(MAX_CONCURRENT_STREAMS));
  }
}
