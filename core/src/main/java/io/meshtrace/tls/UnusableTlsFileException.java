package io.meshtrace.tls;

import java.nio.file.Path;

/**
 * One of a listener's PEM files cannot be served: it cannot be read, holds no usable PEM, or the
 * key does not belong to the certificate. Says which file, so that the caller can name the
 * setting that gave it.
 */
public final class UnusableTlsFileException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Which of the {@link TlsFiles} is unusable. */
  public enum Part {
    CERTIFICATE, KEY, CLIENT_CA
  }

  private final Part part;
  private final transient Path file;

  public UnusableTlsFileException(Part part, Path file, String problem) {
    super(problem);
    this.part = part;
    this.file = file;
  }

  public Part part() {
    return part;
  }

  public Path file() {
    return file;
  }
}
