package io.meshtrace.examples.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.config.ListenerConfig;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.collector.config.Mode;
import io.meshtrace.collector.config.TcpListener;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * There is no Envoy, Docker or kubectl here: the example files are parsed and their wiring
 * checked against each other and against the services' defaults — the Envoy bootstrap against
 * the gateway routes, the routes against the services, compose and Kubernetes against both.
 */
class ExampleConfigsTest {
  static final Path EXAMPLES = Path.of(System.getProperty("user.dir")).resolve("..").normalize();

  @Test
  void theEnvoyBootstrapTakesEverythingOverAdsFromMeshtracesXdsPort() throws IOException {
    assertEdgeBootstrap(load("edge-gateway/envoy.yaml"), "meshtrace");
  }

  @Test
  void theGatewayRoutesSendShopTrafficToShopAndSpansToMeshtrace() throws IOException {
    Map<String, Object> routes = load("edge-gateway/gateway-routes.yaml");
    assertGatewayRoutes(routes, "shop", "meshtrace");
    assertThat(routes).extracting(r -> map(r.get("listener")).get("port")).isEqualTo(10000);
  }

  @Test
  void theDemoStrategiesSampleShopAndTheGatewaysRoutes() throws IOException {
    String strategies = Files.readString(EXAMPLES.resolve("demo-strategies.json"));
    io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(strategies);
    Map<String, io.vertx.core.json.JsonObject> byService = json.getJsonArray("service_strategies")
        .stream().map(o -> (io.vertx.core.json.JsonObject) o)
        .collect(Collectors.toMap(o -> o.getString("service"), o -> o));
    assertThat(byService.get("shop").getDouble("param")).isEqualTo(1.0);
    // Every route's operation has its own strategy for the gateway's service (node.cluster).
    List<String> operations = byService.get("edge-gateway").getJsonArray("operation_strategies")
        .stream().map(o -> ((io.vertx.core.json.JsonObject) o).getString("operation")).toList();
    List<String> routeOperations = list(load("edge-gateway/gateway-routes.yaml").get("routes"))
        .stream().map(r -> (String) map(r).get("operation")).toList();
    assertThat(operations).containsExactlyInAnyOrderElementsOf(routeOperations);
  }

  @Test
  void composeWiresTheServicesMeshtraceTheGatewayAndTheGenerator() throws IOException {
    Map<String, Object> compose = load("docker-compose.yml");
    Map<String, Object> services = map(compose.get("services"));
    assertThat(services).containsKeys("postgres", "meshtrace", "shop", "cart", "payments",
        "edge-gateway", "generator");

    Map<String, Object> meshtrace = map(services.get("meshtrace"));
    assertThat(meshtrace.get("image")).isEqualTo("meshtrace/meshtrace:dev");
    assertThat(map(meshtrace.get("build")).get("context")).isEqualTo("..");
    assertThat(EXAMPLES.resolve("..").resolve((String) map(meshtrace.get("build"))
        .get("dockerfile")).normalize()).isEqualTo(EXAMPLES.resolve("../Dockerfile").normalize());
    assertThat(env(meshtrace).get("MESHTRACE_PG_URL"))
        .startsWith("postgresql://").contains("@postgres:5432/");
    assertThat(map(services.get("postgres")).get("image")).isEqualTo("postgres:17");
    // The files meshtrace's flags name are the files mounted there, and they exist.
    Map<String, String> mounts = mounts(meshtrace);
    List<String> command = strings(meshtrace.get("command"));
    assertThat(command.get(0)).isEqualTo("all-in-one");
    for (String flag : List.of("--sampling-strategies", "--gateway-routes")) {
      String inContainer = command.get(command.indexOf(flag) + 1);
      assertThat(mounts).as(flag).containsValue(inContainer);
    }
    assertThat(mounts).containsEntry("./edge-gateway/gateway-routes.yaml",
        command.get(command.indexOf("--gateway-routes") + 1));
    assertThat(strings(meshtrace.get("ports"))).contains("16686:16686", "9411:9411",
        "4318:4318", "14250:14250");

    // shop -> cart -> payments, each on its own default port, reporting to meshtrace.
    for (String name : List.of("shop", "cart", "payments")) {
      Map<String, Object> service = map(services.get(name));
      assertThat(service.get("image")).isEqualTo("meshtrace/example-services:dev");
      assertThat(strings(service.get("command")).get(0)).isEqualTo(name);
      assertThat(env(service)).containsEntry("MESHTRACE_HOST", "meshtrace")
          .containsEntry("PORT", String.valueOf(ServiceConfig.DEFAULT_PORTS.get(name)));
      // The service's own config parser accepts what compose gives it.
      ServiceConfig config = ServiceConfig.parse(strings(service.get("command")), env(service));
      assertThat(config.otlpEndpoint()).isEqualTo(URI.create("http://meshtrace:4318/v1/traces"));
      if (config.downstreamUrl() != null) {
        String downstream = config.downstreamUrl().getHost();
        assertThat(services).containsKey(downstream);
        assertThat(config.downstreamUrl().getPort())
            .isEqualTo(ServiceConfig.DEFAULT_PORTS.get(downstream));
      }
    }
    assertThat(env(map(services.get("shop"))).get("DOWNSTREAM_URL")).isEqualTo("http://cart:8082");
    assertThat(env(map(services.get("cart"))).get("DOWNSTREAM_URL"))
        .isEqualTo("http://payments:8083");
    assertThat(EXAMPLES.resolve("services/Dockerfile")).exists();
    assertThat(map(map(services.get("payments")).get("build")).get("dockerfile"))
        .isEqualTo("examples/services/Dockerfile");

    // The gateway runs the bootstrap of edge-gateway/, whose xDS cluster is the meshtrace
    // service, and publishes the listener port of the routes meshtrace gets.
    Map<String, Object> gateway = map(services.get("edge-gateway"));
    assertThat((String) gateway.get("image")).startsWith("envoyproxy/envoy:");
    List<String> envoyCommand = strings(gateway.get("command"));
    String bootstrap = envoyCommand.get(envoyCommand.indexOf("-c") + 1);
    assertThat(mounts(gateway)).containsEntry("./edge-gateway/envoy.yaml", bootstrap);
    Map<String, Object> routes = load("edge-gateway/gateway-routes.yaml");
    int listenerPort = (Integer) map(routes.get("listener")).get("port");
    assertThat(strings(gateway.get("ports")))
        .contains(listenerPort + ":" + listenerPort, "9901:9901");
    // Every upstream of the routes is a compose service on its port; the collector is meshtrace.
    for (Object cluster : list(routes.get("clusters"))) {
      for (String endpoint : strings(map(cluster).get("endpoints"))) {
        String host = endpoint.substring(0, endpoint.indexOf(':'));
        assertThat(services).containsKey(host);
        assertThat(env(map(services.get(host))).get("PORT"))
            .isEqualTo(endpoint.substring(endpoint.indexOf(':') + 1));
      }
    }
    assertThat((String) map(routes.get("collector")).get("address")).startsWith("meshtrace:");

    Map<String, Object> generator = map(services.get("generator"));
    assertThat(generator.get("image")).isEqualTo("meshtrace/meshtrace:dev");
    assertThat(strings(generator.get("command")).get(0)).isEqualTo("gen");
    List<String> genCommand = strings(generator.get("command"));
    assertThat(genCommand.get(genCommand.indexOf("--endpoint") + 1))
        .isEqualTo("http://meshtrace:9411/api/v2/spans");
    assertThat(services).containsKey("meshtrace");
  }

