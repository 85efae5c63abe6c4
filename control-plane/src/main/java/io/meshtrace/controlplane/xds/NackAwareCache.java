package io.meshtrace.controlplane.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The cache, with two corrections to what envoy-control-plane asks it.
 *
 * <ul>
 *   <li>A NACK waits for the next version instead of being answered at once with the version
 *       it rejected. envoy-control-plane compares the request's {@code version_info} (after a
 *       NACK: the last version the Envoy accepted) with the snapshot's and would resend the
 *       rejected resources straight away, again and again; with the rejected version in its
 *       place the watch stays open until a new snapshot is set.
 *   <li>A request without a node (Envoy's {@code set_node_on_first_message_only}, which
 *       Istio's bootstraps set) is given its stream's, since the cache picks the snapshot by
 *       the request's node and would otherwise never answer.
 * </ul>
 */
final class NackAwareCache implements ConfigWatcher {
  private final ConfigWatcher cache;
  private final NackTracker streams;

  NackAwareCache(ConfigWatcher cache, NackTracker streams) {
    this.cache = cache;
    this.streams = streams;
  }

  @Override
  public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
      Consumer<Response> responseConsumer, boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    Node node = streams.takeStreamNode();
    DiscoveryRequest.Builder corrected = null;
    if (!request.v3Request().hasNode() && node != null) {
      corrected = request.v3Request().toBuilder().setNode(node);
    }
    if (request.hasErrorDetail()) {
      String rejected = streams.versionSentWith(request.getResponseNonce());
      if (rejected != null) {
        corrected = (corrected == null ? request.v3Request().toBuilder() : corrected)
            .setVersionInfo(rejected);
        knownResourceNames = Set.copyOf(request.getResourceNamesList());
      }
    }
    if (corrected != null) {
      request = XdsRequest.create(corrected.build());
    }
    return cache.createWatch(ads, request, knownResourceNames, responseConsumer,
        hasClusterChanged, allowDefaultEmptyEdsUpdate);
  }

  @Override
  public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
      Map<String, String> resourceVersions, Set<String> pendingResources, boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer, boolean hasClusterChanged) {
    return cache.createDeltaWatch(request, requesterVersion, resourceVersions,
        pendingResources, isWildcard, responseConsumer, hasClusterChanged);
  }
}
