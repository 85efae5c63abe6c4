package io.meshtrace.controlplane.file;

import java.nio.file.Path;

/**
 * A file that cannot be used: it cannot be read, or its content is not valid. The message names
 * the file and then the problem ({@code /etc/meshtrace/routes.yaml: listener.port: missing (line
 * 2)}), which is what start-up errors show.
 */
public final class UnusableFileException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String problem;

  public UnusableFileException(Path file, String problem) {
    super(file + ": " + problem);
    this.problem = problem;
  }

  /** What is wrong, without the file's name. */
  public String problem() {
    return problem;
  }
}
