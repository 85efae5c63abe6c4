package io.meshtrace.controlplane.xds;

import java.util.List;

/**
 * A gateway routes file that cannot be used. Each problem names the field it is about and its
 * line ({@code routes[1].cluster: 'shop' is not listed under clusters (line 12)}).
 */
public final class InvalidGatewayRoutesException extends Exception {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public InvalidGatewayRoutesException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
