package io.meshtrace.storage.postgres;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A libpq connection URL, {@code postgresql://user:password@host:5432/db?sslmode=verify-full
 * &sslrootcert=/etc/ca.crt}, read as libpq reads it (so that what works with psql works here),
 * into the options every pool of meshtrace connects with, TLS included.
 *
 * <p>Not vertx's {@code PgConnectOptions.fromUri}: that echoes the whole URL, password and all,
 * in its exception when it cannot parse one (a password with a {@code +} or {@code /} is
 * enough), decodes {@code +} as a space, and sends libpq's client parameters such as {@code
 * sslrootcert} to the server as settings, which then refuses the connection. No message here
 * quotes any part of the URL but parameter names and the {@code sslmode} value.
 *
 * <p>TLS, as libpq: {@code disable}, {@code allow} and {@code prefer} (TLS if the server offers
 * it), {@code require} (TLS, the certificate checked against {@code sslrootcert} when one is
 * given), {@code verify-ca} (signed by {@code sslrootcert}), {@code verify-full} (and issued for
 * the host name). {@code sslrootcert=system} trusts the JDK's CAs and means {@code verify-full}.
 * Unlike libpq, a URL without {@code sslmode} does not try TLS (as meshtrace always did); with
 * a CA but no {@code sslmode} it is refused, as someone meant to verify and did not say so.
 */
public final class PostgresUrl {
  private static final Set<String> PARAMETERS =
      Set.of("host", "port", "user", "password", "dbname", "sslmode", "sslrootcert");
  private static final String ENCODING_HINT = "; characters such as @ : / ? # % & + in the user "
      + "name or password must be percent-encoded (@ as %40, / as %2F...)";

  private PostgresUrl() {}

  /**
   * The options a URL gives.
   *
   * @param caFile a CA file given apart from the URL (meshtrace's {@code --pg-ca-file}), or null;
   *     the URL's {@code sslrootcert} wins when both are given
   * @throws IllegalArgumentException naming what is wrong, never quoting the credentials
   */
  public static PgConnectOptions parse(String url, Path caFile) {
    String rest;
    if (url.startsWith("postgresql://")) {
      rest = url.substring("postgresql://".length());
    } else if (url.startsWith("postgres://")) {
      rest = url.substring("postgres://".length());
    } else {
      throw new IllegalArgumentException("must start with postgresql:// (as in "
          + "postgresql://user:password@host:5432/database)");
    }
    PgConnectOptions options = new PgConnectOptions();
    // As libpq: the credentials end at the first @ seen before any /.
    int end = 0;
    while (end < rest.length() && rest.charAt(end) != '@' && rest.charAt(end) != '/') {
      end++;
    }
    if (end < rest.length() && rest.charAt(end) == '@') {
      String userInfo = rest.substring(0, end);
      rest = rest.substring(end + 1);
      int colon = userInfo.indexOf(':');
      String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "user name");
      if (!user.isEmpty()) {
        options.setUser(user);
      }
      if (colon >= 0) {
        options.setPassword(decode(userInfo.substring(colon + 1), "password"));
      }
    }
    int query = rest.indexOf('?');
    String params = query < 0 ? "" : rest.substring(query + 1);
    String location = query < 0 ? rest : rest.substring(0, query);
    int slash = location.indexOf('/');
    if (slash >= 0) {
      String database = decode(location.substring(slash + 1), "database name");
      if (!database.isEmpty()) {
        options.setDatabase(database);
      }
      location = location.substring(0, slash);
    }
    hostAndPort(location, options);

