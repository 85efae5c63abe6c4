package io.meshtrace.storage.postgres;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.meshtrace.ingest.SpanRejection;
import io.meshtrace.metrics.SamplingProbability;
import io.meshtrace.model.SpanIds;
import io.meshtrace.model.TraceId;
import io.meshtrace.storage.InvalidSpanException;
import io.meshtrace.storage.SpanProblem;
import io.meshtrace.storage.StorableSpanChecker;
import io.meshtrace.tenant.SpanTenant;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns OTLP spans into rows, refusing what the table cannot hold faithfully. Receivers check
 * the same things earlier to reject single spans; this is the last line, so that nothing
 * malformed is ever half-written.
 */
final class SpanRowMapper {
  /** Spans whose resource names no service are stored under OTel's default name. */
  static final String UNKNOWN_SERVICE = io.meshtrace.model.ServiceNames.UNKNOWN;
  /**
   * Longest service or operation name kept, in UTF-16 units: names are unique-indexed, and a
   * btree entry must stay under about 2700 bytes.
   */
  static final int MAX_NAME_LENGTH = 512;

  private final StorableSpanChecker checker;

  private final AttributeSplitter splitter;
  private final boolean samplingProbabilities;
  private final java.util.Set<String> indexedTagKeys;
  /** As spans carry their keys: comparing bytes spares decoding every key to a String. */
  private final java.util.Set<ByteString> indexedTagKeyBytes;

  /**
   * @param samplingProbabilities whether rows carry their spans' sampling probabilities (for
   *     RED metrics)
   */
  SpanRowMapper(Clock clock, Duration retention, Duration maxFutureSkew,
      AttributeSplitter splitter, java.util.Set<String> indexedTagKeys,
      boolean samplingProbabilities) {
    this.splitter = splitter;
    this.samplingProbabilities = samplingProbabilities;
    this.indexedTagKeys = indexedTagKeys;
    this.indexedTagKeyBytes = indexedTagKeys.stream().map(ByteString::copyFromUtf8)
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
    this.checker = new StorableSpanChecker(clock, retention, maxFutureSkew);
  }

