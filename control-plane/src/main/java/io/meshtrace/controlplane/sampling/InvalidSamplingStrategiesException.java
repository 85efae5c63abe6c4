package io.meshtrace.controlplane.sampling;

import java.util.List;

/**
 * A strategies document that cannot be used. Each problem names the field it is about
 * ({@code service_strategies[2].param: probability 1.5 is outside [0, 1]}) and, when the document
 * was text, where it stands in it.
 */
public final class InvalidSamplingStrategiesException extends Exception {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public InvalidSamplingStrategiesException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
