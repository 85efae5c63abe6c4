package io.meshtrace.kafka;

import io.meshtrace.tenant.SpanTenant;
import io.meshtrace.tenant.Tenant;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A record's tenant travels in a Kafka record header, {@value #NAME}, not in its value: the value
 * stays plain OTLP (an OpenTelemetry Collector on either side of the topic reads and writes it
 * unchanged), and a resource attribute inside it that a client sent through such a Collector can
 * never name a tenant. A record without the header is the default tenant's.
 */
final class TenantHeader {
  static final String NAME = "meshtrace-tenant";

  private TenantHeader() {}

  /** The header's value for the tenant; null for the default tenant, which has none. */
  static byte[] value(Tenant tenant) {
    return tenant.isDefault() ? null : tenant.id().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The record's tenant by its header (the last, if several).
   *
   * @throws IllegalArgumentException when the header holds no valid tenant
   */
  static Tenant of(Headers headers) {
    Header header = headers == null ? null : headers.lastHeader(NAME);
    if (header == null || header.value() == null) {
      return Tenant.DEFAULT;
    }
    String id = new String(header.value(), StandardCharsets.UTF_8);
    if (!Tenant.isValid(id)) {
      throw new IllegalArgumentException("header " + NAME + " holds no valid tenant");
    }
    return Tenant.of(id);
  }

  /** The spans grouped by the tenant they are marked with, each without the mark. */
  static java.util.Map<Tenant, List<ResourceSpans>> byTenant(List<ResourceSpans> marked) {
    java.util.Map<Tenant, List<ResourceSpans>> groups = new java.util.LinkedHashMap<>(2);
    for (ResourceSpans resourceSpans : marked) {
      groups.computeIfAbsent(SpanTenant.of(resourceSpans), t -> new ArrayList<>())
          .add(SpanTenant.strip(resourceSpans));
    }
    return groups;
  }
}
