package io.meshtrace.controlplane.slo;

/**
 * An objective as it is served, and where it comes from.
 *
 * @param source {@value #FILE} or {@value #API}
 * @param overridesFile whether the file has an objective of the same name, which this one
 *     (the API's) hides
 */
public record ServedObjective(Objective objective, String source, boolean overridesFile) {
  public static final String FILE = "file";
  public static final String API = "api";
}
