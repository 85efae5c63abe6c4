package io.meshtrace.storage.postgres.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.ThreadLocalRandom;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test CA and the certificates it signs, written as PEM files, made with BouncyCastle. RSA
 * keys: the OpenSSL of the PostgreSQL binaries cannot load the JDK's EC keys ("EC lib").
 */
public final class TestCertificates {
  private final X500Name name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  private TestCertificates(X500Name name, KeyPair keys, X509Certificate certificate) {
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A new self-signed CA. */
  public static TestCertificates authority(String commonName) {
    X500Name name = new X500Name("CN=" + commonName);
    KeyPair keys = keyPair();
    X509v3CertificateBuilder builder = builder(name, name, keys);
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TestCertificates(name, keys, sign(builder, keys));
  }

  /**
   * Writes this CA's certificate, and a server certificate it signs for the given IP addresses
   * and DNS names, with the server's key (owner-only, as PostgreSQL demands), into dir.
   *
   * @return the server files
   */
  public ServerFiles issueServer(Path dir, String[] ipAddresses, String... dnsNames) {
    KeyPair serverKeys = keyPair();
    X500Name subject = new X500Name("CN=" + (dnsNames.length > 0 ? dnsNames[0] : ipAddresses[0]));
    X509v3CertificateBuilder builder = builder(name, subject, serverKeys);
    GeneralName[] names = new GeneralName[ipAddresses.length + dnsNames.length];
    for (int i = 0; i < ipAddresses.length; i++) {
      names[i] = new GeneralName(GeneralName.iPAddress, ipAddresses[i]);
    }
    for (int i = 0; i < dnsNames.length; i++) {
      names[ipAddresses.length + i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
    }
    try {
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      Files.createDirectories(dir);
      Path cert = dir.resolve("server.crt");
      Path key = dir.resolve("server.key");
      Files.writeString(cert, pem(sign(builder, keys)));
      Files.deleteIfExists(key);
      Files.createFile(key, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
      Files.writeString(key, pem(serverKeys.getPrivate()));
      return new ServerFiles(cert, key, writeCertificate(dir.resolve("ca.crt")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the CA's own certificate. */
  public Path writeCertificate(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, pem(certificate));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A server certificate and key, and the CA certificate that signed it. */
  public record ServerFiles(Path certificate, Path key, Path ca) {}

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject,
      KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer,
        BigInteger.valueOf(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))),
        subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) {
    try {
      return new JcaX509CertificateConverter().getCertificate(builder.build(
          new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    }
    return text.toString();
  }
}