  @Test
  void kubernetesRunsTheSameDemoInItsNamespaceAgainstMeshtraceInObservability()
      throws IOException {
    List<Map<String, Object>> objects = new ArrayList<>();
    try (var files = Files.list(EXAMPLES.resolve("kubernetes"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        objects.addAll(loadAll(file));
      }
    }
    Map<String, Map<String, Object>> byKindAndName = new HashMap<>();
    for (Map<String, Object> object : objects) {
      Map<String, Object> metadata = map(object.get("metadata"));
      String namespace = (String) metadata.get("namespace");
      if (object.get("kind").equals("Namespace")) {
        assertThat(metadata.get("name")).isEqualTo("meshtrace-demo");
      } else if (object.get("kind").equals("ConfigMap")
          && metadata.get("name").equals("meshtrace-gateway-routes")) {
        assertThat(namespace).as("for meshtrace to mount").isEqualTo("observability");
      } else {
        assertThat(namespace).as("%s %s", object.get("kind"), metadata.get("name"))
            .isEqualTo("meshtrace-demo");
      }
      byKindAndName.put(object.get("kind") + "/" + metadata.get("name"), object);
    }

    String meshtraceHost = "meshtrace.observability.svc.cluster.local";
    for (String name : List.of("shop", "cart", "payments")) {
      Map<String, Object> deployment = byKindAndName.get("Deployment/" + name);
      Map<String, Object> service = byKindAndName.get("Service/" + name);
      assertThat(deployment).as(name).isNotNull();
      assertThat(service).as(name).isNotNull();
      Map<String, Object> container = container(deployment);
      Map<String, String> env = kubernetesEnv(container);
      assertThat(env).containsEntry("MESHTRACE_HOST", meshtraceHost);
      int port = ServiceConfig.DEFAULT_PORTS.get(name);
      assertThat(env).containsEntry("PORT", String.valueOf(port));
      assertSelects(service, deployment);
      assertServicePort(service, container, port);
      ServiceConfig config = ServiceConfig.parse(strings(container.get("args")), env);
      assertThat(config.samplingEndpoint()).isEqualTo(URI.create("http://" + meshtraceHost
          + ":14250"));
      if (config.downstreamUrl() != null) {
        String downstream = config.downstreamUrl().getHost();
        assertThat(byKindAndName).containsKey("Service/" + downstream);
        assertThat(map(list(map(byKindAndName.get("Service/" + downstream).get("spec"))
            .get("ports")).get(0)).get("port")).isEqualTo(config.downstreamUrl().getPort());
      }
    }

    // The gateway: its bootstrap from the ConfigMap, mounted where envoy -c reads it.
    Map<String, Object> bootstrapMap = byKindAndName.get("ConfigMap/edge-gateway-bootstrap");
    Map<String, Object> bootstrap = new Yaml(new SafeConstructor(new LoaderOptions()))
        .load((String) map(bootstrapMap.get("data")).get("envoy.yaml"));
    assertEdgeBootstrap(bootstrap, meshtraceHost);
    Map<String, Object> gateway = byKindAndName.get("Deployment/edge-gateway");
    Map<String, Object> envoy = container(gateway);
    List<String> args = strings(envoy.get("args"));
    String path = args.get(args.indexOf("-c") + 1);
    Map<String, Object> mount = map(list(envoy.get("volumeMounts")).get(0));
    assertThat(path).isEqualTo(mount.get("mountPath") + "/envoy.yaml");
    Map<String, Object> volume = map(list(map(map(map(gateway.get("spec")).get("template"))
        .get("spec")).get("volumes")).get(0));
    assertThat(volume.get("name")).isEqualTo(mount.get("name"));
    assertThat(map(volume.get("configMap")).get("name")).isEqualTo("edge-gateway-bootstrap");
    assertSelects(byKindAndName.get("Service/edge-gateway"), gateway);

    // The in-cluster routes: same routes as edge-gateway/gateway-routes.yaml, in-cluster names.
    Map<String, Object> routes = new Yaml(new SafeConstructor(new LoaderOptions())).load(
        (String) map(byKindAndName.get("ConfigMap/meshtrace-gateway-routes").get("data"))
            .get("gateway-routes.yaml"));
    assertGatewayRoutes(routes, "shop.meshtrace-demo.svc.cluster.local", meshtraceHost);
    Map<String, Object> local = load("edge-gateway/gateway-routes.yaml");
    assertThat(routes.get("routes")).isEqualTo(local.get("routes"));
    assertThat(routes.get("listener")).isEqualTo(local.get("listener"));
    int listenerPort = (Integer) map(routes.get("listener")).get("port");
    assertServicePort(byKindAndName.get("Service/edge-gateway"), envoy, listenerPort);

    // meshtrace takes the ConfigMap meshtrace-gateway-routes through the chart's
    // gatewayRoutes.existingConfigMap: mesh-collector's HelmChartTest checks that install.

    Map<String, Object> generator = byKindAndName.get("Deployment/trace-generator");
    List<Object> containers = list(map(map(map(generator.get("spec")).get("template"))
        .get("spec")).get("containers"));
    assertThat(containers).hasSize(1);
    List<String> genArgs = strings(map(containers.get(0)).get("args"));
    assertThat(genArgs.get(0)).isEqualTo("gen");
    assertThat(genArgs.get(genArgs.indexOf("--endpoint") + 1))
        .isEqualTo("http://" + meshtraceHost + ":9411/api/v2/spans");
  }

  // --- the split deployment: collectors -> Kafka -> ingesters -> PostgreSQL ------------------

  /** The server commands of the split deployment; all-in-one is not one of them. */
  static final Set<String> SPLIT_COMMANDS = Set.of("collector", "ingester", "query",
      "control-plane");

  /** The parsed configuration of {@code all-in-one} with nothing set: meshtrace's defaults. */
  static final MeshtraceConfig DEFAULTS = MeshtraceCommand.parseConfig(
      new String[] {"all-in-one"}, Map.of());

  @Test
  void splitComposeWiresCollectorsThroughKafkaToIngestersAndPostgres() throws IOException {
    Map<String, Object> compose = load("split/docker-compose.yml");
    assertThat(compose.get("name")).isEqualTo("meshtrace-split");
    Map<String, Object> services = map(compose.get("services"));

    Map<String, Object> postgres = map(services.get("postgres"));
    assertThat(postgres.get("image")).isEqualTo("postgres:17");
    Map<String, String> pg = env(postgres);

    // One KRaft node, broker and controller, reached by the others at the address it advertises.
    Map<String, Object> kafka = map(services.get("kafka"));
    assertThat((String) kafka.get("image")).startsWith("apache/kafka:");
    Map<String, String> broker = env(kafka);
    assertThat(broker).containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
        .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
    Map<String, String> listeners = kafkaListeners(broker.get("KAFKA_LISTENERS"));
    Map<String, String> advertised = kafkaListeners(broker.get("KAFKA_ADVERTISED_LISTENERS"));
    String clients = broker.get("KAFKA_INTER_BROKER_LISTENER_NAME");
    String bootstrap = advertised.get(clients);
    assertThat(bootstrap).isEqualTo("kafka:" + port(listeners.get(clients)));
    assertThat(services).containsKey(host(bootstrap));
    String controller = broker.get("KAFKA_CONTROLLER_LISTENER_NAMES");
    assertThat(advertised).doesNotContainKey(controller);
    assertThat(broker.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).isEqualTo(broker.get("KAFKA_NODE_ID")
        + "@kafka:" + port(listeners.get(controller)));
    assertReplicationFits(broker, 1);
    assertThat(strings(map(kafka.get("healthcheck")).get("test")))
        .contains("localhost:" + port(listeners.get(clients)));

    // The topic, created before any collector or ingester starts.
    Map<String, Object> init = map(services.get("kafka-init"));
    assertThat(init.get("image")).isEqualTo(kafka.get("image"));
    List<String> create = strings(init.get("command"));
    assertThat(create.get(0)).endsWith("/kafka-topics.sh");
    assertThat(create).contains("--create", "--if-not-exists");
    assertThat(argument(create, "--bootstrap-server")).isEqualTo(bootstrap);
    assertThat(Integer.parseInt(argument(create, "--replication-factor"))).isEqualTo(1);
    assertThat(map(map(init.get("depends_on")).get("kafka")))
        .containsEntry("condition", "service_healthy");

    Map<String, MeshtraceConfig> configs = new TreeMap<>();
    Set<String> hostPorts = new TreeSet<>();
    for (Map.Entry<String, Object> entry : services.entrySet()) {
      String name = entry.getKey();
      Map<String, Object> service = map(entry.getValue());
      for (String published : service.get("ports") == null ? List.<String>of()
          : strings(service.get("ports"))) {
        String hostPort = published.substring(0, published.indexOf(':'))
            + (published.endsWith("/udp") ? "/udp" : "");
        assertThat(hostPorts.add(hostPort)).as("host port %s published twice", hostPort).isTrue();
      }
      if (!"meshtrace/meshtrace:dev".equals(service.get("image"))) {
        continue;
      }
      List<String> command = strings(service.get("command"));
      if (command.get(0).equals("gen")) {
        continue; // below
      }
      // meshtrace's own parser: the command line and environment as the container gets them.
      MeshtraceConfig config = MeshtraceCommand.parseConfig(command.toArray(String[]::new),
          env(service));
      String mode = config.mode().command();
      assertThat(mode).as(name).isIn(SPLIT_COMMANDS);
      assertThat(name).startsWith(mode);
      assertThat(config.listeners()).as("%s on meshtrace's default ports", name)
          .isEqualTo(DEFAULTS.listeners());
      configs.put(name, config);

      // Healthy when /readyz on the admin port is 200.
      assertThat(strings(map(service.get("healthcheck")).get("test")))
          .contains("http://127.0.0.1:" + config.listeners().adminPort() + "/readyz");
      // Every published port is one this command listens on, its protocol included.
      Set<String> listening = listenerPorts(config);
      for (String published : service.get("ports") == null ? List.<String>of()
          : strings(service.get("ports"))) {
        String inContainer = published.substring(published.indexOf(':') + 1);
        String port = inContainer.endsWith("/udp")
            ? inContainer.replace("/udp", "/UDP") : inContainer + "/TCP";
        assertThat(listening).as("%s publishes %s", name, published).contains(port);
      }

      Map<String, Object> dependsOn = map(service.get("depends_on"));
      if (mode.equals("collector") || mode.equals("ingester")) {
        assertThat(config.kafka().brokers()).as(name).isEqualTo(bootstrap);
        assertThat(map(dependsOn.get("kafka-init")))
            .containsEntry("condition", "service_completed_successfully");
      }
      if (mode.equals("collector")) {
        assertThat(config.kafka().toKafka()).as(name).isTrue();
        assertThat(config.usesPostgres()).as(name).isFalse();
        assertThat(config.storage().pgUrl()).as("%s needs no PostgreSQL", name).isNull();
      } else {
        // Not the embedded PostgreSQL that a missing --pg-url would start.
        assertPgUrl(name, config, "postgres", pg.get("POSTGRES_USER"),
            pg.get("POSTGRES_PASSWORD"), pg.get("POSTGRES_DB"));
        assertThat(map(dependsOn.get("postgres"))).containsEntry("condition", "service_healthy");
      }
    }
    assertThat(configs.keySet()).containsExactlyInAnyOrder("collector-1", "collector-2",
        "ingester-1", "ingester-2", "query", "control-plane");
    assertKafkaPath(configs, argument(create, "--topic"),
        Integer.parseInt(argument(create, "--partitions")));
    Map<String, Object> built = map(map(services.get("collector-1")).get("build"));
    assertThat(EXAMPLES.resolve("split").resolve((String) built.get("context"))
        .resolve((String) built.get("dockerfile")).normalize())
        .isEqualTo(EXAMPLES.resolve("../Dockerfile").normalize());

    // Intake on the host: collector-1 on meshtrace's own ports; query and control plane too.
    assertThat(strings(map(services.get("collector-1")).get("ports"))).contains("9411:9411",
        "4317:4317", "4318:4318", "14268:14268", "6831:6831/udp", "6832:6832/udp");
    assertThat(strings(map(services.get("query")).get("ports"))).contains("16686:16686");
    assertThat(strings(map(services.get("control-plane")).get("ports")))
        .contains("5778:5778", "14250:14250");
    // The control plane's strategies file is the one mounted there, and it exists.
    Map<String, Object> controlPlane = map(services.get("control-plane"));
    String strategies = configs.get("control-plane").sampling().strategiesFile().toString();
    String mount = strings(controlPlane.get("volumes")).stream()
        .filter(v -> v.split(":")[1].equals(strategies)).findFirst().orElseThrow();
    assertThat(EXAMPLES.resolve("split").resolve(mount.split(":")[0])).exists();
    assertThat(configs.get("control-plane").sampling().adminToken()).isNotBlank();

    // The generators send to a collector, on the collector's port for their protocol.
    int generators = 0;
    for (Object entry : services.values()) {
      Map<String, Object> service = map(entry);
      List<String> command = service.get("command") == null ? List.of()
          : strings(service.get("command"));
      if (!"meshtrace/meshtrace:dev".equals(service.get("image"))
          || !command.get(0).equals("gen")) {
        continue;
      }
      generators++;
      URI endpoint = URI.create(argument(command, "--endpoint"));
      MeshtraceConfig collector = configs.get(endpoint.getHost());
      assertThat(collector).as("%s is a collector", endpoint).isNotNull();
      assertThat(collector.mode()).isEqualTo(Mode.COLLECTOR);
      String protocol = command.contains("--protocol") ? argument(command, "--protocol")
          : "zipkin-json";
      int expected = switch (protocol) {
        case "otlp-grpc" -> collector.listeners().otlpGrpcPort();
        case "otlp-http" -> collector.listeners().otlpHttpPort();
        default -> collector.listeners().zipkinPort();
      };
      assertThat(endpoint.getPort()).as(endpoint.toString()).isEqualTo(expected);
    }
    assertThat(generators).isGreaterThan(0);
  }

  @Test
  void splitKubernetesRunsEveryPartInObservabilityOnIstiosPostgres(@TempDir Path configDir)
      throws IOException {
    String namespace = "observability";
    Map<String, Map<String, Object>> split = objects(EXAMPLES.resolve("kubernetes/split"));
    // The prerequisites from istio/kubernetes (namespace, PostgreSQL, certificate); not
    // 30-meshtrace.yaml, the all-in-one that the split deployment replaces (both are renderings
    // of charts/meshtrace, the same release with other values).
    Map<String, Map<String, Object>> istio = objects(EXAMPLES.resolve("../istio/kubernetes")
        .normalize());
    for (Map<String, Object> object : loadAll(EXAMPLES.resolve(
        "../istio/kubernetes/30-meshtrace.yaml").normalize())) {
      istio.remove(object.get("kind") + "/" + map(object.get("metadata")).get("name"));
    }
    for (Map.Entry<String, Map<String, Object>> object : split.entrySet()) {
      assertThat(map(object.getValue().get("metadata")).get("namespace")).as(object.getKey())
          .isEqualTo(namespace);
      assertThat(istio).as("a name of its own").doesNotContainKey(object.getKey());
    }
    Map<String, Map<String, Object>> all = new TreeMap<>(istio);
    all.putAll(split);
    assertEachServiceSelectsItsWorkload(all);

    // Every pod: no sidecar, and no Service environment variables, which meshtrace (MESHTRACE_*)
    // and the Kafka image (KAFKA_*) would take for settings.
    for (Map.Entry<String, Map<String, Object>> object : split.entrySet()) {
      if (object.getKey().startsWith("Deployment/") || object.getKey().startsWith("StatefulSet/")
          || object.getKey().startsWith("Job/")) {
        Map<String, Object> template = map(map(object.getValue().get("spec")).get("template"));
        assertThat(map(map(template.get("metadata")).get("annotations")))
            .containsEntry("sidecar.istio.io/inject", "false");
        assertThat(map(template.get("spec")).get("enableServiceLinks")).as(object.getKey())
            .isEqualTo(false);
      }
    }

    // Kafka: three KRaft nodes, each a voter at its pod's DNS name.
    Map<String, Object> kafka = split.get("StatefulSet/kafka");
    Map<String, Object> kafkaSpec = map(kafka.get("spec"));
    int brokers = (Integer) kafkaSpec.get("replicas");
    assertThat(brokers).isEqualTo(3);
    assertThat(kafkaSpec.get("podManagementPolicy")).isEqualTo("Parallel");
    String headless = (String) kafkaSpec.get("serviceName");
    Map<String, Object> headlessSpec = map(split.get("Service/" + headless).get("spec"));
    assertThat(headlessSpec).containsEntry("clusterIP", "None")
        .containsEntry("publishNotReadyAddresses", true);
    Map<String, Object> brokerContainer = container(kafka);
    Map<String, String> broker = kubernetesEnv(brokerContainer);
    assertThat(broker).containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
        .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
    Map<String, String> listeners = kafkaListeners(broker.get("KAFKA_LISTENERS"));
    String clients = broker.get("KAFKA_INTER_BROKER_LISTENER_NAME");
    int clientPort = port(listeners.get(clients));
    int controllerPort = port(listeners.get(broker.get("KAFKA_CONTROLLER_LISTENER_NAMES")));
    String podDomain = headless + "." + namespace + ".svc.cluster.local";
    List<String> voters = new ArrayList<>();
    for (int i = 0; i < brokers; i++) {
      voters.add(i + "@kafka-" + i + "." + podDomain + ":" + controllerPort);
    }
    assertThat(broker.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).isEqualTo(String.join(",", voters));
    // The node ID is the pod's ordinal, the advertised address its DNS name; then the image's run.
    String script = String.join(" ", strings(brokerContainer.get("command")));
    assertThat(script).contains("KAFKA_NODE_ID=\"${HOSTNAME##*-}\"")
        .contains("KAFKA_ADVERTISED_LISTENERS=\"" + clients + "://${HOSTNAME}." + podDomain + ":"
            + clientPort + "\"")
        .contains("exec /etc/kafka/docker/run");
    assertThat(containerPort(brokerContainer, "kafka")).isEqualTo(clientPort);
    assertThat(containerPort(brokerContainer, "controller")).isEqualTo(controllerPort);
    assertReplicationFits(broker, brokers);
    // The data on the claim's volume.
    String claim = (String) map(map(list(kafkaSpec.get("volumeClaimTemplates")).get(0))
        .get("metadata")).get("name");
    String dataPath = list(brokerContainer.get("volumeMounts")).stream().map(m -> map(m))
        .filter(m -> claim.equals(m.get("name"))).map(m -> (String) m.get("mountPath"))
        .findFirst().orElseThrow();
    assertThat(broker.get("KAFKA_LOG_DIRS")).startsWith(dataPath + "/");
    // Clients bootstrap through Service kafka, on the port of the listener the brokers advertise.
    Map<String, Object> bootstrapService = split.get("Service/kafka");
    assertServicePort(bootstrapService, brokerContainer, clientPort);
    String bootstrap = "kafka." + namespace + ".svc.cluster.local:" + clientPort;

    // The topic job.
    Map<String, Object> job = split.get("Job/kafka-create-topic");
    Map<String, Object> topics = container(job);
    assertThat(topics.get("image")).isEqualTo(brokerContainer.get("image"));
    List<String> create = strings(topics.get("command"));
    assertThat(create.get(0)).endsWith("/kafka-topics.sh");
    assertThat(create).contains("--create", "--if-not-exists");
    assertThat(argument(create, "--bootstrap-server")).isEqualTo(bootstrap);
    int replicas = Integer.parseInt(argument(create, "--replication-factor"));
    assertThat(replicas).isEqualTo(brokers);
    int minInSync = Integer.parseInt(argument(create, "--config").replace("min.insync.replicas=",
        ""));
    assertThat(minInSync).as("acknowledged on two brokers, one may be down").isEqualTo(2)
        .isLessThan(replicas);

    // PostgreSQL and the secrets, from istio/kubernetes.
    Map<String, Object> postgresSet = istio.get("StatefulSet/postgres");
    Map<String, String> pg = resolvedEnv(container(postgresSet), all);
    String pgHost = "postgres." + namespace + ".svc.cluster.local";
    assertServicePort(istio.get("Service/postgres"), container(postgresSet), 5432);

    Map<String, MeshtraceConfig> configs = new TreeMap<>();
    for (Map.Entry<String, Map<String, Object>> object : split.entrySet()) {
      if (!object.getKey().startsWith("Deployment/")) {
        continue;
      }
      String name = object.getKey().substring("Deployment/".length());
      Map<String, Object> deployment = object.getValue();
      Map<String, Object> podSpec = map(map(map(deployment.get("spec")).get("template"))
          .get("spec"));
      assertThat(map(podSpec.get("securityContext"))).containsEntry("runAsNonRoot", true)
          .containsEntry("runAsUser", 10001);
      Map<String, Object> container = container(deployment);
      assertThat(container.get("image")).isEqualTo("meshtrace/meshtrace:dev");
      // meshtrace's own parser, with the environment Kubernetes would give (Secrets resolved,
      // $(VAR) substituted) and the ConfigMap's files where the container reads them.
      List<String> args = configMapFilesIn(strings(container.get("args")), podSpec, container,
          all, configDir.resolve(name));
      MeshtraceConfig config = MeshtraceCommand.parseConfig(args.toArray(String[]::new),
          resolvedEnv(container, all));
      String mode = config.mode().command();
      assertThat(mode).as(name).isIn(SPLIT_COMMANDS);
      assertThat(name).isEqualTo("meshtrace-" + mode);
      assertThat(config.listeners()).as("%s on meshtrace's default ports", name)
          .isEqualTo(DEFAULTS.listeners());
      configs.put(name, config);

      // The container declares exactly the ports the command listens on.
      Set<String> declared = new TreeSet<>();
      for (Object port : list(container.get("ports"))) {
        Map<String, Object> p = map(port);
        declared.add(p.get("containerPort") + "/" + p.getOrDefault("protocol", "TCP"));
      }
      assertThat(declared).as(name).isEqualTo(listenerPorts(config));
      // Probes on the admin port: alive on /healthz, ready on /readyz.
      int admin = config.listeners().adminPort();
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
        assertThat(get.get("path")).as("%s %s", name, probe)
            .isEqualTo(probe.equals("readinessProbe") ? "/readyz" : "/healthz");
        assertThat(containerPort(container, get.get("port"))).as("%s %s", name, probe)
            .isEqualTo(admin);
      }

      if (mode.equals("collector") || mode.equals("ingester")) {
        assertThat(map(deployment.get("spec")).get("replicas")).as(name).isEqualTo(2);
        assertThat(config.kafka().brokers()).as(name).isEqualTo(bootstrap);
      }
      if (mode.equals("collector")) {
        assertThat(config.kafka().toKafka()).isTrue();
        assertThat(config.usesPostgres()).isFalse();
        assertThat(config.storage().pgUrl()).as("%s needs no PostgreSQL", name).isNull();
      } else {
        assertPgUrl(name, config, pgHost, pg.get("POSTGRES_USER"), pg.get("POSTGRES_PASSWORD"),
            pg.get("POSTGRES_DB"));
      }
      // Credentials and TLS as the all-in-one of istio/kubernetes has them.
      assertThat(config.auth().file()).as(name).isNotNull();
      assertThat(config.tls().certificate()).as(name).isNotNull();
      assertSecretMounted(podSpec, container, config.auth().file(), "meshtrace-auth");
      assertSecretMounted(podSpec, container, config.tls().certificate(), "meshtrace-tls");
      if (mode.equals("control-plane")) {
        // The strategies file named in the ConfigMap's --config file is one of its files.
        Path strategies = config.sampling().strategiesFile();
        assertThat(strategies).isNotNull();
        assertThat(configDir.resolve(name).resolve("meshtrace-config")
            .resolve(strategies.getFileName())).exists();
      }

      // Its Service: every listener but admin, on the same port, named for Istio.
      Map<String, Object> service = split.get("Service/" + name);
      Set<String> serving = new TreeSet<>(listenerPorts(config));
      // The admin port too: the ServiceMonitor scrapes /metrics through the Services.
      Set<String> exposed = new TreeSet<>();
      for (Object entry : list(map(service.get("spec")).get("ports"))) {
        Map<String, Object> port = map(entry);
        String protocol = (String) port.getOrDefault("protocol", "TCP");
        exposed.add(port.get("port") + "/" + protocol);
        assertServicePort(service, container, (Integer) port.get("port"));
        String appProtocol = (String) port.get("appProtocol");
        // A listener on TLS is https or tls (the sending sidecar passes the client's TLS
        // through), a plain one http or grpc.
        boolean tls = config.tlsListeners().keySet().stream()
            .anyMatch(listener -> port(config, listener) == (Integer) port.get("port"));
        assertThat(appProtocol).as("%s %s", name, port.get("name"))
            .isIn(protocol.equals("UDP") ? List.of("udp")
                : tls ? List.of("https", "tls") : List.of("http", "grpc"));
        assertThat((String) port.get("name")).startsWith(appProtocol + "-");
        assertThat(protocol.equals("UDP")).isEqualTo(appProtocol.equals("udp"));
      }
      assertThat(exposed).as(name).isEqualTo(serving);
    }
    assertThat(configs.keySet()).containsExactlyInAnyOrder("meshtrace-collector",
        "meshtrace-ingester", "meshtrace-query", "meshtrace-control-plane");
    int partitions = Integer.parseInt(argument(create, "--partitions"));
    assertKafkaPath(configs, argument(create, "--topic"), partitions);
    assertThat(partitions).isGreaterThanOrEqualTo((Integer) map(split
        .get("Deployment/meshtrace-ingester").get("spec")).get("replicas"));
  }

