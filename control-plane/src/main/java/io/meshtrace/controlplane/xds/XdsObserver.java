package io.meshtrace.controlplane.xds;

/**
 * What the xDS server reports as it works, for metrics; the wiring module implements it. Every
 * method has a do-nothing default. Called from gRPC and snapshot threads.
 */
public interface XdsObserver {
  XdsObserver NONE = new XdsObserver() {};

  /** Envoy refused a response ({@code error_detail} set) of this type. */
  default void nack(String typeUrl) {}

  /** A new snapshot version is being served. */
  default void snapshotVersion(long version) {}

  /** Nodes of the served cluster with an open ADS stream, now. */
  default void connectedNodes(int nodes) {}

  /**
   * A stream was refused because its client certificate may not speak for the node cluster it
   * claimed ({@code --xds-node-identities}).
   */
  default void nodeIdentityRefused() {}
}
