package io.meshtrace.collector.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The plain manifests kept for kubectl users are the chart's output, not a second copy: each is
 * what {@code helm template meshtrace charts/meshtrace -n observability -f VALUES} renders from
 * its checked-in values file. A difference fails here; {@code charts/render-manifests.sh} (this
 * test with -Dmeshtrace.writeManifests=true) writes them again.
 */
class GeneratedManifestsTest {
  /** Each generated file, with the values file it is rendered from. */
  static final Map<Path, Path> GENERATED = Map.of(
      Path.of("../istio/kubernetes/30-meshtrace.yaml"),
      HelmChart.CI_VALUES.resolve("istio-values.yaml"),
      Path.of("../examples/kubernetes/split/20-meshtrace.yaml"),
      HelmChart.CI_VALUES.resolve("split-kafka-values.yaml"));

  static String rendered(Path valuesFile) {
    return "# Generated from charts/meshtrace with charts/meshtrace/" + HelmChart.CHART
        .relativize(valuesFile) + " (helm template " + HelmChart.RELEASE + " charts/meshtrace -n "
        + HelmChart.NAMESPACE + " -f ...):\n# change the chart or that file and run"
        + " charts/render-manifests.sh, not this file.\n"
        + HelmChart.template(valuesFile, Map.of());
  }

  @Test
  void theCheckedInManifestsAreWhatTheChartRenders() throws Exception {
    boolean write = Boolean.getBoolean("meshtrace.writeManifests");
    for (Map.Entry<Path, Path> generated : GENERATED.entrySet()) {
      String expected = rendered(generated.getValue());
      if (write) {
        Files.writeString(generated.getKey(), expected);
      }
      assertThat(generated.getKey()).exists();
      assertThat(Files.readString(generated.getKey()))
          .as("%s differs from the chart's rendering: run charts/render-manifests.sh",
              generated.getKey())
          .isEqualTo(expected);
    }
  }
}
