package io.meshtrace.lifecycle;

/** A component could not start; the message names it and says why. */
public final class ComponentStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String component;

  public ComponentStartException(String component, Throwable cause) {
    super("cannot start " + component + ": " + cause.getMessage(), cause);
    this.component = component;
  }

  /** The name of the component that failed. */
  public String component() {
    return component;
  }
}
