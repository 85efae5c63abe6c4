package io.meshtrace.tenant;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.ArrayList;
import java.util.List;

/**
 * How spans carry their tenant from the ingest pipeline to a sink: a reserved resource attribute,
 * {@value #KEY}, on each {@code ResourceSpans} of a tenant other than the default. It rides
 * through the pipeline's batching and a sink's group commit with the spans themselves, so that a
 * batch may mix tenants without any call changing its shape.
 *
 * <p>Only the pipeline sets it, after removing any such attribute a client sent ({@link
 * #assign}): a client can never name a tenant this way. Sinks take it off again before they
 * store or forward the spans ({@link #strip}), so that it is never stored or read back as the
 * client's data. The default tenant carries no attribute: with tenancy off, spans reach the sinks
 * exactly as they did before tenants existed.
 */
public final class SpanTenant {
  /** The reserved resource attribute; clients' attributes of this key are dropped at intake. */
  public static final String KEY = "meshtrace.tenant";

  private SpanTenant() {}

  /**
   * The spans, each {@code ResourceSpans} marked as the tenant's (and only as the tenant's: an
   * attribute a client sent under {@value #KEY} is removed). The same list when nothing changes.
   */
  public static List<ResourceSpans> assign(List<ResourceSpans> resourceSpans, Tenant tenant) {
    List<ResourceSpans> assigned = null;
    for (int i = 0; i < resourceSpans.size(); i++) {
      ResourceSpans original = resourceSpans.get(i);
      ResourceSpans marked = assign(original, tenant);
      if (marked != original && assigned == null) {
        assigned = new ArrayList<>(resourceSpans.subList(0, i));
      }
      if (assigned != null) {
        assigned.add(marked);
      }
    }
    return assigned == null ? resourceSpans : assigned;
  }

  /** One {@code ResourceSpans} marked as the tenant's; the same instance when already so. */
  public static ResourceSpans assign(ResourceSpans resourceSpans, Tenant tenant) {
    Resource resource = resourceSpans.getResource();
    int at = indexOf(resource);
    if (at < 0 && tenant.isDefault()) {
      return resourceSpans;
    }
    if (at >= 0 && !tenant.isDefault() && onlyOnce(resource, at)
        && resource.getAttributes(at).getValue().getStringValue().equals(tenant.id())) {
      return resourceSpans;
    }
    Resource.Builder builder = withoutKey(resource).toBuilder();
    if (!tenant.isDefault()) {
      builder.addAttributes(KeyValue.newBuilder().setKey(KEY)
          .setValue(AnyValue.newBuilder().setStringValue(tenant.id())));
    }
    return resourceSpans.toBuilder().setResource(builder).build();
  }

  /**
   * The tenant a {@code ResourceSpans} is marked with by {@link #assign}; the default tenant when
   * it carries no mark, or a mark that is no valid tenant (which {@link #assign} never writes).
   */
  public static Tenant of(ResourceSpans resourceSpans) {
    Resource resource = resourceSpans.getResource();
    int at = indexOf(resource);
    if (at < 0) {
      return Tenant.DEFAULT;
    }
    String id = resource.getAttributes(at).getValue().getStringValue();
    return Tenant.isValid(id) ? new Tenant(id) : Tenant.DEFAULT;
  }

  /** The {@code ResourceSpans} without the mark: what a sink stores or forwards. */
  public static ResourceSpans strip(ResourceSpans resourceSpans) {
    Resource resource = resourceSpans.getResource();
    if (indexOf(resource) < 0) {
      return resourceSpans;
    }
    return resourceSpans.toBuilder().setResource(withoutKey(resource)).build();
  }

  private static Resource withoutKey(Resource resource) {
    if (indexOf(resource) < 0) {
      return resource;
    }
    Resource.Builder builder = resource.toBuilder().clearAttributes();
    for (KeyValue attribute : resource.getAttributesList()) {
      if (!attribute.getKey().equals(KEY)) {
        builder.addAttributes(attribute);
      }
    }
    return builder.build();
  }

  private static int indexOf(Resource resource) {
    int count = resource.getAttributesCount();
    for (int i = 0; i < count; i++) {
      if (resource.getAttributes(i).getKey().equals(KEY)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean onlyOnce(Resource resource, int first) {
    for (int i = first + 1; i < resource.getAttributesCount(); i++) {
      if (resource.getAttributes(i).getKey().equals(KEY)) {
        return false;
      }
    }
    return resource.getAttributes(first).getValue().hasStringValue();
  }
}
