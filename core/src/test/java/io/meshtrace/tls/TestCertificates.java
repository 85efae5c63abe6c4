package io.meshtrace.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for the TLS tests, made with BouncyCastle: CAs and the server and client
 * certificates they issue, with DNS and URI subject alternative names (SPIFFE IDs), written as
 * the PEM files a listener is given, and client {@link SSLContext}s that trust a CA and, for
 * mTLS, present a certificate. EC P-256 keys unless RSA is asked for: quick to make.
 */
public final class TestCertificates {
  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  private TestCertificates() {}

  /** How the private key of a written pair is encoded. */
  public enum KeyFormat {
    /** {@code BEGIN PRIVATE KEY} */
    PKCS8,
    /** {@code BEGIN RSA PRIVATE KEY} or {@code BEGIN EC PRIVATE KEY}, as cert-manager writes. */
    TRADITIONAL
  }

  /** A key and its certificate, with the chain up to (not including) the root. */
  public record Issued(X509Certificate certificate, PrivateKey key, List<X509Certificate> chain) {
    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** Writes the chain (leaf first) and the key as PEM; replaces the files in place. */
    public void write(Path certFile, Path keyFile) throws IOException {
      write(certFile, keyFile, KeyFormat.PKCS8);
    }

    public void write(Path certFile, Path keyFile, KeyFormat format) throws IOException {
      Files.writeString(certFile, pem(chain.toArray()));
      Files.writeString(keyFile, format == KeyFormat.PKCS8 ? pem(pkcs8(key)) : pem(key));
    }

    /** For a client: a context that presents this certificate and trusts {@code trusted}. */
    public SSLContext clientContext(Ca trusted) {
      return TestCertificates.clientContext(trusted, this);
    }
  }

  /** A certificate authority that issues server and client certificates. */
  public static final class Ca {
    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private Ca(String name, KeyPair keys, X509Certificate certificate) {
      this.name = name;
      this.keys = keys;
      this.certificate = certificate;
    }

    public X509Certificate certificate() {
      return certificate;
    }

    public String pem() {
      return TestCertificates.pem(certificate);
    }

    public void write(Path file) throws IOException {
      Files.writeString(file, pem());
    }

    /** A server certificate for localhost and 127.0.0.1, as the tests connect. */
    public Issued server(String commonName) {
      return issue(commonName, List.of("localhost"), List.of(), true, false, "EC");
    }

    /** A client certificate with these SANs: DNS names, and URIs such as SPIFFE IDs. */
    public Issued client(String commonName, List<String> dnsNames, List<String> uris) {
      return issue(commonName, dnsNames, uris, false, true, "EC");
    }

    public Issued issue(String commonName, List<String> dnsNames, List<String> uris,
        boolean server, boolean client, String keyAlgorithm) {
      try {
        KeyPair pair = keyPair(keyAlgorithm);
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
            new X500Name("CN=" + name), BigInteger.valueOf(SERIALS.incrementAndGet()),
            Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))),
            new X500Name("CN=" + commonName), pair.getPublic());
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
        uris.forEach(uri -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier,
            uri)));
        if (server) {
          names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        }
        if (!names.isEmpty()) {
          builder.addExtension(Extension.subjectAlternativeName, false,
              new GeneralNames(names.toArray(new GeneralName[0])));
        }
        List<KeyPurposeId> purposes = new ArrayList<>();
        if (server) {
          purposes.add(KeyPurposeId.id_kp_serverAuth);
        }
        if (client) {
          purposes.add(KeyPurposeId.id_kp_clientAuth);
        }
        builder.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(purposes.toArray(new KeyPurposeId[0])));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(
            KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        builder.addExtension(Extension.authorityKeyIdentifier, false,
            new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
        X509Certificate issued = sign(builder, keys.getPrivate());
        return new Issued(issued, pair.getPrivate(), List.of(issued));
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  public static Ca ca(String name) {
    try {
      KeyPair keys = keyPair("EC");
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=" + name);
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
          BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(Duration.ofDays(10))), subject, keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign
          | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      return new Ca(name, keys, sign(builder, keys.getPrivate()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A client context that trusts {@code trusted} and, when {@code identity} is not null,
   * presents it.
   */
  public static SSLContext clientContext(Ca trusted, Issued identity) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", trusted.certificate());
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(
          TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      KeyManagerFactory keyManagers = null;
      if (identity != null) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", identity.key(), new char[0],
            identity.chain().toArray(new Certificate[0]));
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers == null ? null : keyManagers.getKeyManagers(),
          trustManagers.getTrustManagers(), new SecureRandom());
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** PEM of certificates, keys or PKCS#8 generators, as BouncyCastle writes them. */
  public static String pem(Object... objects) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return text.toString();
  }

  private static Object pkcs8(PrivateKey key) {
    try {
      return new JcaPKCS8Generator(key, null);
    } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair(String algorithm) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
    if (algorithm.equals("EC")) {
      generator.initialize(new ECGenParameterSpec("secp256r1"));
    } else if (algorithm.equals("RSA")) {
      generator.initialize(2048);
    }
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
      throws GeneralSecurityException {
    try {
      String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA"
          : "SHA256withECDSA";
      return new JcaX509CertificateConverter().getCertificate(builder.build(
          new JcaContentSignerBuilder(algorithm).build(issuerKey)));
    } catch (org.bouncycastle.operator.OperatorCreationException
        | java.security.cert.CertificateException e) {
      throw new GeneralSecurityException(e);
    }
  }
}
