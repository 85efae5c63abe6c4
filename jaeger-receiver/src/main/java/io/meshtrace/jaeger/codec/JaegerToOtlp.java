package io.meshtrace.jaeger.codec;

import com.google.protobuf.ByteString;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rules that turn a Jaeger span into an OTLP one, whichever encoding it came in (Thrift from
 * the agent ports and {@code /api/traces}, protobuf from {@code PostSpans}). They are the table in
 * this module's README, and the Jaeger query API ({@code JaegerJsonWriter}) applies them the other
 * way, so that what a Jaeger client sent is what the Jaeger API shows:
 *
 * <ul>
 *   <li>the process's service name is the resource's {@code service.name}, its tags the other
 *       resource attributes, under their own keys ({@code hostname}, {@code ip},
 *       {@code jaeger.version}, {@code client-uuid});
 *   <li>{@code span.kind} (client, server, producer, consumer, internal) is the span's kind;
 *   <li>{@code error=true} is status ERROR; {@code otel.status_code} (OK, ERROR) and
 *       {@code otel.status_description} are the status as OpenTelemetry's Jaeger exporters write
 *       it; {@code w3c.tracestate} the trace state; {@code otel.scope.name}/{@code .version} the
 *       instrumentation scope;
 *   <li>every other tag is an attribute of its own type (string, bool, int, double, bytes),
 *       {@code sampler.type} and {@code sampler.param} included, which the sampling counts read;
 *   <li>logs are events, a string {@code event} field their name;
 *   <li>the parent (Thrift's {@code parentSpanId}, else the first CHILD_OF reference in the same
 *       trace) is the parent span ID; every other reference is a link whose
 *       {@code opentracing.ref_type} attribute says {@code child_of} or {@code follows_from};
 *   <li>the flags byte (1 sampled, 2 debug) is the span's flags.
 * </ul>
 */
public final class JaegerToOtlp {
  public static final String SPAN_KIND = "span.kind";
  public static final String ERROR = "error";
  public static final String STATUS_CODE = "otel.status_code";
  public static final String STATUS_DESCRIPTION = "otel.status_description";
  public static final String TRACE_STATE = "w3c.tracestate";
  public static final String SCOPE_NAME = "otel.scope.name";
  public static final String SCOPE_VERSION = "otel.scope.version";
  /** The log field that names an event. */
  public static final String EVENT = "event";
  /** A link's attribute that keeps the Jaeger reference type. */
  public static final String REF_TYPE = "opentracing.ref_type";
  public static final String CHILD_OF = "child_of";
  public static final String FOLLOWS_FROM = "follows_from";
  /** What Jaeger's collector calls a process whose service name is empty. */
  static final String EMPTY_SERVICE_NAME = "empty-service-name";
  static final String MISSING_SERVICE_NAME = "missing-service-name";

  private static final KeyValue REF_CHILD_OF = refType(CHILD_OF);
  private static final KeyValue REF_FOLLOWS_FROM = refType(FOLLOWS_FROM);

  private JaegerToOtlp() {}