  /**
   * Collectors and ingesters meet on the topic the init job creates, the ingesters in one
   * consumer group, so that they share its partitions.
   */
  private static void assertKafkaPath(Map<String, MeshtraceConfig> configs, String topic,
      int partitions) {
    Set<String> groups = new TreeSet<>();
    int ingesters = 0;
    for (Map.Entry<String, MeshtraceConfig> entry : configs.entrySet()) {
      MeshtraceConfig config = entry.getValue();
      if (config.mode() == Mode.COLLECTOR || config.mode() == Mode.INGESTER) {
        assertThat(config.kafka().topic()).as(entry.getKey()).isEqualTo(topic);
      }
      if (config.mode() == Mode.INGESTER) {
        groups.add(config.kafka().group());
        ingesters++;
      }
    }
    assertThat(topic).isEqualTo(DEFAULTS.kafka().topic());
    assertThat(groups).hasSize(1);
    assertThat(partitions).as("a partition for each ingester at least")
        .isGreaterThanOrEqualTo(ingesters).isEqualTo(6);
  }

  /** The internal topics' replication, and writes' in-sync minimum, fit the brokers there are. */
  private static void assertReplicationFits(Map<String, String> broker, int brokers) {
    for (String factor : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")) {
      assertThat(Integer.parseInt(broker.get(factor))).as(factor).isEqualTo(brokers);
    }
    assertThat(Integer.parseInt(broker.get("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")))
        .isEqualTo(Math.max(1, brokers - 1));
    if (broker.containsKey("KAFKA_DEFAULT_REPLICATION_FACTOR")) {
      assertThat(Integer.parseInt(broker.get("KAFKA_DEFAULT_REPLICATION_FACTOR")))
          .isEqualTo(brokers);
    }
    if (broker.containsKey("KAFKA_MIN_INSYNC_REPLICAS")) {
      assertThat(Integer.parseInt(broker.get("KAFKA_MIN_INSYNC_REPLICAS")))
          .isEqualTo(Math.max(1, brokers - 1));
    }
  }

