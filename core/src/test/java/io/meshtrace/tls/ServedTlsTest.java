package io.meshtrace.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The follower without a listener: reloads by hand (no timer), what the managers answer. */
class ServedTlsTest {
  static final TestCertificates.Ca CA = TestCertificates.ca("served-test-ca");

  @TempDir
  Path dir;
  final Vertx vertx = Vertx.vertx();
  final List<String> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aBrokenNewPairKeepsTheLastGoodOneAndAGoodOneIsAnsweredFromTheNextHandshake()
      throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    TestCertificates.Issued first = CA.server("first");
    first.write(cert, key);
    ServedTls served = new ServedTls(vertx, "test listener", new TlsFiles(cert, key, null),
        Duration.ZERO, new ServedTls.Observer() {
          @Override
          public void loaded(X509Certificate certificate, boolean reloaded) {
            events.add((reloaded ? "reloaded " : "loaded ") + certificate.getSerialNumber());
          }

          @Override
          public void failed(String problem) {
            events.add("failed");
          }
        });
    await(served.start());
    String firstAlias = served.keyManager().chooseEngineServerAlias("EC", null, null);
    assertThat(served.keyManager().getCertificateChain(firstAlias)[0].getSerialNumber())
        .isEqualTo(first.serial());
    assertThat(await(served.reload())).as("nothing changed").isFalse();

    // Half written: the new certificate, the key not yet.
    TestCertificates.Issued second = CA.server("second");
    Files.writeString(cert, TestCertificates.pem(second.certificate()));
    assertThat(await(served.reload())).isFalse();
    assertThat(await(served.reload())).as("the same broken files are not news").isFalse();
    assertThat(served.problem()).contains("does not belong to the certificate");
    assertThat(served.certificate().getSerialNumber()).isEqualTo(first.serial());

    second.write(cert, key);
    assertThat(await(served.reload())).isTrue();
    assertThat(served.problem()).isNull();
    String secondAlias = served.keyManager().chooseEngineServerAlias("EC", null, null);
    assertThat(secondAlias).isNotEqualTo(firstAlias);
    assertThat(served.keyManager().getPrivateKey(secondAlias)).isEqualTo(second.key());
    // A handshake that chose its alias just before the swap still gets that alias's key.
    assertThat(served.keyManager().getPrivateKey(firstAlias)).isEqualTo(first.key());
    assertThat(served.keyManager().chooseEngineServerAlias("RSA", null, null))
        .as("no RSA key").isNull();
    assertThat(events).containsExactly("loaded " + first.serial(), "failed",
        "reloaded " + second.serial());
    await(served.stop());
  }

  static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
