package io.meshtrace.model;

/**
 * The OTLP attribute keys that carry Zipkin fields which OTLP has no field for. OpenTelemetry
 * semantic conventions where one fits, a {@code zipkin.} prefix where none does. The query API
 * that turns stored spans back into Zipkin JSON reads the same keys; the table in this module's
 * README is the contract between the two.
 */
public final class ZipkinAttributes {
  private ZipkinAttributes() {}

  /** Resource: {@code localEndpoint.serviceName}. */
  public static final String SERVICE_NAME = "service.name";
  /** Resource: {@code localEndpoint.ipv4}, or {@code ipv6} when there is no ipv4. */
  public static final String LOCAL_ADDRESS = "network.local.address";
  /** Resource: {@code localEndpoint.port}. */
  public static final String LOCAL_PORT = "network.local.port";
  /** Resource: {@code localEndpoint.ipv6} when the endpoint has both addresses. */
  public static final String LOCAL_IPV6 = "zipkin.local_endpoint.ipv6";

  /** Span: {@code remoteEndpoint.serviceName}. */
  public static final String PEER_SERVICE = "peer.service";
  /** Span: {@code remoteEndpoint.ipv4}, or {@code ipv6} when there is no ipv4. */
  public static final String PEER_ADDRESS = "network.peer.address";
  /** Span: {@code remoteEndpoint.port}. */
  public static final String PEER_PORT = "network.peer.port";
  /** Span: {@code remoteEndpoint.ipv6} when the endpoint has both addresses. */
  public static final String PEER_IPV6 = "zipkin.remote_endpoint.ipv6";

  /** Span, boolean: the server half of a client/server pair that shares one span ID. */
  public static final String SHARED = "zipkin.shared";
  /** Span, boolean: B3 debug, sampled regardless of sampling decisions. */
  public static final String DEBUG = "zipkin.debug";
  /**
   * Span, boolean: the Zipkin span had no {@code timestamp}. Storage needs a start time (its
   * partition is a day), so the span starts at its first annotation or when it was received;
   * this mark lets the Zipkin API read it back without a timestamp and leave it out of searches,
   * as Zipkin does.
   */
  public static final String TIMESTAMP_ABSENT = "zipkin.timestamp_absent";

  /** The Zipkin tag that marks a failed span; it becomes the OTLP status. */
  public static final String ERROR_TAG = "error";
}
