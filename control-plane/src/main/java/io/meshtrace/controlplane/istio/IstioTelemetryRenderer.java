package io.meshtrace.controlplane.istio;

import io.meshtrace.controlplane.sampling.OperationSamplingStrategy;
import io.meshtrace.controlplane.sampling.SamplerType;
import io.meshtrace.controlplane.sampling.SamplingStrategiesDocument;
import io.meshtrace.controlplane.sampling.SamplingStrategy;
import io.meshtrace.controlplane.sampling.ServiceSamplingStrategy;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns a strategies document in Jaeger's format into Istio {@code Telemetry} resources that set
 * {@code randomSamplingPercentage}, so that the sidecars start traces at the rates the SDKs are
 * served.
 *
 * <p>The mapping follows how Istio names a workload in its spans: the Zipkin service name of a
 * sidecar is its node's cluster, which by default ({@code tracingServiceName:
 * APP_LABEL_AND_NAMESPACE}, pilot's {@code serviceClusterOrDefault}) is {@code <app label>.<namespace>}.
 *
 * <ul>
 *   <li>{@code default_strategy} (or, without one, the default sampling probability every other
 *       service is served): a selector-less Telemetry named {@value #MESH_DEFAULT_NAME} in the
 *       root namespace, which Istio applies to the whole mesh.
 *   <li>A service {@code reviews.bookinfo}: {@code meshtrace-sampling-reviews} in namespace
 *       {@code bookinfo} selecting {@code app: reviews}. The namespace is what follows the last
 *       dot, since a namespace cannot contain one and an app label can.
 *   <li>A service without a dot: the same in the default namespace.
 *   <li>A probability p: percentage 100·p, rounded to Envoy's 0.01 steps (Envoy turns the
 *       percentage into a count out of 10,000); a non-zero probability never becomes 0; where
 *       Envoy's floating-point truncation would lose a step, 0.001 more (see
 *       {@link Percentage}).
 * </ul>
 *
 * <p>What a Telemetry resource cannot say is never dropped silently: every operation strategy
 * (Telemetry has one percentage per workload, so the operation gets its workload's), every rate
 * limit (no rate in Telemetry: not rendered, unless a fallback percentage is given), every
 * service name that is not a workload Istio could name, and every rounding gets a warning and a
 * YAML comment in the output.
 */
public final class IstioTelemetryRenderer {
  public static final String API_VERSION = "telemetry.istio.io/v1";
  /**
   * The mesh-wide resource's name: the one {@code istio/telemetry-mesh-default.yaml} installs.
   * Istio allows one selector-less Telemetry per namespace, so the rendered one must replace it,
   * not sit beside it.
   */
  public static final String MESH_DEFAULT_NAME = "mesh-default";
  public static final String NAME_PREFIX = "meshtrace-sampling-";
  /** The Zipkin extension provider of {@code istio/istio-operator.yaml}. */
  public static final String DEFAULT_PROVIDER = "meshtrace-zipkin";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern LABEL_KEY = Pattern.compile(
      "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
          + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
  private static final BigDecimal SMALLEST = new BigDecimal("0.01");

  private IstioTelemetryRenderer() {}

  /**
   * @param provider the tracing extension provider every resource names
   * @param defaultNamespace the namespace of services whose name has no dot
   * @param rootNamespace Istio's root namespace, where a selector-less resource is mesh-wide
   * @param appLabel the workload label the service name's first part is matched against
   * @param defaultProbability what the server serves entries without a type, and every service
   *     when there is no {@code default_strategy}: its {@code --sampling-default-probability}
   * @param rateLimitAsPercentage the percentage rendered for a rate-limiting strategy; null to
   *     render none
   */
  public record Options(String provider, String defaultNamespace, String rootNamespace,
      String appLabel, double defaultProbability, BigDecimal rateLimitAsPercentage) {
    /** @throws IllegalArgumentException naming the option that is invalid */
    public Options {
      if (provider == null || provider.isBlank()) {
        throw new IllegalArgumentException("provider must be the name of a tracing extension "
            + "provider of the mesh config, not empty");
      }
      namespace("namespace", defaultNamespace);
      namespace("root-namespace", rootNamespace);
      if (appLabel == null || !LABEL_KEY.matcher(appLabel).matches()) {
        throw new IllegalArgumentException("app-label '" + appLabel
            + "' is not a Kubernetes label key");
      }
      if (!(defaultProbability >= 0 && defaultProbability <= 1)) {
        throw new IllegalArgumentException("sampling-default-probability "
            + number(defaultProbability) + " is outside [0,1]");
      }
      if (rateLimitAsPercentage != null && (rateLimitAsPercentage.signum() < 0
          || rateLimitAsPercentage.compareTo(HUNDRED) > 0)) {
        throw new IllegalArgumentException("rate-limit-as-percentage "
            + rateLimitAsPercentage.toPlainString() + " is outside [0,100]");
      }
    }

    /** The defaults: the Zipkin provider, namespace {@code default}, root {@code istio-system}. */
    public static Options defaults() {
      return new Options(DEFAULT_PROVIDER, "default", "istio-system", "app", 0.001, null);
    }

    private static void namespace(String option, String value) {
      if (value == null || !DNS_LABEL.matcher(value).matches()) {
        throw new IllegalArgumentException(option + " '" + value + "' is not a Kubernetes "
            + "namespace name (lower-case letters, digits and '-', at most 63)");
      }
    }
  }

  /**
   * @param resources in the order written: the mesh-wide one first, then by namespace and name
   * @param notRendered the strategies that got no resource, and why
   * @param warnings one per thing Telemetry cannot say as written, for the operator to read
   * @param yaml the multi-document YAML of {@code resources}, with a header and comments
   */
  public record Rendered(List<TelemetryResource> resources, List<String> notRendered,
      List<String> warnings, String yaml) {}

  /**
   * @param source where the document came from, for the header (a file name)
   * @throws IstioRenderException when two strategies would become the same resource
   */
  public static Rendered render(SamplingStrategiesDocument document, Options options,
      String source) throws IstioRenderException {
    Render render = new Render(options);
    render.meshDefault(document.defaultStrategy());
    List<ServiceSamplingStrategy> services = document.serviceStrategies();
    for (int i = 0; i < services.size(); i++) {
      render.service(services.get(i), "service_strategies[" + i + "]");
    }
    if (!render.collisions.isEmpty()) {
      throw new IstioRenderException(render.collisions);
    }
    List<TelemetryResource> resources = new ArrayList<>(render.resources);
    resources.sort(Comparator
        .comparing((TelemetryResource r) -> !(r.namespace().equals(options.rootNamespace())
            && r.matchLabels().isEmpty()))
        .thenComparing(TelemetryResource::namespace)
        .thenComparing(TelemetryResource::name));
    String yaml = TelemetryYaml.write(header(source, options, render.notRendered), resources);
    return new Rendered(List.copyOf(resources), List.copyOf(render.notRendered),
        List.copyOf(render.warnings), yaml);
  }

  private static List<String> header(String source, Options options, List<String> notRendered) {
    List<String> lines = new ArrayList<>();
    lines.add("Istio Telemetry resources rendered by `meshtrace istio render` from " + source
        + ".");
    lines.add("Change the strategies and render again rather than editing these.");
    lines.add("randomSamplingPercentage applies to the traces a workload starts: a request that");
    lines.add("arrives with a sampling decision (x-b3-sampled, traceparent) keeps it.");
    lines.add("A service \"<app>.<namespace>\" is the workload labelled " + options.appLabel()
        + ": <app> in <namespace>, as Istio names");
    lines.add("it in spans; a service without a dot is in namespace " + options.defaultNamespace()
        + ". Provider: " + options.provider() + ".");
    if (!notRendered.isEmpty()) {
      lines.add("Not rendered:");
      notRendered.forEach(line -> lines.add("- " + line));
    }
    return lines;
  }

  /** The state of one rendering. */
  private static final class Render {
    private final Options options;
    private final List<TelemetryResource> resources = new ArrayList<>();
    private final List<String> notRendered = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<String> collisions = new ArrayList<>();
    private final Map<String, String> renderedFrom = new HashMap<>();

    Render(Options options) {
      this.options = options;
    }

    void meshDefault(ServiceSamplingStrategy defaults) {
      List<String> comments = new ArrayList<>();
      String path = "default_strategy";
      SamplingStrategy strategy = defaults == null ? null : defaults.strategy();
      if (defaults == null) {
        comments.add("No default_strategy: every service without a strategy of its own is "
            + "served the default");
        comments.add("sampling probability " + number(options.defaultProbability())
            + " (--sampling-default-probability).");
      } else {
        comments.add("From default_strategy: " + describe(strategy) + ".");
      }
      BigDecimal percentage = percentageFor(strategy, path, comments,
          "the mesh-wide Telemetry already applied stays as it is (without one, Istio "
              + "samples 1%)");
      if (defaults != null) {
        operations(defaults, path, comments);
      }
      if (percentage != null) {
        add(new TelemetryResource(options.rootNamespace(), MESH_DEFAULT_NAME, Map.of(),
            options.provider(), percentage, comments), path);
      }
    }

    void service(ServiceSamplingStrategy entry, String path) {
      String service = entry.service();
      String where = path + " " + quote(service);
      int dot = service.lastIndexOf('.');
      String app = dot < 0 ? service : service.substring(0, dot);
      String namespace = dot < 0 ? options.defaultNamespace() : service.substring(dot + 1);
      List<String> comments = new ArrayList<>();
      comments.add("From " + where + ": " + describe(entry.strategy()) + ".");
      if (!LABEL_VALUE.matcher(app).matches() || !DNS_LABEL.matcher(namespace).matches()) {
        String why = !LABEL_VALUE.matcher(app).matches()
            ? quote(app) + " is not a Kubernetes label value, so no workload has it as its "
                + options.appLabel() + " label"
            : quote(namespace) + " after the last dot is not a namespace name";
        notRendered.add(where + ": " + why + ".");
        warnings.add(where + ": not rendered: " + why);
        operations(entry, path, comments);
        return;
      }
      BigDecimal percentage = percentageFor(entry.strategy(), where, comments,
          "its workloads keep the percentage of their namespace or the mesh");
      operations(entry, path, comments);
      if (percentage != null) {
        String name = NAME_PREFIX + app.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        add(new TelemetryResource(namespace, name, Map.of(options.appLabel(), app),
            options.provider(), percentage, comments), where);
      }
    }

    /** The percentage a strategy renders as, or null when it renders as none. */
    private BigDecimal percentageFor(SamplingStrategy strategy, String where,
        List<String> comments, String withoutResource) {
      if (strategy == null) {
        return rounded(options.defaultProbability(), where, comments);
      }
      if (strategy.type() == SamplerType.PROBABILISTIC) {
        return rounded(strategy.param(), where, comments);
      }
      String limit = "ratelimiting " + number(strategy.param()) + " traces/s";
      if (options.rateLimitAsPercentage() == null) {
        String why = limit + " has no Telemetry equivalent (a percentage, not a rate); "
            + withoutResource + " (--rate-limit-as-percentage renders one)";
        notRendered.add(where + ": " + why + ".");
        warnings.add(where + ": not rendered: " + why);
        return null;
      }
      Percentage percentage = percentage(options.rateLimitAsPercentage());
      String applied = percentage.applied().toPlainString();
      comments.add(limit + " cannot be a Telemetry percentage: rendered as " + applied
          + "% (--rate-limit-as-percentage).");
      warnings.add(where + ": " + limit + " rendered as " + applied
          + "% (--rate-limit-as-percentage): Telemetry has no rate limit");
      return written(percentage, comments);
    }

    /** 100·p in Envoy's 0.01 steps, noting any rounding. */
    private BigDecimal rounded(double probability, String where, List<String> comments) {
      Percentage percentage = percentage(probability);
      if (percentage.rounded()) {
        String note = "probability " + number(probability) + " is "
            + plain(BigDecimal.valueOf(probability).multiply(HUNDRED)).toPlainString()
            + "%, but Envoy samples in steps of 0.01%: rendered as "
            + percentage.applied().toPlainString() + "%";
        comments.add(note + ".");
        warnings.add(where + ": " + note);
      }
      return written(percentage, comments);
    }

    private BigDecimal written(Percentage percentage, List<String> comments) {
      if (percentage.written().compareTo(percentage.applied()) != 0) {
        comments.add("Written " + percentage.written().toPlainString() + " for "
            + percentage.applied().toPlainString() + "%: Envoy truncates 10000 * (percentage / "
            + "100) computed in floating point, which for " + percentage.applied().toPlainString()
            + " gives one step less.");
      }
      return percentage.written();
    }

    private void operations(ServiceSamplingStrategy entry, String path, List<String> comments) {
      List<OperationSamplingStrategy> operations = entry.operationStrategies();
      for (int i = 0; i < operations.size(); i++) {
        OperationSamplingStrategy operation = operations.get(i);
        String text = "operation " + quote(operation.operation()) + " ("
            + describe(operation.strategy()) + ")";
        comments.add("Not applied: " + text + "; Telemetry has one percentage per workload.");
        warnings.add(path + ".operation_strategies[" + i + "]: " + text + " not rendered: "
            + "Telemetry has one percentage per workload, so the operation gets its workload's");
      }
    }

    private void add(TelemetryResource resource, String from) {
      String key = resource.namespace() + "/" + resource.name();
      String earlier = renderedFrom.putIfAbsent(key, from);
      if (earlier != null) {
        collisions.add(from + " and " + earlier + " both render as Telemetry " + key
            + "; give one of them its namespace (\"<app>.<namespace>\") or remove one");
        return;
      }
      resources.add(resource);
    }

    private String describe(SamplingStrategy strategy) {
      if (strategy == null) {
        return "no type, so the default sampling probability "
            + number(options.defaultProbability());
      }
      return strategy.type() == SamplerType.PROBABILISTIC
          ? "probabilistic " + number(strategy.param())
          : "ratelimiting " + number(strategy.param()) + " traces/s";
    }
  }

  /**
   * A probability as a {@code randomSamplingPercentage}.
   *
   * @param applied the percentage Envoy samples at: 100·p rounded half up to Envoy's 0.01 steps
   *     (it keeps the percentage as a count out of 10,000), and never 0 for a p above 0
   * @param written what to write so that Envoy applies {@code applied}: Envoy computes the
   *     count as {@code (uint64) (10000 * (percentage / 100.0))} in doubles (protobuf utility
   *     {@code convertPercent}), which truncates 0.03 to 2 and 0.29 to 28 (1271 of the 10,001
   *     steps); those get 0.001 more, which truncates to the intended step
   * @param rounded whether {@code applied} differs from 100·p
   */
  record Percentage(BigDecimal applied, BigDecimal written, boolean rounded) {}

  static Percentage percentage(double probability) {
    return percentage(BigDecimal.valueOf(probability).multiply(HUNDRED));
  }

  static Percentage percentage(BigDecimal exact) {
    BigDecimal applied = exact.setScale(2, RoundingMode.HALF_UP);
    if (applied.signum() == 0 && exact.signum() > 0) {
      applied = SMALLEST;
    }
    BigDecimal written = applied;
    if (envoySteps(applied.doubleValue()) < applied.movePointRight(2).longValueExact()) {
      written = applied.add(new BigDecimal("0.001"));
    }
    return new Percentage(plain(applied), plain(written), exact.compareTo(applied) != 0);
  }

  /** What Envoy makes of a percentage: a count out of 10,000, as its C++ computes it. */
  static long envoySteps(double percentage) {
    return (long) (10000 * (percentage / 100.0));
  }

  private static BigDecimal plain(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
  }

  /** 0.25 as "0.25", 1.0 as "1", 1e-5 as "0.00001": as people write them. */
  static String number(double value) {
    return plain(BigDecimal.valueOf(value)).toPlainString();
  }

  /** A name in double quotes, with what would break a line or a comment escaped. */
  static String quote(String text) {
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        quoted.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == 0x85) {
        quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }
}