    Map<String, String> parameters = parameters(params);
    parameters.forEach((name, value) -> {
      switch (name) {
        case "host" -> options.setHost(value);
        case "port" -> options.setPort(port(value));
        case "user" -> options.setUser(value);
        case "password" -> options.setPassword(value);
        case "dbname" -> options.setDatabase(value);
        default -> { } // TLS below
      }
    });
    String rootCert = parameters.get("sslrootcert");
    tls(options, parameters.get("sslmode"), rootCert != null ? rootCert
        : caFile == null ? null : caFile.toString(), rootCert != null ? "sslrootcert" : "--pg-ca-file");
    return options;
  }

  /**
   * Why the server's certificate was last refused (a CA that did not sign it, a host name it
   * does not have), or null: the TLS client says only "SSL handshake failed".
   */
  public static String lastCertificateRefusal() {
    return ServerCertificateCheck.lastRefusal();
  }

  /** The URL with its password (in the user info or as a parameter) replaced, for printing. */
  public static String masked(String url) {
    if (url == null) {
      return null;
    }
    String masked = url;
    int scheme = masked.indexOf("://");
    if (scheme >= 0) {
      int start = scheme + 3;
      int end = start;
      while (end < masked.length() && masked.charAt(end) != '@' && masked.charAt(end) != '/') {
        end++;
      }
      // Whatever is before an @ may hold a password; if there is an @ only later (a / in an
      // unencoded password), mask up to the last @ too: better too much than a password shown.
      int at = end < masked.length() && masked.charAt(end) == '@' ? end : masked.lastIndexOf('@');
      if (at >= start) {
        masked = masked.substring(0, start) + "(credentials)" + masked.substring(at);
      }
    }
    return masked.replaceAll("(?i)([?&]password=)[^&]*", "$1(hidden)");
  }

  /**
   * Checks that a CA file holds at least one PEM or DER certificate, so that a wrong path or
   * file stops start-up instead of failing every connection.
   *
   * @param setting how the user named the file, for the message
   */
  public static void checkCaFile(Path file, String setting) {
    certificates(file, setting);
  }

  private static List<X509Certificate> certificates(Path file, String setting) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(setting + " " + file + " does not exist or is not a file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certificates = new ArrayList<>();
      for (Certificate certificate :
          CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) certificate);
      }
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(setting + " " + file + " holds no certificate");
      }
      return certificates;
    } catch (IOException e) {
      throw new IllegalArgumentException(setting + " " + file + " cannot be read: "
          + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + " " + file + " holds no certificate that "
          + "can be read (PEM or DER X.509): " + e.getMessage());
    }
  }

  private static void tls(PgConnectOptions options, String sslmode, String rootCert,
      String rootCertSetting) {
    boolean system = "system".equals(rootCert);
    SslMode mode;
    if (sslmode == null) {
      if (rootCert != null && !system) {
        throw new IllegalArgumentException(rootCertSetting + " is given but sslmode is not: add "
            + "sslmode=verify-full (or verify-ca, require) to the URL");
      }
      mode = system ? SslMode.VERIFY_FULL : SslMode.DISABLE;
    } else {
      mode = switch (sslmode) {
        case "disable" -> SslMode.DISABLE;
        case "allow" -> SslMode.ALLOW;
        case "prefer" -> SslMode.PREFER;
        case "require" -> SslMode.REQUIRE;
        case "verify-ca" -> SslMode.VERIFY_CA;
        case "verify-full" -> SslMode.VERIFY_FULL;
        default -> throw new IllegalArgumentException("sslmode '" + printable(sslmode)
            + "' is not one of disable, allow, prefer, require, verify-ca, verify-full");
      };
    }
    options.setSslMode(mode);
    if (mode == SslMode.DISABLE) {
      return;
    }
    boolean verifying = mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL;
    if (system && !verifying) {
      // libpq's rule: trusting every public CA without checking the name proves nothing.
      throw new IllegalArgumentException("sslrootcert=system needs sslmode=verify-full (or "
          + "verify-ca), not " + sslmode);
    }
    if (verifying && rootCert == null) {
      throw new IllegalArgumentException("sslmode=" + sslmode + " needs the CA that signed the "
          + "server's certificate: add sslrootcert=/path/to/ca.crt to the URL (or "
          + "--pg-ca-file), or sslrootcert=system for the JDK's CAs");
    }
    ClientSSLOptions ssl = new ClientSSLOptions();
    if (system) {
      ssl.setTrustOptions(TrustOptions.wrap(ServerCertificateCheck.trustingTheJdksCas()));
    } else if (rootCert != null) {
      Path file = Path.of(rootCert);
      // Read now: a file that later disappears does not fail every new connection. As libpq:
      // with a CA at hand, require checks the certificate too.
      ssl.setTrustOptions(TrustOptions.wrap(ServerCertificateCheck.trusting(
          certificates(file, rootCertSetting), rootCertSetting + " " + file)));
    } else {
      // require, prefer, allow without a CA: encrypted, the server not authenticated (libpq's).
      ssl.setTrustAll(true);
    }
    ssl.setHostnameVerificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : "");
    options.setSslOptions(ssl);
  }

  private static void hostAndPort(String location, PgConnectOptions options) {
    if (location.isEmpty()) {
      return;
    }
    if (location.indexOf(',') >= 0) {
      throw new IllegalArgumentException("several hosts are not supported; give one" + ENCODING_HINT);
    }
    String host;
    String port = null;
    if (location.startsWith("[")) {
      int close = location.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("an IPv6 address needs its closing ]");
      }
      host = location.substring(1, close);
      String after = location.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw new IllegalArgumentException("only :port may follow an IPv6 address");
        }
        port = after.substring(1);
      }
    } else {
      int colon = location.indexOf(':');
      host = colon < 0 ? location : location.substring(0, colon);
      port = colon < 0 ? null : location.substring(colon + 1);
    }
    if (!host.isEmpty()) {
      options.setHost(decode(host, "host"));
    }
    if (port != null && !port.isEmpty()) {
      options.setPort(port(port));
    }
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // below
    }
    // Not quoted: with an unencoded / or @ in a password, this may be part of it.
    throw new IllegalArgumentException("the port is not a number from 1 to 65535" + ENCODING_HINT);
  }

  private static Map<String, String> parameters(String query) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      if (equals < 0) {
        throw new IllegalArgumentException("a query parameter has no =" + ENCODING_HINT);
      }
      String name = pair.substring(0, equals);
      if (!PARAMETERS.contains(name)) {
        throw new IllegalArgumentException("query parameter '" + printable(name) + "' is not "
            + "supported; meshtrace reads " + String.join(", ", new java.util.TreeSet<>(PARAMETERS)));
      }
      parameters.put(name, decode(pair.substring(equals + 1), name));
    }
    return parameters;
  }

  /** Percent-decoding as libpq's (a {@code +} stays a {@code +}). */
  private static String decode(String text, String what) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '%') {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      int value = i + 2 < text.length() ? hex(text.charAt(i + 1), text.charAt(i + 2)) : -1;
      if (value < 0) {
        throw new IllegalArgumentException("the " + what + " has a % not followed by two hex "
            + "digits (a % itself is %25)");
      }
      bytes.write(value);
      i += 2;
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char high, char low) {
    int h = Character.digit(high, 16);
    int l = Character.digit(low, 16);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }

  /** A value that can be quoted: short and plain, else elided. */
  private static String printable(String text) {
    return text.matches("[A-Za-z0-9_.-]{1,40}") ? text : "...";
  }
}
