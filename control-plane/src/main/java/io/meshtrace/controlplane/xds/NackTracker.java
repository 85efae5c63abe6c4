package io.meshtrace.controlplane.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ADS streams Envoys hold open, whose nodes they are, and which version each nonce sent on
 * them carried, so that a NACK can be logged with the version it refused and kept from being
 * answered with that version again ({@link NackAwareCache}). Nodes of other clusters than the
 * one served are logged once each: the cache holds no snapshot for them, so they get nothing.
 *
 * <p>envoy-control-plane calls these callbacks from gRPC threads.
 */
final class NackTracker implements DiscoveryServerCallbacks {
  private static final Logger LOG = LoggerFactory.getLogger(NackTracker.class);
  /** One nonce per response; the latest few per stream are enough to name a NACK's. */
  private static final int NONCES_KEPT = 64;

  private final String nodeCluster;
  private final XdsObserver observer;
  private final Map<Long, Stream> streams = new ConcurrentHashMap<>();
  private final Set<String> ignoredNodes = ConcurrentHashMap.newKeySet();
  /**
   * The node of the stream whose request is being handled. envoy-control-plane runs the request
   * callbacks and then creates the watch on the same thread, so {@link #onV3StreamRequest} hands
   * the stream's node over to {@link NackAwareCache} here.
   */
  private final ThreadLocal<Node> streamNode = new ThreadLocal<>();

  /** An open ADS stream: its node, and the version each nonce it was sent carried. */
  private static final class Stream {
    volatile Node node;
    final Map<String, String> versionByNonce = new ConcurrentHashMap<>();
  }

  /** @param nodeCluster the Envoy node cluster that is served */
  NackTracker(String nodeCluster, XdsObserver observer) {
    this.nodeCluster = nodeCluster;
    this.observer = observer;
  }

  /** {@code cache} with the corrections that need what this tracker knows. */
  ConfigWatcher correcting(ConfigWatcher cache) {
    return new NackAwareCache(cache, this);
  }

  /** The node of the stream whose request this thread handles; once per request. */
  Node takeStreamNode() {
    Node node = streamNode.get();
    streamNode.remove();
    return node;
  }

  /** The version the response with {@code nonce} carried; null when it is not known. */
  String versionSentWith(String nonce) {
    for (Stream stream : streams.values()) {
      String version = stream.versionByNonce.get(nonce);
      if (version != null) {
        return version;
      }
    }
    return null;
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    streams.put(streamId, new Stream());
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    streams.remove(streamId);
    updateConnectedNodes();
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    onStreamClose(streamId, typeUrl);
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    Stream stream = streams.computeIfAbsent(streamId, id -> new Stream());
    streamNode.set(stream.node == null ? request.getNode() : stream.node);
    if (request.hasNode() && stream.node == null) {
      stream.node = request.getNode();
      Node node = request.getNode();
      if (!node.getCluster().equals(nodeCluster)) {
        if (ignoredNodes.add(node.getId() + "\n" + node.getCluster())) {
          LOG.warn("xDS: Envoy node {} gets no configuration: only nodes of cluster '{}' are "
              + "served (--xds-node-cluster to change it)", describe(node), nodeCluster);
        }
      } else {
        LOG.info("xDS: Envoy node {} connected", describe(node));
      }
      updateConnectedNodes();
    }
    if (request.hasErrorDetail()) {
      String rejected = stream.versionByNonce.get(request.getResponseNonce());
      LOG.warn("xDS: Envoy node {} rejected (NACK) {} version {} (nonce {}; it keeps version "
          + "'{}'): {}", describe(stream.node), request.getTypeUrl(),
          rejected == null ? "?" : rejected, request.getResponseNonce(),
          request.getVersionInfo(), request.getErrorDetail().getMessage());
      observer.nack(request.getTypeUrl());
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    // Delta xDS is not offered: only the aggregated state-of-the-world service is bound.
  }

  @Override
  public void onV3StreamResponse(long streamId, DiscoveryRequest request,
      DiscoveryResponse response) {
    Stream stream = streams.get(streamId);
    if (stream != null) {
      if (stream.versionByNonce.size() > NONCES_KEPT) {
        stream.versionByNonce.clear();
      }
      stream.versionByNonce.put(response.getNonce(), response.getVersionInfo());
    }
  }

  private void updateConnectedNodes() {
    observer.connectedNodes((int) streams.values().stream()
        .map(stream -> stream.node)
        .filter(node -> node != null && node.getCluster().equals(nodeCluster))
        .map(Node::getId)
        .distinct()
        .count());
  }

  private static String describe(Node node) {
    return node == null ? "(unknown node)" : "'" + node.getId() + "' (cluster '"
        + node.getCluster() + "')";
  }
}
