package io.meshtrace.tls;

import io.meshtrace.tls.UnusableTlsFileException.Part;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A listener's PEM files, read and checked: a certificate chain, the private key of its leaf
 * (proved to belong to it by signing with the key and verifying with the certificate, so that a
 * mismatched pair is refused here rather than failing every handshake), and the client CAs when
 * clients must present certificates. Holds the JDK's own key and trust managers over them.
 */
public final class TlsMaterial {
  /** The versions every listener accepts: TLS 1.2 and 1.3, nothing older. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private static final Pattern PEM_BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final char[] NO_PASSWORD = new char[0];

  /** The bytes of the files, as read at one moment; compared to notice a change. */
  public record Contents(byte[] certificate, byte[] key, byte[] clientCa) {
    public boolean sameAs(Contents other) {
      return other != null && Arrays.equals(certificate, other.certificate)
          && Arrays.equals(key, other.key) && Arrays.equals(clientCa, other.clientCa);
    }
  }

  private final List<X509Certificate> chain;
  private final X509ExtendedKeyManager keyManager;
  private final X509ExtendedTrustManager trustManager;

  private TlsMaterial(List<X509Certificate> chain, X509ExtendedKeyManager keyManager,
      X509ExtendedTrustManager trustManager) {
    this.chain = chain;
    this.keyManager = keyManager;
    this.trustManager = trustManager;
  }

  /** Reads and checks the files; blocks on the disk. */
  public static TlsMaterial load(TlsFiles files) throws UnusableTlsFileException {
    return parse(files, read(files));
  }

  /** Reads the files whole; blocks on the disk. */
  public static Contents read(TlsFiles files) throws UnusableTlsFileException {
    return new Contents(read(Part.CERTIFICATE, files.certificate()), read(Part.KEY, files.key()),
        files.clientCa() == null ? null : read(Part.CLIENT_CA, files.clientCa()));
  }

  /** Checks what {@link #read(TlsFiles)} read. */
  public static TlsMaterial parse(TlsFiles files, Contents contents)
      throws UnusableTlsFileException {
    List<X509Certificate> chain = certificates(Part.CERTIFICATE, files.certificate(),
        contents.certificate());
    X509Certificate leaf = chain.get(0);
    PrivateKey key = privateKey(files.key(), contents.key(), leaf.getPublicKey());
    checkPair(files, key, leaf.getPublicKey());
    X509ExtendedTrustManager trust = files.clientCa() == null ? null
        : trustManager(files.clientCa(), certificates(Part.CLIENT_CA, files.clientCa(),
            contents.clientCa()));
    return new TlsMaterial(List.copyOf(chain), keyManager(files, key, chain), trust);
  }

