package io.meshtrace.query;

/**
 * A query parameter that cannot be used: answered with 400, naming the parameter in the form of
 * the API that was called.
 */
public final class BadQueryParameterException extends RuntimeException {
  private final String parameter;
  private final String problem;

  public BadQueryParameterException(String parameter, String problem) {
    super("unable to parse param '" + parameter + "': " + problem, null, false, false);
    this.parameter = parameter;
    this.problem = problem;
  }

  public String parameter() {
    return parameter;
  }

  /** What is wrong, without the parameter's name. */
  public String problem() {
    return problem;
  }
}