  private static void assertPgUrl(String name, MeshtraceConfig config, String host, String user,
      String password, String database) {
    String url = config.storage().pgUrl();
    assertThat(url).as("%s --pg-url", name).isNotNull();
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    assertThat(options.getHost()).as(name).isEqualTo(host);
    assertThat(options.getPort()).as(name).isEqualTo(5432);
    assertThat(options.getUser()).as(name).isEqualTo(user);
    assertThat(options.getPassword()).as(name).isEqualTo(password);
    assertThat(options.getDatabase()).as(name).isEqualTo(database);
  }

  /**
   * The ports a meshtrace process with this configuration listens on ("9411/TCP",
   * "6831/UDP"), as MeshtraceServer opens them for its mode.
   */
  private static Set<String> listenerPorts(MeshtraceConfig config) {
    Mode mode = config.mode();
    ListenerConfig ports = config.listeners();
    Set<String> listening = new TreeSet<>();
    if (mode.runsZipkin()) {
      listening.add(ports.zipkinPort() + "/TCP");
    }
    if (mode.runsIngest()) {
      listening.add(ports.otlpGrpcPort() + "/TCP");
      listening.add(ports.otlpHttpPort() + "/TCP");
      for (int udp : List.of(ports.jaegerCompactPort(), ports.jaegerBinaryPort())) {
        if (udp != ListenerConfig.OFF) {
          listening.add(udp + "/UDP");
        }
      }
      if (ports.jaegerHttpPort() != ListenerConfig.OFF) {
        listening.add(ports.jaegerHttpPort() + "/TCP");
      }
    }
    if (mode.runsQuery()) {
      listening.add(ports.queryPort() + "/TCP");
    }
    if (mode.runsSampling()) {
      listening.add(ports.samplingHttpPort() + "/TCP");
    }
    if (mode.runsSampling() || mode.runsIngest()) {
      listening.add(ports.samplingGrpcPort() + "/TCP");
    }
    if (config.runsXds()) {
      listening.add(config.xds().port() + "/TCP");
    }
    listening.add(ports.adminPort() + "/TCP");
    return listening;
  }

