package io.meshtrace.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.tls.TestCertificates.KeyFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {
  static final TestCertificates.Ca CA = TestCertificates.ca("material-test-ca");

  @TempDir
  Path dir;

  @Test
  void readsPkcs8AndTheTraditionalRsaAndEcKeysCertManagerWrites() throws Exception {
    for (String algorithm : List.of("RSA", "EC")) {
      for (KeyFormat format : KeyFormat.values()) {
        TestCertificates.Issued issued = CA.issue("server", List.of("localhost"), List.of(),
            true, false, algorithm);
        Path cert = dir.resolve(algorithm + format + ".crt");
        Path key = dir.resolve(algorithm + format + ".key");
        issued.write(cert, key, format);
        assertThat(Files.readString(key)).contains(format == KeyFormat.PKCS8
            ? "BEGIN PRIVATE KEY" : "BEGIN " + algorithm + " PRIVATE KEY");
        TlsMaterial material = TlsMaterial.load(new TlsFiles(cert, key, null));
        assertThat(material.certificate().getSerialNumber()).isEqualTo(issued.serial());
        String alias = material.keyManager().chooseServerAlias(algorithm, null, null);
        assertThat(material.keyManager().getPrivateKey(alias)).isEqualTo(issued.key());
      }
    }
  }

  @Test
  void aKeyOfAnotherCertificateIsRefusedNamingTheKey() throws Exception {
    Path cert = dir.resolve("a.crt");
    Path key = dir.resolve("a.key");
    CA.server("a").write(cert, key);
    CA.server("b").write(dir.resolve("b.crt"), key);
    assertThatThrownBy(() -> TlsMaterial.load(new TlsFiles(cert, key, null)))
        .isInstanceOfSatisfying(UnusableTlsFileException.class,
            e -> assertThat(e.part()).isEqualTo(UnusableTlsFileException.Part.KEY))
        .hasMessage("the key in " + key + " does not belong to the certificate in " + cert);
  }

  @Test
  void missingAndNonPemFilesAreRefusedNamingTheFile() throws Exception {
    Path cert = dir.resolve("c.crt");
    Path key = dir.resolve("c.key");
    CA.server("c").write(cert, key);
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> TlsMaterial.load(new TlsFiles(missing, key, null)))
        .isInstanceOfSatisfying(UnusableTlsFileException.class,
            e -> assertThat(e.part()).isEqualTo(UnusableTlsFileException.Part.CERTIFICATE))
        .hasMessage("cannot read " + missing + ": no such file");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a pem\n");
    assertThatThrownBy(() -> TlsMaterial.load(new TlsFiles(cert, garbage, null)))
        .hasMessageContaining("holds no PEM private key");
    assertThatThrownBy(() -> TlsMaterial.load(new TlsFiles(cert, key, garbage)))
        .isInstanceOfSatisfying(UnusableTlsFileException.class,
            e -> assertThat(e.part()).isEqualTo(UnusableTlsFileException.Part.CLIENT_CA))
        .hasMessageContaining("holds no PEM certificate");
    // Half written: the certificate block is cut off.
    String pem = Files.readString(cert);
    Path half = Files.writeString(dir.resolve("half.crt"), pem.substring(0, pem.length() / 2));
    assertThatThrownBy(() -> TlsMaterial.load(new TlsFiles(half, key, null)))
        .hasMessageContaining("holds no PEM certificate");
  }
}
