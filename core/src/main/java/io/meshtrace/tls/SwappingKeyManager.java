package io.meshtrace.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A server key manager that answers from the {@link ServedTls}'s material of the moment. The
 * choice of key type and the checks of the certificate are the JDK's own key manager's; the
 * aliases it hands out are prefixed with the number of the set they came from, so that a TLS
 * stack that caches key material by alias (Netty's OpenSSL engines can) never mixes two sets,
 * and a handshake that chose an alias just before a swap still gets the key of that alias.
 */
final class SwappingKeyManager extends X509ExtendedKeyManager {
  private static final char SEPARATOR = '|';
  private final ServedTls served;

  SwappingKeyManager(ServedTls served) {
    this.served = served;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    ServedTls.Generation generation = served.current();
    return generation == null ? null : alias(generation,
        generation.material().keyManager().chooseEngineServerAlias(keyType, issuers, engine));
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    ServedTls.Generation generation = served.current();
    return generation == null ? null : alias(generation,
        generation.material().keyManager().chooseServerAlias(keyType, issuers, socket));
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    ServedTls.Generation generation = served.current();
    if (generation == null) {
      return null;
    }
    String[] aliases = generation.material().keyManager().getServerAliases(keyType, issuers);
    return aliases == null ? null : Arrays.stream(aliases).map(a -> alias(generation, a))
        .toArray(String[]::new);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    ServedTls.Generation generation = generationOf(alias);
    return generation == null ? null
        : generation.material().keyManager().getCertificateChain(delegateAlias(alias));
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    ServedTls.Generation generation = generationOf(alias);
    return generation == null ? null
        : generation.material().keyManager().getPrivateKey(delegateAlias(alias));
  }

  // A server has no client key.
  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers,
      SSLEngine engine) {
    return null;
  }

  private static String alias(ServedTls.Generation generation, String delegateAlias) {
    return delegateAlias == null ? null : generation.number() + "" + SEPARATOR + delegateAlias;
  }

  private ServedTls.Generation generationOf(String alias) {
    int separator = alias == null ? -1 : alias.indexOf(SEPARATOR);
    if (separator <= 0) {
      return null;
    }
    try {
      return served.generation(Long.parseLong(alias.substring(0, separator)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String delegateAlias(String alias) {
    return alias.substring(alias.indexOf(SEPARATOR) + 1);
  }
}
