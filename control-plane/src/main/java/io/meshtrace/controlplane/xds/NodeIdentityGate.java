package io.meshtrace.controlplane.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets an ADS stream through only when the client certificate of its connection may speak for
 * the {@code node.cluster} its first request claims ({@link NodeIdentities}); any other stream
 * is closed with PERMISSION_DENIED before envoy-control-plane sees it, so it gets no resources,
 * and is logged (once per identity and cluster, since a refused Envoy keeps retrying) and
 * counted ({@link XdsObserver#nodeIdentityRefused}).
 *
 * <p>The call is handed to the discovery service only once the first request has been judged:
 * until then this listener asks for that one message itself.
 */
final class NodeIdentityGate implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(NodeIdentityGate.class);
  /** Refusals said already; bounded, so that a flood of made-up clusters cannot grow it. */
  private static final int LOGGED_KEPT = 1024;

  private final NodeIdentities identities;
  private final XdsObserver observer;
  private final Set<String> logged = ConcurrentHashMap.newKeySet();

  NodeIdentityGate(NodeIdentities identities, XdsObserver observer) {
    this.identities = identities;
    this.observer = observer;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    List<String> peer = PeerIdentities.of(call.getAttributes().get(
        Grpc.TRANSPORT_ATTR_SSL_SESSION));
    call.request(1);
    return new ServerCall.Listener<>() {
      private ServerCall.Listener<Q> admitted;
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (admitted != null) {
          admitted.onMessage(message);
          return;
        }
        if (refused) {
          return;
        }
        String cluster = message instanceof DiscoveryRequest request && request.hasNode()
            ? request.getNode().getCluster() : null;
        if (cluster == null || !identities.allows(cluster, peer)) {
          refused = true;
          refuse(call, message, cluster, peer);
          return;
        }
        admitted = next.startCall(call, headers);
        if (call.isReady()) {
          admitted.onReady();
        }
        admitted.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (admitted != null) {
          admitted.onHalfClose();
        } else if (!refused) {
          refused = true;
          call.close(Status.OK, new Metadata());
        }
      }

      @Override
      public void onCancel() {
        if (admitted != null) {
          admitted.onCancel();
        }
      }

      @Override
      public void onComplete() {
        if (admitted != null) {
          admitted.onComplete();
        }
      }

      @Override
      public void onReady() {
        if (admitted != null) {
          admitted.onReady();
        }
      }
    };
  }

  private void refuse(ServerCall<?, ?> call, Object message, String cluster,
      List<String> peer) {
    observer.nodeIdentityRefused();
    String node = message instanceof DiscoveryRequest request && request.hasNode()
        ? request.getNode().getId() : "?";
    String claim = cluster == null ? "no node" : "cluster '" + cluster + "'";
    if (logged.size() < LOGGED_KEPT && logged.add(peer + "\n" + claim)) {
      LOG.warn("xDS: refused (PERMISSION_DENIED) a stream from {} claiming {} (node id {}): its "
          + "certificate names {}, which --xds-node-identities does not allow for it",
          call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), claim, node,
          peer.isEmpty() ? "no URI or DNS name" : peer);
    }
    call.close(Status.PERMISSION_DENIED.withDescription("the client certificate ("
        + (peer.isEmpty() ? "no URI or DNS SAN" : String.join(", ", peer))
        + ") may not speak for " + claim), new Metadata());
  }
}
