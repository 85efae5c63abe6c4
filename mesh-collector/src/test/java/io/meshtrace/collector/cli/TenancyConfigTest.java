package io.meshtrace.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshtrace.collector.config.InvalidConfigException;
import io.meshtrace.collector.config.MeshtraceConfig;
import io.meshtrace.tenant.Tenant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenancyConfigTest {

  private static MeshtraceConfig parse(String... args) {
    return MeshtraceCommand.parseConfig(args, Map.of());
  }

  @Test
  void offByDefaultWithTemposHeader() {
    MeshtraceConfig config = parse("all-in-one");
    assertThat(config.tenancy().enabled()).isFalse();
    assertThat(config.tenancy().header()).isEqualTo("x-scope-orgid");
    assertThat(config.tenancy().jaegerUdpTenant()).isEqualTo(Tenant.DEFAULT);
  }

  @Test
  void onWithAHeaderOfOnesOwnAndATenantForUdp() {
    MeshtraceConfig config = MeshtraceCommand.parseConfig(new String[] {"collector",
        "--tenant-header", "X-Tenant", "--jaeger-udp-tenant", "edge"},
        Map.of("MESHTRACE_TENANCY", "true"));
    assertThat(config.tenancy().enabled()).isTrue();
    assertThat(config.tenancy().header()).isEqualTo("x-tenant");
    assertThat(config.tenancy().jaegerUdpTenant()).isEqualTo(Tenant.of("edge"));
    assertThat(parse("query", "--tenancy", "true").tenancy().enabled()).isTrue();
    assertThat(parse("all-in-one", "--tenancy", "true", "--jaeger-compact-port", "-1",
        "--jaeger-binary-port", "-1").tenancy().enabled()).isTrue();
  }

  @Test
  void whatCannotWorkStopsStartUpNamingTheSetting() {
    assertThatThrownBy(() -> parse("all-in-one", "--tenancy", "true"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("jaeger-udp-tenant").hasMessageContaining("jaeger-compact-port -1");
    assertThatThrownBy(() -> parse("all-in-one", "--jaeger-udp-tenant", "edge"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("jaeger-udp-tenant").hasMessageContaining("--tenancy is false");
    assertThatThrownBy(() -> parse("all-in-one", "--tenancy", "true", "--jaeger-udp-tenant",
        "no spaces")).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("jaeger-udp-tenant");
    assertThatThrownBy(() -> parse("query", "--tenancy", "true", "--tenant-header", "a b"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("tenant-header");
  }
}
