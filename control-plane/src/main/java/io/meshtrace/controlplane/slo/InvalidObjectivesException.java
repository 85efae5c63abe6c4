package io.meshtrace.controlplane.slo;

import java.util.List;

/**
 * Objectives that cannot be used. Each problem names the field it is about with its line and
 * column ({@code objectives[1].target: 100 is not below 100 (line 9, column 13)}).
 */
public final class InvalidObjectivesException extends Exception {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public InvalidObjectivesException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
