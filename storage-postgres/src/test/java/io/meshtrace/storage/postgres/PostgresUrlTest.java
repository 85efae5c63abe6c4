package io.meshtrace.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** libpq's URL syntax, and messages that never quote a password. */
class PostgresUrlTest {
  @Test
  void readsTheUrlAsLibpqDoes() {
    PgConnectOptions options = PostgresUrl.parse(
        "postgresql://meshtrace:p%40ss+w%2Frd@db.example:6543/traces", null);
    assertThat(options.getUser()).isEqualTo("meshtrace");
    assertThat(options.getPassword()).isEqualTo("p@ss+w/rd"); // + stays +
    assertThat(options.getHost()).isEqualTo("db.example");
    assertThat(options.getPort()).isEqualTo(6543);
    assertThat(options.getDatabase()).isEqualTo("traces");
    assertThat(options.getSslMode()).isEqualTo(SslMode.DISABLE);
    // libpq client parameters are not sent to the server as settings.
    assertThat(PostgresUrl.parse("postgresql://u@db/x?sslmode=verify-full&sslrootcert=system",
        null).getProperties()).doesNotContainKeys("sslrootcert", "sslmode");

    PgConnectOptions ipv6 = PostgresUrl.parse("postgres://[::1]:5433/db?user=u&password=x"
        + "&sslmode=require", null);
    assertThat(ipv6.getHost()).isEqualTo("::1");
    assertThat(ipv6.getUser()).isEqualTo("u");
    assertThat(ipv6.getPassword()).isEqualTo("x");
    assertThat(ipv6.getSslMode()).isEqualTo(SslMode.REQUIRE);
    assertThat(ipv6.getSslOptions().isTrustAll()).isTrue();
  }

  @Test
  void anUnusableUrlIsRefusedWithoutQuotingItsPassword() {
    for (String url : new String[] {
        "postgresql://meshtrace:s3cr3t/pw@db:5432/traces", // unencoded /: the port is "s3cr3t"
        "postgresql://meshtrace:s3cr3t%zzpw@db:5432/traces",
        "postgresql://meshtrace:s3cr3t-pw@db:5432/traces?s3cr3t-pw",
        "postgresql://meshtrace:s3cr3t-pw@db:99999/traces",
        "postgresql://meshtrace:s3cr3t-pw@db1,db2/traces",
        "mysql://meshtrace:s3cr3t-pw@db/traces",
        "postgresql://meshtrace:s3cr3t-pw@db/traces?sslmode=s3cr3t-pw&x=1"}) {
      assertThatThrownBy(() -> PostgresUrl.parse(url, null)).as(url)
          .isInstanceOf(IllegalArgumentException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
    }
  }

  @Test
  void tlsSettingsAreCheckedNamingThem() {
    assertThatThrownBy(() -> PostgresUrl.parse("postgresql://u:pw@db/x?sslmode=verify", null))
        .hasMessageContaining("sslmode 'verify' is not one of disable, allow, prefer, require, "
            + "verify-ca, verify-full");
    assertThatThrownBy(() -> PostgresUrl.parse("postgresql://u:pw@db/x?sslmode=verify-full",
        null)).hasMessageContaining("sslmode=verify-full needs the CA")
        .hasMessageContaining("sslrootcert");
    assertThatThrownBy(() -> PostgresUrl.parse(
        "postgresql://u:pw@db/x?sslmode=verify-full&sslrootcert=/no/such/ca.crt", null))
        .hasMessageContaining("sslrootcert /no/such/ca.crt does not exist");
    assertThatThrownBy(() -> PostgresUrl.parse("postgresql://u:pw@db/x?sslmode=require",
        Path.of("/no/such/ca.crt"))).hasMessageContaining("--pg-ca-file /no/such/ca.crt");
    assertThatThrownBy(() -> PostgresUrl.parse(
        "postgresql://u:pw@db/x?sslrootcert=/etc/hostname", null))
        .hasMessageContaining("sslrootcert is given but sslmode is not");
    assertThatThrownBy(() -> PostgresUrl.parse(
        "postgresql://u:pw@db/x?sslmode=verify-full&sslrootcert=/etc/hostname", null))
        .hasMessageContaining("holds no certificate");
    assertThatThrownBy(() -> PostgresUrl.parse(
        "postgresql://u:pw@db/x?sslmode=require&sslrootcert=system", null))
        .hasMessageContaining("sslrootcert=system needs sslmode=verify-full");
    assertThatThrownBy(() -> PostgresUrl.parse("postgresql://u:pw@db/x?sslcert=/c", null))
        .hasMessageContaining("query parameter 'sslcert' is not supported");
    PgConnectOptions system = PostgresUrl.parse("postgresql://u:pw@db/x?sslrootcert=system",
        null);
    assertThat(system.getSslMode()).isEqualTo(SslMode.VERIFY_FULL);
    assertThat(system.getSslOptions().getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
  }

  @Test
  void maskedHidesThePasswordWhereverItIs() {
    assertThat(PostgresUrl.masked("postgresql://meshtrace:s3cr3t@db:5432/traces"))
        .isEqualTo("postgresql://(credentials)@db:5432/traces");
    assertThat(PostgresUrl.masked("postgresql://meshtrace:s3/cr@3t@db/traces"))
        .doesNotContain("s3/cr").endsWith("@db/traces");
    assertThat(PostgresUrl.masked("postgresql://db/traces?user=u&password=s3cr3t&sslmode=require"))
        .isEqualTo("postgresql://db/traces?user=u&password=(hidden)&sslmode=require");
    assertThat(PostgresUrl.masked("postgresql://db/traces")).isEqualTo("postgresql://db/traces");
  }
}
