package io.meshtrace.examples.services;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts the sampling decision on the span that made it as {@code sampler.type} and
 * {@code sampler.param}, the tags Jaeger's clients set and meshtrace reads: its ingest counts
 * root spans per strategy for adaptive sampling, its UI shows them. OpenTelemetry's
 * {@code JaegerRemoteSampler} sets them only when it rate-limits.
 *
 * <h2>Where the strategy in force comes from</h2>
 * The remote sampler is a final class that keeps the strategy it last fetched private. Its only
 * public view of it is {@link Sampler#getDescription()}, which prints the sampler it built from
 * the strategy: {@code ParentBased{root:TraceIdRatioBased{0.500000},...}},
 * {@code ParentBased{root:PerOperationSampler{default=TraceIdRatioBased{0.001000},
 * perOperation={GET /a=TraceIdRatioBased{1.000000}}},...}} or
 * {@code ParentBased{root:RateLimitingSampler{3.00},...}}. Reading that description is the
 * robust choice among those there are:
 * <ul>
 *   <li>it is the sampler that made this very decision, read in the same call, so the tags can
 *       never describe a strategy other than the one that sampled the span (a second poller of
 *       meshtrace's :5778 would disagree for up to a polling interval after every change);
 *   <li>reflection on the private field would break silently with any SDK release, the
 *       description is the SDK's own {@code toString} contract, covered by its tests;
 *   <li>it is parsed once per distinct description (the text changes exactly when the strategy
 *       does), and per operation once, so a decision costs a map lookup.
 * </ul>
 * If the text is not understood (a future SDK that prints it differently) no tags are added and
 * a warning is logged once: no tags is better than wrong ones. The description has six decimals,
 * so a probability is exact to 10<sup>-6</sup>. A rate-limited decision already carries the two
 * tags from the SDK and is passed through unchanged.
 *
 * <p>Use it as the root sampler under {@link Sampler#parentBased}, so that only the spans that
 * decide (trace roots) are looked at and children follow their parent's decision.
 */
public final class SamplerDecisionTags implements Sampler {
  static final AttributeKey<String> SAMPLER_TYPE = AttributeKey.stringKey("sampler.type");
  static final AttributeKey<Double> SAMPLER_PARAM = AttributeKey.doubleKey("sampler.param");
  private static final Logger LOG = Logger.getLogger(SamplerDecisionTags.class.getName());

  /** What the root sampler decided with: a Jaeger sampler type and its parameter. */
  public record Strategy(String type, double param) {}

  private static final Pattern ROOT = Pattern.compile("root:([A-Za-z]+)\\{");
  private static final Pattern RATIO = Pattern.compile("TraceIdRatioBased\\{([0-9.]+)\\}");
  private static final Pattern PER_OPERATION_DEFAULT =
      Pattern.compile("^PerOperationSampler\\{default=TraceIdRatioBased\\{([0-9.]+)\\}");

  private final Sampler delegate;
  private volatile Parsed parsed = new Parsed("", null, new ConcurrentHashMap<>());
  private volatile boolean warned;

  /** One description: its root sampler's text, and the strategies per operation, found lazily. */
  private record Parsed(String description, String root,
      Map<String, Optional<Strategy>> byOperation) {}

  public SamplerDecisionTags(Sampler delegate) {
    this.delegate = delegate;
  }

  @Override
  public SamplingResult shouldSample(Context parentContext, String traceId, String name,
      SpanKind spanKind, Attributes attributes, List<LinkData> parentLinks) {
    SamplingResult result = delegate.shouldSample(parentContext, traceId, name, spanKind,
        attributes, parentLinks);
    if (result.getDecision() != SamplingDecision.RECORD_AND_SAMPLE
        || result.getAttributes().get(SAMPLER_TYPE) != null) {
      return result;
    }
    Optional<Strategy> strategy = inForce(name);
    if (strategy.isEmpty()) {
      return result;
    }
    Attributes tagged = result.getAttributes().toBuilder()
        .put(SAMPLER_TYPE, strategy.get().type())
        .put(SAMPLER_PARAM, strategy.get().param())
        .build();
    return new SamplingResult() {
      @Override
      public SamplingDecision getDecision() {
        return result.getDecision();
      }

      @Override
      public Attributes getAttributes() {
        return tagged;
      }

      @Override
      public TraceState getUpdatedTraceState(TraceState parentTraceState) {
        return result.getUpdatedTraceState(parentTraceState);
      }
    };
  }

  /** The strategy a root span of this operation is sampled with now, if it can be told. */
  public Optional<Strategy> inForce(String operation) {
    String description = delegate.getDescription();
    Parsed current = parsed;
    if (!current.description().equals(description)) {
      current = new Parsed(description, rootOf(description), new ConcurrentHashMap<>());
      parsed = current;
    }
    Parsed of = current;
    return of.byOperation().computeIfAbsent(operation, op -> strategyOf(of, op));
  }

  private Optional<Strategy> strategyOf(Parsed of, String operation) {
    Optional<Strategy> strategy = of.root() == null ? Optional.empty()
        : parse(of.root(), operation);
    if (strategy.isEmpty() && !warned) {
      warned = true;
      LOG.warning("cannot tell the sampling strategy from the sampler's description, spans go "
          + "without sampler.type/sampler.param: " + of.description());
    }
    return strategy;
  }

  /** The text after {@code root:} of the innermost parent-based sampler, or null. */
  private static String rootOf(String description) {
    Matcher m = ROOT.matcher(description);
    String root = null;
    int from = 0;
    while (m.find(from)) { // JaegerRemoteSampler{sampler=ParentBased{root:X{...
      root = description.substring(m.start(1));
      from = m.start(1);
      if (!m.group(1).equals("ParentBased")) {
        break;
      }
    }
    return root;
  }

  static Optional<Strategy> parse(String root, String operation) {
    if (root.startsWith("TraceIdRatioBased{")) {
      Matcher m = RATIO.matcher(root);
      return m.lookingAt() ? probabilistic(m.group(1)) : Optional.empty();
    }
    if (root.startsWith("AlwaysOnSampler")) {
      return Optional.of(new Strategy("const", 1));
    }
    Matcher perOperationDefault = PER_OPERATION_DEFAULT.matcher(root);
    if (perOperationDefault.find()) {
      Matcher op = Pattern.compile("[{ ]" + Pattern.quote(operation)
          + "=TraceIdRatioBased\\{([0-9.]+)\\}").matcher(root);
      return op.find(perOperationDefault.end()) ? probabilistic(op.group(1))
          : probabilistic(perOperationDefault.group(1));
    }
    return Optional.empty();
  }

  private static Optional<Strategy> probabilistic(String text) {
    return Optional.of(new Strategy("probabilistic", Double.parseDouble(text)));
  }

  @Override
  public String getDescription() {
    return "SamplerDecisionTags{" + delegate.getDescription() + "}";
  }

  @Override
  public String toString() {
    return getDescription();
  }
}
