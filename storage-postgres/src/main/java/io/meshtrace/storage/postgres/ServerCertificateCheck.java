package io.meshtrace.storage.postgres;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the PostgreSQL server's certificate as the JDK does (the chain up to a trusted CA, and
 * the host name under {@code verify-full}), and says why when it refuses one: the TLS client
 * reports only "SSL handshake failed", which does not tell a wrong CA from a wrong host name.
 * The reason is logged and kept for the start-up error ({@link #lastRefusal}).
 */
final class ServerCertificateCheck extends X509ExtendedTrustManager {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCertificateCheck.class);
  /**
   * Process-wide on purpose: a process has one {@code --pg-url}, and the failure reaches the
   * code that reports it as vertx's cause-less exception, with no way back to this instance.
   */
  private static volatile String lastRefusal;

  private final X509ExtendedTrustManager trusted;
  private final String trustedCas;

  private ServerCertificateCheck(X509ExtendedTrustManager trusted, String trustedCas) {
    this.trusted = trusted;
    this.trustedCas = trustedCas;
  }

  /** Trusting these CAs only; {@code source} says where they came from, for messages. */
  static ServerCertificateCheck trusting(Collection<X509Certificate> cas, String source) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (X509Certificate ca : cas) {
        store.setCertificateEntry("ca-" + i++, ca);
      }
      return new ServerCertificateCheck(trustManager(store), "the CAs of " + source);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot make a trust store of " + source, e);
    }
  }

  /** Trusting the JDK's CAs ({@code sslrootcert=system}). */
  static ServerCertificateCheck trustingTheJdksCas() {
    return new ServerCertificateCheck(trustManager(null), "the JDK's CAs (sslrootcert=system)");
  }

  /** Why the last server certificate was refused, or null if none was. */
  static String lastRefusal() {
    return lastRefusal;
  }

  /**
   * The failure with the reason of the last refusal added, when it is the TLS client's
   * handshake failure (which has neither reason nor cause); else the failure as it is.
   */
  static Throwable explained(Throwable failure) {
    String refusal = lastRefusal;
    String message = String.valueOf(failure.getMessage());
    if (refusal == null || !(message.contains("SSL") || message.contains("handshake"))) {
      return failure;
    }
    return new IllegalStateException(message + ": " + refusal, failure);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      trusted.checkServerTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      throw refused(chain, e, engine == null ? null : engine.getPeerHost());
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    try {
      trusted.checkServerTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      throw refused(chain, e, null);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      trusted.checkServerTrusted(chain, authType);
    } catch (CertificateException e) {
      throw refused(chain, e, null);
    }
  }

  private CertificateException refused(X509Certificate[] chain, CertificateException e,
      String host) {
    X509Certificate server = chain[0];
    String text = String.valueOf(e.getMessage());
    String reason;
    if (text.contains("No subject alternative") || text.contains("No name matching")) {
      reason = "the PostgreSQL server's certificate names " + names(server) + ", not "
          + (host == null ? "the host connected to" : host)
          + " (sslmode=verify-full checks the host name; connect by a name the certificate has)";
    } else {
      reason = "the PostgreSQL server's certificate (" + server.getSubjectX500Principal()
          + ", issued by " + server.getIssuerX500Principal() + ") is not signed by "
          + trustedCas + " or not valid now: " + text;
    }
    lastRefusal = reason;
    LOG.warn("Refused: {}", reason);
    return new CertificateException(reason, e);
  }

  private static String names(X509Certificate certificate) {
    List<String> names = new ArrayList<>();
    try {
      if (certificate.getSubjectAlternativeNames() != null) {
        certificate.getSubjectAlternativeNames().forEach(name -> names.add(
            String.valueOf(name.get(1))));
      }
    } catch (CertificateParsingException e) {
      // the subject below is all there is
    }
    return names.isEmpty() ? String.valueOf(certificate.getSubjectX500Principal())
        : String.join(", ", names);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    trusted.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    trusted.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    trusted.checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return trusted.getAcceptedIssuers();
  }

  private static X509ExtendedTrustManager trustManager(KeyStore store) {
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK has no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK's trust manager cannot be made", e);
    }
  }
}
