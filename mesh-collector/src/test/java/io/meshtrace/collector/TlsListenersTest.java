package io.meshtrace.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import io.meshtrace.controlplane.xds.AdsClient;
import io.meshtrace.controlplane.xds.EdgeGatewaySnapshot;
import io.meshtrace.controlplane.xds.EdgeGatewayXdsServerTest;
import io.meshtrace.tls.TestCertificates;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import zipkin2.reporter.SpanBytesEncoder;
import zipkin2.reporter.Encoding;

/**
 * An all-in-one server with TLS on every TCP listener, as a cluster with cert-manager runs it:
 * one certificate for all (its files behind a {@code ..data} symbolic link, swapped to rotate),
 * client certificates required by default ({@code --tls-client-ca}) but not on the OTLP/HTTP and
 * Zipkin intake nor on admin ({@code --<listener>-tls-client-ca none}), and xDS node identities.
 * Every client is a real one: the OpenTelemetry SDK's OTLP exporters, zipkin-reporter, the JDK
 * HTTP client, grpc-java's ADS client, raw sockets for what no client would send.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsListenersTest {
  static final String EDGE_ID = "spiffe://cluster.local/ns/istio-system/sa/edge-gateway";
  static final TestCertificates.Ca CA = TestCertificates.ca("meshtrace-test-ca");
  static final TestCertificates.Ca OTHER_CA = TestCertificates.ca("someone-else");
  static final TestCertificates.Issued CLIENT = CA.client("reader", List.of(), List.of(
      "spiffe://cluster.local/ns/tracing/sa/reader"));
  static final TestCertificates.Issued EDGE = CA.client("edge", List.of(), List.of(EDGE_ID));
  static final String ROUTES = """
      listener: {port: 10000}
      routes:
        - {prefix: /shop, cluster: shop, operation: "GET /shop"}
      clusters:
        - {name: shop, endpoints: ["shop:8081"]}
      """;

  @TempDir
  static Path dir;
  static Path secret;
  static TestCertificates.Issued served;
  static MeshtraceServer server;
  static SSLContext withClientCertificate;
  static SSLContext withoutClientCertificate;

  @BeforeAll
  static void start() throws Exception {
    // As kubelet lays out a Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>.
    secret = Files.createDirectories(dir.resolve("secret"));
    served = CA.server("meshtrace");
    writeSecretVersion("..v1", served);
    Files.createSymbolicLink(secret.resolve("..data"), Path.of("..v1"));
    for (String name : List.of("tls.crt", "tls.key", "ca.crt")) {
      Files.createSymbolicLink(secret.resolve(name), Path.of("..data", name));
    }
    Path routes = Files.writeString(dir.resolve("routes.yaml"), ROUTES);
    server = TestServers.allInOne("--tls-cert", secret.resolve("tls.crt").toString(),
        "--tls-key", secret.resolve("tls.key").toString(),
        "--tls-client-ca", secret.resolve("ca.crt").toString(),
        "--otlp-http-tls-client-ca", "none", "--zipkin-tls-client-ca", "none",
        "--admin-tls-client-ca", "none", "--tls-reload-interval", "200ms",
        "--gateway-routes", routes.toString(), "--xds-port", "0",
        "--xds-node-identities", "edge-gateway=spiffe://cluster.local/ns/*/sa/edge-gateway,"
            + "billing=spiffe://cluster.local/ns/billing/sa/*");
    withClientCertificate = CLIENT.clientContext(CA);
    withoutClientCertificate = TestCertificates.clientContext(CA, null);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  static void writeSecretVersion(String version, TestCertificates.Issued pair) throws Exception {
    Path directory = Files.createDirectories(secret.resolve(version));
    pair.write(directory.resolve("tls.crt"), directory.resolve("tls.key"),
        TestCertificates.KeyFormat.TRADITIONAL);
    CA.write(directory.resolve("ca.crt"));
  }

  @Test
  @Order(1)
  void everyTcpListenerServesTheCertificateAndTheMetricsExistFromStartUp() throws Exception {
    for (String listener : List.of("zipkin", "otlpGrpc", "otlpHttp", "jaegerHttp", "query",
        "samplingHttp", "samplingGrpc", "xds", "admin")) {
      assertThat(servedSerial(listener, withClientCertificate)).as(listener)
          .isEqualTo(served.serial());
    }
    String metrics = https(withoutClientCertificate, "admin", "/metrics").body();
    assertThat(metrics)
        .contains("meshtrace_tls_reloads_total{listener=\"query\",outcome=\"reloaded\"} 0.0")
        .contains("meshtrace_tls_reloads_total{listener=\"xds\",outcome=\"failed\"} 0.0")
        .contains("meshtrace_xds_node_identity_refusals_total 0.0")
        .contains("meshtrace_tls_certificate_expiry_timestamp_seconds{listener=\"otlpGrpc\"} "
            + (double) served.certificate().getNotAfter().toInstant().getEpochSecond());
  }

  @Test
  void otlpGrpcExporterWithItsClientCertificateIsStoredAndReadBackOverMutualTls()
      throws Exception {
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
        .setEndpoint("https://127.0.0.1:" + server.ports().get("otlpGrpc"))
        .setTrustedCertificates(CA.pem().getBytes(StandardCharsets.US_ASCII))
        .setClientTls(TestCertificates.pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(
                CLIENT.key(), null)).getBytes(StandardCharsets.US_ASCII),
            TestCertificates.pem(CLIENT.certificate()).getBytes(StandardCharsets.US_ASCII))
        .build();
    String traceId;
    try (OtelSdk sdk = new OtelSdk("tls-grpc", exporter)) {
      Span span = sdk.provider.get("tls").spanBuilder("over mTLS").startSpan();
      traceId = span.getSpanContext().getTraceId();
      span.end();
      sdk.flush();
    }
    HttpResponse<String> read = https(withClientCertificate, "query", "/api/traces/" + traceId);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).contains("\"operationName\":\"over mTLS\"");
  }

  @Test
  void otlpGrpcExporterWithoutAClientCertificateFails() {
    OtlpGrpcSpanExporter exporter = OtlpGrpcSpanExporter.builder()
        .setEndpoint("https://127.0.0.1:" + server.ports().get("otlpGrpc"))
        .setTrustedCertificates(CA.pem().getBytes(StandardCharsets.US_ASCII))
        .setTimeout(Duration.ofSeconds(5))
        .build();
    try (OtelSdk sdk = new OtelSdk("tls-grpc-anonymous", exporter)) {
      sdk.provider.get("tls").spanBuilder("refused").startSpan().end();
      assertThatThrownBy(sdk::flush).hasMessageContaining("failed export");
    }
  }

  @Test
  void otlpHttpExporterTrustingTheCaNeedsNoClientCertificateWhereItIsTurnedOff()
      throws Exception {
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint("https://127.0.0.1:" + server.ports().get("otlpHttp") + "/v1/traces")
        .setTrustedCertificates(CA.pem().getBytes(StandardCharsets.US_ASCII))
        .build();
    String traceId;
    try (OtelSdk sdk = new OtelSdk("tls-http", exporter)) {
      Span span = sdk.provider.get("tls").spanBuilder("over TLS").startSpan();
      traceId = span.getSpanContext().getTraceId();
      span.end();
      sdk.flush();
    }
    assertThat(https(withClientCertificate, "query", "/api/traces/" + traceId).body())
        .contains("\"operationName\":\"over TLS\"");
  }

  @Test
  void zipkinReporterOverHttps() throws Exception {
    // URLConnectionSender opens its URL with the JDK's default socket factory: trust the CA
    // there while it sends.
    SSLSocketFactory before = HttpsURLConnection.getDefaultSSLSocketFactory();
    HttpsURLConnection.setDefaultSSLSocketFactory(withoutClientCertificate.getSocketFactory());
    zipkin2.Span span = zipkin2.Span.newBuilder().traceId("7a1500000000000000000000000000aa")
        .id("7a150000000000aa").name("get /over-https").kind(zipkin2.Span.Kind.SERVER)
        .localEndpoint(zipkin2.Endpoint.newBuilder().serviceName("zipkin-tls").build())
        .timestamp(System.currentTimeMillis() * 1000).duration(1200).build();
    try {
      ZipkinReporters.send("https://127.0.0.1:" + server.ports().get("zipkin")
          + "/api/v2/spans", Encoding.PROTO3, SpanBytesEncoder.PROTO3, List.of(span));
    } finally {
      HttpsURLConnection.setDefaultSSLSocketFactory(before);
    }
    // Zipkin's own query API, on the same port, with no client certificate there either.
    assertThat(https(withoutClientCertificate, "zipkin",
        "/api/v2/trace/7a1500000000000000000000000000aa").body())
        .contains("\"name\":\"get /over-https\"");
  }

  @Test
  void theQueryApiNeedsAClientCertificateOfTheCa() throws Exception {
    assertThat(https(withClientCertificate, "query", "/api/services").statusCode())
        .isEqualTo(200);
    assertThatThrownBy(() -> https(withoutClientCertificate, "query", "/api/services"))
        .isInstanceOf(java.io.IOException.class);
    TestCertificates.Issued stranger = OTHER_CA.client("stranger", List.of(), List.of());
    assertThatThrownBy(() -> https(stranger.clientContext(CA), "query", "/api/services"))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void plainTextToATlsPortFailsCleanlyAndTheListenerKeepsServing() throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < 3; i++) {
        int port = server.ports().get("otlpHttp");
        assertThatThrownBy(() -> TestServers.HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + port + "/v1/traces")).timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type",
                "application/json").build(), HttpResponse.BodyHandlers.ofString()))
            .isInstanceOf(java.io.IOException.class);
      }
      Thread.sleep(300); // for anything the server would log after closing
    } finally {
      System.setErr(stderr);
    }
    assertThat(logged.toString(StandardCharsets.UTF_8)).doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(https(withoutClientCertificate, "otlpHttp", "/v1/traces").statusCode())
        .isEqualTo(405);
    assertThat(https(withoutClientCertificate, "admin", "/metrics").body())
        .containsPattern("meshtrace_tls_handshake_failures_total\\{listener=\"otlpHttp\"} [3-9]");
  }

  @Test
  void tls11IsRefusedAndTls12And13AreServed() throws Exception {
    int port = server.ports().get("query");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(tls11ClientHello());
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] answer = in.readNBytes(7);
      // An alert record (21), fatal (2), protocol_version (70); never a ServerHello (22).
      assertThat(answer).hasSize(7);
      assertThat(answer[0]).isEqualTo((byte) 21);
      assertThat(answer[5]).isEqualTo((byte) 2);
      assertThat(answer[6]).isEqualTo((byte) 70);
    }
    for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
      try (SSLSocket socket = (SSLSocket) withClientCertificate.getSocketFactory()
          .createSocket("127.0.0.1", port)) {
        socket.setEnabledProtocols(new String[] {protocol});
        socket.startHandshake();
        assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
      }
    }
  }

  @Test
  void xdsServesAnEdgeNodeWhoseCertificateMayClaimItsCluster() throws Exception {
    try (AdsClient envoy = new AdsClient(channel(EDGE), "edge-tls-1", "edge-gateway")) {
      EdgeGatewaySnapshot.Resources resources = EdgeGatewayXdsServerTest.subscribeLikeEnvoy(
          envoy);
      assertThat(resources.clusters()).extracting(Cluster::getName)
          .contains("shop", "meshtrace-collector");
    }
  }

  @Test
  void xdsRefusesANodeClaimingAClusterItsCertificateMayNotAndCountsIt() throws Exception {
    double before = refusals();
    // A certificate of the billing service account claims the edge gateway's cluster.
    TestCertificates.Issued billing = CA.client("billing", List.of(), List.of(
        "spiffe://cluster.local/ns/billing/sa/api"));
    try (AdsClient impostor = new AdsClient(channel(billing), "edge-impostor", "edge-gateway")) {
      impostor.subscribe(AdsClient.CLUSTERS);
      assertThatThrownBy(() -> impostor.next(AdsClient.CLUSTERS, Duration.ofSeconds(5)))
          .rootCause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
              e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }
    // The same certificate for the cluster it may claim is let through (and, as a node of
    // a cluster not served, gets nothing).
    try (AdsClient node = new AdsClient(channel(billing), "billing-1", "billing")) {
      node.subscribe(AdsClient.CLUSTERS);
      assertThat(node.anything(Duration.ofMillis(800))).isNull();
    }
    eventually("one refusal counted", () -> refusals() == before + 1);
  }

  @Test
  void xdsRefusesAConnectionWithoutAClientCertificate() throws Exception {
    try (AdsClient anonymous = new AdsClient(channel(null), "edge-anonymous", "edge-gateway")) {
      anonymous.subscribe(AdsClient.CLUSTERS);
      assertThatThrownBy(() -> anonymous.next(AdsClient.CLUSTERS, Duration.ofSeconds(5)))
          .rootCause().isInstanceOf(Exception.class);
    }
  }

  /** Last: it changes the certificate every listener serves. */
  @Test
  @Order(Integer.MAX_VALUE)
  void aRotatedCertificateIsServedWithoutARestartAndABrokenOneKeepsTheLastGood()
      throws Exception {
    // A broken rotation first: a key that belongs to another certificate.
    TestCertificates.Issued broken = CA.server("broken");
    TestCertificates.Issued stray = CA.server("stray");
    Path v2 = Files.createDirectories(secret.resolve("..v2"));
    broken.write(v2.resolve("tls.crt"), v2.resolve("tls.key"));
    stray.write(v2.resolve("unused.crt"), v2.resolve("tls.key"));
    CA.write(v2.resolve("ca.crt"));
    swapData("..v2");
    eventually("the broken pair counted", () ->
        https(withoutClientCertificate, "admin", "/metrics").body().contains(
            "meshtrace_tls_reloads_total{listener=\"query\",outcome=\"failed\"} 1.0"));
    assertThat(servedSerial("query", withClientCertificate)).isEqualTo(served.serial());
    assertThat(https(withClientCertificate, "query", "/api/services").statusCode())
        .isEqualTo(200);

    // Then a good one, as cert-manager rotates: a new directory, ..data swapped to it.
    TestCertificates.Issued rotated = CA.server("meshtrace-rotated");
    writeSecretVersion("..v3", rotated);
    swapData("..v3");
    for (String listener : List.of("query", "otlpGrpc", "xds", "admin")) {
      eventually(listener + " serving the rotated certificate", () ->
          servedSerial(listener, withClientCertificate).equals(rotated.serial()));
    }
    assertThat(https(withClientCertificate, "query", "/api/services").statusCode())
        .isEqualTo(200);
    try (AdsClient envoy = new AdsClient(channel(EDGE), "edge-tls-rotated", "edge-gateway")) {
      assertThat(EdgeGatewayXdsServerTest.subscribeLikeEnvoy(envoy).clusters()).isNotEmpty();
    }
    assertThat(https(withoutClientCertificate, "admin", "/metrics").body())
        .contains("meshtrace_tls_reloads_total{listener=\"query\",outcome=\"reloaded\"} 1.0");
  }

  static void eventually(String what, java.util.concurrent.Callable<Boolean> condition)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 10 s: " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Points {@code ..data} at another version in one rename, as kubelet does. */
  static void swapData(String version) throws Exception {
    Path next = secret.resolve("..data_tmp");
    Files.deleteIfExists(next);
    Files.createSymbolicLink(next, Path.of(version));
    Files.move(next, secret.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  static BigInteger servedSerial(String listener, SSLContext context) throws Exception {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
        server.ports().get(listener))) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  static HttpResponse<String> https(SSLContext context, String listener, String path)
      throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
        + server.ports().get(listener) + path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double refusals() throws Exception {
    String metrics = https(withoutClientCertificate, "admin", "/metrics").body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("meshtrace_xds_node_identity_refusals_total ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    throw new AssertionError("no meshtrace_xds_node_identity_refusals_total");
  }

  /** A grpc-java channel to the xDS port trusting the CA, presenting {@code identity}. */
  static ManagedChannel channel(TestCertificates.Issued identity) throws Exception {
    SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(CA.certificate());
    if (identity != null) {
      tls.keyManager(identity.key(), identity.certificate());
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", server.ports().get("xds"))
        .sslContext(tls.build()).build();
  }

  /** A TLS 1.1 ClientHello, which no JDK client would still send. */
  static byte[] tls11ClientHello() {
    ByteArrayOutputStream hello = new ByteArrayOutputStream();
    hello.writeBytes(new byte[] {0x03, 0x02}); // client_version TLS 1.1
    hello.writeBytes(new byte[32]); // random
    hello.write(0); // no session id
    hello.writeBytes(new byte[] {0x00, 0x06, (byte) 0xc0, 0x09, (byte) 0xc0, 0x13, 0x00, 0x2f});
    hello.writeBytes(new byte[] {0x01, 0x00}); // no compression
    byte[] extensions = {0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // secp256r1
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00}; // uncompressed points
    hello.writeBytes(new byte[] {0x00, (byte) extensions.length});
    hello.writeBytes(extensions);
    byte[] body = hello.toByteArray();
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.writeBytes(new byte[] {0x16, 0x03, 0x01});
    int handshakeLength = body.length + 4;
    record.writeBytes(new byte[] {(byte) (handshakeLength >> 8), (byte) handshakeLength});
    record.writeBytes(new byte[] {0x01, 0x00, (byte) (body.length >> 8), (byte) body.length});
    record.writeBytes(body);
    return record.toByteArray();
  }
}
