package io.meshtrace.collector.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * charts/meshtrace through real Helm (helm-java: Helm's Go code as a native library), as
 * {@code helm lint} and {@code helm template} run it, with the release name and namespace the
 * documentation uses.
 */
final class HelmChart {
  /** The module's directory is the working directory of its tests. */
  static final Path CHART = Path.of("../charts/meshtrace");
  static final Path CI_VALUES = CHART.resolve("ci");
  static final String RELEASE = "meshtrace";
  static final String NAMESPACE = "observability";
  /** A Kubernetes the chart supports (helm template assumes 1.20 without a cluster). */
  static final String KUBE_VERSION = "1.30.0";

  private HelmChart() {}

  /** The documented values files, ci/*-values.yaml, by file name. */
  static List<Path> valuesFiles() {
    try (Stream<Path> files = Files.list(CI_VALUES)) {
      return files.filter(f -> f.getFileName().toString().endsWith("-values.yaml")).sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code helm lint --strict -f VALUES}: helm-java's lint takes no values files, so the chart is
   * copied with VALUES coalesced into its values.yaml as Helm coalesces them (maps merged key by
   * key, anything else replaced), and the copy is linted (templates and values.schema.json).
   */
  static LintResult lint(Path valuesFile, Path scratch) throws IOException {
    Path copy = scratch.resolve("meshtrace");
    copyTree(CHART, copy);
    Map<String, Object> values = coalesce(load(CHART.resolve("values.yaml")), load(valuesFile));
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    Files.writeString(copy.resolve("values.yaml"), new Yaml(options).dump(values));
    return new Helm(copy).lint().strict().call();
  }

  /** {@code helm template meshtrace charts/meshtrace -n observability -f VALUES [--set-file]}. */
  static String template(Path valuesFile, Map<String, Path> setFiles) {
    TemplateCommand template = new Helm(CHART).template().withName(RELEASE)
        .withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    setFiles.forEach(template::setFile);
    return template.call();
  }

  /** Like {@link #template(Path, Map)} with {@code --set KEY=VALUE} pairs too. */
  static String template(Path valuesFile, Map<String, Path> setFiles, Map<String, String> sets) {
    TemplateCommand template = new Helm(CHART).template().withName(RELEASE)
        .withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    setFiles.forEach(template::setFile);
    sets.forEach(template::set);
    return template.call();
  }

  /** Every document of rendered manifests, by "Kind name". */
  static Map<String, Map<String, Object>> resources(String rendered) {
    Map<String, Map<String, Object>> resources = new LinkedHashMap<>();
    for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(rendered)) {
      if (document == null) {
        continue;
      }
      Map<String, Object> resource = Manifests.map(document);
      String key = resource.get("kind") + " " + Manifests.map(resource.get("metadata")).get("name");
      if (resources.put(key, resource) != null) {
        throw new AssertionError(key + " rendered twice");
      }
    }
    return resources;
  }

  static Map<String, Object> load(Path file) throws IOException {
    Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    return loaded == null ? new LinkedHashMap<>() : Manifests.map(loaded);
  }

  /** Helm's coalescing of a values file over the chart's defaults. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> coalesce(Map<String, Object> defaults, Map<String, Object> over) {
    Map<String, Object> result = new LinkedHashMap<>(defaults);
    over.forEach((key, value) -> {
      Object base = result.get(key);
      result.put(key, base instanceof Map && value instanceof Map
          ? coalesce((Map<String, Object>) base, (Map<String, Object>) value) : value);
    });
    return result;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(from)) {
      paths = new ArrayList<>(walk.toList());
    }
    for (Path path : paths) {
      Path target = to.resolve(from.relativize(path).toString());
      if (Files.isDirectory(path)) {
        Files.createDirectories(target);
      } else {
        Files.copy(path, target);
      }
    }
  }
}