  List<SpanRow> map(List<ResourceSpans> resourceSpansList) {
    StorableSpanChecker.Window window = checker.window();
    List<SpanRow> rows = new ArrayList<>();
    // Attribute sets are one tenant's; a batch may hold several tenants' requests.
    java.util.Map<String, SharedSets> sharedSetsByTenant = new java.util.HashMap<>(2);
    for (ResourceSpans marked : resourceSpansList) {
      String tenant = SpanTenant.of(marked).id();
      ResourceSpans resourceSpans = SpanTenant.strip(marked);
      SharedSets sharedSets = sharedSetsByTenant.computeIfAbsent(tenant, SharedSets::new);
      ServiceName service = new ServiceName(tenant, serviceName(resourceSpans.getResource()));
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        if (scopeSpans.getSpansCount() == 0) {
          continue;
        }
        SpanSource source = source(resourceSpans, scopeSpans, service);
        int spanCount = scopeSpans.getSpansCount();
        for (int i = 0; i < spanCount; i++) {
          Span span = scopeSpans.getSpans(i);
          SpanProblem problem = checker.check(span, window);
          if (problem != null) {
            throw new InvalidSpanException(problem.message());
          }
          rows.add(row(span, source, service, sharedSets));
        }
      }
    }
    return rows;
  }

  private SpanRow row(Span span, SpanSource source, ServiceName service, SharedSets sharedSets) {
    List<KeyValue> attributes = span.getAttributesList();
    AttributeSplitter.Split split = splitter.split(service.key(), attributes);
    AttributeSet attributeSet = split.sharedCount() == 0 ? null
        : sharedSets.serialized(attributes, split.shared());
    return new SpanRow(StoredSpanCodec.startMicros(span), StoredSpanCodec.durationMicros(span),
        TraceId.fromBytes(span.getTraceId()).toUuid(), SpanIds.fromBytes(span.getSpanId()),
        parentId(span), span.getStatus().getCodeValue(),
        samplingProbabilities ? SamplingProbability.of(span) : SamplingProbability.UNKNOWN,
        source, cleanName(span.getName()), (short) span.getKindValue(), attributeSet,
        split.newlyVolatile(), span, split.sharedCount() == 0 ? null : split.shared(),
        split.sharedCount(), peerService(attributes), zipkinShared(attributes),
        indexedTagHashes(attributes));
  }

  private static final long[] NO_HASHES = new long[0];

  private long[] indexedTagHashes(List<KeyValue> attributes) {
    if (indexedTagKeys.isEmpty()) {
      return NO_HASHES;
    }
    long[] hashes = NO_HASHES;
    int count = attributes.size();
    for (int i = 0; i < count; i++) {
      KeyValue attribute = attributes.get(i);
      if (indexedTagKeyBytes.contains(attribute.getKeyBytes())) {
        hashes = java.util.Arrays.copyOf(hashes, hashes.length + 1);
        hashes[hashes.length - 1] = TagValueHash.of(attribute.getKey(),
            io.meshtrace.model.AttributeText.of(attribute.getValue()));
      }
    }
    return hashes;
  }

  private static final ByteString PEER_SERVICE = ByteString.copyFromUtf8("peer.service");

  private static final ByteString ZIPKIN_SHARED = ByteString.copyFromUtf8("zipkin.shared");

  private static boolean zipkinShared(List<KeyValue> attributes) {
    int count = attributes.size();
    for (int i = 0; i < count; i++) {
      KeyValue attribute = attributes.get(i);
      if (attribute.getKeyBytes().equals(ZIPKIN_SHARED)) {
        return attribute.getValue().getBoolValue();
      }
    }
    return false;
  }

  private static String peerService(List<KeyValue> attributes) {
    int count = attributes.size();
    for (int i = 0; i < count; i++) {
      KeyValue attribute = attributes.get(i);
      if (attribute.getKeyBytes().equals(PEER_SERVICE) && attribute.getValue().hasStringValue()) {
        String name = cleanName(attribute.getValue().getStringValue());
        return name.isEmpty() ? null : name;
      }
    }
    return null;
  }

  /**
   * The attribute sets of one call, serialized once each: the spans of a request repeat their
   * shared attributes, and the Zipkin receiver hands the very same attribute instances to each
   * span that repeats them, so a set is found by the identity of its attributes without being
   * serialized again, and the same bytes (whose hash protobuf keeps) go to the dictionary.
   */
  private static final class SharedSets {
    private final String tenant;
    private final java.util.Map<SharedAttributes, AttributeSet> serialized =
        new java.util.HashMap<>();

    SharedSets(String tenant) {
      this.tenant = tenant;
    }

    AttributeSet serialized(List<KeyValue> attributes, boolean[] shared) {
      SharedAttributes key = new SharedAttributes(attributes, shared);
      AttributeSet set = serialized.get(key);
      if (set == null) {
        set = serializeShared(attributes, shared, tenant);
        serialized.put(key, set);
      }
      return set;
    }
  }

  /** The shared attributes of a span, compared by the identity of the attribute messages. */
  private static final class SharedAttributes {
    private final KeyValue[] attributes;
    private final int hash;

    SharedAttributes(List<KeyValue> all, boolean[] shared) {
      int count = 0;
      for (boolean isShared : shared) {
        count += isShared ? 1 : 0;
      }
      attributes = new KeyValue[count];
      int hash = 1;
      for (int i = 0, n = 0; i < shared.length; i++) {
        if (shared[i]) {
          attributes[n++] = all.get(i);
          hash = 31 * hash + System.identityHashCode(all.get(i));
        }
      }
      this.hash = hash;
    }

    @Override
    public boolean equals(Object other) {
      if (!(other instanceof SharedAttributes that) || that.attributes.length != attributes.length) {
        return false;
      }
      for (int i = 0; i < attributes.length; i++) {
        if (attributes[i] != that.attributes[i]) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** The shared attributes as a Span message holding only them: the set's identity. */
  private static AttributeSet serializeShared(List<KeyValue> attributes, boolean[] shared,
      String tenant) {
    int size = 0;
    for (int i = 0; i < shared.length; i++) {
      if (shared[i]) {
        size += CodedOutputStream.computeMessageSize(Span.ATTRIBUTES_FIELD_NUMBER,
            attributes.get(i));
      }
    }
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      for (int i = 0; i < shared.length; i++) {
        if (shared[i]) {
          out.writeMessage(Span.ATTRIBUTES_FIELD_NUMBER, attributes.get(i));
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return new AttributeSet(bytes, tenant);
  }

  /** What the table can hold; also the pipeline's per-span check. */
  StorableSpanChecker checker() {
    return checker;
  }

  private static Long parentId(Span span) {
    ByteString bytes = span.getParentSpanId();
    if (bytes.isEmpty()) {
      return null;
    }
    long id = SpanIds.fromBytes(bytes);
    return id == 0 ? null : id; // some SDKs send eight zero bytes for "no parent"
  }

  static String serviceName(Resource resource) {
    for (KeyValue attribute : resource.getAttributesList()) {
      if (attribute.getKey().equals("service.name") && attribute.getValue().hasStringValue()) {
        String name = cleanName(attribute.getValue().getStringValue());
        return name.isEmpty() ? UNKNOWN_SERVICE : name;
      }
    }
    return UNKNOWN_SERVICE;
  }

  /** PostgreSQL text cannot hold NUL, and unique indexes cannot hold very long values. */
  static String cleanName(String name) {
    String clean = name.indexOf('\0') >= 0 ? name.replace('\0', '\uFFFD') : name;
    if (clean.length() > MAX_NAME_LENGTH) {
      int end = MAX_NAME_LENGTH;
      if (Character.isHighSurrogate(clean.charAt(end - 1))) {
        end--;
      }
      clean = clean.substring(0, end);
    }
    return clean;
  }

  private static SpanSource source(ResourceSpans resourceSpans, ScopeSpans scopeSpans,
      ServiceName service) {
    byte[] encoded = ResourceSpans.newBuilder()
        .setResource(resourceSpans.getResource())
        .setSchemaUrl(resourceSpans.getSchemaUrl())
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(scopeSpans.getScope())
            .setSchemaUrl(scopeSpans.getSchemaUrl()))
        .build()
        .toByteArray();
    return new SpanSource(digest(encoded, service.tenant()), encoded, service);
  }

  /** The default tenant's digests are those of the sources alone, as before tenants. */
  static ByteString digest(byte[] encoded, String tenant) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(encoded);
      if (!tenant.isEmpty()) {
        sha256.update((byte) 0);
        sha256.update(tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      byte[] sha = sha256.digest();
      return ByteString.copyFrom(sha, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
