package io.meshtrace.examples.generator;

/** An option the generator cannot run with; names the option (without dashes). */
public final class InvalidOptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String option;

  public InvalidOptionException(String option, String problem) {
    super(problem);
    this.option = option;
  }

  public String option() {
    return option;
  }
}
