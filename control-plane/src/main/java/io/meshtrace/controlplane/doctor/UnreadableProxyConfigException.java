package io.meshtrace.controlplane.doctor;

/** The input is not JSON/YAML, or not one of the proxy configuration shapes doctor reads. */
public final class UnreadableProxyConfigException extends Exception {
  public UnreadableProxyConfigException(String message) {
    super(message);
  }
}
