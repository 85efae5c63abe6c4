package io.meshtrace.controlplane.xds;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which client certificates may speak for which Envoy node cluster: written
 * {@code CLUSTER=IDENTITY,CLUSTER=IDENTITY,...} ({@code --xds-node-identities}), a cluster
 * repeated for several identities. An identity is matched against the URI and DNS subject
 * alternative names of the node's certificate ({@code
 * spiffe://cluster.local/ns/istio-system/sa/edge-gateway}, {@code gw-1.edge.example.com}), whole
 * and case-sensitively; {@code *} stands for any characters but {@code /}, so that
 * spiffe://cluster.local/ns/&#42;/sa/edge-gateway allows that service account in every
 * namespace, and no deeper path.
 */
public final class NodeIdentities {
  private final Map<String, List<Pattern>> byCluster;
  private final String text;

  private NodeIdentities(Map<String, List<Pattern>> byCluster, String text) {
    this.byCluster = byCluster;
    this.text = text;
  }

  /**
   * @throws IllegalArgumentException saying what is wrong with the text (the caller names the
   *     setting)
   */
  public static NodeIdentities parse(String text) {
    Map<String, List<Pattern>> byCluster = new LinkedHashMap<>();
    for (String entry : text.split(",")) {
      String trimmed = entry.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int equals = trimmed.indexOf('=');
      String cluster = equals < 0 ? "" : trimmed.substring(0, equals).trim();
      String identity = equals < 0 ? "" : trimmed.substring(equals + 1).trim();
      if (cluster.isEmpty() || identity.isEmpty()) {
        throw new IllegalArgumentException("'" + trimmed + "' is not CLUSTER=IDENTITY, for "
            + "example edge-gateway=spiffe://cluster.local/ns/istio-system/sa/edge-gateway");
      }
      if (identity.equals("*")) {
        throw new IllegalArgumentException("'" + trimmed + "' would let any certificate of the "
            + "CA speak for cluster " + cluster + "; name the identities");
      }
      byCluster.computeIfAbsent(cluster, c -> new ArrayList<>()).add(glob(identity));
    }
    if (byCluster.isEmpty()) {
      throw new IllegalArgumentException("names no CLUSTER=IDENTITY");
    }
    byCluster.replaceAll((cluster, patterns) -> List.copyOf(patterns));
    return new NodeIdentities(Map.copyOf(byCluster), text.trim());
  }

  /** The clusters some identity may speak for. */
  public Set<String> clusters() {
    return byCluster.keySet();
  }

  /** Whether a certificate with these identities (its URI and DNS SANs) may claim the cluster. */
  public boolean allows(String cluster, Collection<String> identities) {
    List<Pattern> patterns = byCluster.get(cluster);
    if (patterns == null) {
      return false;
    }
    for (String identity : identities) {
      for (Pattern pattern : patterns) {
        if (pattern.matcher(identity).matches()) {
          return true;
        }
      }
    }
    return false;
  }

  private static Pattern glob(String identity) {
    StringBuilder regex = new StringBuilder();
    int start = 0;
    for (int star = identity.indexOf('*'); star >= 0; star = identity.indexOf('*', start)) {
      regex.append(Pattern.quote(identity.substring(start, star))).append("[^/]*");
      start = star + 1;
    }
    regex.append(Pattern.quote(identity.substring(start)));
    return Pattern.compile(regex.toString());
  }

  @Override
  public String toString() {
    return text;
  }
}
