package io.meshtrace.controlplane.sampling;

/** The two kinds of strategy in Jaeger's strategies file, by the name the file uses. */
public enum SamplerType {
  /** Samples each trace with a fixed probability: {@code param} is in [0, 1]. */
  PROBABILISTIC("probabilistic"),
  /** Samples at most a number of traces per second: {@code param} is that number, at least 0. */
  RATE_LIMITING("ratelimiting");

  private final String fileName;

  SamplerType(String fileName) {
    this.fileName = fileName;
  }

  /** The {@code type} value in the strategies file. */
  public String fileName() {
    return fileName;
  }

  /** The type named {@code name} in a strategies file, or null when there is none. */
  public static SamplerType ofFileName(String name) {
    for (SamplerType type : values()) {
      if (type.fileName.equals(name)) {
        return type;
      }
    }
    return null;
  }
}
