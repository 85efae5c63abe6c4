package io.meshtrace.examples.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
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

    assertGatewayRoutesPatchFitsMeshtracesDeployment();

    Map<String, Object> generator = byKindAndName.get("Deployment/trace-generator");
    List<Object> containers = list(map(map(map(generator.get("spec")).get("template"))
        .get("spec")).get("containers"));
    assertThat(containers).hasSize(1);
    List<String> genArgs = strings(map(containers.get(0)).get("args"));
    assertThat(genArgs.get(0)).isEqualTo("gen");
    assertThat(genArgs.get(genArgs.indexOf("--endpoint") + 1))
        .isEqualTo("http://" + meshtraceHost + ":9411/api/v2/spans");
  }

  /**
   * The JSON patch that gives meshtrace (istio/kubernetes/30-meshtrace.yaml) the gateway routes:
   * applied here the way kubectl applies "add .../-" operations, then checked: the volume is the
   * ConfigMap that edge-gateway.yaml creates, mounted where the environment variable points, and
   * the variable is the setting meshtrace reads.
   */
  @SuppressWarnings("unchecked")
  private static void assertGatewayRoutesPatchFitsMeshtracesDeployment() throws IOException {
    Map<String, Object> deployment = loadAll(EXAMPLES.resolve("../istio/kubernetes/30-meshtrace.yaml")
        .normalize()).stream().filter(o -> o.get("kind").equals("Deployment")).findFirst()
        .orElseThrow();
    List<Object> patch = new io.vertx.core.json.JsonArray(Files.readString(
        EXAMPLES.resolve("kubernetes/meshtrace-gateway-routes.patch.json"))).getList();
    for (Object operation : patch) {
      Map<String, Object> op = map(operation);
      assertThat(op.get("op")).isEqualTo("add");
      String path = (String) op.get("path");
      assertThat(path).endsWith("/-");
      Object target = deployment;
      for (String segment : path.substring(1, path.length() - 2).split("/")) {
        target = target instanceof List<?> items ? items.get(Integer.parseInt(segment))
            : map(target).get(segment);
        assertThat(target).as("%s in the meshtrace Deployment", path).isNotNull();
      }
      assertThat(target).as(path).isInstanceOf(List.class);
      ((List<Object>) target).add(op.get("value"));
    }
    Map<String, Object> podSpec = map(map(map(deployment.get("spec")).get("template"))
        .get("spec"));
    Map<String, Object> container = map(list(podSpec.get("containers")).get(0));
    Map<String, Object> volume = list(podSpec.get("volumes")).stream().map(v -> map(v))
        .filter(v -> "gateway-routes".equals(v.get("name"))).findFirst().orElseThrow();
    assertThat(map(volume.get("configMap")).get("name")).isEqualTo("meshtrace-gateway-routes");
    Map<String, Object> mount = list(container.get("volumeMounts")).stream().map(m -> map(m))
        .filter(m -> "gateway-routes".equals(m.get("name"))).findFirst().orElseThrow();
    Map<String, Object> env = list(container.get("env")).stream().map(e -> map(e))
        .filter(e -> "MESHTRACE_GATEWAY_ROUTES".equals(e.get("name"))).findFirst().orElseThrow();
    String file = (String) env.get("value");
    assertThat(file).isEqualTo(mount.get("mountPath") + "/gateway-routes.yaml");
    assertThat(io.meshtrace.collector.cli.MeshtraceCommand.parseConfig(
        new String[] {"all-in-one"}, Map.of("MESHTRACE_GATEWAY_ROUTES", file)).xds().gatewayRoutes())
        .isEqualTo(Path.of(file));
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