  /** A Jaeger process as an OTLP resource. */
  static Resource resource(String serviceName, List<KeyValue> tags) {
    String name = serviceName == null ? MISSING_SERVICE_NAME
        : serviceName.isEmpty() ? EMPTY_SERVICE_NAME : serviceName;
    Resource.Builder resource = Resource.newBuilder().addAttributes(KeyValue.newBuilder()
        .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(name)));
    for (KeyValue tag : tags) {
      if (!tag.getKey().equals("service.name")) { // the process's own name wins, as in Jaeger
        resource.addAttributes(tag);
      }
    }
    return resource.build();
  }

  /**
   * Puts a span's tags on it: the special ones as its kind, status, trace state and scope, the
   * rest as attributes in their order.
   *
   * @return the instrumentation scope the tags name, the empty one if none
   */
  static InstrumentationScope applyTags(Span.Builder span, List<KeyValue> tags) {
    Status.StatusCode code = null;
    String scopeName = null;
    String scopeVersion = null;
    for (KeyValue tag : tags) {
      if (tag.getKey().equals(ERROR) && tag.getValue().hasBoolValue()
          && tag.getValue().getBoolValue()) {
        code = Status.StatusCode.STATUS_CODE_ERROR; // error=true decides, whatever else is said
      }
    }
    KeyValue description = null;
    for (KeyValue tag : tags) {
      String key = tag.getKey();
      AnyValue value = tag.getValue();
      boolean text = value.hasStringValue();
      switch (key) {
        case ERROR -> {
          if (value.hasBoolValue() && value.getBoolValue()) {
            continue;
          }
        }
        case STATUS_CODE -> {
          Status.StatusCode said = text ? statusCode(value.getStringValue()) : null;
          if (said != null) {
            if (code == null) {
              code = said;
            }
            continue;
          }
        }
        case STATUS_DESCRIPTION -> {
          if (text && description == null) {
            description = tag;
            continue;
          }
        }
        case SPAN_KIND -> {
          Span.SpanKind kind = text ? spanKind(value.getStringValue()) : null;
          if (kind != null && span.getKind() == Span.SpanKind.SPAN_KIND_UNSPECIFIED) {
            span.setKind(kind);
            continue;
          }
        }
        case TRACE_STATE -> {
          if (text && span.getTraceState().isEmpty()) {
            span.setTraceState(value.getStringValue());
            continue;
          }
        }
        case SCOPE_NAME -> {
          if (text && scopeName == null) {
            scopeName = value.getStringValue();
            continue;
          }
        }
        case SCOPE_VERSION -> {
          if (text && scopeVersion == null) {
            scopeVersion = value.getStringValue();
            continue;
          }
        }
        default -> { }
      }
      span.addAttributes(tag);
    }
    if (code != null) {
      Status.Builder status = Status.newBuilder().setCode(code);
      if (description != null) {
        status.setMessage(description.getValue().getStringValue());
      }
      span.setStatus(status);
    } else if (description != null) {
      span.addAttributes(description); // a description without a status is only a tag
    }
    if (scopeName == null) {
      if (scopeVersion != null) { // a version alone names no scope: keep it as it came
        span.addAttributes(tag(SCOPE_VERSION, scopeVersion));
      }
      return InstrumentationScope.getDefaultInstance();
    }
    InstrumentationScope.Builder scope = InstrumentationScope.newBuilder().setName(scopeName);
    if (scopeVersion != null) {
      scope.setVersion(scopeVersion);
    }
    return scope.build();
  }

  /** A log as an event: its first string {@code event} field is the name. */
  static Span.Event event(long timeUnixNano, List<KeyValue> fields) {
    Span.Event.Builder event = Span.Event.newBuilder().setTimeUnixNano(timeUnixNano);
    boolean named = false;
    for (KeyValue field : fields) {
      if (!named && field.getKey().equals(EVENT) && field.getValue().hasStringValue()) {
        event.setName(field.getValue().getStringValue());
        named = true;
      } else {
        event.addAttributes(field);
      }
    }
    return event.build();
  }

  /** A reference that is not the parent, as a link that keeps its type. */
  static Span.Link link(ByteString traceId, long spanId, boolean childOf) {
    return Span.Link.newBuilder().setTraceId(traceId).setSpanId(spanId(spanId))
        .addAttributes(childOf ? REF_CHILD_OF : REF_FOLLOWS_FROM).build();
  }

  static ByteString traceId(long high, long low) {
    return TraceId.toBytes(high, low);
  }

  static ByteString spanId(long id) {
    return SpanIds.toBytes(id);
  }

  static KeyValue tag(String key, String value) {
    return KeyValue.newBuilder().setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  /** Groups spans by resource and then scope, in the order they came. */
  static final class Grouping {
    private final Map<Resource, Map<InstrumentationScope, ScopeSpans.Builder>> byResource =
        new LinkedHashMap<>();

    void add(Resource resource, InstrumentationScope scope, Span span) {
      byResource.computeIfAbsent(resource, r -> new LinkedHashMap<>())
          .computeIfAbsent(scope, s -> ScopeSpans.newBuilder().setScope(s))
          .addSpans(span);
    }

    List<ResourceSpans> build() {
      List<ResourceSpans> out = new ArrayList<>(byResource.size());
      byResource.forEach((resource, scopes) -> {
        ResourceSpans.Builder spans = ResourceSpans.newBuilder().setResource(resource);
        scopes.values().forEach(spans::addScopeSpans);
        out.add(spans.build());
      });
      return out;
    }
  }

  private static Status.StatusCode statusCode(String text) {
    return switch (text.toUpperCase(Locale.ROOT)) {
      case "OK" -> Status.StatusCode.STATUS_CODE_OK;
      case "ERROR" -> Status.StatusCode.STATUS_CODE_ERROR;
      default -> null;
    };
  }

  private static Span.SpanKind spanKind(String text) {
    return switch (text) {
      case "client" -> Span.SpanKind.SPAN_KIND_CLIENT;
      case "server" -> Span.SpanKind.SPAN_KIND_SERVER;
      case "producer" -> Span.SpanKind.SPAN_KIND_PRODUCER;
      case "consumer" -> Span.SpanKind.SPAN_KIND_CONSUMER;
      case "internal" -> Span.SpanKind.SPAN_KIND_INTERNAL;
      default -> null;
    };
  }

  private static KeyValue refType(String type) {
    return tag(REF_TYPE, type);
  }
}
