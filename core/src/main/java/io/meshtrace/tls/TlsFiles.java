package io.meshtrace.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The PEM files one TLS listener serves from.
 *
 * @param certificate the certificate chain, leaf first
 * @param key the private key of the leaf (PKCS#8, PKCS#1 RSA or SEC1 EC)
 * @param clientCa the CA bundle client certificates must chain to; null when clients need none
 */
public record TlsFiles(Path certificate, Path key, Path clientCa) {
  public TlsFiles {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
  }

  /** Whether clients must present a certificate issued by {@link #clientCa()}. */
  public boolean mutual() {
    return clientCa != null;
  }
}
