package io.meshtrace.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks client certificates against the {@link ServedTls}'s client CAs of the moment, with the
 * JDK's own checks (chain, validity, key usage). A server trusts no server certificates.
 */
final class SwappingTrustManager extends X509ExtendedTrustManager {
  private final ServedTls served;

  SwappingTrustManager(ServedTls served) {
    this.served = served;
  }

  private X509ExtendedTrustManager delegate() throws CertificateException {
    ServedTls.Generation generation = served.current();
    if (generation == null || generation.material().trustManager() == null) {
      throw new CertificateException("no client CAs loaded");
    }
    return generation.material().trustManager();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a listener's trust manager checks clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a listener's trust manager checks clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a listener's trust manager checks clients only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    ServedTls.Generation generation = served.current();
    return generation == null || generation.material().trustManager() == null
        ? new X509Certificate[0] : generation.material().trustManager().getAcceptedIssuers();
  }
}
