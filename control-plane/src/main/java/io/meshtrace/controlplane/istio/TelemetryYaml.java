package io.meshtrace.controlplane.istio;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Writes {@link TelemetryResource}s as one multi-document YAML stream, the shape {@code kubectl
 * apply -f} takes. Written by hand rather than with a YAML library so that the comments sit
 * where they explain something and the text is the same on every run.
 */
final class TelemetryYaml {
  /** Scalars that YAML 1.1 (what kubectl's parser follows) reads as something else. */
  private static final Set<String> RESERVED = Set.of("y", "n", "yes", "no", "true", "false",
      "on", "off", "null", "~");
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z][-A-Za-z0-9_./]*");

  private TelemetryYaml() {}

  static String write(List<String> header, List<TelemetryResource> resources) {
    StringBuilder yaml = new StringBuilder();
    header.forEach(line -> comment(yaml, line));
    for (TelemetryResource resource : resources) {
      yaml.append("---\n");
      resource.comments().forEach(line -> comment(yaml, line));
      yaml.append("apiVersion: ").append(IstioTelemetryRenderer.API_VERSION).append('\n');
      yaml.append("kind: Telemetry\n");
      yaml.append("metadata:\n");
      yaml.append("  name: ").append(scalar(resource.name())).append('\n');
      yaml.append("  namespace: ").append(scalar(resource.namespace())).append('\n');
      yaml.append("  labels:\n");
      yaml.append("    ").append(IstioTelemetryRenderer.MANAGED_BY_LABEL).append(": meshtrace\n");
      yaml.append("spec:\n");
      if (!resource.matchLabels().isEmpty()) {
        yaml.append("  selector:\n");
        yaml.append("    matchLabels:\n");
        for (Map.Entry<String, String> label : new TreeMap<>(resource.matchLabels()).entrySet()) {
          yaml.append("      ").append(scalar(label.getKey())).append(": ")
              .append(scalar(label.getValue())).append('\n');
        }
      }
      yaml.append("  tracing:\n");
      yaml.append("  - providers:\n");
      yaml.append("    - name: ").append(scalar(resource.provider())).append('\n');
      yaml.append("    randomSamplingPercentage: ")
          .append(resource.percentage().toPlainString()).append('\n');
    }
    return yaml.toString();
  }

  private static void comment(StringBuilder yaml, String line) {
    yaml.append("# ").append(line.replaceAll("[\\p{Cntrl}\u2028\u2029]", " ")).append('\n');
  }

  /** A plain scalar when YAML reads it back as the same string, else a double-quoted one. */
  static String scalar(String value) {
    if (PLAIN.matcher(value).matches() && !RESERVED.contains(value.toLowerCase(Locale.ROOT))) {
      return value;
    }
    return IstioTelemetryRenderer.quote(value);
  }
}
