package io.meshtrace.collector.chart;

import static io.meshtrace.collector.chart.Manifests.find;
import static io.meshtrace.collector.chart.Manifests.list;
import static io.meshtrace.collector.chart.Manifests.map;
import static io.meshtrace.collector.chart.Manifests.path;
import static io.meshtrace.collector.chart.Manifests.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.config.ListenerConfig;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.Mode;
import io.meshtrace.collector.config.TcpListener;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.controlplane.sampling.SamplingStrategiesJson;
import io.meshtrace.storage.postgres.TestPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * charts/meshtrace through real Helm, for every documented values file (ci/*-values.yaml):
 * {@code helm lint --strict} and {@code helm template}, then the rendered manifests checked
 * against meshtrace itself: each container's arguments, environment and mounted --config file
 * parsed by meshtrace's own command line parser (a typo in a flag or setting fails here), its
 * ports equal to meshtrace's defaults and to exactly the listeners that command opens, the
 * Services' ports named for Istio and resolving to them, probes on the admin listener at paths a
 * running server answers, and every Secret and ConfigMap a pod refers to either rendered by the
 * chart or one the values name as the user's.
 */
class HelmChartTest {
  /** meshtrace's defaults: what a command line without settings gives. */
  static final MeshtraceConfig DEFAULTS = MeshtraceCommand.parseConfig(
      new String[] {"all-in-one"}, Map.of());

  @TempDir
  Path dir;

  static List<Path> valuesFiles() {
    return HelmChart.valuesFiles();
  }

  @Test
  void everyDocumentedSetupHasItsValuesFile() {
    assertThat(valuesFiles().stream().map(f -> f.getFileName().toString()))
        .containsExactlyInAnyOrder("all-in-one-values.yaml", "split-external-postgres-values.yaml",
            "split-kafka-values.yaml", "tls-values.yaml", "istio-values.yaml",
            "small-board-values.yaml");
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void lintsStrictly(Path values) throws IOException {
    LintResult lint = HelmChart.lint(values, dir);
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    assertThat(lint.getMessages()).noneMatch(message -> message.contains("[WARNING]")
        || message.contains("[ERROR]"));
  }

  @ParameterizedTest
  @MethodSource("valuesFiles")
  void everyPodRunsWithSettingsMeshtraceAcceptsOnItsDefaultPorts(Path valuesFile)
      throws Exception {
    Map<String, Object> values = HelmChart.coalesce(HelmChart.load(HelmChart.CHART
        .resolve("values.yaml")), HelmChart.load(valuesFile));
    Map<String, Map<String, Object>> resources = HelmChart.resources(
        HelmChart.template(valuesFile, Map.of()));
    assertThat(resources.keySet()).noneMatch(key -> key.startsWith("Secret "));
    for (Map<String, Object> resource : resources.values()) {
      assertThat(path(resource, "metadata", "namespace")).isEqualTo(HelmChart.NAMESPACE);
    }
    Map<String, MeshtraceConfig> configs = new TreeMap<>();
    for (Map.Entry<String, Map<String, Object>> entry : resources.entrySet()) {
      String kind = entry.getKey().split(" ")[0];
      if (!kind.equals("Deployment") && !kind.equals("StatefulSet")) {
        continue;
      }
      String name = entry.getKey().split(" ")[1];
      Pod pod = new Pod(entry.getValue(), resources, values, dir.resolve(name));
      MeshtraceConfig config = pod.config();
      configs.put(name, config);
      checkPod(name, pod, config, resources, values);
    }
    String mode = (String) values.get("mode");
    if (mode.equals("all-in-one")) {
      assertThat(configs.values()).singleElement()
          .satisfies(config -> assertThat(config.mode()).isEqualTo(Mode.ALL_IN_ONE));
      boolean embedded = "".equals(find(values, "postgresql", "external", "secretName"));
      assertThat(resources).containsKey((embedded ? "StatefulSet " : "Deployment ")
          + HelmChart.RELEASE);
      if (embedded) {
        MeshtraceConfig config = configs.get(HelmChart.RELEASE);
        assertThat(config.storage().pgUrl()).isNull();
        Map<String, Object> statefulSet = resources.get("StatefulSet " + HelmChart.RELEASE);
        assertThat(path(statefulSet, "spec", "replicas")).isEqualTo(1);
        String claim = (String) path(map(list(path(statefulSet, "spec",
            "volumeClaimTemplates")).get(0)), "metadata", "name");
        assertThat(new Pod(statefulSet, resources, values, dir.resolve("x")).mountPath(claim))
            .as("--data-dir is the claim's volume")
            .isEqualTo(config.storage().dataDir().toString());
      }
    } else {
      boolean kafka = (Boolean) find(values, "kafka", "enabled");
      List<String> parts = new ArrayList<>(List.of("meshtrace-collector", "meshtrace-query",
          "meshtrace-control-plane"));
      if (kafka) {
        parts.add("meshtrace-ingester");
      }
      assertThat(configs.keySet()).containsExactlyInAnyOrderElementsOf(parts);
      configs.forEach((name, config) -> assertThat(name)
          .isEqualTo("meshtrace-" + config.mode().command()));
      MeshtraceConfig collector = configs.get("meshtrace-collector");
      assertThat(collector.kafka().toKafka()).isEqualTo(kafka);
      assertThat(collector.usesPostgres()).isEqualTo(!kafka);
      if (kafka) {
        assertThat(collector.kafka().brokers()).isEqualTo(find(values, "kafka", "brokers"));
        assertThat(configs.get("meshtrace-ingester").kafka().brokers())
            .isEqualTo(collector.kafka().brokers());
        assertThat(configs.get("meshtrace-ingester").kafka().topic())
            .isEqualTo(collector.kafka().topic());
      }
      // The collectors scale on CPU unless their replicas are fixed.
      Map<String, Object> hpa = resources.get("HorizontalPodAutoscaler meshtrace-collector");
      if ((Boolean) find(values, "collector", "autoscaling", "enabled")) {
        assertThat(path(hpa, "spec", "scaleTargetRef", "name")).isEqualTo("meshtrace-collector");
        assertThat(path(hpa, "spec", "scaleTargetRef", "kind")).isEqualTo("Deployment");
        assertThat(find(resources.get("Deployment meshtrace-collector"), "spec", "replicas"))
            .as("the HPA owns the replicas").isNull();
      } else {
        assertThat(hpa).isNull();
      }
    }
    // Every part on one PostgreSQL.
    assertThat(configs.values().stream().filter(MeshtraceConfig::usesPostgres)
        .map(config -> String.valueOf(config.storage().pgUrl())).distinct()).hasSize(1);
  }

  /** The listeners' address and ports (the rest, such as event loops, values may set). */
  private static List<Object> ports(ListenerConfig listeners) {
    return List.of(listeners.bind(), listeners.zipkinPort(), listeners.otlpGrpcPort(),
        listeners.otlpHttpPort(), listeners.jaegerCompactPort(), listeners.jaegerBinaryPort(),
        listeners.jaegerHttpPort(), listeners.queryPort(), listeners.samplingHttpPort(),
        listeners.samplingGrpcPort(), listeners.adminPort(),
        String.valueOf(listeners.portsFile()));
  }

  /** The checks every meshtrace pod gets. */
  private static void checkPod(String name, Pod pod, MeshtraceConfig config,
      Map<String, Map<String, Object>> resources, Map<String, Object> values) throws Exception {
    // meshtrace's own ports: those a command line without settings gets.
    assertThat(ports(config.listeners())).as(name).isEqualTo(ports(DEFAULTS.listeners()));
    assertThat(config.xds().port()).isEqualTo(DEFAULTS.xds().port());

    // The container declares exactly the listeners its command opens.
    Map<String, Listener> expected = listeners(config);
    Map<String, Map<String, Object>> containerPorts = new LinkedHashMap<>();
    for (Object port : list(pod.container().get("ports"))) {
      Map<String, Object> entry = map(port);
      String portName = (String) entry.get("name");
      // Kubernetes' IANA_SVC_NAME: at most 15 characters, a letter, no "--".
      assertThat(portName).matches("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?").matches(".*[a-z].*")
          .doesNotContain("--");
      assertThat(containerPorts.put(portName, entry)).as(portName).isNull();
    }
    Set<String> declared = new TreeSet<>();
    containerPorts.values().forEach(port -> declared.add(port.get("containerPort") + "/"
        + port.getOrDefault("protocol", "TCP")));
    Set<String> opened = new TreeSet<>();
    expected.values().forEach(listener -> opened.add(listener.port() + "/" + listener.protocol()));
    assertThat(declared).as("%s's container ports", name).isEqualTo(opened);

    // Its Service: every listener, on the same port, named and typed for Istio.
    Map<String, Object> service = resources.get("Service " + name);
    assertThat(service).as("Service %s", name).isNotNull();
    assertThat(pod.labels()).containsAllEntriesOf(map(path(service, "spec", "selector")));
    assertThat(map(path(pod.workload(), "spec", "selector", "matchLabels")))
        .isEqualTo(map(path(service, "spec", "selector")));
    Set<String> exposed = new TreeSet<>();
    for (Object entry : list(path(service, "spec", "ports"))) {
      Map<String, Object> port = map(entry);
      String protocol = (String) port.getOrDefault("protocol", "TCP");
      exposed.add(port.get("port") + "/" + protocol);
      Map<String, Object> target = containerPorts.get((String) port.get("targetPort"));
      assertThat(target).as("%s: container port %s", name, port.get("targetPort")).isNotNull();
      assertThat(target.get("containerPort")).isEqualTo(port.get("port"));
      assertThat(target.getOrDefault("protocol", "TCP")).isEqualTo(protocol);
      Listener listener = expected.values().stream()
          .filter(l -> l.port() == (Integer) port.get("port")).findFirst().orElseThrow();
      String appProtocol = (String) port.get("appProtocol");
      assertThat(appProtocol).as("%s %s", name, port.get("name")).isEqualTo(listener.udp() ? "udp"
          : listener.tls() ? (listener.grpc() ? "tls" : "https")
          : (listener.grpc() ? "grpc" : "http"));
      assertThat((String) port.get("name")).startsWith(appProtocol + "-")
          .matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    }
    assertThat(exposed).as("%s's Service ports", name).isEqualTo(opened);

    // Probes on the admin listener, in the scheme it speaks; paths checked running below.
    String scheme = config.tls().forListener(TcpListener.ADMIN) == null ? "HTTP" : "HTTPS";
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      Map<String, Object> get = map(path(pod.container(), probe, "httpGet"));
      assertThat(path(containerPorts.get((String) get.get("port")), "containerPort"))
          .as("%s %s", name, probe).isEqualTo(config.listeners().adminPort());
      assertThat(get.get("scheme")).as("%s %s", name, probe).isEqualTo(scheme);
      PROBE_PATHS.add((String) get.get("path"));
    }
    assertThat(path(pod.container(), "readinessProbe", "httpGet", "path")).isEqualTo("/readyz");
    assertThat(path(pod.container(), "livenessProbe", "httpGet", "path")).isEqualTo("/healthz");
    assertThat(map(path(pod.workload(), "spec", "template", "metadata", "annotations")))
        .containsEntry("prometheus.io/scheme", scheme.toLowerCase(java.util.Locale.ROOT))
        .containsEntry("prometheus.io/port", String.valueOf(config.listeners().adminPort()));
    assertThat(map(path(pod.container(), "resources", "requests"))).containsKeys("cpu", "memory");
    assertThat(map(path(pod.container(), "resources", "limits"))).containsKey("memory");

    // The files the settings name are where the pod has them: the strategies and SLO files
    // from the ConfigMap, the certificate and credentials from the Secrets the values name.
    if (config.sampling().strategiesFile() != null) {
      String strategies = pod.configMapFile(config.sampling().strategiesFile().toString());
      assertThat(SamplingStrategiesJson.parse(strategies).warnings()).isEmpty();
    }
    if (config.tls().certificate() != null) {
      String secret = (String) find(values, "tls", "secretName");
      assertThat(pod.secretFile(config.tls().certificate().toString())).isEqualTo(secret + "/tls.crt");
      assertThat(pod.secretFile(config.tls().key().toString())).isEqualTo(secret + "/tls.key");
    }
    if (config.auth().file() != null) {
      assertThat(pod.secretFile(config.auth().file().toString()))
          .isEqualTo(find(values, "auth", "existingSecret") + "/" + find(values, "auth", "key"));
    }
    if (config.xds().gatewayRoutes() != null) {
      assertThat(pod.configMapFile(config.xds().gatewayRoutes().toString())).isNotBlank();
    }

    // A disruption budget for each part, selecting its pods.
    Map<String, Object> budget = resources.get("PodDisruptionBudget " + name);
    assertThat(budget).as("PodDisruptionBudget %s", name).isNotNull();
    assertThat(map(path(budget, "spec", "selector", "matchLabels")))
        .isEqualTo(map(path(service, "spec", "selector")));
  }

  /** The probe paths of every rendered pod, answered by a running server below. */
  static final Set<String> PROBE_PATHS = new TreeSet<>(Set.of("/healthz", "/readyz"));

  @Test
  void theProbesPathsAreAnsweredByARunningServer() throws Exception {
    for (Path values : valuesFiles()) {
      for (Map.Entry<String, Map<String, Object>> entry : HelmChart.resources(
          HelmChart.template(values, Map.of())).entrySet()) {
        if (entry.getKey().startsWith("Deployment ") || entry.getKey().startsWith("StatefulSet ")) {
          Map<String, Object> container = map(list(path(entry.getValue(), "spec", "template",
              "spec", "containers")).get(0));
          for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            PROBE_PATHS.add((String) path(container, probe, "httpGet", "path"));
          }
        }
      }
    }
    MeshtraceServer server = TestServers.startOn(TestPostgres.freshDatabaseUrl(), "all-in-one");
    try {
      for (String probePath : PROBE_PATHS) {
        assertThat(TestServers.get(TestServers.url(server, "admin", probePath)).statusCode())
            .as(probePath).isEqualTo(200);
      }
    } finally {
      server.stop();
    }
  }

  /** ci/small-board-values.yaml gives the JVM and meshtrace what README's 1 GB board runs. */
  @Test
  void theSmallBoardSetupIsTheReadmesMeasuredSettings() throws Exception {
    Path small = HelmChart.CI_VALUES.resolve("small-board-values.yaml");
    Map<String, Map<String, Object>> rendered = HelmChart.resources(HelmChart.template(small,
        Map.of()));
    Pod pod = new Pod(rendered.get("StatefulSet " + HelmChart.RELEASE), rendered,
        HelmChart.coalesce(HelmChart.load(HelmChart.CHART.resolve("values.yaml")),
            HelmChart.load(small)), dir.resolve("small"));

    String readme = Files.readString(Path.of("../README.md"));
    int block = readme.indexOf("    java ", readme.indexOf("Settings for a 1 GB board"));
    List<String> words = List.of(readme.substring(block, readme.indexOf("\n\n", block))
        .replace("\\\n", " ").trim().split("\\s+"));
    List<String> jvm = words.subList(1, words.indexOf("-jar"));
    List<String> flags = words.subList(words.indexOf("all-in-one") + 1, words.size());
    assertThat(jvm).contains("-Xmx128m");
    assertThat(flags).contains("--embedded-pg-shared-buffers");

    String javaOptions = null;
    for (Object variable : list(pod.container().get("env"))) {
      if ("JAVA_TOOL_OPTIONS".equals(map(variable).get("name"))) {
        javaOptions = (String) map(variable).get("value");
      }
    }
    assertThat(javaOptions).isNotNull();
    assertThat(List.of(javaOptions.trim().split("\\s+"))).containsExactlyElementsOf(jvm);
    List<String> args = strings(pod.container().get("args"));
    Map<String, Object> file = new Yaml(new SafeConstructor(new LoaderOptions())).load(
        pod.configMapFile(args.get(args.indexOf("--config") + 1)));
    for (int i = 0; i < flags.size(); i += 2) {
      assertThat(String.valueOf(file.get(flags.get(i).substring(2)))).as(flags.get(i))
          .isEqualTo(flags.get(i + 1));
    }
    // Taken by meshtrace as it takes the README's command line.
    MeshtraceConfig fromChart = pod.config();
    List<String> readmeArgs = new ArrayList<>(List.of("all-in-one"));
    readmeArgs.addAll(flags);
    MeshtraceConfig fromReadme = MeshtraceCommand.parseConfig(readmeArgs.toArray(String[]::new),
        Map.of());
    assertThat(fromChart.ingest()).isEqualTo(fromReadme.ingest());
    assertThat(fromChart.embeddedPostgres()).isEqualTo(fromReadme.embeddedPostgres());
  }

  @Test
  void theServiceMonitorAndTheSloRuleComeOnlyWithThePrometheusOperatorsApi() throws Exception {
    Path tls = HelmChart.CI_VALUES.resolve("tls-values.yaml");
    // Without monitoring.coreos.com/v1 (helm template's cluster has none): neither.
    Map<String, Map<String, Object>> plain = HelmChart.resources(HelmChart.template(
        HelmChart.CI_VALUES.resolve("all-in-one-values.yaml"), Map.of()));
    assertThat(plain.keySet()).noneMatch(key -> key.startsWith("ServiceMonitor ")
        || key.startsWith("PrometheusRule "));

    // The objectives the chart serves, rendered by `meshtrace slo render`.
    Map<String, Map<String, Object>> rendered = HelmChart.resources(HelmChart.template(tls,
        Map.of()));
    Path slo = dir.resolve("slo.yaml");
    Files.writeString(slo, (String) path(rendered.get("ConfigMap meshtrace-config"), "data",
        "slo.yaml"));
    MeshtraceConfig config = MeshtraceCommand.parseConfig(
        new Pod(rendered.get("StatefulSet meshtrace"), rendered,
            HelmChart.coalesce(HelmChart.load(HelmChart.CHART.resolve("values.yaml")),
                HelmChart.load(tls)), dir.resolve("pod")).args(), Map.of());
    assertThat(config.slo().file()).isNotNull();
    Path rule = dir.resolve("rule.yaml");
    StringWriter err = new StringWriter();
    assertThat(MeshtraceCommand.run(new String[] {"slo", "render", "--slo", slo.toString(),
        "--output", rule.toString()}, Map.of(), new PrintWriter(new StringWriter()),
        new PrintWriter(err))).as(err.toString()).isZero();

    Map<String, Map<String, Object>> monitored = HelmChart.resources(HelmChart.template(tls,
        Map.of("slo.prometheusRule", rule)));
    Map<String, Object> prometheusRule = monitored.get("PrometheusRule meshtrace-slo");
    assertThat(prometheusRule).isNotNull();
    Map<String, Object> fromMeshtrace = map(new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(Files.readString(rule)));
    assertThat(prometheusRule.get("apiVersion")).isEqualTo(fromMeshtrace.get("apiVersion"));
    assertThat(prometheusRule.get("spec")).isEqualTo(fromMeshtrace.get("spec"));

    // The ServiceMonitor scrapes the admin port of every Service, over TLS with a read token.
    Map<String, Object> monitor = monitored.get("ServiceMonitor meshtrace");
    Map<String, Object> endpoint = map(list(path(monitor, "spec", "endpoints")).get(0));
    assertThat(endpoint).containsEntry("path", "/metrics").containsEntry("scheme", "https");
    assertThat(path(endpoint, "authorization", "credentials"))
        .isEqualTo(Map.of("name", "meshtrace-prometheus-token", "key", "token"));
    Map<String, Object> selector = map(path(monitor, "spec", "selector", "matchLabels"));
    List<Map<String, Object>> services = monitored.entrySet().stream()
        .filter(e -> e.getKey().startsWith("Service ")).map(Map.Entry::getValue).toList();
    assertThat(services).isNotEmpty().allSatisfy(service -> {
      assertThat(map(path(service, "metadata", "labels"))).containsAllEntriesOf(selector);
      assertThat(list(path(service, "spec", "ports"))).anySatisfy(port -> assertThat(map(port))
          .containsEntry("name", endpoint.get("port"))
          .containsEntry("port", DEFAULTS.listeners().adminPort()));
    });
  }

  @Test
  void valuesThatCannotWorkStopTheRenderSayingWhatToChange() throws IOException {
    Path split = dir.resolve("split.yaml");
    Files.writeString(split, "mode: split\n");
    assertThatThrownBy(() -> HelmChart.template(split, Map.of()))
        .hasMessageContaining("mode split needs an external PostgreSQL")
        .hasMessageContaining("postgresql.external.secretName");
    Path port = dir.resolve("port.yaml");
    Files.writeString(port, "config:\n  zipkin-port: 9412\n");
    assertThatThrownBy(() -> HelmChart.template(port, Map.of()))
        .hasMessageContaining("config.zipkin-port is set by the chart");
    Path listener = dir.resolve("listener.yaml");
    Files.writeString(listener, "tls: {enabled: true, secretName: t, plainListeners: [otlp]}\n");
    assertThatThrownBy(() -> HelmChart.template(listener, Map.of()))
        .hasMessageContaining("tls.plainListeners: \"otlp\" is not a listener");
    Path url = dir.resolve("url.yaml");
    Files.writeString(url, "postgresql: {external: {secretName: pg, "
        + "url: 'postgresql://u:secret@db:5432/x'}}\n");
    assertThatThrownBy(() -> HelmChart.template(url, Map.of()))
        .hasMessageContaining("without a password");
    // The schema: a mode that does not exist, a key that does not exist.
    Path mode = dir.resolve("mode.yaml");
    Files.writeString(mode, "mode: splt\n");
    assertThatThrownBy(() -> HelmChart.template(mode, Map.of()))
        .hasMessageContaining("mode").hasMessageContaining("all-in-one");
    assertThat(HelmChart.lint(mode, dir).isFailed()).as("helm lint with it").isTrue();
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, "colector: {replicas: 3}\n");
    assertThatThrownBy(() -> HelmChart.template(typo, Map.of()))
        .hasMessageContaining("colector");
    // A setting meshtrace does not know gets past Helm (config is meshtrace's) but not meshtrace's
    // own parser, which is what the pod runs.
    Path unknown = dir.resolve("unknown.yaml");
    Files.writeString(unknown, "config:\n  retention-dayz: 3\n");
    Map<String, Map<String, Object>> rendered = HelmChart.resources(HelmChart.template(unknown,
        Map.of()));
    Pod pod = new Pod(rendered.get("StatefulSet meshtrace"), rendered, HelmChart.coalesce(
        HelmChart.load(HelmChart.CHART.resolve("values.yaml")), HelmChart.load(unknown)),
        dir.resolve("unknown"));
    assertThatThrownBy(pod::config).hasMessageContaining("retention-dayz");
  }

  @Test
  void theDemosGatewayRoutesConfigMapGivesTheIstioInstallItsEdgeGateway() throws Exception {
    // examples/kubernetes: the ConfigMap meshtrace-gateway-routes next to the demo's Envoy.
    Map<String, Map<String, Object>> demo = HelmChart.resources(Files.readString(
        Path.of("../examples/kubernetes/edge-gateway.yaml")));
    Map<String, Object> routes = demo.get("ConfigMap meshtrace-gateway-routes");
    assertThat(path(routes, "metadata", "namespace")).isEqualTo(HelmChart.NAMESPACE);
    Path istio = HelmChart.CI_VALUES.resolve("istio-values.yaml");
    Map<String, Map<String, Object>> rendered = HelmChart.resources(HelmChart.template(istio,
        Map.of(), Map.of("gatewayRoutes.existingConfigMap", "meshtrace-gateway-routes")));
    Map<String, Object> values = HelmChart.coalesce(HelmChart.coalesce(HelmChart.load(
        HelmChart.CHART.resolve("values.yaml")), HelmChart.load(istio)),
        Map.of("gatewayRoutes", Map.of("existingConfigMap", "meshtrace-gateway-routes")));
    Pod pod = new Pod(rendered.get("Deployment meshtrace"), rendered, values, dir.resolve("gw"),
        demo);
    MeshtraceConfig config = pod.config();
    assertThat(config.runsXds()).isTrue();
    assertThat(pod.configMapFile(config.xds().gatewayRoutes().toString()))
        .isEqualTo(path(routes, "data", "gateway-routes.yaml"));
    // The Envoy's bootstrap dials the Service's xDS port.
    String bootstrap = (String) path(demo.get("ConfigMap edge-gateway-bootstrap"), "data",
        "envoy.yaml");
    assertThat(bootstrap).contains("address: meshtrace.observability.svc.cluster.local")
        .contains("port_value: " + config.xds().port());
    assertThat(list(path(rendered.get("Service meshtrace"), "spec", "ports")))
        .anySatisfy(port -> assertThat(map(port)).containsEntry("port", config.xds().port())
            .containsEntry("name", "tls-xds"));
    checkPod("meshtrace", pod, config, rendered, values);
  }

  /** A listener a process opens: its port, transport and whether it is on TLS. */
  record Listener(int port, boolean udp, boolean grpc, boolean tls) {
    String protocol() {
      return udp ? "UDP" : "TCP";
    }
  }

  /** The listeners a process with this configuration opens (Mode's parts), by key. */
  static Map<String, Listener> listeners(MeshtraceConfig config) {
    Mode mode = config.mode();
    ListenerConfig ports = config.listeners();
    Map<String, Listener> open = new LinkedHashMap<>();
    if (mode.runsZipkin()) {
      open.put("zipkin", tcp(config, TcpListener.ZIPKIN, ports.zipkinPort(), false));
    }
    if (mode.runsIngest()) {
      open.put("otlpGrpc", tcp(config, TcpListener.OTLP_GRPC, ports.otlpGrpcPort(), true));
      open.put("otlpHttp", tcp(config, TcpListener.OTLP_HTTP, ports.otlpHttpPort(), false));
      open.put("jaegerCompact", new Listener(ports.jaegerCompactPort(), true, false, false));
      open.put("jaegerBinary", new Listener(ports.jaegerBinaryPort(), true, false, false));
      open.put("jaegerHttp", tcp(config, TcpListener.JAEGER_HTTP, ports.jaegerHttpPort(), false));
    }
    if (mode.runsQuery()) {
      open.put("query", tcp(config, TcpListener.QUERY, ports.queryPort(), false));
    }
    if (mode.runsSampling()) {
      open.put("samplingHttp", tcp(config, TcpListener.SAMPLING_HTTP, ports.samplingHttpPort(),
          false));
    }
    if (mode.runsSampling() || mode.runsIngest()) {
      open.put("samplingGrpc", tcp(config, TcpListener.SAMPLING_GRPC, ports.samplingGrpcPort(),
          true));
    }
    if (config.runsXds()) {
      open.put("xds", tcp(config, TcpListener.XDS, config.xds().port(), true));
    }
    open.put("admin", tcp(config, TcpListener.ADMIN, ports.adminPort(), false));
    return open;
  }

  private static Listener tcp(MeshtraceConfig config, TcpListener listener, int port,
      boolean grpc) {
    return new Listener(port, false, grpc, config.tls().forListener(listener) != null);
  }

  /**
   * A rendered meshtrace pod as Kubernetes starts it: the ConfigMap files where its volumes put
   * them (written under a local directory for the parser), its environment with $(VAR)
   * substituted and Secret keys as the user creates them.
   */
  static final class Pod {
    private final Map<String, Object> workload;
    private final Map<String, Map<String, Object>> resources;
    private final Map<String, Object> values;
    private final Path local;
    private final Map<String, Map<String, Object>> userResources;

    Pod(Map<String, Object> workload, Map<String, Map<String, Object>> resources,
        Map<String, Object> values, Path local) {
      this(workload, resources, values, local, Map.of());
    }

    /** With ConfigMaps the user applies next to the chart ({@code existingConfigMap}). */
    Pod(Map<String, Object> workload, Map<String, Map<String, Object>> resources,
        Map<String, Object> values, Path local, Map<String, Map<String, Object>> userResources) {
      this.workload = workload;
      this.resources = resources;
      this.values = values;
      this.local = local;
      this.userResources = userResources;
    }

    Map<String, Object> workload() {
      return workload;
    }

    Map<String, Object> container() {
      List<Object> containers = list(path(workload, "spec", "template", "spec", "containers"));
      assertThat(containers).hasSize(1);
      return map(containers.get(0));
    }

    Map<String, Object> labels() {
      return map(path(workload, "spec", "template", "metadata", "labels"));
    }

    private Map<String, Map<String, Object>> volumes() {
      Map<String, Map<String, Object>> volumes = new HashMap<>();
      for (Object volume : list(path(workload, "spec", "template", "spec", "volumes"))) {
        volumes.put((String) map(volume).get("name"), map(volume));
      }
      return volumes;
    }

    String mountPath(String volume) {
      return list(container().get("volumeMounts")).stream().map(Manifests::map)
          .filter(mount -> volume.equals(mount.get("name")))
          .map(mount -> (String) mount.get("mountPath")).findFirst().orElseThrow();
    }

    /**
     * The text of a file the container reads from a ConfigMap volume; the ConfigMap is the
     * chart's or one the values name as the user's, mounted whole (a subPath mount never sees an
     * update).
     */
    String configMapFile(String file) {
      for (Object mount : list(container().get("volumeMounts"))) {
        Map<String, Object> entry = map(mount);
        Map<String, Object> volume = volumes().get((String) entry.get("name"));
        String directory = (String) entry.get("mountPath");
        if (volume.containsKey("configMap") && file.startsWith(directory + "/")) {
          assertThat(entry).as("mounted whole, so that updates arrive")
              .doesNotContainKey("subPath");
          String name = (String) path(volume, "configMap", "name");
          Map<String, Object> configMap = resources.containsKey("ConfigMap " + name)
              ? resources.get("ConfigMap " + name) : userResources.get("ConfigMap " + name);
          assertThat(configMap).as("ConfigMap %s, rendered or the user's", name).isNotNull();
          if (!resources.containsKey("ConfigMap " + name)) {
            assertThat(find(values, "gatewayRoutes", "existingConfigMap")).isEqualTo(name);
          }
          Object text = map(configMap.get("data")).get(file.substring(directory.length() + 1));
          assertThat(text).as("%s in ConfigMap %s", file, name).isNotNull();
          return (String) text;
        }
      }
      throw new AssertionError(file + " is in no ConfigMap volume");
    }

    /** The Secret and key behind a file of a Secret volume, as "secret/key". */
    String secretFile(String file) {
      for (Object mount : list(container().get("volumeMounts"))) {
        Map<String, Object> entry = map(mount);
        Map<String, Object> volume = volumes().get((String) entry.get("name"));
        String directory = (String) entry.get("mountPath");
        if (volume.containsKey("secret") && file.startsWith(directory + "/")) {
          assertThat(entry).as("mounted whole, so that renewals arrive")
              .doesNotContainKey("subPath");
          Map<String, Object> secret = map(volume.get("secret"));
          assertThat(secret.get("optional")).isNotEqualTo(true);
          // Readable by the pod's group (fsGroup), not by everyone.
          assertThat(secret.get("defaultMode")).isEqualTo(0440);
          assertThat(userSecrets()).contains((String) secret.get("secretName"));
          return secret.get("secretName") + "/" + file.substring(directory.length() + 1);
        }
      }
      throw new AssertionError(file + " is in no Secret volume");
    }

    /** The Secrets the values name as the user's; the chart renders none. */
    private Set<String> userSecrets() {
      Set<String> names = new TreeSet<>();
      for (Object name : new Object[] {find(values, "postgresql", "external", "secretName"),
          find(values, "tls", "secretName"), find(values, "auth", "existingSecret")}) {
        if (name instanceof String s && !s.isEmpty()) {
          names.add(s);
        }
      }
      return names;
    }

    /** The container's arguments with the --config file written locally. */
    String[] args() throws IOException {
      List<String> args = new ArrayList<>(strings(container().get("args")));
      int config = args.indexOf("--config");
      assertThat(config).isPositive();
      Files.createDirectories(local);
      Path file = local.resolve("meshtrace.yaml");
      Files.writeString(file, configMapFile(args.get(config + 1)));
      args.set(config + 1, file.toString());
      return args.toArray(String[]::new);
    }

    /** The MESHTRACE_ variables as Kubernetes builds them. */
    Map<String, String> env() {
      Map<String, String> env = new LinkedHashMap<>();
      Object variables = container().get("env");
      for (Object variable : variables == null ? List.of() : list(variables)) {
        Map<String, Object> entry = map(variable);
        String value = entry.containsKey("value") ? substitute((String) entry.get("value"), env)
            : secretValue(map(path(entry, "valueFrom", "secretKeyRef")));
        env.put((String) entry.get("name"), value);
      }
      env.keySet().removeIf(name -> !name.startsWith("MESHTRACE_"));
      return env;
    }

    /**
     * A Secret key's value as the values' comments say to create it: the whole URL for
     * postgresql.external.urlKey, 64 random hex digits for a password.
     */
    private String secretValue(Map<String, Object> ref) {
      assertThat(ref.get("optional")).isNotEqualTo(true);
      assertThat(userSecrets()).contains((String) ref.get("name"));
      if (ref.get("key").equals(find(values, "postgresql", "external", "urlKey"))) {
        return "postgresql://meshtrace:" + PASSWORD + "@db.example.com:5432/meshtrace";
      }
      assertThat(ref.get("key")).isEqualTo(find(values, "postgresql", "external", "passwordKey"));
      return PASSWORD;
    }

    MeshtraceConfig config() throws IOException {
      // Unknown settings or invalid values throw here, naming them.
      return MeshtraceCommand.parseConfig(args(), env());
    }
  }

  static final String PASSWORD = HexFormat.of().formatHex(
      java.security.SecureRandom.getSeed(32));

  /** Kubernetes' $(VAR) substitution from the variables defined before. */
  static String substitute(String value, Map<String, String> defined) {
    Matcher reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
    StringBuilder result = new StringBuilder();
    while (reference.find()) {
      assertThat(defined).as("$(%s) is defined before it is used", reference.group(1))
          .containsKey(reference.group(1));
      reference.appendReplacement(result,
          Matcher.quoteReplacement(defined.get(reference.group(1))));
    }
    return reference.appendTail(result).toString();
  }
}
