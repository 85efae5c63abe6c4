package io.meshtrace.controlplane.doctor;

/**
 * One thing doctor has to say about a proxy's tracing configuration.
 *
 * @param code a stable identifier for scripts ({@code collector-address}, ...)
 * @param fix what to change, concretely; empty for findings that need nothing done
 * @param path where in the input it is about (a JSON path); empty for the input as a whole
 */
public record Finding(Severity severity, String code, String message, String fix, String path) {

  /** Errors mean spans do not reach meshtrace (exit 1); warnings, that they arrive impaired. */
  public enum Severity {
    ERROR, WARNING, INFO;

    public String label() {
      return name().toLowerCase();
    }
  }
}
