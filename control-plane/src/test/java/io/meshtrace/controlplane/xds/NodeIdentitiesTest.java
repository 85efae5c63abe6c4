package io.meshtrace.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeIdentitiesTest {
  static final NodeIdentities IDENTITIES = NodeIdentities.parse(
      " edge-gateway=spiffe://cluster.local/ns/*/sa/edge-gateway, edge-gateway=gw-*.example.com,"
          + "billing=spiffe://cluster.local/ns/billing/sa/api");

  @Test
  void aStarStandsForOnePathSegmentAndTheWholeIdentityMustMatch() {
    assertThat(IDENTITIES.clusters()).containsExactlyInAnyOrder("edge-gateway", "billing");
    assertThat(IDENTITIES.allows("edge-gateway",
        List.of("spiffe://cluster.local/ns/istio-system/sa/edge-gateway"))).isTrue();
    assertThat(IDENTITIES.allows("edge-gateway", List.of("gw-1.example.com"))).isTrue();
    // Any of the certificate's names will do.
    assertThat(IDENTITIES.allows("edge-gateway", List.of("other.example.com",
        "spiffe://cluster.local/ns/a/sa/edge-gateway"))).isTrue();
    assertThat(IDENTITIES.allows("edge-gateway",
        List.of("spiffe://cluster.local/ns/a/b/sa/edge-gateway"))).isFalse();
    assertThat(IDENTITIES.allows("edge-gateway",
        List.of("spiffe://cluster.local/ns/a/sa/edge-gateway-2"))).isFalse();
    assertThat(IDENTITIES.allows("edge-gateway",
        List.of("spiffe://cluster.local/ns/billing/sa/api"))).isFalse();
    assertThat(IDENTITIES.allows("billing", List.of("spiffe://cluster.local/ns/billing/sa/api")))
        .isTrue();
    assertThat(IDENTITIES.allows("unknown", List.of("gw-1.example.com"))).isFalse();
    assertThat(IDENTITIES.allows("edge-gateway", List.of())).isFalse();
    // Regex characters are plain characters.
    assertThat(NodeIdentities.parse("c=a.b").allows("c", List.of("axb"))).isFalse();
  }

  @Test
  void entriesThatAreNotClusterEqualsIdentityOrAllowAnyoneAreRefused() {
    assertThatThrownBy(() -> NodeIdentities.parse("edge-gateway"))
        .hasMessageStartingWith("'edge-gateway' is not CLUSTER=IDENTITY");
    assertThatThrownBy(() -> NodeIdentities.parse("=spiffe://x"))
        .hasMessageStartingWith("'=spiffe://x' is not CLUSTER=IDENTITY");
    assertThatThrownBy(() -> NodeIdentities.parse("edge-gateway=*"))
        .hasMessageContaining("would let any certificate");
    assertThatThrownBy(() -> NodeIdentities.parse(" , ")).hasMessage("names no CLUSTER=IDENTITY");
  }
}