  /** The leaf certificate: the one served. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  public List<X509Certificate> chain() {
    return chain;
  }

  /** The JDK's key manager over the one key and its chain. */
  X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** The JDK's trust manager over the client CAs; null when clients need no certificate. */
  X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  private static byte[] read(Part part, Path file) throws UnusableTlsFileException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new UnusableTlsFileException(part, file, "cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new UnusableTlsFileException(part, file, "cannot read " + file + ": "
          + e.getClass().getSimpleName() + " " + e.getMessage());
    }
  }

  private static List<X509Certificate> certificates(Part part, Path file, byte[] content)
      throws UnusableTlsFileException {
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (byte[] der : pemBlocks(content, "CERTIFICATE")) {
        certificates.add((X509Certificate) factory.generateCertificate(
            new ByteArrayInputStream(der)));
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new UnusableTlsFileException(part, file, file + " holds a CERTIFICATE block that is "
          + "not an X.509 certificate: " + e.getMessage());
    }
    if (certificates.isEmpty()) {
      throw new UnusableTlsFileException(part, file, file + " holds no PEM certificate "
          + "(-----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  /**
   * The key as PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}, cert-manager's
   * default for RSA) or SEC1 ({@code EC PRIVATE KEY}, for ECDSA); the two latter are wrapped in
   * PKCS#8 with the algorithm identifier of the certificate's public key, which names the same
   * algorithm and, for EC, the curve.
   */
  private static PrivateKey privateKey(Path file, byte[] content, PublicKey publicKey)
      throws UnusableTlsFileException {
    String text = new String(content, StandardCharsets.US_ASCII);
    Matcher block = PEM_BLOCK.matcher(text);
    while (block.find()) {
      String type = block.group(1);
      if (!type.endsWith("PRIVATE KEY")) {
        continue;
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(block.group(2));
      } catch (IllegalArgumentException e) {
        throw new UnusableTlsFileException(Part.KEY, file, file + ": the " + type
            + " block is not base64: " + e.getMessage());
      }
      byte[] pkcs8 = switch (type) {
        case "PRIVATE KEY" -> der;
        case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> Der.pkcs8(Der.algorithmOf(
            publicKey.getEncoded()), der);
        case "ENCRYPTED PRIVATE KEY" -> throw new UnusableTlsFileException(Part.KEY, file,
            file + " holds an encrypted key; meshtrace reads unencrypted keys only");
        default -> throw new UnusableTlsFileException(Part.KEY, file, file + " holds a " + type
            + ", not a PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY");
      };
      try {
        return KeyFactory.getInstance(publicKey.getAlgorithm())
            .generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new UnusableTlsFileException(Part.KEY, file, file + ": the " + type + " is not a "
            + publicKey.getAlgorithm() + " key like the certificate's: " + e.getMessage());
      }
    }
    throw new UnusableTlsFileException(Part.KEY, file, file + " holds no PEM private key "
        + "(-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  private static void checkPair(TlsFiles files, PrivateKey key, PublicKey publicKey)
      throws UnusableTlsFileException {
    String algorithm = switch (publicKey.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "Ed448" -> "Ed448";
      default -> throw new UnusableTlsFileException(Part.CERTIFICATE, files.certificate(),
          files.certificate() + ": a " + publicKey.getAlgorithm() + " key is not supported (RSA, "
              + "EC, Ed25519)");
    };
    boolean belongs;
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      belongs = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      belongs = false;
    }
    if (!belongs) {
      throw new UnusableTlsFileException(Part.KEY, files.key(), "the key in " + files.key()
          + " does not belong to the certificate in " + files.certificate());
    }
  }

  private static X509ExtendedKeyManager keyManager(TlsFiles files, PrivateKey key,
      List<X509Certificate> chain) throws UnusableTlsFileException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("served", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
      KeyManagerFactory factory = KeyManagerFactory.getInstance(
          KeyManagerFactory.getDefaultAlgorithm());
      factory.init(store, NO_PASSWORD);
      for (KeyManager manager : factory.getKeyManagers()) {
        if (manager instanceof X509ExtendedKeyManager x509) {
          return x509;
        }
      }
      throw new GeneralSecurityException("the JDK gave no X509ExtendedKeyManager");
    } catch (GeneralSecurityException | IOException e) {
      throw new UnusableTlsFileException(Part.KEY, files.key(), files.key() + " and "
          + files.certificate() + " cannot be served: " + e.getMessage());
    }
  }

  private static X509ExtendedTrustManager trustManager(Path file, List<X509Certificate> cas)
      throws UnusableTlsFileException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(
          TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager x509) {
          return x509;
        }
      }
      throw new GeneralSecurityException("the JDK gave no X509ExtendedTrustManager");
    } catch (GeneralSecurityException | IOException e) {
      throw new UnusableTlsFileException(Part.CLIENT_CA, file, file + " cannot be used as "
          + "client CAs: " + e.getMessage());
    }
  }

  /** The DER of every PEM block of {@code type}. */
  private static List<byte[]> pemBlocks(byte[] content, String type) {
    List<byte[]> blocks = new ArrayList<>();
    Matcher block = PEM_BLOCK.matcher(new String(content, StandardCharsets.US_ASCII));
    while (block.find()) {
      if (block.group(1).equals(type)) {
        blocks.add(Base64.getMimeDecoder().decode(block.group(2)));
      }
    }
    return blocks;
  }

  /** The little DER that turns a PKCS#1 or SEC1 key into PKCS#8. */
  private static final class Der {
    private Der() {}

    /** The AlgorithmIdentifier of a SubjectPublicKeyInfo: its first element, as encoded. */
    static byte[] algorithmOf(byte[] subjectPublicKeyInfo) {
      int[] outer = header(subjectPublicKeyInfo, 0);
      int start = outer[0];
      int[] inner = header(subjectPublicKeyInfo, start);
      return Arrays.copyOfRange(subjectPublicKeyInfo, start, inner[0] + inner[1]);
    }

    /** PrivateKeyInfo: SEQUENCE { INTEGER 0, algorithm, OCTET STRING key }. */
    static byte[] pkcs8(byte[] algorithm, byte[] key) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.writeBytes(new byte[] {0x02, 0x01, 0x00});
      body.writeBytes(algorithm);
      body.writeBytes(tlv(0x04, key));
      return tlv(0x30, body.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(tag);
      int length = value.length;
      if (length < 0x80) {
        out.write(length);
      } else {
        int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
        out.write(0x80 | bytes);
        for (int i = bytes - 1; i >= 0; i--) {
          out.write(length >>> (8 * i));
        }
      }
      out.writeBytes(value);
      return out.toByteArray();
    }

    /** {offset of the content, content length} of the element at {@code offset}. */
    private static int[] header(byte[] der, int offset) {
      int first = der[offset + 1] & 0xff;
      if (first < 0x80) {
        return new int[] {offset + 2, first};
      }
      int bytes = first & 0x7f;
      int length = 0;
      for (int i = 0; i < bytes; i++) {
        length = (length << 8) | (der[offset + 2 + i] & 0xff);
      }
      return new int[] {offset + 2 + bytes, length};
    }
  }
}
