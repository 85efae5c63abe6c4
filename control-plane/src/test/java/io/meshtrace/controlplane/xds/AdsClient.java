package io.meshtrace.controlplane.xds;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java ADS client that talks like an Envoy node: one aggregated stream, the node in every
 * request (or in the first only, as Envoy's {@code set_node_on_first_message_only}), wildcard CDS and LDS, RDS by name, and every response ACKed (its version and nonce)
 * or NACKed (the last accepted version, the response's nonce and an error_detail).
 */
public final class AdsClient implements AutoCloseable {
  public static final String CLUSTERS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String LISTENERS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String ROUTES =
      "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  private final ManagedChannel channel;
  private final StreamObserver<DiscoveryRequest> requests;
  private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
  private final List<DiscoveryResponse> pending = new ArrayList<>();
  private final Node node;
  private final boolean nodeOnFirstMessageOnly;
  private boolean sent;

  public AdsClient(int port, String nodeId, String nodeCluster) {
    this(port, nodeId, nodeCluster, false);
  }

  /** @param nodeOnFirstMessageOnly as Envoy's {@code set_node_on_first_message_only} */
  public AdsClient(int port, String nodeId, String nodeCluster, boolean nodeOnFirstMessageOnly) {
    this(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(), nodeId,
        nodeCluster, nodeOnFirstMessageOnly);
  }

  /** Over a channel of the caller's, such as one with TLS and a client certificate. */
  public AdsClient(ManagedChannel channel, String nodeId, String nodeCluster) {
    this(channel, nodeId, nodeCluster, false);
  }

  private AdsClient(ManagedChannel channel, String nodeId, String nodeCluster,
      boolean nodeOnFirstMessageOnly) {
    this.node = Node.newBuilder().setId(nodeId).setCluster(nodeCluster).build();
    this.nodeOnFirstMessageOnly = nodeOnFirstMessageOnly;
    this.channel = channel;
    requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(
        new StreamObserver<>() {
          @Override
          public void onNext(DiscoveryResponse response) {
            received.add(response);
          }

          @Override
          public void onError(Throwable t) {
            received.add(t);
          }

          @Override
          public void onCompleted() {
            received.add(new IllegalStateException("stream completed by the server"));
          }
        });
  }

  /** The first request of a type, as Envoy sends it: no version, no nonce. */
  public void subscribe(String typeUrl, String... names) {
    send(DiscoveryRequest.newBuilder().setTypeUrl(typeUrl).addAllResourceNames(List.of(names)));
  }

  public void ack(DiscoveryResponse response, String... names) {
    send(DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl())
        .addAllResourceNames(List.of(names))
        .setVersionInfo(response.getVersionInfo())
        .setResponseNonce(response.getNonce()));
  }

  /** @param acceptedVersion the last version accepted, which Envoy keeps */
  public void nack(DiscoveryResponse response, String acceptedVersion, String message,
      String... names) {
    send(DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl())
        .addAllResourceNames(List.of(names))
        .setVersionInfo(acceptedVersion)
        .setResponseNonce(response.getNonce())
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message)));
  }

  private synchronized void send(DiscoveryRequest.Builder request) {
    if (!sent || !nodeOnFirstMessageOnly) {
      request.setNode(node);
    }
    sent = true;
    requests.onNext(request.build());
  }

  /** The next response of {@code typeUrl}; others that come first are kept for later. */
  public DiscoveryResponse next(String typeUrl, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Iterator<DiscoveryResponse> it = pending.iterator(); it.hasNext(); ) {
      DiscoveryResponse response = it.next();
      if (response.getTypeUrl().equals(typeUrl)) {
        it.remove();
        return response;
      }
    }
    while (true) {
      long left = deadline - System.nanoTime();
      Object item = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
      if (item == null) {
        return null;
      }
      if (item instanceof Throwable t) {
        throw new IllegalStateException("ADS stream failed", t);
      }
      DiscoveryResponse response = (DiscoveryResponse) item;
      if (response.getTypeUrl().equals(typeUrl)) {
        return response;
      }
      pending.add(response);
    }
  }

  /** Anything received within {@code wait}, of any type (null when nothing came). */
  public DiscoveryResponse anything(Duration wait) throws Exception {
    if (!pending.isEmpty()) {
      return pending.remove(0);
    }
    Object item = received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (item instanceof Throwable t) {
      throw new IllegalStateException("ADS stream failed", t);
    }
    return (DiscoveryResponse) item;
  }

  /** Drops the connection without closing the stream, as an Envoy that is killed. */
  public void abort() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // already closed
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
