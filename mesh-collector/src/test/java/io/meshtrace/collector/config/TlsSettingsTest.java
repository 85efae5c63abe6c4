package io.meshtrace.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.cli.MeshtraceCommand;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS settings: from flags, {@code MESHTRACE_*} variables and the YAML file alike; what each
 * listener serves once the per-listener settings are applied; and the mistakes that stop
 * start-up, each naming its setting (files that cannot be served before anything starts).
 */
class TlsSettingsTest {
  static final TestCertificates.Ca CA = TestCertificates.ca("settings-test-ca");

  @TempDir
  Path dir;

  static MeshtraceConfig parse(Map<String, String> env, String... args) {
    return MeshtraceCommand.parseConfig(args, env);
  }

  @Test
  void everySettingReadsFromTheEnvironmentAndTheConfigFileToo() throws Exception {
    Path yaml = Files.writeString(dir.resolve("meshtrace.yaml"), """
        tls-key: /etc/tls/tls.key
        query-tls-cert: /etc/query/tls.crt
        query-tls-key: /etc/query/tls.key
        otlp-grpc-tls-client-ca: none
        tls-reload-interval: 30s
        """);
    MeshtraceConfig config = parse(Map.of("MESHTRACE_TLS_CERT", "/etc/tls/tls.crt",
        "MESHTRACE_TLS_CLIENT_CA", "/etc/tls/ca.crt", "MESHTRACE_ADMIN_TLS_CERT", "none"),
        "all-in-one", "--config", yaml.toString(), "--zipkin-tls-client-ca", "/etc/zipkin/ca");
    TlsConfig tls = config.tls();
    assertThat(tls.reloadInterval()).hasSeconds(30);
    assertThat(tls.forListener(TcpListener.ADMIN)).isNull();
    TlsConfig.ListenerTls query = tls.forListener(TcpListener.QUERY);
    assertThat(query.files().certificate()).isEqualTo(Path.of("/etc/query/tls.crt"));
    assertThat(query.files().key()).isEqualTo(Path.of("/etc/query/tls.key"));
    assertThat(query.files().clientCa()).isEqualTo(Path.of("/etc/tls/ca.crt"));
    assertThat(query.certificateSetting().name()).isEqualTo("query-tls-cert");
    assertThat(query.clientCaSetting().name()).isEqualTo("tls-client-ca");
    TlsConfig.ListenerTls otlp = tls.forListener(TcpListener.OTLP_GRPC);
    assertThat(otlp.files().certificate()).isEqualTo(Path.of("/etc/tls/tls.crt"));
    assertThat(otlp.files().mutual()).isFalse();
    assertThat(tls.forListener(TcpListener.ZIPKIN).files().clientCa())
        .isEqualTo(Path.of("/etc/zipkin/ca"));
    assertThat(tls.forListener(TcpListener.XDS).files().clientCa())
        .isEqualTo(Path.of("/etc/tls/ca.crt"));
  }

  @Test
  void withoutSettingsEveryListenerIsPlain() {
    TlsConfig tls = parse(Map.of(), "all-in-one").tls();
    for (TcpListener listener : TcpListener.values()) {
      assertThat(tls.forListener(listener)).as(listener.key()).isNull();
    }
  }

  @Test
  void halfPairsAndMisplacedNonesNameTheirSetting() {
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--tls-cert", "/a.crt"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid setting tls-key: is needed with --tls-cert: the private key of "
            + "that certificate");
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--tls-client-ca", "/ca.crt"))
        .hasMessageStartingWith("invalid setting tls-client-ca: client certificates need TLS");
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--tls-cert", "/a.crt", "--tls-key",
        "/a.key", "--query-tls-cert", "/q.crt"))
        .hasMessageStartingWith("invalid setting query-tls-key: is needed with --query-tls-cert");
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--tls-cert", "none", "--tls-key",
        "none")).hasMessageStartingWith("invalid setting tls-cert: 'none' is for a listener's");
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--admin-tls-cert", "none",
        "--admin-tls-client-ca", "/ca.crt"))
        .hasMessageStartingWith("invalid setting admin-tls-client-ca: is set but "
            + "--admin-tls-cert is none");
    assertThatThrownBy(() -> parse(Map.of(), "all-in-one", "--tls-reload-interval", "-1s"))
        .hasMessageStartingWith("invalid setting tls-reload-interval:");
  }

  @Test
  void xdsNodeIdentitiesGoWithClientCertificatesOnTheXdsListener() throws Exception {
    Path routes = Files.writeString(dir.resolve("routes.yaml"), "listener: {port: 10000}\n");
    String[] mtls = {"control-plane", "--gateway-routes", routes.toString(), "--tls-cert",
        "/a.crt", "--tls-key", "/a.key", "--tls-client-ca", "/ca.crt"};
    assertThatThrownBy(() -> parse(Map.of(), mtls))
        .hasMessageStartingWith("invalid setting xds-node-identities: is needed with client "
            + "certificates on the xDS listener (--tls-client-ca)");
    assertThatThrownBy(() -> parse(Map.of("MESHTRACE_XDS_NODE_IDENTITIES",
        "billing=spiffe://cluster.local/ns/billing/sa/*"), mtls))
        .hasMessageStartingWith("invalid setting xds-node-identities: names no identity for "
            + "the served node cluster 'edge-gateway'");
    assertThatThrownBy(() -> parse(Map.of("MESHTRACE_XDS_NODE_IDENTITIES", "edge-gateway"), mtls))
        .hasMessageStartingWith("invalid setting xds-node-identities: 'edge-gateway' is not "
            + "CLUSTER=IDENTITY");
    assertThatThrownBy(() -> parse(Map.of(), "control-plane", "--gateway-routes",
        routes.toString(), "--xds-node-identities", "edge-gateway=spiffe://x/sa/gw"))
        .hasMessageStartingWith("invalid setting xds-node-identities: needs client "
            + "certificates on the xDS listener");
    assertThat(parse(Map.of("MESHTRACE_XDS_NODE_IDENTITIES",
        "edge-gateway=spiffe://cluster.local/ns/*/sa/edge-gateway"), mtls).xds().nodeIdentities()
        .allows("edge-gateway", List.of("spiffe://cluster.local/ns/istio-system/sa/edge-gateway")))
        .isTrue();
  }

  @Test
  void aMissingFileOrAMismatchedPairStopsStartUpNamingTheSetting() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    CA.server("meshtrace").write(cert, key);
    Path otherKey = dir.resolve("other.key");
    CA.server("other").write(dir.resolve("other.crt"), otherKey);
    Path missing = dir.resolve("missing.crt");
    assertThatThrownBy(() -> TestServers.allInOne("--tls-cert", missing.toString(),
        "--tls-key", key.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("invalid setting tls-cert: cannot read " + missing
            + ": no such file");
    assertThatThrownBy(() -> TestServers.allInOne("--tls-cert", cert.toString(),
        "--tls-key", key.toString(), "--query-tls-cert", cert.toString(), "--query-tls-key",
        otherKey.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("invalid setting query-tls-key: the key in " + otherKey
            + " does not belong to the certificate in " + cert);
    assertThatThrownBy(() -> TestServers.allInOne("--tls-cert", cert.toString(),
        "--tls-key", key.toString(), "--tls-client-ca", key.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("invalid setting tls-client-ca: " + key
            + " holds no PEM certificate");
  }
}