  /** Kafka's listener list ({@code NAME://host:port,...}): host:port by listener name. */
  private static Map<String, String> kafkaListeners(String listeners) {
    assertThat(listeners).isNotBlank();
    Map<String, String> byName = new LinkedHashMap<>();
    for (String listener : listeners.split(",")) {
      Matcher m = Pattern.compile("([A-Z_]+)://([^:]*):(\\d+)").matcher(listener.trim());
      assertThat(m.matches()).as(listener).isTrue();
      byName.put(m.group(1), m.group(2) + ":" + m.group(3));
    }
    return byName;
  }

  private static String host(String hostPort) {
    return hostPort.substring(0, hostPort.lastIndexOf(':'));
  }

  private static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  private static String argument(List<String> command, String flag) {
    int at = command.indexOf(flag);
    assertThat(at).as("%s in %s", flag, command).isNotNegative();
    return command.get(at + 1);
  }

  /** Every object of a directory's YAML files, by kind/name. */
  private static Map<String, Map<String, Object>> objects(Path directory) throws IOException {
    Map<String, Map<String, Object>> byKindAndName = new TreeMap<>();
    try (var files = Files.list(directory)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (Map<String, Object> object : loadAll(file)) {
          String key = object.get("kind") + "/" + map(object.get("metadata")).get("name");
          assertThat(byKindAndName.put(key, object)).as("%s twice", key).isNull();
        }
      }
    }
    return byKindAndName;
  }

  /**
   * Each Service selects the pods of one workload (Deployment, StatefulSet, Job), the one of its
   * name ({@code kafka-headless} and {@code kafka} both the StatefulSet kafka), no other.
   */
  private static void assertEachServiceSelectsItsWorkload(Map<String, Map<String, Object>> all) {
    for (Map.Entry<String, Map<String, Object>> service : all.entrySet()) {
      if (!service.getKey().startsWith("Service/")) {
        continue;
      }
      Map<String, Object> selector = map(map(service.getValue().get("spec")).get("selector"));
      List<String> selected = new ArrayList<>();
      for (Map.Entry<String, Map<String, Object>> workload : all.entrySet()) {
        String kind = workload.getKey().substring(0, workload.getKey().indexOf('/'));
        if (Set.of("Deployment", "StatefulSet", "Job").contains(kind)) {
          Map<String, Object> labels = map(map(map(map(workload.getValue().get("spec"))
              .get("template")).get("metadata")).get("labels"));
          if (labels.entrySet().containsAll(selector.entrySet())) {
            selected.add(workload.getKey().substring(kind.length() + 1));
          }
        }
      }
      String name = service.getKey().substring("Service/".length()).replace("-headless", "");
      assertThat(selected).as("what %s selects", service.getKey()).containsExactly(name);
    }
  }

  /**
   * A container's environment as Kubernetes gives it: values from Secrets' stringData, and
   * {@code $(NAME)} replaced by an earlier variable's value.
   */
  private static Map<String, String> resolvedEnv(Map<String, Object> container,
      Map<String, Map<String, Object>> objects) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object entry : container.get("env") == null ? List.of() : list(container.get("env"))) {
      Map<String, Object> variable = map(entry);
      String value;
      if (variable.containsKey("valueFrom")) {
        Map<String, Object> ref = map(map(variable.get("valueFrom")).get("secretKeyRef"));
        value = stringData(objects, (String) ref.get("name")).get((String) ref.get("key"));
        assertThat(value).as("%s from Secret %s", variable.get("name"), ref.get("name"))
            .isNotNull();
      } else {
        Matcher m = Pattern.compile("\\$\\(([A-Za-z0-9_]+)\\)").matcher(
            String.valueOf(variable.get("value")));
        StringBuilder resolved = new StringBuilder();
        while (m.find()) {
          assertThat(env).as("$(%s) defined before %s", m.group(1), variable.get("name"))
              .containsKey(m.group(1));
          m.appendReplacement(resolved, Matcher.quoteReplacement(env.get(m.group(1))));
        }
        value = m.appendTail(resolved).toString();
      }
      env.put((String) variable.get("name"), value);
    }
    return env;
  }

  /** The port a listener of this configuration listens on. */
  private static int port(MeshtraceConfig config, TcpListener listener) {
    return switch (listener) {
      case ZIPKIN -> config.listeners().zipkinPort();
      case OTLP_GRPC -> config.listeners().otlpGrpcPort();
      case OTLP_HTTP -> config.listeners().otlpHttpPort();
      case JAEGER_HTTP -> config.listeners().jaegerHttpPort();
      case QUERY -> config.listeners().queryPort();
      case SAMPLING_HTTP -> config.listeners().samplingHttpPort();
      case SAMPLING_GRPC -> config.listeners().samplingGrpcPort();
      case XDS -> config.xds().port();
      case ADMIN -> config.listeners().adminPort();
    };
  }

  /** {@code file} is in a mount of Secret {@code secret}, mounted whole (updates arrive). */
  private static void assertSecretMounted(Map<String, Object> podSpec,
      Map<String, Object> container, Path file, String secret) {
    String volume = null;
    for (Object entry : list(podSpec.get("volumes"))) {
      Map<String, Object> v = map(entry);
      if (v.get("secret") instanceof Map<?, ?> ref && secret.equals(ref.get("secretName"))) {
        volume = (String) v.get("name");
      }
    }
    assertThat(volume).as("a volume of Secret %s", secret).isNotNull();
    String mounted = null;
    for (Object entry : list(container.get("volumeMounts"))) {
      Map<String, Object> m = map(entry);
      if (volume.equals(m.get("name"))) {
        assertThat(m).doesNotContainKey("subPath");
        mounted = (String) m.get("mountPath");
      }
    }
    assertThat(mounted).as("Secret %s mounted", secret).isNotNull();
    assertThat(file.getParent()).isEqualTo(Path.of(mounted));
  }

  private static Map<String, String> stringData(Map<String, Map<String, Object>> objects,
      String secret) {
    Map<String, Object> object = objects.get("Secret/" + secret);
    if (object == null) {
      return createdSecret(secret);
    }
    Map<String, String> data = new HashMap<>();
    map(object.get("stringData")).forEach((k, v) -> data.put(k, String.valueOf(v)));
    return data;
  }

  private static final Map<String, Map<String, String>> CREATED_SECRETS = new HashMap<>();

  /**
   * A Secret the manifests only refer to, as istio/README.md's required step creates it
   * ({@code kubectl -n observability create secret generic NAME
   * --from-literal=KEY="$(openssl rand -hex 32)"}): random hex, the same within a run.
   */
  private static synchronized Map<String, String> createdSecret(String secret) {
    return CREATED_SECRETS.computeIfAbsent(secret, name -> {
      String readme;
      try {
        readme = Files.readString(EXAMPLES.resolve("../istio/README.md").normalize());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      Matcher step = Pattern.compile("create secret generic " + Pattern.quote(name)
          + " \\\\\\s+--from-literal=([a-z]+)=\"\\$\\(openssl rand -hex 32\\)\"").matcher(readme);
      assertThat(step.find()).as("istio/README.md creates Secret %s", name).isTrue();
      return Map.of(step.group(1), java.util.HexFormat.of()
          .formatHex(java.security.SecureRandom.getSeed(32)));
    });
  }

  /**
   * The arguments with each path under a ConfigMap volume's mount pointing at that ConfigMap's
   * files, written under {@code dir}.
   */
  private static List<String> configMapFilesIn(List<String> args, Map<String, Object> podSpec,
      Map<String, Object> container, Map<String, Map<String, Object>> objects, Path dir)
      throws IOException {
    Map<String, String> configMapByVolume = new HashMap<>();
    for (Object volume : list(podSpec.get("volumes"))) {
      Map<String, Object> v = map(volume);
      if (v.containsKey("configMap")) {
        configMapByVolume.put((String) v.get("name"),
            (String) map(v.get("configMap")).get("name"));
      }
    }
    List<String> rewritten = new ArrayList<>(args);
    for (Object entry : list(container.get("volumeMounts"))) {
      Map<String, Object> mount = map(entry);
      String configMap = configMapByVolume.get((String) mount.get("name"));
      if (configMap == null) {
        continue;
      }
      Map<String, Object> object = objects.get("ConfigMap/" + configMap);
      assertThat(object).as("ConfigMap %s", configMap).isNotNull();
      Path files = Files.createDirectories(dir.resolve(configMap));
      for (Map.Entry<String, Object> file : map(object.get("data")).entrySet()) {
        Files.writeString(files.resolve(file.getKey()), String.valueOf(file.getValue()));
      }
      String prefix = mount.get("mountPath") + "/";
      for (int i = 0; i < rewritten.size(); i++) {
        if (rewritten.get(i).startsWith(prefix)) {
          Path file = files.resolve(rewritten.get(i).substring(prefix.length()));
          assertThat(file).as("%s from ConfigMap %s", rewritten.get(i), configMap).exists();
          rewritten.set(i, file.toString());
        }
      }
    }
    return rewritten;
  }

  /** The number of a container port given by name or number. */
  private static int containerPort(Map<String, Object> container, Object port) {
    return list(container.get("ports")).stream().map(ExampleConfigsTest::map)
        .filter(p -> port.equals(p.get("name")) || port.equals(p.get("containerPort")))
        .map(p -> (Integer) p.get("containerPort")).findFirst()
        .orElseThrow(() -> new AssertionError("no container port " + port));
  }

  // --- the shared checks ----------------------------------------------------------------------

  private static void assertEdgeBootstrap(Map<String, Object> bootstrap, String meshtraceHost) {
    assertThat(map(bootstrap.get("node"))).containsEntry("cluster", "edge-gateway")
        .containsKey("id");
    Map<String, Object> dynamic = map(bootstrap.get("dynamic_resources"));
    Map<String, Object> ads = map(dynamic.get("ads_config"));
    assertThat(ads).containsEntry("api_type", "GRPC").containsEntry("transport_api_version", "V3");
    String xdsCluster = (String) map(map(list(ads.get("grpc_services")).get(0))
        .get("envoy_grpc")).get("cluster_name");
    for (String config : List.of("lds_config", "cds_config")) {
      assertThat(map(dynamic.get(config))).as(config)
          .containsEntry("resource_api_version", "V3").containsKey("ads");
    }
    List<Object> clusters = list(map(bootstrap.get("static_resources")).get("clusters"));
    assertThat(clusters).as("only the way to meshtrace is static").hasSize(1);
    Map<String, Object> cluster = map(clusters.get(0));
    assertThat(cluster.get("name")).isEqualTo(xdsCluster);
    assertThat(map(map(map(cluster.get("typed_extension_protocol_options"))
        .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions"))
        .get("explicit_http_config"))).containsKey("http2_protocol_options");
    Map<String, Object> address = map(map(map(map(list(map(list(map(cluster
        .get("load_assignment")).get("endpoints")).get(0)).get("lb_endpoints")).get(0))
        .get("endpoint")).get("address")).get("socket_address"));
    assertThat(address).containsEntry("address", meshtraceHost)
        .containsEntry("port_value", 18000);
    assertThat(map(map(map(bootstrap.get("admin")).get("address")).get("socket_address")))
        .containsEntry("port_value", 9901);
  }

  private static void assertGatewayRoutes(Map<String, Object> routes, String shopHost,
      String meshtraceHost) {
    assertThat(routes).containsOnlyKeys("listener", "collector", "routes", "clusters");
    Map<String, Object> collector = map(routes.get("collector"));
    assertThat(collector).containsEntry("address", meshtraceHost + ":9411");
    assertThat(collector.get("encoding")).isIn("HTTP_PROTO", "HTTP_JSON");
    Map<String, List<String>> clusters = new HashMap<>();
    for (Object cluster : list(routes.get("clusters"))) {
      clusters.put((String) map(cluster).get("name"), strings(map(cluster).get("endpoints")));
    }
    assertThat(clusters.get("shop")).containsExactly(shopHost + ":"
        + ServiceConfig.DEFAULT_PORTS.get("shop"));
    List<Object> list = list(routes.get("routes"));
    for (Object entry : list) {
      Map<String, Object> route = map(entry);
      assertThat(route).containsKeys("prefix", "cluster", "operation");
      assertThat((String) route.get("prefix")).startsWith("/");
      assertThat(clusters).containsKey((String) route.get("cluster"));
    }
    // The first route takes shop's checkout, the path the services serve.
    Map<String, Object> first = map(list.get(0));
    assertThat(ShopRoutes.CHECKOUT).startsWith((String) first.get("prefix"));
    assertThat(first.get("cluster")).isEqualTo("shop");
  }

  private static void assertSelects(Map<String, Object> service, Map<String, Object> deployment) {
    Map<String, Object> selector = map(map(service.get("spec")).get("selector"));
    Map<String, Object> labels = map(map(map(map(deployment.get("spec")).get("template"))
        .get("metadata")).get("labels"));
    assertThat(labels).containsAllEntriesOf(selector);
    assertThat(map(map(map(deployment.get("spec")).get("selector")).get("matchLabels")))
        .isEqualTo(labels);
  }

  /** The Service exposes {@code port}, targeting a named or numbered port of the container. */
  private static void assertServicePort(Map<String, Object> service,
      Map<String, Object> container, int port) {
    Map<String, Object> servicePort = list(map(service.get("spec")).get("ports")).stream()
        .map(ExampleConfigsTest::map).filter(p -> p.get("port").equals(port)).findFirst()
        .orElseThrow(() -> new AssertionError("no port " + port + " in " + service));
    Object target = servicePort.get("targetPort");
    Map<String, Object> containerPort = list(container.get("ports")).stream()
        .map(ExampleConfigsTest::map)
        .filter(p -> target.equals(p.get("name")) || target.equals(p.get("containerPort")))
        .findFirst().orElseThrow(() -> new AssertionError("no container port " + target));
    assertThat(containerPort.get("containerPort")).isEqualTo(port);
  }

  // --- YAML access ----------------------------------------------------------------------------

  private static Map<String, Object> load(String file) throws IOException {
    try (Reader reader = Files.newBufferedReader(EXAMPLES.resolve(file))) {
      return new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    }
  }

  private static List<Map<String, Object>> loadAll(Path file) throws IOException {
    List<Map<String, Object>> documents = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file)) {
      for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(reader)) {
        if (document != null) {
          documents.add(map(document));
        }
      }
    }
    return documents;
  }

  private static Map<String, Object> container(Map<String, Object> deployment) {
    return map(list(map(map(map(deployment.get("spec")).get("template")).get("spec"))
        .get("containers")).get(0));
  }

  private static Map<String, String> kubernetesEnv(Map<String, Object> container) {
    Map<String, String> env = new HashMap<>();
    for (Object entry : list(container.get("env"))) {
      env.put((String) map(entry).get("name"), String.valueOf(map(entry).get("value")));
    }
    return env;
  }

  private static Map<String, String> env(Map<String, Object> composeService) {
    Map<String, String> env = new HashMap<>();
    Object environment = composeService.get("environment");
    if (environment != null) {
      map(environment).forEach((k, v) -> env.put(k, String.valueOf(v)));
    }
    return env;
  }

  /** Compose short volume syntax {@code host:container[:ro]}, host path to container path. */
  private static Map<String, String> mounts(Map<String, Object> composeService) {
    Map<String, String> mounts = new HashMap<>();
    for (String volume : strings(composeService.get("volumes"))) {
      String[] parts = volume.split(":");
      mounts.put(parts[0], parts[1]);
      if (parts[0].startsWith("./")) {
        assertThat(EXAMPLES.resolve(parts[0])).as(volume).exists();
      }
    }
    return mounts;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<Object>) value;
  }

  static List<String> strings(Object value) {
    return list(value).stream().map(String::valueOf).toList();
  }
}
