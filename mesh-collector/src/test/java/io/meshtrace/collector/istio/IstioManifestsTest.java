package io.meshtrace.collector.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.OtlpPayloads;
import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.config.ListenerConfig;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.TcpListener;
import io.meshtrace.collector.config.TlsConfig;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.controlplane.istio.IstioTelemetryRenderer;
import io.meshtrace.controlplane.istio.TelemetryResource;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.storage.postgres.TestPostgres;
import io.meshtrace.tls.TestCertificates;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every YAML file under {@code istio/} and the root {@code Dockerfile}, read as kubectl and
 * istioctl would read them and checked against each other and against what meshtrace knows:
 * its settings, ports, probes and strategies format. A resource added there without a check
 * here fails {@link #everyResourceUnderIstioIsChecked}.
 */
class IstioManifestsTest {
  /** The module's directory is the working directory of its tests. */
  static final Path ISTIO = Path.of("../istio");
  static final Path DOCKERFILE = Path.of("../Dockerfile");

  /** Every resource, by "Kind namespace/name" (no namespace: "Kind name"). */
  static final Map<String, Map<String, Object>> RESOURCES = new LinkedHashMap<>();
  static final Map<String, Path> FILES = new HashMap<>();

  @TempDir
  Path dir;

  @BeforeAll
  static void readEveryYamlFile() throws IOException {
    assertThat(ISTIO.resolve("README.md")).exists();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(ISTIO)) {
      files = walk.filter(file -> file.toString().endsWith(".yaml")
          || file.toString().endsWith(".yml")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      for (Object document : new Yaml(new SafeConstructor(new LoaderOptions()))
          .loadAll(Files.readString(file))) {
        assertThat(document).as("a document of %s", file).isInstanceOf(Map.class);
        Map<String, Object> resource = map(document);
        assertThat(resource).as(file.toString()).containsKeys("apiVersion", "kind", "metadata");
        Map<String, Object> metadata = map(resource.get("metadata"));
        assertThat(metadata.get("name")).as("metadata.name in %s", file).isInstanceOf(String.class);
        String key = key((String) resource.get("kind"), (String) metadata.get("namespace"),
            (String) metadata.get("name"));
        assertThat(RESOURCES.put(key, resource)).as("%s twice", key).isNull();
        FILES.put(key, file);
      }
    }
  }

  @Test
  void everyResourceUnderIstioIsChecked() {
    assertThat(RESOURCES.keySet()).containsExactlyInAnyOrder(
        "IstioOperator istio-system/meshtrace-tracing",
        "Telemetry istio-system/mesh-default",
        "Telemetry team-a/meshtrace-tenant",
        "Telemetry team-b/meshtrace-tenant",
        "Namespace observability",
        "Issuer observability/meshtrace-selfsigned",
        "Certificate observability/meshtrace-ca",
        "Issuer observability/meshtrace-ca",
        "Certificate observability/meshtrace-tls",
        "Service observability/postgres",
        "StatefulSet observability/postgres",
        "ConfigMap observability/meshtrace-config",
        "Deployment observability/meshtrace",
        "Service observability/meshtrace",
        "PodDisruptionBudget observability/meshtrace");
    // kubectl apply -f istio/kubernetes/ goes through the files in name order: the namespace
    // first, then what the others refer to.
    assertThat(FILES.get("Namespace observability").getFileName().toString())
        .isEqualTo("00-namespace.yaml");
    assertThat(RESOURCES.values()).allSatisfy(resource -> assertThat(resource.get("apiVersion"))
        .isIn("v1", "apps/v1", "policy/v1", "install.istio.io/v1alpha1", "telemetry.istio.io/v1",
            "cert-manager.io/v1"));
  }

  /** The tenants of this deployment, each with its extension provider. */
  static final Map<String, String> TENANT_PROVIDERS = Map.of("mesh", "meshtrace-mesh",
      "team-a", "meshtrace-team-a", "team-b", "meshtrace-team-b");

  @Test
  void theIstioOperatorGivesEachTenantAProviderThatNamesItInMeshtracesTenantHeader()
      throws Exception {
    Map<String, Object> operator = resource("IstioOperator istio-system/meshtrace-tracing");
    assertThat(operator.get("apiVersion")).isEqualTo("install.istio.io/v1alpha1");
    Map<String, Object> mesh = map(path(operator, "spec", "meshConfig"));
    assertThat(mesh.get("enableTracing")).isEqualTo(true);

    Map<String, Map<String, Object>> providers = new LinkedHashMap<>();
    for (Object provider : list(mesh.get("extensionProviders"))) {
      providers.put((String) map(provider).get("name"), map(provider));
    }
    assertThat(providers.keySet()).containsExactlyInAnyOrderElementsOf(Stream.concat(
        TENANT_PROVIDERS.values().stream(), Stream.of(IstioTelemetryRenderer.DEFAULT_PROVIDER))
        .toList());
    MeshtraceConfig deployed = deploymentConfig();
    String host = "meshtrace.observability.svc.cluster.local";
    assertThat(host).isEqualTo(serviceHost("observability/meshtrace"));
    TENANT_PROVIDERS.forEach((tenant, name) -> {
      Map<String, Object> otel = map(providers.get(name).get("opentelemetry"));
      // OTLP/HTTP to the plain port, where meshtrace takes the tenant from its header.
      assertThat(otel).containsEntry("service", host)
          .containsEntry("port", deployed.listeners().otlpHttpPort());
      assertThat(deployed.tls().forListener(TcpListener.OTLP_HTTP)).isNull();
      Map<String, Object> http = map(otel.get("http"));
      assertThat(http.get("path")).isEqualTo("/v1/traces");
      assertThat(list(http.get("headers"))).containsExactly(Map.of(
          "name", deployed.tenancy().header(), "value", tenant));
      assertThat(io.meshtrace.tenant.Tenant.of(tenant).id()).isEqualTo(tenant);
    });
    Map<String, Object> zipkin = map(providers.get("meshtrace-zipkin").get("zipkin"));
    assertThat(zipkin).containsEntry("service", host)
        .containsEntry("port", deployed.listeners().zipkinPort());
    // Nothing that would turn off 128-bit IDs or move the collector path.
    assertThat(zipkin).containsOnlyKeys("service", "port", "maxTagLength");
    assertThat(deployed.tls().forListener(TcpListener.ZIPKIN)).isNull();

    assertThat(path(mesh, "defaultProviders", "tracing"))
        .isEqualTo(List.of(TENANT_PROVIDERS.get("mesh")));
    Map<String, Object> proxy = map(mesh.get("defaultConfig"));
    assertThat(proxy).doesNotContainKey("tracing")
        .containsEntry("tracingServiceName", "APP_LABEL_AND_NAMESPACE");
    assertThat(path(operator, "spec", "values", "global", "proxy", "tracer")).isEqualTo("none");
  }

  @Test
  void eachTenantsNamespaceReportsThroughItsOwnProvider() {
    Map<String, Object> meshDefault = map(list(path(resource(
        "Telemetry istio-system/mesh-default"), "spec", "tracing")).get(0));
    for (String tenant : List.of("team-a", "team-b")) {
      Map<String, Object> telemetry = resource("Telemetry " + tenant + "/meshtrace-tenant");
      Map<String, Object> spec = map(telemetry.get("spec"));
      assertThat(spec).as("namespace-wide").doesNotContainKeys("selector", "targetRefs");
      List<Object> tracing = list(spec.get("tracing"));
      assertThat(tracing).hasSize(1);
      assertThat(list(map(tracing.get(0)).get("providers")))
          .containsExactly(Map.of("name", TENANT_PROVIDERS.get(tenant)));
      assertThat(map(tracing.get(0)).get("randomSamplingPercentage"))
          .isEqualTo(meshDefault.get("randomSamplingPercentage"));
    }
  }

  @Test
  void theMeshDefaultTelemetryIsWhatRenderingTheConfiguredStrategiesGives() throws Exception {
    Map<String, Object> telemetry = resource("Telemetry istio-system/mesh-default");
    Map<String, Object> spec = map(telemetry.get("spec"));
    assertThat(spec).doesNotContainKeys("selector", "targetRefs"); // mesh-wide
    List<Object> tracing = list(spec.get("tracing"));
    assertThat(tracing).hasSize(1);
    List<Object> providers = list(map(tracing.get(0)).get("providers"));
    Number percentage = (Number) map(tracing.get(0)).get("randomSamplingPercentage");

    // As the README renders it: with the mesh tenant's provider.
    assertThat(Files.readString(ISTIO.resolve("README.md")))
        .contains("istio render --strategies strategies.json --provider meshtrace-mesh");
    IstioTelemetryRenderer.Options defaults = IstioTelemetryRenderer.Options.defaults();
    IstioTelemetryRenderer.Rendered rendered = IstioTelemetryRenderer.render(
        SamplingStrategiesJson.parse(configMapData().get("strategies.json")).document(),
        new IstioTelemetryRenderer.Options(TENANT_PROVIDERS.get("mesh"),
            defaults.defaultNamespace(), defaults.rootNamespace(), defaults.appLabel(),
            defaults.defaultProbability(), defaults.rateLimitAsPercentage()),
        "strategies.json");
    TelemetryResource meshDefault = rendered.resources().get(0);
    assertThat(meshDefault.namespace() + "/" + meshDefault.name())
        .isEqualTo("istio-system/mesh-default");
    assertThat(providers).containsExactly(Map.of("name", meshDefault.provider()));
    assertThat(new BigDecimal(percentage.toString()))
        .isEqualByComparingTo(meshDefault.percentage());
    assertThat(map(path(telemetry, "metadata")).get("labels"))
        .isEqualTo(Map.of(IstioTelemetryRenderer.MANAGED_BY_LABEL, "meshtrace"));
  }

  @Test
  void theObservabilityNamespaceRunsWithoutSidecars() {
    assertThat(path(resource("Namespace observability"), "metadata", "labels"))
        .isEqualTo(Map.of("istio-injection", "disabled"));
    for (String workload : List.of("Deployment observability/meshtrace",
        "StatefulSet observability/postgres")) {
      assertThat(path(resource(workload), "spec", "template", "metadata", "annotations"))
          .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
          .containsEntry("sidecar.istio.io/inject", "false");
    }
  }

  /**
   * A listener of the Deployment's process: its key in {@code --ports-file}, its port, and the
   * name of its Service port, whose prefix is the protocol Istio is told (udp: a UDP port).
   */
  record ExpectedPort(String key, int port, String name) {
    String transport() {
      return name.startsWith("udp-") ? "UDP" : "TCP";
    }
  }

  /**
   * Every listener a process with this configuration can run, each with its Service port: http
   * or grpc when plain, https or tls (passed through by the sending sidecar) when on TLS.
   */
  static List<ExpectedPort> expectedPorts(MeshtraceConfig config) {
    ListenerConfig listeners = config.listeners();
    TlsConfig tls = config.tls();
    List<ExpectedPort> ports = new ArrayList<>();
    ports.add(http(tls, TcpListener.ZIPKIN, listeners.zipkinPort(), "zipkin"));
    ports.add(grpc(tls, TcpListener.OTLP_GRPC, listeners.otlpGrpcPort(), "otlp"));
    ports.add(http(tls, TcpListener.OTLP_HTTP, listeners.otlpHttpPort(), "otlp"));
    if (listeners.jaegerCompactPort() != ListenerConfig.OFF) {
      ports.add(new ExpectedPort("jaegerCompact", listeners.jaegerCompactPort(),
          "udp-jaeger-compact"));
    }
    if (listeners.jaegerBinaryPort() != ListenerConfig.OFF) {
      ports.add(new ExpectedPort("jaegerBinary", listeners.jaegerBinaryPort(),
          "udp-jaeger-binary"));
    }
    if (listeners.jaegerHttpPort() != ListenerConfig.OFF) {
      ports.add(http(tls, TcpListener.JAEGER_HTTP, listeners.jaegerHttpPort(),
          "jaeger-collector"));
    }
    ports.add(http(tls, TcpListener.QUERY, listeners.queryPort(), "query"));
    ports.add(http(tls, TcpListener.SAMPLING_HTTP, listeners.samplingHttpPort(), "sampling"));
    // Remote sampling and Jaeger's PostSpans: both gRPC.
    ports.add(grpc(tls, TcpListener.SAMPLING_GRPC, listeners.samplingGrpcPort(), "sampling"));
    // Only with a gateway routes file (the demo's gatewayRoutes.existingConfigMap adds one).
    if (config.runsXds()) {
      ports.add(grpc(tls, TcpListener.XDS, config.xds().port(), "xds"));
    }
    ports.add(http(tls, TcpListener.ADMIN, listeners.adminPort(), "admin"));
    return ports;
  }

  private static ExpectedPort http(TlsConfig tls, TcpListener listener, int port, String name) {
    return new ExpectedPort(listener.key(), port,
        (tls.forListener(listener) == null ? "http-" : "https-") + name);
  }

  private static ExpectedPort grpc(TlsConfig tls, TcpListener listener, int port, String name) {
    return new ExpectedPort(listener.key(), port,
        (tls.forListener(listener) == null ? "grpc-" : "tls-") + name);
  }

  @Test
  void theServiceHasEveryListenerNamedForIstiosProtocolSelection() throws Exception {
    Map<Integer, Map<String, Object>> ports = servicePortsByNumber("observability/meshtrace");
    List<ExpectedPort> expected = expectedPorts(deploymentConfig());
    assertThat(ports).containsOnlyKeys(expected.stream().map(ExpectedPort::port).toList());
    Map<String, Map<String, Object>> containerPorts = new HashMap<>();
    for (Object port : list(meshtraceContainer().get("ports"))) {
      String name = (String) map(port).get("name");
      // Kubernetes' IANA_SVC_NAME: at most 15 characters, a letter, no "--".
      assertThat(name).matches("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?").matches(".*[a-z].*")
          .doesNotContain("--");
      assertThat(containerPorts.put(name, map(port))).as(name).isNull();
    }
    for (ExpectedPort listener : expected) {
      Map<String, Object> port = ports.get(listener.port());
      String name = listener.name();
      assertThat(port.get("name")).as(listener.key()).isEqualTo(name);
      assertThat(name).as("a DNS label").matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
      // appProtocol and the name's prefix agree, so that either way Istio sees the same.
      assertThat(port.get("appProtocol")).as(name).isEqualTo(name.substring(0, name.indexOf('-')));
      // Kubernetes defaults to TCP; a UDP port says so, in the Service and the container alike
      // (a named targetPort resolves only to a container port of the same protocol).
      assertThat(port.getOrDefault("protocol", "TCP")).as(name).isEqualTo(listener.transport());
      Map<String, Object> target = containerPorts.get((String) port.get("targetPort"));
      assertThat(target).as("the container port %s of %s", port.get("targetPort"), name)
          .isNotNull();
      assertThat(target.get("containerPort")).as(name).isEqualTo(listener.port());
      assertThat(target.getOrDefault("protocol", "TCP")).as(name)
          .isEqualTo(listener.transport());
    }
    assertThat(containerPorts.values().stream().map(port -> port.get("containerPort")))
        .containsExactlyInAnyOrderElementsOf(expected.stream().map(ExpectedPort::port).toList());
    assertSelects("Service observability/meshtrace", "Deployment observability/meshtrace");
  }

  /** The settings of the Deployment's meshtrace as Kubernetes starts it (secrets as made). */
  MeshtraceConfig deploymentConfig() throws IOException {
    Map<String, Object> container = meshtraceContainer();
    List<String> args = strings(container.get("args"));
    assertThat(args).startsWith("all-in-one", "--config");
    String configPath = args.get(args.indexOf("--config") + 1);
    // The config file and the strategies file it names are keys of the mounted ConfigMap,
    // mounted as a directory (a subPath mount would never see an update).
    Map<String, String> mounted = mountedFiles(resource("Deployment observability/meshtrace"),
        container);
    assertThat(mounted).containsKey(configPath);
    Path configFile = dir.resolve("meshtrace.yaml");
    Files.writeString(configFile, mounted.get(configPath));
    List<String> localArgs = new ArrayList<>(args);
    localArgs.set(args.indexOf("--config") + 1, configFile.toString());
    // Unknown settings or invalid values would throw here, naming them.
    return MeshtraceCommand.parseConfig(localArgs.toArray(new String[0]), meshtraceEnv());
  }

  /** The MESHTRACE_ variables as Kubernetes builds them: secrets resolved, $(VAR) substituted. */
  private static Map<String, String> meshtraceEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object variable : list(meshtraceContainer().get("env"))) {
      Map<String, Object> entry = map(variable);
      String value = entry.containsKey("value") ? substitute((String) entry.get("value"), env)
          : secretValue(map(path(entry, "valueFrom", "secretKeyRef")));
      env.put((String) entry.get("name"), value);
    }
    return env.entrySet().stream().filter(e -> e.getKey().startsWith("MESHTRACE_"))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  @Test
  void theDeploymentRunsWithSettingsMeshtraceAccepts() throws Exception {
    Map<String, Object> deployment = resource("Deployment observability/meshtrace");
    Map<String, Object> container = meshtraceContainer();
    assertThat(container.get("image")).isEqualTo("meshtrace/meshtrace:dev");
    Map<String, String> mounted = mountedFiles(deployment, container);
    assertThat(meshtraceEnv()).containsOnlyKeys("MESHTRACE_PG_URL");
    MeshtraceConfig config = deploymentConfig();

    // TLS from the Secret cert-manager writes, the credentials from the one the README makes,
    // both mounted whole so that renewals and edits arrive; tenants kept apart.
    Map<String, String> secretFiles = mountedSecretFiles(deployment, container);
    String tlsSecret = (String) path(resource("Certificate observability/meshtrace-tls"), "spec",
        "secretName");
    assertThat(secretFiles).containsEntry(config.tls().certificate().toString(),
        tlsSecret + "/tls.crt").containsEntry(config.tls().key().toString(), tlsSecret + "/tls.key");
    assertThat(secretFiles).containsEntry(config.auth().file().toString(),
        "meshtrace-auth/auth.yaml");
    assertThat(documentedSecrets()).contains("meshtrace-auth/auth.yaml");
    assertThat(config.auth().ingest()).as("Envoy's tracers send no credentials").isFalse();
    assertThat(config.tenancy().enabled()).isTrue();
    assertThat(config.tenancy().jaegerUdpTenant().id()).isEqualTo("mesh");
    assertThat(config.sampling().adminToken()).as("admin tokens are in the credentials file")
        .isNull();

    // The ports the Service names are the defaults, the ones this process opens.
    assertThat(expectedPorts(config).stream().map(p -> p.key() + ":" + p.port()).toList())
        .isEqualTo(expectedPorts(MeshtraceCommand.parseConfig(new String[] {"all-in-one"},
            Map.of())).stream().map(p -> p.key() + ":" + p.port()).toList());
    assertThat(mounted).containsKey(config.sampling().strategiesFile().toString());
    assertThat(SamplingStrategiesJson.parse(mounted.get(config.sampling().strategiesFile().toString()))
        .warnings()).isEmpty();
    PgConnectOptions pg = PgConnectOptions.fromUri(config.storage().pgUrl());
    assertThat(pg.getHost()).isEqualTo(serviceHost("observability/postgres"));
    assertThat(servicePortsByNumber("observability/postgres")).containsOnlyKeys(pg.getPort());
    Map<String, String> postgresEnv = new HashMap<>();
    for (Object variable : list(postgresContainer().get("env"))) {
      Map<String, Object> entry = map(variable);
      postgresEnv.put((String) entry.get("name"), entry.containsKey("value")
          ? (String) entry.get("value")
          : secretValue(map(path(entry, "valueFrom", "secretKeyRef"))));
    }
    assertThat(pg.getUser()).isEqualTo(postgresEnv.get("POSTGRES_USER"));
    assertThat(pg.getPassword()).isEqualTo(postgresEnv.get("POSTGRES_PASSWORD")).isNotBlank();
    assertThat(pg.getDatabase()).isEqualTo(postgresEnv.get("POSTGRES_DB"));

    // Probes on the admin listener, on the routes it serves (checked running below), in the
    // scheme it speaks.
    Map<String, Integer> containerPorts = new HashMap<>();
    for (Object port : list(container.get("ports"))) {
      containerPorts.put((String) map(port).get("name"), (Integer) map(port).get("containerPort"));
    }
    String scheme = config.tls().forListener(TcpListener.ADMIN) == null ? "HTTP" : "HTTPS";
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      Map<String, Object> get = map(path(container, probe, "httpGet"));
      assertThat(containerPorts.get((String) get.get("port"))).as(probe)
          .isEqualTo(config.listeners().adminPort());
      assertThat(get.getOrDefault("scheme", "HTTP")).as(probe).isEqualTo(scheme);
    }
    assertThat(map(path(deployment, "spec", "template", "metadata", "annotations")))
        .containsEntry("prometheus.io/scheme", scheme.toLowerCase(Locale.ROOT));
    assertThat(path(container, "readinessProbe", "httpGet", "path")).isEqualTo("/readyz");
    assertThat(path(container, "livenessProbe", "httpGet", "path")).isEqualTo("/healthz");
    assertThat(map(path(container, "resources", "requests"))).containsKeys("cpu", "memory");
    assertThat(map(path(container, "resources", "limits"))).containsKey("memory");
    Map<String, Object> podSecurity = map(path(deployment, "spec", "template", "spec",
        "securityContext"));
    assertThat(podSecurity.get("runAsUser")).isEqualTo(dockerUser());
    // The Secret volumes are readable by meshtrace's group, and only by it.
    assertThat(podSecurity.get("fsGroup")).isEqualTo(podSecurity.get("runAsGroup"));
  }

  /**
   * The deployment as the README sets it up, started: the certificate cert-manager issues (for
   * the Certificate's names, and 127.0.0.1 as the test connects), the credentials file the
   * README writes, reports from the tenants' providers, reads with the tenants' tokens.
   */
  @Test
  void theDeploymentsConfigurationStartsServesTlsAndKeepsItsTenantsApart() throws Exception {
    Map<String, String> mounted = mountedFiles(resource("Deployment observability/meshtrace"),
        meshtraceContainer());
    Path configFile = dir.resolve("meshtrace.yaml");
    Files.writeString(configFile, mounted.get("/etc/meshtrace/meshtrace.yaml"));
    Path strategies = dir.resolve("strategies.json");
    Files.writeString(strategies, mounted.get("/etc/meshtrace/strategies.json"));
    TestCertificates.Ca ca = TestCertificates.ca("meshtrace-ca");
    List<String> dnsNames = new ArrayList<>(strings(path(resource(
        "Certificate observability/meshtrace-tls"), "spec", "dnsNames")));
    TestCertificates.Issued certificate = ca.issue("meshtrace", dnsNames, List.of(), true, false,
        "EC");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    // ECDSA keys as cert-manager writes them: "EC PRIVATE KEY".
    certificate.write(cert, key, TestCertificates.KeyFormat.TRADITIONAL);
    Path auth = dir.resolve("auth.yaml");
    Files.writeString(auth, readmeCredentialsFile());
    Map<String, String> tokens = tokens(auth);

    MeshtraceServer server = TestServers.startOn(TestPostgres.freshDatabaseUrl(), "all-in-one",
        "--config", configFile.toString(), "--sampling-strategies", strategies.toString(),
        "--tls-cert", cert.toString(), "--tls-key", key.toString(),
        "--auth-file", auth.toString());
    try {
      HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .sslContext(TestCertificates.clientContext(ca, null))
          .connectTimeout(Duration.ofSeconds(5)).build();
      Map<String, Object> container = meshtraceContainer();
      for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
        String probePath = (String) path(container, probe, "httpGet", "path");
        assertThat(get(https, server, "admin", probePath).statusCode())
            .as(probe + " " + probePath).isEqualTo(200);
      }
      // Plain text where TLS is served is refused at the handshake.
      assertThatThrownBy(() -> TestServers.get(TestServers.url(server, "query", "/api/services")))
          .isInstanceOf(IOException.class);
      // Every listener the Service names runs (xDS only with a gateway routes file).
      assertThat(server.ports().keySet()).containsExactlyInAnyOrderElementsOf(
          expectedPorts(MeshtraceCommand.parseConfig(new String[] {"all-in-one"}, Map.of()))
              .stream().map(ExpectedPort::key).filter(k -> !k.equals("xds")).toList());
      // The ConfigMap's strategies are what the SDKs are served: the default 1%.
      assertThat(get(https, server, "samplingHttp", "/sampling?service=checkout").body())
          .contains("\"samplingRate\":0.01");

      // The sidecars of team-a and team-b report as their providers do: plain OTLP/HTTP with
      // the tenant header and no credentials.
      for (String tenant : List.of("team-a", "team-b")) {
        assertThat(TestServers.post(TestServers.url(server, "otlpHttp", "/v1/traces"),
            "application/x-protobuf", OtlpPayloads.trace(OtlpPayloads.randomTraceId(), 2,
                "reviews." + tenant).toByteArray(), "x-scope-orgid", tenant).statusCode())
            .as(tenant).isEqualTo(200);
      }
      String teamA = "Bearer " + tokens.get("grafana-team-a");
      String teamB = "Bearer " + tokens.get("grafana-team-b");
      // A read token bound to a tenant sees that tenant, whatever header it sends.
      assertThat(get(https, server, "query", "/api/services", "Authorization", teamA,
          "x-scope-orgid", "team-b").body()).contains("reviews.team-a")
          .doesNotContain("reviews.team-b");
      assertThat(get(https, server, "query", "/api/services", "Authorization", teamB).body())
          .contains("reviews.team-b").doesNotContain("reviews.team-a");
      // The admin, bound to none, reads the tenant it names.
      assertThat(get(https, server, "query", "/api/services", "Authorization",
          "Bearer " + tokens.get("platform-admin"), "x-scope-orgid", "team-b").body())
          .contains("reviews.team-b").doesNotContain("reviews.team-a");
      assertThat(get(https, server, "query", "/api/services").statusCode()).isEqualTo(401);
      // Roles: /metrics needs read, sampling changes admin.
      assertThat(get(https, server, "admin", "/metrics").statusCode()).isEqualTo(401);
      assertThat(get(https, server, "admin", "/metrics", "Authorization",
          "Bearer " + tokens.get("prometheus")).statusCode()).isEqualTo(200);
      HttpRequest change = HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
              + server.ports().get("samplingHttp") + "/api/sampling/strategies/services/checkout"))
          .header("Authorization", teamA).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString(
              "{\"type\":\"probabilistic\",\"param\":0.5}")).build();
      assertThat(https.send(change, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(403);
    } finally {
      server.stop();
    }
  }

  private static HttpResponse<String> get(HttpClient https, MeshtraceServer server,
      String listener, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
        + server.ports().get(listener) + path)).timeout(Duration.ofSeconds(10)).GET();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return https.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The credentials file of the README's step, with a random token where it runs
   * {@code $(openssl rand -hex 32)}.
   */
  private static String readmeCredentialsFile() throws IOException {
    Matcher heredoc = Pattern.compile("(?s)\n( *)cat > auth\\.yaml <<EOF\n(.*?)\n *EOF\n")
        .matcher(Files.readString(ISTIO.resolve("README.md")));
    assertThat(heredoc.find()).as("the README's step that writes auth.yaml").isTrue();
    String indent = heredoc.group(1);
    StringBuilder file = new StringBuilder();
    for (String line : heredoc.group(2).split("\n")) {
      assertThat(line).startsWith(indent);
      file.append(line.substring(indent.length()).replace("$(openssl rand -hex 32)",
          java.util.HexFormat.of().formatHex(java.security.SecureRandom.getSeed(32))))
          .append('\n');
    }
    return file.toString();
  }

  /** The tokens of a credentials file, by name. */
  private static Map<String, String> tokens(Path credentials) throws IOException {
    Map<String, String> tokens = new HashMap<>();
    Map<String, Object> file = map(new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(Files.readString(credentials)));
    for (Object entry : list(file.get("tokens"))) {
      tokens.put((String) map(entry).get("name"), (String) map(entry).get("token"));
    }
    return tokens;
  }

  @Test
  void postgresKeepsItsDataOnAVolumeBehindItsGoverningService() {
    Map<String, Object> statefulSet = resource("StatefulSet observability/postgres");
    assertThat(path(statefulSet, "spec", "serviceName")).isEqualTo("postgres");
    assertThat(path(resource("Service observability/postgres"), "spec", "clusterIP"))
        .isEqualTo("None");
    Map<Integer, Map<String, Object>> service = servicePortsByNumber("observability/postgres");
    assertThat(service).containsOnlyKeys(5432);
    assertThat(service.get(5432).get("name")).isEqualTo("tcp-postgres");
    List<Object> claims = list(path(statefulSet, "spec", "volumeClaimTemplates"));
    assertThat(claims).hasSize(1);
    String claim = (String) map(map(claims.get(0)).get("metadata")).get("name");
    assertThat(list(postgresContainer().get("volumeMounts")))
        .anySatisfy(mount -> assertThat(map(mount)).containsEntry("name", claim)
            .containsEntry("mountPath", "/var/lib/postgresql/data"));
    assertThat(list(postgresContainer().get("env")))
        .anySatisfy(env -> assertThat(map(env)).containsEntry("name", "PGDATA")
            .containsEntry("value", "/var/lib/postgresql/data/pgdata"));
    assertSelects("Service observability/postgres", "StatefulSet observability/postgres");
  }

  @Test
  void theDockerfileBuildsTheImageTheDeploymentRuns() throws IOException {
    String dockerfile = Files.readString(DOCKERFILE);
    assertThat(dockerfile).contains("FROM eclipse-temurin:17-jre\n")
        .contains("COPY mesh-collector/target/meshtrace.jar ")
        .contains("ENTRYPOINT [\"java\", \"-jar\", \"/opt/meshtrace/meshtrace.jar\"]");
    Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(dockerfile);
    assertThat(expose.find()).isTrue();
    // EXPOSE PORT[/PROTOCOL], tcp when none is given.
    Set<String> exposed = new TreeSet<>();
    for (String port : expose.group(1).trim().split("\\s+")) {
      assertThat(port).matches("[0-9]+(/(tcp|udp))?");
      exposed.add(port.contains("/") ? port : port + "/tcp");
    }
    Set<String> served = new TreeSet<>();
    servicePortsByNumber("observability/meshtrace").forEach((number, port) -> served.add(
        number + "/" + ((String) port.getOrDefault("protocol", "TCP")).toLowerCase(Locale.ROOT)));
    // And the xDS listener, which runs where gateway routes are given (not in this deployment).
    served.add(MeshtraceCommand.parseConfig(new String[] {"all-in-one"}, Map.of()).xds().port()
        + "/tcp");
    assertThat(exposed).isEqualTo(served);
    assertThat(dockerUser()).isNotZero();
  }

  // ---- reading the resources

  private static Map<String, Object> resource(String key) {
    assertThat(RESOURCES).containsKey(key);
    return RESOURCES.get(key);
  }

  private static Map<String, Object> meshtraceContainer() {
    List<Object> containers = list(path(resource("Deployment observability/meshtrace"), "spec",
        "template", "spec", "containers"));
    assertThat(containers).hasSize(1);
    return map(containers.get(0));
  }

  private static Map<String, Object> postgresContainer() {
    List<Object> containers = list(path(resource("StatefulSet observability/postgres"), "spec",
        "template", "spec", "containers"));
    assertThat(containers).hasSize(1);
    return map(containers.get(0));
  }

  private static Map<String, String> configMapData() {
    Map<String, String> data = new HashMap<>();
    map(resource("ConfigMap observability/meshtrace-config").get("data"))
        .forEach((k, v) -> data.put(k, (String) v));
    return data;
  }

  /** The files a container sees from its ConfigMap volumes, by path. */
  private static Map<String, String> mountedFiles(Map<String, Object> workload,
      Map<String, Object> container) {
    Map<String, String> configMapOfVolume = new HashMap<>();
    for (Object volume : list(path(workload, "spec", "template", "spec", "volumes"))) {
      Map<String, Object> entry = map(volume);
      if (entry.containsKey("configMap")) {
        configMapOfVolume.put((String) entry.get("name"),
            (String) map(entry.get("configMap")).get("name"));
      }
    }
    Map<String, String> files = new HashMap<>();
    for (Object mount : list(container.get("volumeMounts"))) {
      Map<String, Object> entry = map(mount);
      String configMap = configMapOfVolume.get((String) entry.get("name"));
      if (configMap == null) {
        continue;
      }
      assertThat(entry).as("the ConfigMap is mounted whole, so that updates arrive")
          .doesNotContainKey("subPath");
      String namespace = (String) path(workload, "metadata", "namespace");
      map(resource(key("ConfigMap", namespace, configMap)).get("data")).forEach((name, text) ->
          files.put(entry.get("mountPath") + "/" + name, (String) text));
    }
    return files;
  }

  /**
   * The value of a Secret's key as the README's required step makes it ({@code kubectl create
   * secret generic NAME --from-literal=KEY="$(openssl rand -hex 32)"}): 64 random hex digits,
   * the same for the same key within a run.
   */
  private static String secretValue(Map<String, Object> secretKeyRef) {
    String name = (String) secretKeyRef.get("name");
    String key = (String) secretKeyRef.get("key");
    assertThat(documentedSecrets()).as("README step that creates Secret %s", name)
        .contains(name + "/" + key);
    return CREATED_SECRETS.computeIfAbsent(name + "/" + key, k -> java.util.HexFormat.of()
        .formatHex(java.security.SecureRandom.getSeed(32)));
  }

  private static final Map<String, String> CREATED_SECRETS = new HashMap<>();

  /**
   * The Secrets (name/key) istio/README.md says to create: each with a random value, or from
   * the file its step writes ({@code --from-file=auth.yaml}).
   */
  private static List<String> documentedSecrets() {
    try {
      String readme = Files.readString(ISTIO.resolve("README.md"));
      Matcher step = Pattern.compile("kubectl -n observability create secret generic "
          + "([a-z0-9-]+) \\\\\\s+--from-literal=([a-z]+)=\"\\$\\(openssl rand -hex 32\\)\"")
          .matcher(readme);
      List<String> secrets = new ArrayList<>();
      while (step.find()) {
        secrets.add(step.group(1) + "/" + step.group(2));
      }
      Matcher fromFile = Pattern.compile("kubectl -n observability create secret generic "
          + "([a-z0-9-]+) --from-file=([a-z.]+)\n").matcher(readme);
      while (fromFile.find()) {
        secrets.add(fromFile.group(1) + "/" + fromFile.group(2));
      }
      return secrets;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void noManifestShipsASecretEveryReferenceIsToOneTheReadmeCreates() throws IOException {
    // A placeholder password in a manifest is a password that works as it is.
    assertThat(RESOURCES.keySet()).noneMatch(key -> key.startsWith("Secret "));
    List<String> referenced = new ArrayList<>();
    for (Map<String, Object> resource : RESOURCES.values()) {
      collectSecretKeyRefs(resource, referenced);
    }
    assertThat(referenced).containsExactlyInAnyOrder("meshtrace-postgres/password",
        "meshtrace-postgres/password");
    assertThat(documentedSecrets()).containsExactlyInAnyOrder("meshtrace-postgres/password",
        "meshtrace-auth/auth.yaml");
    // Secret volumes: each made by the README or by a cert-manager Certificate here.
    Set<String> made = new TreeSet<>();
    documentedSecrets().forEach(secret -> made.add(secret.substring(0, secret.indexOf('/'))));
    RESOURCES.values().stream().filter(resource -> "Certificate".equals(resource.get("kind")))
        .forEach(certificate -> made.add((String) path(certificate, "spec", "secretName")));
    Set<String> mountedSecrets = new TreeSet<>();
    for (Object volume : list(path(resource("Deployment observability/meshtrace"), "spec",
        "template", "spec", "volumes"))) {
      if (map(volume).containsKey("secret")) {
        Map<String, Object> secret = map(map(volume).get("secret"));
        assertThat(secret.get("optional")).as("secret volume %s", secret).isNotEqualTo(true);
        mountedSecrets.add((String) secret.get("secretName"));
      }
    }
    assertThat(mountedSecrets).containsExactlyInAnyOrder("meshtrace-tls", "meshtrace-auth");
    assertThat(made).containsAll(mountedSecrets);
    try (Stream<Path> walk = Files.walk(ISTIO)) {
      for (Path file : walk.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        String text = Files.readString(file);
        assertThat(text).as(file.toString())
            .doesNotContainPattern("(?im)^\\s*(password|token|POSTGRES_PASSWORD)\\s*:\\s*\\S")
            .doesNotContainPattern("(?i)change-?me");
      }
    }
  }

  /** Every secretKeyRef under a node, as name/key; none optional (a pod must wait for it). */
  private static void collectSecretKeyRefs(Object node, List<String> found) {
    if (node instanceof Map<?, ?> m) {
      Object ref = m.get("secretKeyRef");
      if (ref instanceof Map<?, ?> secret) {
        assertThat(secret.get("optional")).as("secretKeyRef %s", secret).isNotEqualTo(true);
        found.add(secret.get("name") + "/" + secret.get("key"));
      }
      m.values().forEach(value -> collectSecretKeyRefs(value, found));
    } else if (node instanceof List<?> l) {
      l.forEach(value -> collectSecretKeyRefs(value, found));
    }
  }

  /** The files a container sees from its Secret volumes, by path, as "secret/key". */
  private static Map<String, String> mountedSecretFiles(Map<String, Object> workload,
      Map<String, Object> container) {
    Map<String, Map<String, Object>> secretOfVolume = new HashMap<>();
    for (Object volume : list(path(workload, "spec", "template", "spec", "volumes"))) {
      Map<String, Object> entry = map(volume);
      if (entry.containsKey("secret")) {
        secretOfVolume.put((String) entry.get("name"), map(entry.get("secret")));
      }
    }
    Map<String, String> files = new HashMap<>();
    for (Object mount : list(container.get("volumeMounts"))) {
      Map<String, Object> entry = map(mount);
      Map<String, Object> secret = secretOfVolume.get((String) entry.get("name"));
      if (secret == null) {
        continue;
      }
      assertThat(entry).as("the Secret is mounted whole, so that updates arrive")
          .doesNotContainKey("subPath");
      // Readable by the pod's fsGroup, not by everyone.
      assertThat(secret.get("defaultMode")).isEqualTo(0440);
      String name = (String) secret.get("secretName");
      for (String key : List.of("tls.crt", "tls.key", "ca.crt", "auth.yaml")) {
        files.put(entry.get("mountPath") + "/" + key, name + "/" + key);
      }
    }
    return files;
  }

  /** Kubernetes' $(VAR) substitution from the variables defined before. */
  private static String substitute(String value, Map<String, String> defined) {
    Matcher reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
    StringBuilder result = new StringBuilder();
    while (reference.find()) {
      assertThat(defined).as("$(%s) is defined before it is used", reference.group(1))
          .containsKey(reference.group(1));
      reference.appendReplacement(result, Matcher.quoteReplacement(defined.get(reference.group(1))));
    }
    return reference.appendTail(result).toString();
  }

  private static Map<Integer, Map<String, Object>> servicePortsByNumber(String service) {
    Map<Integer, Map<String, Object>> ports = new LinkedHashMap<>();
    for (Object port : list(path(resource("Service " + service), "spec", "ports"))) {
      assertThat(ports.put((Integer) map(port).get("port"), map(port))).isNull();
    }
    return ports;
  }

  private static String serviceHost(String service) {
    String[] namespaceAndName = service.split("/");
    assertThat(RESOURCES).containsKey("Service " + service);
    return namespaceAndName[1] + "." + namespaceAndName[0] + ".svc.cluster.local";
  }

  private static void assertSelects(String service, String workload) {
    Map<String, Object> selector = map(path(resource(service), "spec", "selector"));
    Map<String, Object> labels = map(path(resource(workload), "spec", "template", "metadata",
        "labels"));
    assertThat(labels).containsAllEntriesOf(selector);
    assertThat(map(path(resource(workload), "spec", "selector", "matchLabels")))
        .isEqualTo(selector);
  }

  private static int dockerUser() {
    try {
      Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(Files.readString(DOCKERFILE));
      assertThat(user.find()).isTrue();
      return Integer.parseInt(user.group(1));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String key(String kind, String namespace, String name) {
    return kind + " " + (namespace == null ? "" : namespace + "/") + name;
  }

  private static Object path(Map<String, Object> root, String... keys) {
    Object current = root;
    for (String key : keys) {
      assertThat(current).as("parent of %s", key).isInstanceOf(Map.class);
      current = map(current).get(key);
      assertThat(current).as(String.join(".", keys)).isNotNull();
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<Object>) value;
  }

  private static List<String> strings(Object value) {
    return list(value).stream().map(String.class::cast).toList();
  }
}
