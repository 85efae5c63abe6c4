package io.meshtrace.controlplane.xds;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** The identities a TLS peer's certificate names: its URI and DNS subject alternative names. */
final class PeerIdentities {
  private static final int DNS_NAME = 2;
  private static final int URI = 6;

  private PeerIdentities() {}

  /** Empty when there is no session or the peer presented no certificate. */
  static List<String> of(SSLSession session) {
    if (session == null) {
      return List.of();
    }
    try {
      if (session.getPeerCertificates()[0] instanceof X509Certificate leaf) {
        return of(leaf);
      }
    } catch (SSLPeerUnverifiedException e) {
      // no client certificate
    }
    return List.of();
  }

  static List<String> of(X509Certificate certificate) {
    List<String> identities = new ArrayList<>();
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          int type = (Integer) name.get(0);
          if ((type == URI || type == DNS_NAME) && name.get(1) instanceof String value) {
            identities.add(value);
          }
        }
      }
    } catch (CertificateParsingException e) {
      // a certificate the handshake accepted but whose names cannot be read names no one
    }
    return List.copyOf(identities);
  }
}
