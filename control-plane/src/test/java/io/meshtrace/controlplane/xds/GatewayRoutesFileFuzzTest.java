package io.meshtrace.controlplane.xds;

import io.meshtrace.fuzz.FuzzInputs;
import io.meshtrace.fuzz.FuzzTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzing of the gateway routes file ({@code --gateway-routes-file}, YAML or JSON): mutations of
 * the example and of the documented format must load or be refused with
 * InvalidGatewayRoutesException, in time (YAML anchors, deep nesting, tags included).
 */
class GatewayRoutesFileFuzzTest {
  static final FuzzTarget ROUTES = new FuzzTarget("gateway-routes-file",
      InvalidGatewayRoutesException.class);

  @Property
  void routesFileLoadsOrIsRefused(@ForAll("files") byte[] content) {
    ROUTES.check(content, () -> GatewayRoutesFile.parse(content));
  }

  @AfterContainer
  static void report() {
    ROUTES.report();
  }

  @Provide
  Arbitrary<byte[]> files() {
    List<byte[]> seeds = new ArrayList<>(FuzzInputs.files(Path.of("..", "examples"),
        "gateway-routes.yaml", "gateway-routes.patch.json"));
    seeds.add(FuzzInputs.utf8(GatewayRoutesFileTest.EXAMPLE));
    seeds.add(FuzzInputs.utf8("""
        {"listener": {"address": "127.0.0.1", "port": 10000},
         "collector": {"address": "meshtrace:9411", "encoding": "HTTP_JSON"},
         "routes": [{"host": "shop.example.com", "prefix": "/", "cluster": "shop"},
                    {"host": "*", "prefix": "/api", "cluster": "api", "operation": "api"}],
         "clusters": [{"name": "shop", "endpoints": ["shop:8081", "10.0.0.1:80"]},
                      {"name": "api", "endpoints": ["[::1]:9000"]}]}"""));
    return FuzzInputs.mutationsOf(seeds);
  }
}
