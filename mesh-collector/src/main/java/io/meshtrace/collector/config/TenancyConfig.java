package io.meshtrace.collector.config;

import io.meshtrace.tenant.Tenant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Tenants: whether requests act for a tenant, named by a header (Grafana Tempo's and Mimir's
 * {@code X-Scope-OrgID} by default), and whose the Jaeger agent's UDP spans are (UDP has no
 * headers). Off, every request acts for the default tenant and nothing changes.
 *
 * @param enabled whether every span intake and query request must name its tenant
 * @param header the header that names it, lower case
 * @param jaegerUdpTenant whose the UDP ports' spans are; the default tenant when tenancy is off
 */
public record TenancyConfig(boolean enabled, String header, Tenant jaegerUdpTenant) {

  public static final Setting<Boolean> TENANCY = Setting.bool("tenancy", false, "Keep tenants "
      + "apart: every span intake and query request names its tenant in --tenant-header (else "
      + "401), and reads only ever see that tenant's spans. Off, all spans are one default "
      + "tenant's.");
  public static final Setting<String> TENANT_HEADER = Setting.text("tenant-header", "NAME",
      "x-scope-orgid", "The header naming a request's tenant with --tenancy true (Grafana "
          + "Tempo's and Mimir's X-Scope-OrgID): 1 to 64 letters, digits, '-', '_' or '.'.");
  public static final Setting<String> JAEGER_UDP_TENANT = Setting.text("jaeger-udp-tenant",
      "TENANT", "", "With --tenancy true, the tenant whose spans the Jaeger agent UDP ports "
          + "receive (UDP carries no header); required while those ports are on.");

  public static final List<Setting<?>> SETTINGS = List.of(TENANCY, TENANT_HEADER,
      JAEGER_UDP_TENANT);

  /** An HTTP header name (RFC 9110 token); gRPC metadata keys are lower case. */
  private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");

  public TenancyConfig {
    if (header == null || !HEADER_NAME.matcher(header).matches()) {
      throw new InvalidConfigException(TENANT_HEADER.name(), "is '" + header
          + "' but must be an HTTP header name (letters, digits, '-', ...)");
    }
    if (jaegerUdpTenant == null) {
      jaegerUdpTenant = Tenant.DEFAULT;
    }
    if (!enabled && !jaegerUdpTenant.isDefault()) {
      throw new InvalidConfigException(JAEGER_UDP_TENANT.name(), "is set but --"
          + TENANCY.name() + " is false; every span is the default tenant's");
    }
  }

  public static TenancyConfig from(SettingValues values) {
    String header = values.get(TENANT_HEADER);
    String udpTenant = values.get(JAEGER_UDP_TENANT);
    if (udpTenant != null && !Tenant.isValid(udpTenant)) {
      throw new InvalidConfigException(JAEGER_UDP_TENANT.name(), "is '" + udpTenant
          + "' but a tenant is 1 to " + Tenant.MAX_LENGTH + " letters, digits, '-', '_' or '.'");
    }
    return new TenancyConfig(values.get(TENANCY),
        header == null ? null : header.toLowerCase(java.util.Locale.ROOT),
        udpTenant == null ? Tenant.DEFAULT : Tenant.of(udpTenant));
  }
}
